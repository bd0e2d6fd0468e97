"""Roadmap selection on the 0–4 reference scale."""

from __future__ import annotations

import dataclasses

import pytest

from scoring import RoadmapChoice, reference_level, select_roadmap
from scoring.types import DimensionSpec, FrameworkSpec, Scale
from tests.scoring.helpers import ROADMAPS, SEED_SPEC, SPEC_1_5

R1, R2, R3, R4, R5 = ROADMAPS


@pytest.mark.parametrize(
    ("level", "next_number", "accelerated_number"),
    [(0, 1, 5), (1, 2, None), (2, 3, None), (3, 4, None), (4, None, None)],
)
def test_select_for_every_level(level: int, next_number: int | None, accelerated_number: int | None) -> None:
    choice = select_roadmap(ROADMAPS, level)
    assert choice.current_level == level
    assert (choice.next.number if choice.next else None) == next_number
    assert (choice.accelerated.number if choice.accelerated else None) == accelerated_number
    if choice.next is not None:
        assert (choice.next.from_level, choice.next.to_level) == (level, level + 1)
    assert choice.at_top is (level == 4)


def test_level_0_offers_the_accelerated_path() -> None:
    assert select_roadmap(ROADMAPS, 0) == RoadmapChoice(0, R1, R5)
    assert R5.accelerated and (R5.from_level, R5.to_level) == (0, 3)


def test_order_of_roadmaps_does_not_matter() -> None:
    assert select_roadmap(tuple(reversed(ROADMAPS)), 0) == RoadmapChoice(0, R1, R5)


@pytest.mark.parametrize(("level", "ref"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)])
def test_reference_level_0_4_is_unchanged(level: int, ref: int) -> None:
    assert reference_level(SEED_SPEC, level) == ref


@pytest.mark.parametrize(("level", "ref", "next_number"), [(1, 0, 1), (2, 1, 2), (3, 2, 3), (4, 3, 4), (5, 4, None)])
def test_1_5_via_reference_level(level: int, ref: int, next_number: int | None) -> None:
    assert reference_level(SPEC_1_5, level) == ref
    choice = select_roadmap(ROADMAPS, reference_level(SPEC_1_5, level))
    assert (choice.next.number if choice.next else None) == next_number
    assert (choice.accelerated is not None) is (level == 1)


def _spec(lo: int, hi: int) -> FrameworkSpec:
    return FrameworkSpec(
        "x",
        1,
        Scale(lo, hi),
        tuple(str(i) for i in range(lo, hi + 1)),
        (DimensionSpec("d", "D", 1.0, ("q",)),),
    )


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (1, 3, [0, 2, 4]),  # (l-1)×4/2
        (0, 3, [0, 1, 3, 4]),  # 0, 1.33, 2.67, 4
        (0, 8, [0, 1, 1, 2, 2, 3, 3, 4, 4]),  # halves round up: 0.5 -> 1, 1.5 -> 2, ...
        (1, 10, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]),  # 0, .44, .89, 1.33, 1.78, 2.22, 2.67, 3.11, 3.56, 4
    ],
)
def test_reference_level_other_scales(lo: int, hi: int, expected: list[int]) -> None:
    spec = _spec(lo, hi)
    assert [reference_level(spec, lv) for lv in range(lo, hi + 1)] == expected


@pytest.mark.parametrize("level", [-1, 5])
def test_reference_level_outside_scale(level: int) -> None:
    with pytest.raises(ValueError, match="outside the scale"):
        reference_level(SEED_SPEC, level)
    with pytest.raises(ValueError, match="outside the scale"):
        reference_level(SPEC_1_5, level + 1 if level > 0 else 0)


@pytest.mark.parametrize("level", [-1, 5, 10])
def test_select_outside_0_4(level: int) -> None:
    with pytest.raises(ValueError, match="outside 0–4"):
        select_roadmap(ROADMAPS, level)


def test_select_validates_the_roadmaps() -> None:
    with pytest.raises(ValueError, match="no roadmap starts at level 2"):
        select_roadmap([R1, R2, R4, R5], 2)
    with pytest.raises(ValueError, match="both start at level 1"):
        select_roadmap([*ROADMAPS, dataclasses.replace(R2, number=6)], 0)
    with pytest.raises(ValueError, match="outside 0–4"):
        select_roadmap([*ROADMAPS, dataclasses.replace(R4, number=7, to_level=5, accelerated=True)], 0)
    with pytest.raises(ValueError, match="goes from level 2 to 2"):
        select_roadmap([dataclasses.replace(R3, to_level=2)], 0)
    # Level 4 needs no roadmap at all.
    assert select_roadmap([], 4) == RoadmapChoice(4, None, None)
