"""Versions that stay comparable: deltas on the questions a version mapping makes comparable."""

from __future__ import annotations

import pytest

from scoring import Answer, DimensionSpec, FrameworkSpec, Scale, VersionMap, comparability, compare_versions, score

V1 = FrameworkSpec(
    id="team",
    version=1,
    scale=Scale(1, 3),
    level_names=("Low", "Mid", "High"),
    dimensions=(
        DimensionSpec("build", "Build", 0.5, ("b-tests", "b-review")),
        DimensionSpec("run", "Run", 0.5, ("r-alerts", "r-oncall")),
    ),
)
# v2: b-review reworded under a new id, one new question in Run, r-oncall kept.
V2 = FrameworkSpec(
    id="team",
    version=2,
    scale=Scale(1, 3),
    level_names=("Low", "Mid", "High"),
    dimensions=(
        DimensionSpec("build", "Build", 0.5, ("b-tests", "b-code-review")),
        DimensionSpec("run", "Run", 0.5, ("r-alerts", "r-oncall", "r-cost")),
    ),
    changes=VersionMap(
        1,
        (
            ("b-tests", "b-tests"),
            ("b-code-review", "b-review"),
            ("r-alerts", "r-alerts"),
            ("r-oncall", "r-oncall"),
            ("r-cost", None),
        ),
        (("build", "build"), ("run", "run")),
    ),
)


def answers(levels: dict[str, int]) -> list[Answer]:
    return [Answer("ana", q, lv) for q, lv in levels.items()]


def test_one_replaced_and_one_added_question_compare_on_the_rest_with_the_note() -> None:
    before = score(V1, answers({"b-tests": 1, "b-review": 1, "r-alerts": 2, "r-oncall": 2}))
    after = score(V2, answers({"b-tests": 2, "b-code-review": 3, "r-alerts": 2, "r-oncall": 3, "r-cost": 1}))
    comparison = comparability(V1, V2)
    assert comparison.pairs == (
        ("b-tests", "b-tests"),
        ("b-code-review", "b-review"),
        ("r-alerts", "r-alerts"),
        ("r-oncall", "r-oncall"),
    )
    assert (comparison.new, comparison.retired) == (("r-cost",), ())
    assert comparison.note == "1 question new since v1, not in the delta"
    delta = compare_versions(before, after, V2, comparison)
    assert delta.note == "1 question new since v1, not in the delta"
    build, run = delta.dimensions
    assert (build.previous, build.current, build.delta) == (1.0, 2.5, 1.5)  # the reworded question counts
    assert (run.previous, run.current, run.delta) == (2.0, 2.5, 0.5)  # r-cost (1) left out: not 2.0
    assert after.dimension("run").score == 2.0
    assert delta.previous_overall == 1.5 and delta.current_overall == 2.5 and delta.overall_delta == 1.0
    assert (delta.previous_level, delta.current_level, delta.level_changed) == (2, 3, True)


def test_the_same_version_compares_everything_without_a_note() -> None:
    comparison = comparability(V2, V2)
    assert comparison.complete and comparison.note is None
    one = score(V2, answers({"b-tests": 1}))
    two = score(V2, answers({"b-tests": 3}))
    assert compare_versions(one, two, V2, comparison).note is None


def test_retired_questions_and_two_steps_are_followed() -> None:
    v3 = FrameworkSpec(
        id="team",
        version=3,
        scale=Scale(1, 3),
        level_names=("Low", "Mid", "High"),
        dimensions=(DimensionSpec("build", "Build", 1.0, ("b-peer-review", "b-cost")),),
        changes=VersionMap(2, (("b-peer-review", "b-code-review"), ("b-cost", "r-cost")), (("build", "build"),)),
    )
    comparison = comparability(V1, v3, {2: V2.changes})  # type: ignore[dict-item]
    assert comparison.pairs == (("b-peer-review", "b-review"),)
    assert comparison.new == ("b-cost",)
    assert comparison.retired == ("b-tests", "r-alerts", "r-oncall")
    assert comparison.note == "1 question new since v1 and 3 questions of v1 retired, not in the delta"
    # The other way round (an older assessment compared with a newer one) pairs the same questions.
    back = comparability(v3, V1, {2: V2.changes, 3: v3.changes})  # type: ignore[dict-item]
    assert back.pairs == (("b-review", "b-peer-review"),)


def test_without_a_mapping_questions_match_by_id_and_the_note_says_so() -> None:
    v2_unmapped = FrameworkSpec(
        id="team", version=2, scale=V2.scale, level_names=V2.level_names, dimensions=V2.dimensions
    )
    comparison = comparability(V1, v2_unmapped)
    assert not comparison.mapped
    assert comparison.new == ("b-code-review", "r-cost")
    assert comparison.note == (
        "2 questions new since v1 and 1 question of v1 retired, not in the delta "
        "(no mapping from v1: matched by question id)"
    )


def test_a_changed_scale_is_not_compared() -> None:
    v2 = FrameworkSpec(
        id="team",
        version=2,
        scale=Scale(0, 4),
        level_names=("a", "b", "c", "d", "e"),
        dimensions=V1.dimensions,
        changes=VersionMap(1, tuple((q, q) for q in V1.question_ids), (("build", "build"), ("run", "run"))),
    )
    before = score(V1, answers({"b-tests": 1}))
    after = score(v2, answers({"b-tests": 4}))
    delta = compare_versions(before, after, v2, comparability(V1, v2))
    assert delta.overall_delta is None and all(d.delta is None for d in delta.dimensions)
    assert delta.note == "v2 and v1 use different scales: scores are not compared"


def test_different_frameworks_are_refused() -> None:
    other = FrameworkSpec(id="other", version=1, scale=V1.scale, level_names=V1.level_names, dimensions=V1.dimensions)
    with pytest.raises(ValueError, match="different frameworks"):
        comparability(V1, other)
