"""A team's target: the gap to it per dimension, the pace it needs and the pace it has shown.

Pure arithmetic on scores and dates (no Slack, no database):

* the gap of a score to a target level = max(0, lower bound of the level - score);
* a dimension is measured against its own target when one is set, else the team's target level;
* pace needed per quarter = gap / quarters left until the due date (a quarter is 91.3125 days,
  a quarter of the mean Gregorian year); None without a due date or once it has passed;
* pace achieved per quarter = (latest overall score - first) / quarters between those two closed
  assessments; None ("not enough history") with fewer than two, or two less than a day apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from scoring.engine import AssessmentScore, default_target
from scoring.types import BAND_PRECISION, Scale

__all__ = [
    "MIN_HISTORY_DAYS",
    "QUARTER_DAYS",
    "DimensionGap",
    "HistoryPoint",
    "TargetProgress",
    "gap_to",
    "pace_achieved",
    "pace_needed",
    "quarters_between",
    "target_progress",
]

QUARTER_DAYS = 91.3125  # 365.25 / 4
MIN_HISTORY_DAYS = 1.0  # a first and latest assessment closer than this show no pace (minutes apart is noise)


@dataclass(frozen=True)
class HistoryPoint:
    """One closed assessment of the team: when it closed, and its overall score."""

    closed_at: datetime
    overall: float


@dataclass(frozen=True)
class DimensionGap:
    dimension_id: str
    name: str
    score: float | None  # None: not scored
    target_level: int  # this dimension's target (its own, or the team's)
    own_target: bool  # True when the dimension has a target of its own
    gap: float | None  # max(0, lower bound - score); None when not scored
    pace_needed: float | None  # gap per quarter until the due date


@dataclass(frozen=True)
class TargetProgress:
    level: int  # the team's target level (set, or the next overall level)
    level_set: bool  # True when a member set it with /maturity target
    due_on: date | None
    overall: float | None
    gap: float | None  # overall gap to the target level
    quarters_left: float | None  # until due_on; None without one, 0 once passed
    pace_needed: float | None  # overall gap per quarter left
    pace_achieved: float | None  # None: not enough history
    history_quarters: float | None  # span of the history pace_achieved is taken over
    dimensions: tuple[DimensionGap, ...]  # spec order

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.quarters_left == 0 and bool(self.gap)

    @property
    def on_pace(self) -> bool | None:
        """Whether the pace shown so far reaches the target in time; None when either is unknown."""
        if self.pace_needed is None or self.pace_achieved is None:
            return None
        return round(self.pace_achieved, BAND_PRECISION) >= round(self.pace_needed, BAND_PRECISION)


def gap_to(scale: Scale, level: int, score: float) -> float:
    """max(0, lower bound of ``level`` - ``score``), banded like ``Scale.level_of`` (float noise just
    under the bound counts as at it). ValueError for a level outside the scale."""
    gap = scale.lower_bound(level) - score
    return 0.0 if round(gap, BAND_PRECISION) <= 0 else gap


def quarters_between(start: date | datetime, end: date | datetime) -> float:
    """The quarters (of 91.3125 days) from ``start`` to ``end``; negative when ``end`` is earlier.
    Dates count from midnight; two datetimes count to the second."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        seconds = (end - start).total_seconds()
    else:
        first = start.date() if isinstance(start, datetime) else start
        last = end.date() if isinstance(end, datetime) else end
        seconds = (last - first).total_seconds()
    return seconds / 86400 / QUARTER_DAYS


def pace_needed(gap: float | None, today: date, due_on: date | None) -> float | None:
    """The gap to close per quarter to reach the target by ``due_on``: 0 when there is no gap, None
    when there is no due date, no gap known, or the date has come."""
    if gap is None or due_on is None:
        return None
    if gap == 0:
        return 0.0
    quarters = quarters_between(today, due_on)
    if quarters <= 0:
        return None
    return gap / quarters


def pace_achieved(history: Sequence[HistoryPoint]) -> tuple[float | None, float | None]:
    """(overall change per quarter from the first closed assessment to the latest, the quarters
    between them); (None, None) with fewer than two, or when they closed less than a day apart."""
    if len(history) < 2:
        return None, None
    ordered = sorted(history, key=lambda p: p.closed_at)
    first, latest = ordered[0], ordered[-1]
    quarters = quarters_between(first.closed_at, latest.closed_at)
    if quarters * QUARTER_DAYS < MIN_HISTORY_DAYS:
        return None, None
    return (latest.overall - first.overall) / quarters, quarters


def target_progress(
    result: AssessmentScore,
    *,
    level: int | None,
    due_on: date | None,
    dimension_levels: Mapping[str, int],
    history: Sequence[HistoryPoint],
    today: date,
) -> TargetProgress | None:
    """Where ``result`` stands against the team's target.

    ``level``: the level set for the team (None: the next overall level); ``dimension_levels``: the
    dimensions' own targets; ``history``: the team's closed assessments of this framework, this one
    included. None when there is no target to measure against (nothing scored and none set).
    ValueError for a level outside the scale."""
    scale = result.scale
    team_level = level if level is not None else default_target(scale, result.level)
    if team_level is None:
        return None
    for value in (team_level, *dimension_levels.values()):
        if not scale.contains(value):
            raise ValueError(f"target level {value} is outside the scale {scale.min}–{scale.max}")
    quarters_left: float | None = None
    if due_on is not None:
        quarters_left = max(0.0, quarters_between(today, due_on))
    dimensions = []
    for dim in result.dimensions:
        own = dimension_levels.get(dim.id)
        dim_level = own if own is not None else team_level
        gap = gap_to(scale, dim_level, dim.score) if dim.score is not None else None
        dimensions.append(
            DimensionGap(
                dimension_id=dim.id,
                name=dim.name,
                score=dim.score,
                target_level=dim_level,
                own_target=own is not None,
                gap=gap,
                pace_needed=pace_needed(gap, today, due_on),
            )
        )
    overall_gap = gap_to(scale, team_level, result.overall) if result.overall is not None else None
    achieved, span = pace_achieved(history)
    return TargetProgress(
        level=team_level,
        level_set=level is not None,
        due_on=due_on,
        overall=result.overall,
        gap=overall_gap,
        quarters_left=quarters_left,
        pace_needed=pace_needed(overall_gap, today, due_on),
        pace_achieved=achieved,
        history_quarters=span,
        dimensions=tuple(dimensions),
    )
