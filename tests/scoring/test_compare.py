"""Deltas between two assessments of one framework."""

from __future__ import annotations

import dataclasses

import pytest

from scoring import AssessmentScore, arrow, compare, format_score, score
from scoring.types import Answer
from tests.scoring.helpers import SEED_SPEC, SPEC_1_5, single


def seed(per_dimension: dict[str, list[int | None]]) -> AssessmentScore:
    return score(SEED_SPEC, single(SEED_SPEC, per_dimension))


PREVIOUS = {  # People 2, Development 1, Deployment unscored, Monitoring 3
    "people": [2, 2, 2],
    "development": [1, 1, 1, 1],
    "monitoring": [3, 3, 3, 3, 3],
}
CURRENT = {  # People 3, Development 1, Deployment 2, Monitoring 2.5
    "people": [3, 3, 3],
    "development": [1, 1, 1, 1],
    "deployment": [2, 2, 2, 2],
    "monitoring": [2, 2, 3, 3, None],
}


def test_compare_worked_by_hand() -> None:
    prev, cur = seed(PREVIOUS), seed(CURRENT)
    # previous: (0.30×2 + 0.25×1 + 0.20×3) / 0.75 = 1.45 / 0.75 = 1.9333 -> level 2
    # current:  0.30×3 + 0.25×1 + 0.25×2 + 0.20×2.5 = 0.9 + 0.25 + 0.5 + 0.5 = 2.15 -> level 2
    assert prev.overall == pytest.approx(1.45 / 0.75)
    assert cur.overall == pytest.approx(2.15)
    d = compare(prev, cur)
    assert d.framework_id == "mlops-seed"
    assert d.overall_delta == 0.22  # shown 1.93 -> 2.15 (the exact change is 0.2167)
    assert (d.previous_level, d.current_level, d.level_changed) == (2, 2, False)
    assert [x.id for x in d.dimensions] == ["people", "development", "deployment", "monitoring"]
    people, development, deployment, monitoring = d.dimensions
    assert (people.previous, people.current, people.delta) == (2.0, 3.0, 1.0)
    assert (people.previous_level, people.current_level, people.level_changed) == (2, 3, True)
    assert development.delta == 0.0 and not development.level_changed
    assert deployment.previous is None and deployment.current == 2.0 and deployment.delta is None
    assert not deployment.level_changed
    assert monitoring.delta == pytest.approx(-0.5)
    assert (monitoring.previous_level, monitoring.current_level, monitoring.level_changed) == (3, 3, False)
    assert d.biggest_gain is people
    assert d.biggest_drop is monitoring
    assert [arrow(x.delta) for x in d.dimensions] == ["▲", "▶", "·", "▼"]
    assert arrow(d.overall_delta) == "▲"
    assert d.dimension("monitoring") is monitoring
    with pytest.raises(KeyError):
        d.dimension("nope")


def test_compare_level_change_and_no_gain_or_drop() -> None:
    low = seed({"people": [1, 1, 1]})  # 1.0, level 1
    high = seed({"people": [1, 1, 1], "development": [4, 4, 4, 4]})
    # (0.30×1 + 0.25×4) / 0.55 = 1.3 / 0.55 = 2.3636 -> level 2
    d = compare(low, high)
    assert (d.previous_level, d.current_level, d.level_changed) == (1, 2, True)
    assert d.overall_delta == 1.36  # shown 1.00 -> 2.36 (the exact change is 1.3636)
    assert d.dimension("people").delta == 0.0
    assert d.biggest_gain is None and d.biggest_drop is None  # the only known delta is 0


def test_compare_against_itself() -> None:
    r = seed(CURRENT)
    d = compare(r, r)
    assert d.overall_delta == 0.0 and not d.level_changed
    assert d.biggest_gain is None and d.biggest_drop is None


def test_compare_with_missing_overall() -> None:
    empty = score(SEED_SPEC, [])
    d = compare(empty, seed(CURRENT))
    assert d.overall_delta is None and d.previous_level is None and not d.level_changed
    assert all(x.delta is None for x in d.dimensions)


def test_biggest_gain_ties_go_to_spec_order() -> None:
    prev = seed({"people": [1, 1, 1], "development": [1, 1, 1, 1], "deployment": [3, 3, 3, 3]})
    cur = seed({"people": [2, 2, 2], "development": [2, 2, 2, 2], "deployment": [2, 2, 2, 2]})
    d = compare(prev, cur)
    assert d.biggest_gain is not None and d.biggest_gain.id == "people"
    assert d.biggest_drop is not None and d.biggest_drop.id == "deployment"


def test_dimensions_matched_by_id_across_versions() -> None:
    prev = seed(PREVIOUS)
    spec2 = dataclasses.replace(SEED_SPEC, version=2, dimensions=SEED_SPEC.dimensions[:3])
    cur = score(spec2, single(spec2, {"people": [4, 4, 4]}))
    d = compare(prev, cur)
    assert [x.id for x in d.dimensions] == ["people", "development", "deployment", "monitoring"]
    assert d.dimension("people").delta == 2.0
    gone = d.dimension("monitoring")  # only in the previous version
    assert (gone.previous, gone.current, gone.delta) == (3.0, None, None)


def test_compare_different_frameworks() -> None:
    with pytest.raises(ValueError, match="different frameworks"):
        compare(seed(PREVIOUS), score(SPEC_1_5, []))


@pytest.mark.parametrize(
    ("delta", "symbol"),
    [
        (None, "·"),
        (0.0, "▶"),
        (0.005, "▶"),
        (-0.005, "▶"),
        (0.0051, "▲"),
        (0.5, "▲"),
        (-0.0051, "▼"),
        (-2.0, "▼"),
    ],
)
def test_arrow(delta: float | None, symbol: str) -> None:
    assert arrow(delta) == symbol


@pytest.mark.parametrize(
    ("before", "after", "delta"),
    [
        ([0, 0, 0, 0], [1, 2, 2, 2], 1.75),
        # the case: 0.00 -> 1.625 is shown 0.00 -> 1.63, so the delta is +1.63 (the exact 1.625
        # written with "%+.2f" gave +1.62: the float 1.625 - 0 formats half to even)
        ([0, 0, 0, 0], [1, 2, 2, 1.5], 1.63),
        ([1, 1, 1, 1], [1, 1, 1, 1.02], 0.01),  # 1.00 -> 1.01 (exact 0.005) is a change of 0.01
        ([2, 2, 2, 2], [1.98, 2, 2, 2], 0.0),  # 2.00 -> 1.995, shown 2.00 (half up): no change
        ([2, 2, 2, 2], [1.97, 2, 2, 2], -0.01),  # 2.00 -> 1.9925, shown 1.99
    ],
)
def test_deltas_are_the_difference_of_the_scores_as_shown(
    before: list[float], after: list[float], delta: float
) -> None:
    """Deployment's mean is built from question means; fractional levels come from several respondents."""

    def with_deployment(means: list[float]) -> AssessmentScore:
        # 100 respondents: a question mean m is round(m * 100) levels of 1 over 100 answers (+1 level offset)
        answers = []
        for qid, mean in zip(SEED_SPEC.dimension_of("ds1").question_ids, means, strict=True):
            whole, extra = int(mean), round((mean - int(mean)) * 100)
            answers += [Answer(f"r{i}", qid, whole + (1 if i < extra else 0)) for i in range(100)]
        return score(SEED_SPEC, answers)

    prev, cur = with_deployment(before), with_deployment(after)
    d = compare(prev, cur).dimension("deployment")
    assert d.delta == delta
    assert float(format_score(cur.dimension("deployment").score)) - float(
        format_score(prev.dimension("deployment").score)
    ) == pytest.approx(delta)
