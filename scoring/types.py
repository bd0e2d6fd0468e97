"""Plain value types the scoring engine works on.

The engine is pure: it knows nothing of Slack, the database or the questionnaire files. The
questionnaire layer (``conversations``) turns its validated files into these types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Scores are rounded to this many decimals before they are banded, so that float noise in a
# weighted sum (1.4999999999999998 for a hand-worked 1.5) never drops a team a level.
BAND_PRECISION = 9


@dataclass(frozen=True)
class Scale:
    """An integer answer scale, e.g. 0–4 or 1–5; levels are the integers min..max."""

    min: int
    max: int

    def __post_init__(self) -> None:
        if self.max <= self.min:
            raise ValueError(f"scale max ({self.max}) must be greater than min ({self.min})")

    @property
    def levels(self) -> range:
        return range(self.min, self.max + 1)

    def contains(self, level: int) -> bool:
        return self.min <= level <= self.max

    def lower_bound(self, level: int) -> float:
        """Inclusive lower bound of a level's band: min for the lowest level, level - 0.5 above it."""
        if not self.contains(level):
            raise ValueError(f"level {level} is outside the scale {self.min}–{self.max}")
        return float(self.min) if level == self.min else level - 0.5

    def level_of(self, score: float) -> int:
        """The band a score falls in; lower bounds inclusive ([0.5, 1.5) -> 1 on 0–4)."""
        if math.isnan(score):
            raise ValueError("score is NaN")
        s = round(score, BAND_PRECISION)
        if s < self.min or s > self.max:
            raise ValueError(f"score {score} is outside the scale {self.min}–{self.max}")
        return min(self.max, self.min + math.floor(s - self.min + 0.5))


@dataclass(frozen=True)
class DimensionSpec:
    id: str
    name: str
    weight: float
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class VersionMap:
    """How a framework version maps onto the version it replaces (``from_version``).

    ``questions`` and ``dimensions``: one (id in this version, id in ``from_version`` or None when it
    is new there) per id of this version, in order. Ids of ``from_version`` not named are retired.
    """

    from_version: int
    questions: tuple[tuple[str, str | None], ...]
    dimensions: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class FrameworkSpec:
    id: str
    version: int
    scale: Scale
    level_names: tuple[str, ...]  # level_names[level - scale.min]
    dimensions: tuple[DimensionSpec, ...]
    changes: VersionMap | None = None  # how the previous version maps onto this one, when the file says

    def level_name(self, level: int) -> str:
        return self.level_names[level - self.scale.min]

    def dimension_of(self, question_id: str) -> DimensionSpec:
        for dim in self.dimensions:
            if question_id in dim.question_ids:
                return dim
        raise KeyError(question_id)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q for d in self.dimensions for q in d.question_ids)


@dataclass(frozen=True)
class Answer:
    """One member's answer to one question; ``level`` None means "don't know"."""

    respondent: str
    question_id: str
    level: int | None


@dataclass(frozen=True)
class Roadmap:
    """An improvement roadmap of seed 000 (Roadmap 1–5)."""

    number: int
    title: str
    from_level: int  # on the 0–4 reference scale
    to_level: int
    duration: str
    cost: str
    team: str
    focus: tuple[str, ...]
    accelerated: bool = False
