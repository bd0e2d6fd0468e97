"""`/maturity schedule` and the schedule in `status`, through signed requests to the real app."""

from __future__ import annotations

import json

from conversations.schedules import get_schedule
from tests.bot.test_assessment_flow import _wait_for_response_url
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA = MEMBERS[0]


def test_schedule_quarterly_in_the_members_timezone_and_status_shows_the_next_run(running: Running) -> None:
    r = running
    assert r.driver.slash("schedule quarterly", user_id=ANA, channel_id=CHANNEL).status == 200
    confirmation = json.dumps(_wait_for_response_url(r), ensure_ascii=False)
    assert "Schedule set" in confirmation
    snapshot = get_schedule(r.db, TEAM, CHANNEL)
    assert snapshot is not None and snapshot.checkin_label == "quarterly"
    assert snapshot.timezone == "America/New_York"  # from the member's Slack profile (users.info)
    r.driver.slash("status", user_id=ANA, channel_id=CHANNEL)
    status = _wait_for_response_url(r, 2)["text"]
    assert "No assessment is open" in status and "quarterly" in status.lower()


def test_a_schedule_that_cannot_be_read_changes_nothing(running: Running) -> None:
    r = running
    body = r.driver.slash("schedule * * * * *", user_id=ANA, channel_id=CHANNEL).json()
    assert "hour" in body["text"].lower()
    body = r.driver.slash("schedule 0 9 * *", user_id=ANA, channel_id=CHANNEL).json()
    assert "5 fields" in body["text"] or "cron" in body["text"]
    assert get_schedule(r.db, TEAM, CHANNEL) is None


def test_schedule_hours_sets_the_reminder_window_and_a_bad_one_changes_nothing(running: Running) -> None:
    r = running
    assert r.driver.slash("schedule weekly", user_id=ANA, channel_id=CHANNEL).status == 200
    _wait_for_response_url(r)
    body = r.driver.slash("schedule hours 17-9", user_id=ANA, channel_id=CHANNEL).json()
    assert "The reminder hours must start before they end" in body["text"]
    snapshot = get_schedule(r.db, TEAM, CHANNEL)
    assert snapshot is not None and (snapshot.reminder_hours_start, snapshot.reminder_hours_end) == (9, 17)
    assert r.driver.slash("schedule hours 8-16", user_id=ANA, channel_id=CHANNEL).status == 200
    confirmation = json.dumps(_wait_for_response_url(r, 2), ensure_ascii=False)
    assert "within 08:00–16:00 in their own timezone" in confirmation
    snapshot = get_schedule(r.db, TEAM, CHANNEL)
    assert snapshot is not None and (snapshot.reminder_hours_start, snapshot.reminder_hours_end) == (8, 16)
    assert snapshot.checkin_label == "weekly"


def test_uninstalling_pauses_the_workspaces_schedules(running: Running) -> None:
    import time

    r = running
    r.driver.slash("schedule monthly", user_id=ANA, channel_id=CHANNEL)
    _wait_for_response_url(r)
    r.driver.event({"type": "app_uninstalled", "event_ts": "1700000000.000009"})
    deadline = time.time() + 5
    while time.time() < deadline and not get_schedule(r.db, TEAM, CHANNEL).paused:
        time.sleep(0.05)
    snapshot = get_schedule(r.db, TEAM, CHANNEL)
    assert snapshot.paused and snapshot.paused_reason == "app_uninstalled"
