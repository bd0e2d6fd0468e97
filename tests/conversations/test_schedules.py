"""The ``/maturity schedule`` argument, cron arithmetic across DST, and the schedule service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conversations.schedules import (
    PRESETS,
    ScheduleError,
    describe_schedule,
    format_when,
    get_schedule,
    latest_fire,
    next_fire,
    parse_cadence,
    parse_schedule_args,
    pause_workspace,
    period_key,
    set_schedule,
    validate_cron,
    validate_timezone,
)
from storage.db import Database

WS = "T0000001"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "cron"),
    [
        ("quarterly", "quarterly", "0 9 1 1,4,7,10 *"),
        ("Monthly", "monthly", "0 9 1 * *"),
        ("weekly", "weekly", "0 9 * * mon"),
        ("off", "off", None),
        ("0 9 * * 1-5", "cron", "0 9 * * 1-5"),
        ("30  8 1 */2 *", "cron", "30 8 1 */2 *"),
        ("0 9 1 * *", "monthly", "0 9 1 * *"),  # a preset typed out is still the preset
    ],
)
def test_cadences(text: str, label: str, cron: str | None) -> None:
    cadence = parse_cadence(text)
    assert (cadence.label, cadence.cron) == (label, cron)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 9 * *", "`0 9 * *` is not a cron expression: expected 5 fields (minute hour day month weekday)"),
        ("0 9 * * * *", "expected 5 fields"),
        ("0 25 * * *", "`0 25 * * *` is not a valid cron expression"),
        ("0 9 * * xyz", "`xyz` is not a weekday"),
        ("0 9 * * fri-mon", "runs backwards"),
        ("* * * * *", "`* * * * *` fires more often than hourly"),
        ("*/15 9 * * *", "fires more often than hourly"),
        ("0,30 9 * * *", "fires more often than hourly"),
        ("0 9 31 2 *", "never fires"),
        ("daily", "`daily` is not a schedule: use quarterly, monthly, weekly, off or a cron expression"),
    ],
)
def test_bad_cadences_are_explained(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_cadence(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_hourly_is_the_most_frequent_allowed() -> None:
    assert validate_cron("0 * * * *") == "0 * * * *"


def test_crontab_weekday_numbers_start_on_sunday() -> None:
    # APScheduler 3 numbers weekdays from Monday; crontab from Sunday (0 or 7). 2031-01-05 is a Sunday.
    after = utc(2031, 1, 1)
    assert next_fire("0 9 * * 0", "UTC", after) == utc(2031, 1, 5, 9)
    assert next_fire("0 9 * * 7", "UTC", after) == utc(2031, 1, 5, 9)
    assert next_fire("0 9 * * 1", "UTC", after) == utc(2031, 1, 6, 9)  # Monday
    assert next_fire("0 9 * * mon", "UTC", after) == utc(2031, 1, 6, 9)
    assert next_fire("0 9 * * 5-7", "UTC", after) == utc(2031, 1, 3, 9)  # Fri, Sat, Sun


def test_options_and_keyword_forms() -> None:
    request = parse_schedule_args("monthly tz=europe/berlin remind=24h close=3d")
    assert request.checkin is not None and request.checkin.label == "monthly"
    assert request.timezone == "Europe/Berlin"  # canonical case
    assert (request.reminder_enabled, request.reminder_after_hours, request.close_after_hours) == (True, 24, 72)
    assert parse_schedule_args(["0", "9", "*", "*", "mon"]).checkin.cron == "0 9 * * mon"  # type: ignore[union-attr]
    assert parse_schedule_args("digest 0 8 * * fri").digest.cron == "0 8 * * fri"  # type: ignore[union-attr]
    assert parse_schedule_args("digest off").digest.cron is None  # type: ignore[union-attr]
    assert parse_schedule_args("reminders off").reminder_enabled is False
    assert parse_schedule_args("tz America/New_York").timezone == "America/New_York"
    assert parse_schedule_args("close 1w").close_after_hours == 168
    assert parse_schedule_args("resume").resume is True
    assert parse_schedule_args("hours 8-16").reminder_hours == (8, 16)
    assert parse_schedule_args("weekly hours=7:00-15:00").reminder_hours == (7, 15)
    assert parse_schedule_args("hours 0-24").reminder_hours == (0, 24)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "`schedule` needs quarterly, monthly, weekly, off or a cron expression"),
        ("tz Mars/Olympus", "`Mars/Olympus` is not an IANA timezone name"),
        ("weekly tz=Nowhere", "`Nowhere` is not an IANA timezone name"),
        ("remind=0h", "The reminder delay must be between 1 hour and 30 days"),
        ("close=100d", "The check-in window must be between 1 hour and 90 days"),
        ("close=soon", "`soon` is not a duration"),
        ("colour=blue", "options are `tz=`, `remind=`, `close=`, `hours=` and `digest=`"),
        ("hours 17-9", "The reminder hours must start before they end, between 0 and 24 (got 17-9)"),
        ("hours=9-25", "(got 9-25)"),
        ("hours 9", "`9` is not a span of hours: use whole hours from start to end, e.g. `hours 8-16`"),
        ("hours", "`schedule hours` takes one value, e.g. `/maturity schedule hours 8-16`"),
        ("digest=0_9_*_*_*", "for a cron expression use `/maturity schedule digest <cron>`"),
        ("tz", "`schedule tz` takes one value"),
    ],
)
def test_bad_arguments_are_explained(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule_args(text)
    assert message in str(info.value)


def test_timezones() -> None:
    assert validate_timezone("utc") == "UTC"
    assert validate_timezone("asia/kolkata") == "Asia/Kolkata"
    with pytest.raises(ScheduleError):
        validate_timezone("../../etc/passwd")


# --- next and latest occurrences, across DST --------------------------------------------------------


def test_next_fire_keeps_local_time_across_dst_in_berlin() -> None:
    # Europe/Berlin springs forward on 2031-03-30: 09:00 local is 08:00 UTC before, 07:00 UTC after.
    tz = "Europe/Berlin"
    assert next_fire("0 9 * * *", tz, utc(2031, 3, 29, 8)) == utc(2031, 3, 30, 7)
    assert next_fire("0 9 * * *", tz, utc(2031, 3, 28, 9)) == utc(2031, 3, 29, 8)
    # and falls back on 2031-10-26
    assert next_fire("0 9 * * *", tz, utc(2031, 10, 25, 8)) == utc(2031, 10, 26, 8)
    assert format_when(utc(2031, 3, 30, 7), tz) == "Sun 2031-03-30 09:00 CEST"


def test_latest_fire_across_dst_in_berlin() -> None:
    tz = "Europe/Berlin"
    # quarterly at 09:00 local: 1 January is CET (08:00 UTC), 1 April CEST (07:00 UTC)
    assert latest_fire(PRESETS["quarterly"], tz, utc(2031, 5, 20)) == utc(2031, 4, 1, 7)
    assert latest_fire(PRESETS["quarterly"], tz, utc(2031, 3, 20)) == utc(2031, 1, 1, 8)
    # exactly at the occurrence counts; one second before does not
    assert latest_fire(PRESETS["quarterly"], tz, utc(2031, 4, 1, 7)) == utc(2031, 4, 1, 7)
    assert latest_fire(PRESETS["quarterly"], tz, utc(2031, 4, 1, 6, 59, 59)) == utc(2031, 1, 1, 8)


def test_a_repeated_hour_fires_once_and_a_skipped_hour_fires_once() -> None:
    tz = "America/New_York"
    # 2031-11-02 01:30 happens twice (EDT, then EST): only the first instant is an occurrence
    first = next_fire("30 1 * * *", tz, utc(2031, 11, 2, 0))
    assert first == utc(2031, 11, 2, 5, 30)
    assert next_fire("30 1 * * *", tz, first) == utc(2031, 11, 3, 6, 30)  # type: ignore[arg-type]
    assert latest_fire("30 1 * * *", tz, utc(2031, 11, 2, 12)) == utc(2031, 11, 2, 5, 30)
    # 2031-03-09 02:30 does not exist (spring forward): it still fires once that day
    fires = []
    t = utc(2031, 3, 8, 12)
    while (t := next_fire("30 2 * * *", tz, t)) < utc(2031, 3, 11):  # type: ignore[assignment, operator]
        fires.append(t)
    assert [f.day for f in fires] == [9, 10]


def test_latest_fire_coalesces_missed_occurrences_and_respects_not_before() -> None:
    weekly = PRESETS["weekly"]  # Mondays 09:00
    now = utc(2031, 2, 20)  # a Thursday; missed Mondays 3, 10, 17 February
    assert latest_fire(weekly, "UTC", now) == utc(2031, 2, 17, 9)
    assert latest_fire(weekly, "UTC", now, not_before=utc(2031, 2, 17, 9)) is None  # exclusive
    assert latest_fire(weekly, "UTC", now, not_before=utc(2031, 2, 17, 8)) == utc(2031, 2, 17, 9)
    assert latest_fire("0 9 29 2 *", "UTC", utc(2031, 1, 1)) == utc(2028, 2, 29, 9)  # years back
    assert period_key(utc(2031, 2, 17, 9)) == "2031-02-17T09:00:00+00:00"


# --- the schedule service (SQLite and PostgreSQL) ---------------------------------------------------


def test_set_schedule_creates_then_updates(db: Database) -> None:
    now = utc(2031, 1, 10, 12)
    snapshot, nxt = set_schedule(db, WS, "C1", "ml", "U1", "quarterly", "Europe/Berlin", now=now)
    assert snapshot.checkin_label == "quarterly" and snapshot.checkin_cron == PRESETS["quarterly"]
    assert snapshot.timezone == "Europe/Berlin"  # from the user's profile
    assert snapshot.digest_cron == PRESETS["monthly"] and snapshot.digest_label == "monthly"
    assert (snapshot.reminder_enabled, snapshot.reminder_after_hours, snapshot.close_after_hours) == (True, 48, 168)
    assert nxt == utc(2031, 4, 1, 7)
    assert snapshot.updated_at == now and snapshot.created_by == "U1"

    later = now + timedelta(days=1)
    snapshot, nxt = set_schedule(db, WS, "C1", "ml", "U2", ["weekly", "remind=off"], "Asia/Tokyo", now=later)
    assert snapshot.timezone == "Europe/Berlin"  # an existing schedule keeps its zone
    assert snapshot.checkin_label == "weekly" and snapshot.reminder_enabled is False
    assert snapshot.created_by == "U1"
    assert nxt == utc(2031, 1, 13, 8)

    snapshot, nxt = set_schedule(db, WS, "C1", "ml", "U1", "off", None, now=later)
    assert snapshot.checkin_cron is None and nxt is None
    assert snapshot.digest_cron == PRESETS["monthly"]  # digests stay on
    snapshot, _ = set_schedule(db, WS, "C1", "ml", "U1", "digest off", None, now=later)
    assert snapshot.digest_cron is None


def test_bad_or_missing_default_timezone_falls_back_to_utc(db: Database) -> None:
    snapshot, _ = set_schedule(db, WS, "C1", "ml", "U1", "monthly", "Not/AZone")
    assert snapshot.timezone == "UTC"
    snapshot, _ = set_schedule(db, WS, "C2", "ml", "U1", "monthly tz=Asia/Kolkata", "Europe/Berlin")
    assert snapshot.timezone == "Asia/Kolkata"


def test_reminder_must_come_before_the_close(db: Database) -> None:
    with pytest.raises(ScheduleError, match="would come after the check-in closes"):
        set_schedule(db, WS, "C1", "ml", "U1", "weekly remind=3d close=2d", "UTC")
    assert get_schedule(db, WS, "C1") is None  # nothing stored
    snapshot, _ = set_schedule(db, WS, "C1", "ml", "U1", "weekly remind=off close=2d", "UTC")
    assert snapshot.close_after_hours == 48


def test_describe_and_resume(db: Database) -> None:
    now = utc(2031, 1, 10, 12)
    assert describe_schedule(db, WS, "C1", now) is None
    set_schedule(db, WS, "C1", "ml", "U1", "quarterly", "Europe/Berlin", now=now)
    text = describe_schedule(db, WS, "C1", now)
    assert text is not None
    assert "Check-ins: quarterly (`0 9 1 1,4,7,10 *`) in Europe/Berlin, next Tue 2031-04-01 09:00 CEST." in text
    assert "one reminder after 2 days" in text and "closes after 7 days" in text
    assert "Roadmap digest: monthly (`0 9 1 * *`), next Sat 2031-02-01 09:00 CET." in text

    assert pause_workspace(db, WS, "token_revoked", now=now) == 1
    assert pause_workspace(db, "T0OTHER01", "token_revoked", now=now) == 0  # scoped by workspace
    paused = describe_schedule(db, WS, "C1", now)
    assert paused is not None and paused.startswith("The schedule is paused (token_revoked)")
    snapshot, _ = set_schedule(db, WS, "C1", "ml", "U1", "resume", None, now=now)
    assert snapshot.paused is False and snapshot.paused_reason is None
    assert snapshot.checkin_label == "quarterly"  # resume changes nothing else
