"""Choosing the improvement roadmap (seed 000) for a maturity level.

Roadmaps are data: Roadmap N takes a team from level N-1 to N (N = 1..4) on the 0–4 reference
scale, and Roadmap 5 is the accelerated 0 -> 3 path. A framework on another scale is mapped onto the
reference scale first (``reference_level``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from scoring.types import FrameworkSpec, Roadmap

__all__ = [
    "REFERENCE_MAX",
    "REFERENCE_MIN",
    "RoadmapChoice",
    "reference_level",
    "select_roadmap",
]

REFERENCE_MIN = 0
REFERENCE_MAX = 4


@dataclass(frozen=True)
class RoadmapChoice:
    current_level: int  # on the 0–4 reference scale
    next: Roadmap | None  # from current_level to current_level + 1; None at the top level (sustain)
    accelerated: Roadmap | None  # the accelerated path starting at current_level, if any (only at 0)

    @property
    def at_top(self) -> bool:
        return self.current_level >= REFERENCE_MAX


def reference_level(spec: FrameworkSpec, level: int) -> int:
    """Map a level of ``spec``'s scale linearly onto the 0–4 reference scale.

    round((level - min) x 4 / (max - min)), computed exactly and rounding halves up; 0–4 is
    unchanged and 1–5 maps to level - 1.
    """
    scale = spec.scale
    if isinstance(level, bool) or not isinstance(level, int):
        raise ValueError(f"level {level!r} is not an integer")
    if not scale.contains(level):
        raise ValueError(f"level {level} is outside the scale {scale.min}–{scale.max}")
    exact = Fraction((level - scale.min) * (REFERENCE_MAX - REFERENCE_MIN), scale.max - scale.min)
    return REFERENCE_MIN + math.floor(exact + Fraction(1, 2))


def _check_level(level: int) -> None:
    if isinstance(level, bool) or not isinstance(level, int):
        raise ValueError(f"reference level {level!r} is not an integer")
    if not REFERENCE_MIN <= level <= REFERENCE_MAX:
        raise ValueError(f"reference level {level} is outside {REFERENCE_MIN}–{REFERENCE_MAX}")


def select_roadmap(roadmaps: Sequence[Roadmap], reference_level: int) -> RoadmapChoice:
    """The roadmap to follow from ``reference_level`` (0–4), and the accelerated one if it applies.

    Raises ValueError for a level outside 0–4, for roadmaps with levels outside 0–4, for two
    roadmaps of the same kind starting at one level, and when no regular roadmap leads out of a
    level below the top.
    """
    _check_level(reference_level)
    regular: dict[int, Roadmap] = {}
    accelerated: dict[int, Roadmap] = {}
    for roadmap in roadmaps:
        for lv in (roadmap.from_level, roadmap.to_level):
            if not REFERENCE_MIN <= lv <= REFERENCE_MAX:
                raise ValueError(f"roadmap {roadmap.number} has level {lv} outside {REFERENCE_MIN}–{REFERENCE_MAX}")
        if roadmap.to_level <= roadmap.from_level:
            raise ValueError(f"roadmap {roadmap.number} goes from level {roadmap.from_level} to {roadmap.to_level}")
        kind = accelerated if roadmap.accelerated else regular
        if roadmap.from_level in kind:
            raise ValueError(
                f"roadmaps {kind[roadmap.from_level].number} and {roadmap.number} both start at level "
                f"{roadmap.from_level}"
            )
        kind[roadmap.from_level] = roadmap

    if reference_level == REFERENCE_MAX:
        return RoadmapChoice(current_level=reference_level, next=None, accelerated=None)
    if reference_level not in regular:
        raise ValueError(f"no roadmap starts at level {reference_level}")
    return RoadmapChoice(
        current_level=reference_level,
        next=regular[reference_level],
        accelerated=accelerated.get(reference_level),
    )
