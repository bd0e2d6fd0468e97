"""Weakest dimensions: priority = (lower bound of the next level - score) × weight."""

from __future__ import annotations

import pytest

from scoring import WeakDimension, score, weakest_dimensions
from scoring.types import Answer
from tests.scoring.helpers import SEED_SPEC, SPEC_1_5, single


def test_weakest_seed_worked_by_hand() -> None:
    answers = single(
        SEED_SPEC,
        {
            "people": [2, 2, 2],  # 2.0, level 2 -> next 3 at 2.5: gap 0.5 × 0.30 = 0.150
            "development": [1, 1, 1, 1],  # 1.0, level 1 -> next 2 at 1.5: gap 0.5 × 0.25 = 0.125
            "deployment": [0, 0, 0, 1],  # 0.25, level 0 -> next 1 at 0.5: gap 0.25 × 0.25 = 0.0625
            "monitoring": [4, 4, 4, 4, 4],  # 4.0, top level: nothing to gain
        },
    )
    r = score(SEED_SPEC, answers)
    assert r.weakest == (
        WeakDimension("people", "People", 2.0, 2, 3, 0.5, 0.30, pytest.approx(0.15)),  # type: ignore[arg-type]
        WeakDimension("development", "Development", 1.0, 1, 2, 0.5, 0.25, 0.125),
        WeakDimension("deployment", "Deployment", 0.25, 0, 1, 0.25, 0.25, 0.0625),
    )
    assert [w.dimension_id for w in weakest_dimensions(r)] == ["people", "development", "deployment"]
    assert [w.dimension_id for w in weakest_dimensions(r, top=2)] == ["people", "development"]
    assert weakest_dimensions(r, top=0) == ()
    with pytest.raises(ValueError):
        weakest_dimensions(r, top=-1)


def test_weakest_1_5_ties_go_to_the_lower_score() -> None:
    pairs: list[tuple[int | None, int | None]] = [
        (1, 1),  # d1 1.0, level 1 -> next 2 at 1.5: gap 0.5 × 0.15 = 0.075
        (3, 3),  # d2 3.0, level 3 -> next 4 at 3.5: gap 0.5 × 0.20 = 0.100
        (4, 5),  # d3 4.5, level 5: top, left out
        (2, 3),  # d4 2.5, level 3 -> next 4 at 3.5: gap 1.0 × 0.15 = 0.150
        (1, 2),  # d5 1.5, level 2 -> next 3 at 2.5: gap 1.0 × 0.10 = 0.100 (ties d2; lower score first)
        (5, 5),  # d6 5.0, top, left out
        (None, None),  # d7 unscored, left out
    ]
    answers = [
        Answer("solo", f"d{i}{s}", lv) for i, pair in enumerate(pairs, 1) for s, lv in zip("ab", pair, strict=True)
    ]
    r = score(SPEC_1_5, answers)
    assert [(w.dimension_id, w.level, w.next_level) for w in r.weakest] == [
        ("d4", 3, 4),
        ("d5", 2, 3),
        ("d2", 3, 4),
        ("d1", 1, 2),
    ]
    assert [w.priority for w in r.weakest] == pytest.approx([0.15, 0.10, 0.10, 0.075])
    assert [w.gap for w in r.weakest] == pytest.approx([1.0, 1.0, 0.5, 0.5])


def test_weakest_ties_on_priority_and_score_keep_spec_order() -> None:
    # Development and Deployment both 2.0 with weight 0.25: gap 0.5 × 0.25 = 0.125 each.
    # People 3.0: gap 0.5 × 0.30 = 0.15. Monitoring 1.0: gap 0.5 × 0.20 = 0.10.
    answers = single(
        SEED_SPEC,
        {"people": [3, 3, 3], "development": [2] * 4, "deployment": [2] * 4, "monitoring": [1] * 5},
    )
    r = score(SEED_SPEC, answers)
    assert [w.dimension_id for w in r.weakest] == ["people", "development", "deployment", "monitoring"]


def test_gap_is_positive_just_under_a_band_edge() -> None:
    # 2.4 (level 2): next level 3 starts at 2.5, gap 0.1 (float 0.10000000000000009)
    answers = single(SEED_SPEC, {"monitoring": [2, 2, 2, 2, 4]})
    (w,) = score(SEED_SPEC, answers).weakest
    assert (w.level, w.next_level) == (2, 3)
    assert w.gap == pytest.approx(0.1) and w.gap > 0
    assert w.priority == pytest.approx(0.02)
