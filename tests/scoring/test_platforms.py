"""scoring.platforms: the weighted platform comparison, worked by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import format_score
from scoring.platforms import (
    CriteriaSpec,
    CriterionSpec,
    SubCriterionSpec,
    Submission,
    compare_platforms,
    criterion_scores,
    platform_key,
    weighted_total,
)

# Seed 004's shape: Technical 40% (5 sub-criteria), Business 25% (4), Operational 20% (4), Strategic 15% (4).
SPEC = CriteriaSpec(
    version=1,
    criteria=(
        CriterionSpec("technical", "Technical", 0.40, tuple(SubCriterionSpec(f"t{i}", f"T{i}") for i in range(1, 6))),
        CriterionSpec("business", "Business", 0.25, tuple(SubCriterionSpec(f"b{i}", f"B{i}") for i in range(1, 5))),
        CriterionSpec(
            "operational", "Operational", 0.20, tuple(SubCriterionSpec(f"o{i}", f"O{i}") for i in range(1, 5))
        ),
        CriterionSpec("strategic", "Strategic", 0.15, tuple(SubCriterionSpec(f"s{i}", f"S{i}") for i in range(1, 5))),
    ),
)


def scores(t: list[int], b: list[int], o: list[int], s: list[int]) -> dict[str, int]:
    out = {f"t{i}": v for i, v in enumerate(t, 1)}
    out |= {f"b{i}": v for i, v in enumerate(b, 1)}
    out |= {f"o{i}": v for i, v in enumerate(o, 1)}
    out |= {f"s{i}": v for i, v in enumerate(s, 1)}
    return out


# The two members' scores the integration test submits too (there with the shipped ids).
ANA_VERTEX = scores([4, 4, 5, 3, 4], [3, 4, 3, 4], [4, 3, 4, 5], [3, 3, 4, 2])
BEN_VERTEX = scores([2, 4, 5, 3, 4], [3, 3, 3, 3], [4, 4, 4, 4], [3, 3, 3, 3])
ANA_SAGEMAKER = scores([3] * 5, [3] * 4, [3] * 4, [3] * 4)
BEN_SAGEMAKER = scores([3] * 5, [3] * 4, [3] * 4, [4, 3, 3, 5])


def test_one_members_total_by_hand() -> None:
    # Technical (4+4+5+3+4)/5 = 4.0, Business (3+4+3+4)/4 = 3.5, Operational (4+3+4+5)/4 = 4.0,
    # Strategic (3+3+4+2)/4 = 3.0 -> 0.40*4.0 + 0.25*3.5 + 0.20*4.0 + 0.15*3.0 = 1.6 + 0.875 + 0.8 + 0.45 = 3.725
    assert criterion_scores(SPEC, ANA_VERTEX) == {
        "technical": 4.0,
        "business": 3.5,
        "operational": 4.0,
        "strategic": 3.0,
    }
    assert weighted_total(SPEC, ANA_VERTEX) == pytest.approx(3.725)
    # Ben: 3.6, 3.0, 4.0, 3.0 -> 1.44 + 0.75 + 0.8 + 0.45 = 3.44
    assert weighted_total(SPEC, BEN_VERTEX) == pytest.approx(3.44)


def test_ranked_comparison_by_hand() -> None:
    result = compare_platforms(
        SPEC,
        [
            Submission("ana", "Vertex AI", ANA_VERTEX),
            Submission("ben", "vertex  ai", BEN_VERTEX),  # the same platform, spelled differently
            Submission("ana", "SageMaker", ANA_SAGEMAKER),
            Submission("ben", "SageMaker", BEN_SAGEMAKER),
        ],
    )
    vertex, sagemaker = result.ranked
    # Vertex: mean of the members' totals (3.725 + 3.44) / 2 = 3.5825
    assert vertex.key == "vertex ai"
    assert vertex.score == pytest.approx(3.5825)
    assert vertex.member_totals == pytest.approx({"ana": 3.725, "ben": 3.44})
    # per-criterion means: Technical (4.0 + 3.6)/2 = 3.8, Business 3.25, Operational 4.0, Strategic 3.0
    assert vertex.criterion_scores == pytest.approx(
        {"technical": 3.8, "business": 3.25, "operational": 4.0, "strategic": 3.0}
    )
    # ... and they add up to the score: 0.4*3.8 + 0.25*3.25 + 0.2*4.0 + 0.15*3.0 = 3.5825
    assert math.fsum(c.weight * vertex.criterion_scores[c.id] for c in SPEC.criteria) == pytest.approx(vertex.score)
    # SageMaker: Ana 3.0; Ben Strategic (4+3+3+5)/4 = 3.75 -> 1.2 + 0.75 + 0.6 + 0.5625 = 3.1125; mean 3.05625
    assert sagemaker.score == pytest.approx(3.05625)
    assert (format_score(vertex.score), format_score(sagemaker.score)) == ("3.58", "3.06")
    # disagreements: spread >= 2 on one sub-criterion
    assert [(d.sub_id, d.low, d.high) for d in vertex.disagreements] == [("t1", 2, 4)]
    assert [(d.sub_id, d.low, d.high, d.spread) for d in sagemaker.disagreements] == [("s4", 3, 5, 2)]
    assert result.members == {"ana", "ben"}
    assert result.leader is vertex


def test_a_later_submission_by_the_same_member_replaces_the_earlier() -> None:
    result = compare_platforms(
        SPEC,
        [
            Submission("ana", "Vertex AI", {k: 1 for k in ANA_VERTEX}),
            Submission("ana", "VERTEX AI", ANA_VERTEX),
        ],
    )
    (vertex,) = result.ranked
    assert vertex.members == 1
    assert vertex.score == pytest.approx(3.725)
    assert vertex.name == "Vertex AI"  # the first spelling is shown


def test_ties_rank_by_name_and_disagreements_by_spread_then_order() -> None:
    flat = {k: 3 for k in ANA_VERTEX}
    result = compare_platforms(
        SPEC,
        [
            Submission("ana", "Alpha", flat),
            Submission("ben", "Alpha", dict(flat, t2=1, b1=4, o3=5)),
            Submission("cat", "Alpha", dict(flat, b1=1)),
        ],
    )
    (alpha,) = result.ranked
    # b1 spans 1..4 (3), t2 1..3 (2), o3 3..5 (2): widest first, then in criteria order
    assert [(d.sub_id, d.spread) for d in alpha.disagreements] == [("b1", 3), ("t2", 2), ("o3", 2)]
    tie = compare_platforms(SPEC, [Submission("ana", "Zeta", flat), Submission("ana", "alpha", flat)])
    assert [p.name for p in tie.ranked] == ["alpha", "Zeta"]


def test_platform_key_ignores_case_and_spacing() -> None:
    assert platform_key("  Vertex   AI ") == platform_key("vertex ai") == "vertex ai"


def test_invalid_scores_and_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        weighted_total(SPEC, {"t1": 3})
    with pytest.raises(ValueError, match="1–5"):
        weighted_total(SPEC, dict(ANA_VERTEX, t1=6))
    with pytest.raises(ValueError, match="1–5"):
        weighted_total(SPEC, dict(ANA_VERTEX, t1=True))
    with pytest.raises(ValueError, match="sum to"):
        CriteriaSpec(1, (CriterionSpec("a", "A", 0.5, (SubCriterionSpec("x", "X"),)),))
    with pytest.raises(ValueError, match="unique"):
        CriteriaSpec(
            1,
            (
                CriterionSpec("a", "A", 0.5, (SubCriterionSpec("x", "X"),)),
                CriterionSpec("b", "B", 0.5, (SubCriterionSpec("x", "X"),)),
            ),
        )


score_values = st.integers(1, 5)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.fixed_dictionaries({k: score_values for k in ANA_VERTEX}), min_size=1, max_size=5))
def test_score_is_the_weighted_sum_of_criterion_means_and_stays_on_the_scale(members: list[dict[str, int]]) -> None:
    result = compare_platforms(SPEC, [Submission(f"u{i}", "P", s) for i, s in enumerate(members)])
    (p,) = result.ranked
    assert 1 - 1e-9 <= p.score <= 5 + 1e-9
    assert p.score == pytest.approx(math.fsum(c.weight * p.criterion_scores[c.id] for c in SPEC.criteria))
    assert p.score == pytest.approx(math.fsum(p.member_totals.values()) / len(members))
    for d in p.disagreements:
        given_scores = [s[d.sub_id] for s in members]
        assert (d.low, d.high) == (min(given_scores), max(given_scores))
        assert d.spread >= 2
