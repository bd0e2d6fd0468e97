"""Weakest dimensions: priority = (lower bound of the team's target level - score) × weight.

The target is the next overall level above the team's level (the top level for a team already
there) unless one is given. Every table row below is worked by hand in its comment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from scoring import WeakDimension, default_target, retarget, score, weakest_dimensions
from scoring.types import Answer, Scale
from tests.scoring.helpers import SEED_SPEC, SPEC_1_5, single

# People 2.0, Development 1.0, Deployment 0.25, Monitoring 4.0:
# overall 0.30×2 + 0.25×1 + 0.25×0.25 + 0.20×4 = 1.7125 -> Level 2.
MIXED = {"people": [2, 2, 2], "development": [1, 1, 1, 1], "deployment": [0, 0, 0, 1], "monitoring": [4] * 5}

SEED_TABLE: list[tuple[str, Mapping[str, Sequence[int | None]], int | None, int, list[tuple[str, float, float]]]] = [
    # (case, answers, target given, target used, [(dimension, gap, priority), ...] highest first)
    (
        "Level 2 team, target the next level 3 (lower bound 2.5)",
        MIXED,
        None,
        3,
        # Deployment 2.25 × 0.25 = 0.5625; Development 1.5 × 0.25 = 0.375; People 0.5 × 0.30 = 0.15;
        # Monitoring 4.0 is above 2.5: not listed.
        [("deployment", 2.25, 0.5625), ("development", 1.5, 0.375), ("people", 0.5, 0.15)],
    ),
    (
        "the same team with target 2 (lower bound 1.5)",
        MIXED,
        2,
        2,
        # Deployment 1.25 × 0.25 = 0.3125; Development 0.5 × 0.25 = 0.125; People 2.0 is above 1.5.
        [("deployment", 1.25, 0.3125), ("development", 0.5, 0.125)],
    ),
    (
        "the same team with target 4 (lower bound 3.5)",
        MIXED,
        4,
        4,
        # Deployment 3.25 × 0.25 = 0.8125; Development 2.5 × 0.25 = 0.625; People 1.5 × 0.30 = 0.45.
        [("deployment", 3.25, 0.8125), ("development", 2.5, 0.625), ("people", 1.5, 0.45)],
    ),
    (
        "Level 4 team: the target is the top level itself (lower bound 3.5)",
        # overall 0.30×3 + 0.70×4 = 3.7 -> Level 4; People 3.0: 0.5 × 0.30 = 0.15.
        {"people": [3, 3, 3], "development": [4] * 4, "deployment": [4] * 4, "monitoring": [4] * 5},
        None,
        4,
        [("people", 0.5, 0.15)],
    ),
    (
        "Level 0 team, target 1 (lower bound 0.5)",
        # overall 0.25×1 = 0.25 -> Level 0; People 0.5 × 0.30 = 0.15, Development 0.5 × 0.25 = 0.125,
        # Monitoring 0.5 × 0.20 = 0.10; Deployment 1.0 is above 0.5.
        {"people": [0, 0, 0], "development": [0] * 4, "deployment": [1] * 4, "monitoring": [0] * 5},
        None,
        1,
        [("people", 0.5, 0.15), ("development", 0.5, 0.125), ("monitoring", 0.5, 0.1)],
    ),
    (
        "a dimension exactly at the lower bound is not listed",
        # overall 0.6 + 0.625 + 0.5 + 0.4 = 2.125 -> Level 2, target 3 at 2.5; Development is 2.5.
        {"people": [2, 2, 2], "development": [2, 3, 2, 3], "deployment": [2] * 4, "monitoring": [2] * 5},
        None,
        3,
        [("people", 0.5, 0.15), ("deployment", 0.5, 0.125), ("monitoring", 0.5, 0.1)],
    ),
    (
        "equal priority and score keep spec order",
        # overall 0.9 + 0.5 + 0.5 + 0.2 = 2.1 -> Level 2, target 3: Monitoring 1.5 × 0.20 = 0.30,
        # Development and Deployment 0.5 × 0.25 = 0.125 each (spec order); People 3.0 not listed.
        {"people": [3, 3, 3], "development": [2] * 4, "deployment": [2] * 4, "monitoring": [1] * 5},
        None,
        3,
        [("monitoring", 1.5, 0.3), ("development", 0.5, 0.125), ("deployment", 0.5, 0.125)],
    ),
]


@pytest.mark.parametrize(
    ("answers", "target", "used", "expected"), [row[1:] for row in SEED_TABLE], ids=[row[0] for row in SEED_TABLE]
)
def test_weakest_seed_table(
    answers: Mapping[str, Sequence[int | None]],
    target: int | None,
    used: int,
    expected: list[tuple[str, float, float]],
) -> None:
    r = score(SEED_SPEC, single(SEED_SPEC, answers), target=target)
    assert r.target_level == used
    assert [(w.dimension_id, w.gap, w.priority) for w in r.weakest] == [
        (d, pytest.approx(gap), pytest.approx(priority)) for d, gap, priority in expected
    ]
    assert all(w.target_level == w.next_level == used for w in r.weakest)
    # the same ranking from a result scored without a target, then retargeted
    assert retarget(score(SEED_SPEC, single(SEED_SPEC, answers)), target).weakest == r.weakest


def test_demo_case_people_and_process_ranks_first() -> None:
    """The demo's team: People & Process at 1.48 is its only Level 1 dimension, in a Level 2 team.

    25 respondents. People: 12 answer 2 and 13 answer 1 to each question -> 37/25 = 1.48.
    Development: 1 answers 3, 24 answer 2 -> 2.04. Deployment and Monitoring: 4 answer 3,
    21 answer 2 -> 2.16. Overall 0.30×1.48 + 0.25×2.04 + 0.25×2.16 + 0.20×2.16 = 1.926 -> Level 2,
    target 3 at 2.5:
      People      (2.5 - 1.48) × 0.30 = 0.306
      Development (2.5 - 2.04) × 0.25 = 0.115
      Deployment  (2.5 - 2.16) × 0.25 = 0.085
      Monitoring  (2.5 - 2.16) × 0.20 = 0.068
    (The old rule measured People against its own next band, 1.5: 0.02 × 0.30 = 0.006, last.)
    """
    high = {"people": 12, "development": 1, "deployment": 4, "monitoring": 4}
    low = {"people": 1, "development": 2, "deployment": 2, "monitoring": 2}
    answers = [
        Answer(f"r{i}", qid, low[dim.id] + 1 if i < high[dim.id] else low[dim.id])
        for dim in SEED_SPEC.dimensions
        for qid in dim.question_ids
        for i in range(25)
    ]
    r = score(SEED_SPEC, answers)
    assert r.overall == pytest.approx(1.926) and r.level == 2
    assert r.dimension("people").score == pytest.approx(1.48) and r.dimension("people").level == 1
    assert [(w.dimension_id, w.priority) for w in r.weakest] == [
        ("people", pytest.approx(0.306)),
        ("development", pytest.approx(0.115)),
        ("deployment", pytest.approx(0.085)),
        ("monitoring", pytest.approx(0.068)),
    ]


def test_weakest_1_5_ties_go_to_the_lower_score() -> None:
    pairs: list[tuple[int | None, int | None]] = [
        (3, 3),  # d1 3.0 (w 0.15): 0.5 × 0.15 = 0.075
        (3, 3),  # d2 3.0 (w 0.20): 0.5 × 0.20 = 0.100
        (4, 4),  # d3 4.0: above 3.5, left out
        (4, 4),  # d4 4.0: left out
        (2, 3),  # d5 2.5 (w 0.10): 1.0 × 0.10 = 0.100 (ties d2; the lower score first)
        (4, 4),  # d6 4.0: left out
        (None, None),  # d7 unscored, left out
    ]
    # overall (0.45 + 0.6 + 0.8 + 0.6 + 0.25 + 0.4) / 0.9 = 3.444 -> Level 3, target 4 at 3.5
    answers = [
        Answer("solo", f"d{i}{s}", lv) for i, pair in enumerate(pairs, 1) for s, lv in zip("ab", pair, strict=True)
    ]
    r = score(SPEC_1_5, answers)
    assert (r.level, r.target_level) == (3, 4)
    assert [w.dimension_id for w in r.weakest] == ["d5", "d2", "d1"]
    assert [w.priority for w in r.weakest] == pytest.approx([0.10, 0.10, 0.075])
    assert [w.gap for w in r.weakest] == pytest.approx([1.0, 0.5, 0.5])
    # target 1 on 1–5: its lower bound is the scale's minimum, nothing is below it
    assert score(SPEC_1_5, answers, target=1).weakest == ()


def test_weakest_dimensions_top() -> None:
    r = score(SEED_SPEC, single(SEED_SPEC, MIXED))
    assert r.weakest[0] == WeakDimension("deployment", "Deployment", 0.25, 0, 3, 2.25, 0.25, 0.5625)
    assert [w.dimension_id for w in weakest_dimensions(r, top=2)] == ["deployment", "development"]
    assert weakest_dimensions(r, top=0) == ()
    with pytest.raises(ValueError):
        weakest_dimensions(r, top=-1)


def test_gap_is_positive_just_under_a_band_edge() -> None:
    # Monitoring alone at 2.4 (level 2), target 3 at 2.5: gap 0.1 (float 0.10000000000000009)
    answers = single(SEED_SPEC, {"monitoring": [2, 2, 2, 2, 4]})
    (w,) = score(SEED_SPEC, answers).weakest
    assert (w.level, w.target_level) == (2, 3)
    assert w.gap == pytest.approx(0.1) and w.gap > 0
    assert w.priority == pytest.approx(0.02)


def test_nothing_scored_has_no_target() -> None:
    r = score(SEED_SPEC, [])
    assert r.target_level is None and r.weakest == ()


@pytest.mark.parametrize("target", [-1, 5, True, 2.5])
def test_target_outside_the_scale_is_refused(target: object) -> None:
    with pytest.raises(ValueError, match="target level"):
        score(SEED_SPEC, single(SEED_SPEC, MIXED), target=target)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="target level"):
        retarget(score(SEED_SPEC, []), target)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scale", "level", "target"),
    [(Scale(0, 4), 0, 1), (Scale(0, 4), 2, 3), (Scale(0, 4), 4, 4), (Scale(1, 5), 1, 2), (Scale(1, 5), 5, 5)],
)
def test_default_target(scale: Scale, level: int, target: int) -> None:
    assert default_target(scale, level) == target
    assert default_target(scale, None) is None
