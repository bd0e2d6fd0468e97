"""Gap, pace needed and pace achieved against a team's target, worked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scoring import score
from scoring.targets import (
    QUARTER_DAYS,
    HistoryPoint,
    gap_to,
    pace_achieved,
    pace_needed,
    quarters_between,
    target_progress,
)
from scoring.types import Scale
from tests.scoring.helpers import SEED_SPEC, single

S04, S15 = Scale(0, 4), Scale(1, 5)


@pytest.mark.parametrize(
    ("scale", "level", "value", "gap"),
    [
        (S04, 3, 2.0, 0.5),  # lower bound of Level 3 is 2.5
        (S04, 3, 2.5, 0.0),  # at the bound: no gap
        (S04, 3, 3.2, 0.0),  # above: no gap, never negative
        (S04, 0, 0.0, 0.0),  # the lowest level's bound is the scale's minimum
        (S04, 4, 1.25, 2.25),
        (S04, 4, 3.4999999999999996, 0.0),  # float noise under the bound counts as at it
        (S15, 1, 1.0, 0.0),
        (S15, 2, 1.0, 0.5),
        (S15, 5, 3.1, 1.4),
    ],
)
def test_gap_to_a_level(scale: Scale, level: int, value: float, gap: float) -> None:
    assert gap_to(scale, level, value) == pytest.approx(gap)


def test_gap_to_a_level_outside_the_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the scale"):
        gap_to(S04, 5, 1.0)


@pytest.mark.parametrize(
    ("start", "end", "quarters"),
    [
        (date(2030, 1, 1), date(2034, 1, 1), 16.0),  # 1461 days (one leap day) = 4 x 365.25
        (date(2030, 1, 1), date(2030, 1, 1), 0.0),
        (date(2030, 4, 2), date(2030, 1, 1), -91 / QUARTER_DAYS),
        (datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 7, 2, 15, tzinfo=UTC), 2.0),  # 182.625 days
        (datetime(2030, 1, 1, 18, tzinfo=UTC), date(2030, 4, 2), 91 / QUARTER_DAYS),  # a date and a datetime: days
    ],
)
def test_quarters_between(start: date, end: date, quarters: float) -> None:
    assert quarters_between(start, end) == pytest.approx(quarters)


@pytest.mark.parametrize(
    ("gap", "today", "due", "pace"),
    [
        (0.6, date(2030, 1, 1), date(2034, 1, 1), 0.0375),  # 0.6 over 16 quarters
        (1.2, date(2030, 1, 1), date(2031, 1, 1), 1.2 / (365 / QUARTER_DAYS)),  # 365 days = 3.997 quarters
        (0.0, date(2030, 1, 1), date(2031, 1, 1), 0.0),  # no gap: nothing to do
        (0.0, date(2030, 1, 1), date(2029, 1, 1), 0.0),
        (0.6, date(2030, 1, 1), None, None),  # no due date
        (None, date(2030, 1, 1), date(2031, 1, 1), None),  # not scored
        (0.6, date(2030, 1, 1), date(2030, 1, 1), None),  # the day has come
        (0.6, date(2030, 1, 2), date(2030, 1, 1), None),  # and gone
    ],
)
def test_pace_needed(gap: float | None, today: date, due: date | None, pace: float | None) -> None:
    got = pace_needed(gap, today, due)
    assert got == (pytest.approx(pace) if pace is not None else None)


def _at(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("points", "pace", "span"),
    [
        ([], None, None),
        ([(_at("2030-01-01"), 1.0)], None, None),  # one assessment: not enough history
        ([(_at("2030-01-01"), 1.0), (_at("2030-07-02", 15), 1.845)], 0.4225, 2.0),  # +0.845 over 2 quarters
        ([(_at("2030-07-02", 15), 1.845), (_at("2030-01-01"), 1.0)], 0.4225, 2.0),  # order does not matter
        # first vs latest: the one between does not count
        ([(_at("2030-01-01"), 2.0), (_at("2032-01-01"), 3.5), (_at("2034-01-01"), 1.2)], -0.05, 16.0),
        ([(_at("2030-01-01"), 1.0), (_at("2030-01-01"), 2.0)], None, None),  # same instant
        ([(_at("2030-01-01"), 1.0), (_at("2030-01-01", 23), 2.0)], None, None),  # under a day apart: noise
        ([(_at("2030-01-01"), 1.0), (_at("2030-01-02"), 1.5)], 0.5 * QUARTER_DAYS, 1 / QUARTER_DAYS),  # a day
    ],
)
def test_pace_achieved(points: list[tuple[datetime, float]], pace: float | None, span: float | None) -> None:
    got, quarters = pace_achieved([HistoryPoint(at, overall) for at, overall in points])
    assert got == (pytest.approx(pace) if pace is not None else None)
    assert quarters == (pytest.approx(span) if span is not None else None)


# People 1,2,1 -> 1.3333; Development 2,2,2,2 -> 2.0; Deployment 2,3,2,3 -> 2.5; Monitoring 1,1,2,2,2 -> 1.6.
# Overall = 0.3 x 1.3333 + 0.25 x 2.0 + 0.25 x 2.5 + 0.2 x 1.6 = 0.4 + 0.5 + 0.625 + 0.32 = 1.845 -> Level 2.
RESULT = score(
    SEED_SPEC,
    single(
        SEED_SPEC,
        {"people": [1, 2, 1], "development": [2, 2, 2, 2], "deployment": [2, 3, 2, 3], "monitoring": [1, 1, 2, 2, 2]},
    ),
)
HISTORY = [HistoryPoint(_at("2029-07-02", 9), 1.0), HistoryPoint(_at("2030-01-01", 0), 1.845)]


def test_target_progress_against_a_set_level_by_a_date() -> None:
    # Level 3 (bound 2.5) by 2034-01-01, 16 quarters from 2030-01-01; Monitoring's own target is Level 4 (3.5).
    progress = target_progress(
        RESULT,
        level=3,
        due_on=date(2034, 1, 1),
        dimension_levels={"monitoring": 4},
        history=HISTORY,
        today=date(2030, 1, 1),
    )
    assert progress is not None
    assert (progress.level, progress.level_set, progress.quarters_left) == (3, True, pytest.approx(16.0))
    assert progress.gap == pytest.approx(0.655)  # 2.5 - 1.845
    assert progress.pace_needed == pytest.approx(0.655 / 16)
    rows = [(d.dimension_id, d.target_level, d.own_target, d.gap, d.pace_needed) for d in progress.dimensions]
    assert rows == [
        ("people", 3, False, pytest.approx(2.5 - 4 / 3), pytest.approx((2.5 - 4 / 3) / 16)),
        ("development", 3, False, pytest.approx(0.5), pytest.approx(0.5 / 16)),
        ("deployment", 3, False, 0.0, 0.0),
        ("monitoring", 4, True, pytest.approx(1.9), pytest.approx(1.9 / 16)),
    ]
    # 2029-07-02 09:00 -> 2030-01-01 00:00 is 182.625 days = 2 quarters: +0.845 / 2
    assert progress.pace_achieved == pytest.approx(0.4225)
    assert progress.history_quarters == pytest.approx(2.0)
    assert progress.on_pace is True and not progress.overdue


def test_target_progress_without_a_set_level_uses_the_next_level_and_says_when_history_is_short() -> None:
    progress = target_progress(
        RESULT, level=None, due_on=None, dimension_levels={}, history=HISTORY[1:], today=date(2030, 1, 1)
    )
    assert progress is not None
    assert (progress.level, progress.level_set) == (3, False)  # Level 2 team: the next level
    assert progress.pace_needed is None and progress.quarters_left is None
    assert progress.pace_achieved is None and progress.on_pace is None


def test_target_progress_past_its_date_is_overdue() -> None:
    progress = target_progress(
        RESULT, level=3, due_on=date(2029, 12, 1), dimension_levels={}, history=HISTORY, today=date(2030, 1, 1)
    )
    assert progress is not None
    assert progress.quarters_left == 0.0 and progress.pace_needed is None and progress.overdue


def test_target_progress_refuses_a_level_outside_the_scale() -> None:
    with pytest.raises(ValueError, match="outside the scale"):
        target_progress(RESULT, level=5, due_on=None, dimension_levels={}, history=[], today=date(2030, 1, 1))
    with pytest.raises(ValueError, match="outside the scale"):
        target_progress(
            RESULT, level=3, due_on=None, dimension_levels={"people": -1}, history=[], today=date(2030, 1, 1)
        )
