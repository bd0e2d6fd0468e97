"""Comparing two assessments of the same framework.

Every delta is the change *as shown* (:func:`scoring.formatting.shown_delta`): the difference of
the two scores rounded to two decimals, so a delta printed beside two scores always equals the
difference of the printed scores, on every surface that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.engine import AssessmentScore
from scoring.formatting import shown_delta

__all__ = ["ARROW_THRESHOLD", "AssessmentDelta", "DimensionDelta", "arrow", "compare"]

# A delta (two decimals, as shown) within this of zero is "no change": deltas are 0 or at least 0.01.
ARROW_THRESHOLD = 0.005


@dataclass(frozen=True)
class DimensionDelta:
    id: str
    name: str
    previous: float | None
    current: float | None
    delta: float | None  # current - previous as shown (each rounded to 2 decimals); None if either is unscored
    previous_level: int | None
    current_level: int | None
    level_changed: bool  # both levels known and different


@dataclass(frozen=True)
class AssessmentDelta:
    framework_id: str
    previous_overall: float | None
    current_overall: float | None
    overall_delta: float | None  # as shown, like DimensionDelta.delta
    previous_level: int | None
    current_level: int | None
    level_changed: bool
    dimensions: tuple[DimensionDelta, ...]  # current spec order, then dimensions only in previous
    biggest_gain: DimensionDelta | None  # largest positive delta
    biggest_drop: DimensionDelta | None  # most negative delta
    # Two versions of the framework: what the delta leaves out, in one line (scoring.versions).
    note: str | None = None

    def dimension(self, dimension_id: str) -> DimensionDelta:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)


def _diff(previous: float | None, current: float | None) -> float | None:
    delta = shown_delta(previous, current)
    return None if delta is None else float(delta)


def _changed(previous: int | None, current: int | None) -> bool:
    return previous is not None and current is not None and previous != current


def compare(previous: AssessmentScore, current: AssessmentScore) -> AssessmentDelta:
    """Per-dimension and overall changes from ``previous`` to ``current``.

    Dimensions are matched by id (the framework version may differ). Raises ValueError when the
    two assessments are of different frameworks.
    """
    if previous.framework_id != current.framework_id:
        raise ValueError(
            f"cannot compare assessments of different frameworks: "
            f"{previous.framework_id!r} and {current.framework_id!r}"
        )
    prev_dims = {d.id: d for d in previous.dimensions}
    cur_ids = {d.id for d in current.dimensions}
    deltas: list[DimensionDelta] = []
    for cur in current.dimensions:
        prev = prev_dims.get(cur.id)
        p_score = prev.score if prev is not None else None
        p_level = prev.level if prev is not None else None
        deltas.append(
            DimensionDelta(
                id=cur.id,
                name=cur.name,
                previous=p_score,
                current=cur.score,
                delta=_diff(p_score, cur.score),
                previous_level=p_level,
                current_level=cur.level,
                level_changed=_changed(p_level, cur.level),
            )
        )
    for prev in previous.dimensions:
        if prev.id not in cur_ids:
            deltas.append(
                DimensionDelta(
                    id=prev.id,
                    name=prev.name,
                    previous=prev.score,
                    current=None,
                    delta=None,
                    previous_level=prev.level,
                    current_level=None,
                    level_changed=False,
                )
            )

    biggest_gain: DimensionDelta | None = None
    biggest_drop: DimensionDelta | None = None
    gain = drop = 0.0  # the biggest gain and drop so far (0: none yet; only a change counts)
    for d in deltas:  # strict comparisons: ties go to the first in spec order
        if d.delta is None:
            continue
        if d.delta > gain:
            biggest_gain, gain = d, d.delta
        if d.delta < drop:
            biggest_drop, drop = d, d.delta

    return AssessmentDelta(
        framework_id=current.framework_id,
        previous_overall=previous.overall,
        current_overall=current.overall,
        overall_delta=_diff(previous.overall, current.overall),
        previous_level=previous.level,
        current_level=current.level,
        level_changed=_changed(previous.level, current.level),
        dimensions=tuple(deltas),
        biggest_gain=biggest_gain,
        biggest_drop=biggest_drop,
    )


def arrow(delta: float | None) -> str:
    """ "▲" for a rise above +0.005, "▼" for a fall below -0.005, "▶" otherwise, "·" for None."""
    if delta is None:
        return "·"
    if delta > ARROW_THRESHOLD:
        return "▲"
    if delta < -ARROW_THRESHOLD:
        return "▼"
    return "▶"
