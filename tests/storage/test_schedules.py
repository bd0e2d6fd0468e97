"""Schedules and job claims on SQLite and PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from storage import repo
from storage import schedules as store
from storage.db import Database
from storage.models import JobRun, Schedule

WS = "T0000001"
OTHER_WS = "T0000002"
NOW = datetime(2031, 1, 1, 9, tzinfo=UTC)


def _team(db: Database, workspace: str = WS, channel: str = "C1") -> int:
    with db.session() as s:
        team = repo.ensure_team(s, workspace, channel, channel_name="ml", framework_id="maturity-levels")
        s.flush()
        return team.id


def _schedule(db: Database, workspace: str = WS, channel: str = "C1", **fields: object) -> int:
    team_id = _team(db, workspace, channel)
    with db.session() as s:
        team = repo.get_team(s, workspace, channel)
        assert team is not None
        store.upsert_schedule(s, team, now=NOW, **fields)
    return team_id


def test_the_migration_creates_the_tables(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"schedules", "job_runs"} <= tables
    uniques = {tuple(u["column_names"]) for u in inspect(db.engine).get_unique_constraints("job_runs")}
    assert ("team_id", "job", "period_key") in uniques


def test_upsert_creates_with_defaults_and_updates(db: Database) -> None:
    team_id = _schedule(db, checkin_cron="0 9 1 * *", checkin_label="monthly", created_by="U1")
    with db.session() as s:
        schedule = store.get_schedule(s, WS, team_id)
        assert schedule is not None
        assert schedule.digest_cron == "0 9 1 * *" and schedule.timezone == "UTC"
        assert (schedule.reminder_enabled, schedule.reminder_after_hours, schedule.close_after_hours) == (True, 48, 168)
        assert schedule.paused is False and schedule.updated_at == NOW
    _schedule(db, timezone="Europe/Berlin", created_by="U2")
    with db.session() as s:
        row = store.schedule_row_for_channel(s, WS, "C1")
        assert row is not None
        assert row["timezone"] == "Europe/Berlin" and row["checkin_label"] == "monthly"
        assert row["created_by"] == "U1"
        assert s.query(Schedule).count() == 1
    with pytest.raises(TypeError), db.session() as s:
        team = repo.get_team(s, WS, "C1")
        store.upsert_schedule(s, team, bogus=1)  # type: ignore[arg-type]


def test_queries_are_scoped_by_workspace(db: Database) -> None:
    mine = _schedule(db, WS, "C1")
    _schedule(db, OTHER_WS, "C1")
    with db.session() as s:
        assert store.get_schedule(s, OTHER_WS, mine) is None
        assert [x.team_id for x in store.schedules_of_workspace(s, WS)] == [mine]
        assert list(store.workspaces_with_schedules(s)) == [WS, OTHER_WS]
        assert store.pause_schedule(s, OTHER_WS, mine, "channel_not_found") is False  # not its team
        assert store.pause_workspace_schedules(s, WS, "token_revoked") == 1
    with db.session() as s:
        assert list(store.workspaces_with_schedules(s)) == [OTHER_WS]
        assert store.schedules_of_workspace(s, WS) == []
        (paused,) = store.schedules_of_workspace(s, WS, include_paused=True)
        assert paused.paused_reason == "token_revoked"


def test_a_job_is_claimed_once(db: Database) -> None:
    team_id = _team(db)
    key = "2031-01-01T08:00:00+00:00"
    with db.session() as s:
        assert store.claim_job(s, WS, team_id, "digest", key, process_id="a", now=NOW) is True
    with db.session() as s:
        assert store.claim_job(s, WS, team_id, "digest", key, process_id="b", now=NOW) is False
        assert store.claim_job(s, WS, team_id, "checkin", key, process_id="b", now=NOW) is True  # another job
        assert store.claim_job(s, WS, team_id, "digest", "2031-02-01T08:00:00+00:00", process_id="b") is True
        store.finish_job(s, WS, team_id, "digest", key, "posted", now=NOW)
    with db.session() as s:
        job = store.get_job(s, WS, team_id, "digest", key)
        assert job is not None and (job.claimed_by, job.outcome, job.finished_at) == ("a", "posted", NOW)
        assert store.get_job(s, OTHER_WS, team_id, "digest", key) is None
        assert len(store.jobs_of_team(s, WS, team_id)) == 3
        assert len(store.jobs_of_team(s, WS, team_id, "digest")) == 2


def test_concurrent_claims_have_exactly_one_winner(db: Database) -> None:
    team_id = _team(db)
    threads_n, keys = 8, [f"2031-0{m}-01T08:00:00+00:00" for m in range(1, 6)]
    barrier = threading.Barrier(threads_n)
    wins: list[tuple[int, str]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        barrier.wait()
        for key in keys:
            with db.session() as s:
                won = store.claim_job(s, WS, team_id, "digest", key, process_id=f"p{n}", now=NOW)
            if won:
                with lock:
                    wins.append((n, key))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(key for _, key in wins) == keys  # each key won exactly once
    with db.session() as s:
        assert s.query(JobRun).count() == len(keys)


def test_open_scheduled_assessments_and_stamp(db: Database) -> None:
    with db.session() as s:
        team = repo.ensure_team(s, WS, "C1", channel_name="ml", framework_id="maturity-levels")
        manual = repo.create_assessment(
            s, team, framework_id="maturity-levels", framework_version=1, spec_json="{}", opened_by="U1"
        )
        other = repo.ensure_team(s, WS, "C2", channel_name="ml2", framework_id="maturity-levels")
        scheduled = repo.create_assessment(
            s, other, framework_id="maturity-levels", framework_version=1, spec_json="{}", opened_by=None,
            trigger="scheduled",
        )  # fmt: skip
        s.flush()
        manual_id, scheduled_id = manual.id, scheduled.id
    with db.session() as s:
        assert [a.id for a in store.open_scheduled_assessments(s, WS)] == [scheduled_id]
        assert store.open_scheduled_assessments(s, OTHER_WS) == []
        store.stamp_opened_at(s, WS, scheduled_id, NOW)
        store.stamp_opened_at(s, OTHER_WS, manual_id, NOW)  # another workspace's id: no effect
    with db.session() as s:
        assert repo.get_assessment(s, WS, scheduled_id).opened_at == NOW  # type: ignore[union-attr]
        assert repo.get_assessment(s, WS, manual_id).opened_at != NOW  # type: ignore[union-attr]


def test_purge_deletes_schedules_and_claims(db: Database) -> None:
    team_id = _schedule(db)
    with db.session() as s:
        store.claim_job(s, WS, team_id, "digest", "k", process_id="a")
    with db.session() as s:
        counts = repo.purge_workspace(s, WS)
    assert counts.get("schedules") == 1 and counts.get("job_runs") == 1


def test_an_assessment_whose_check_in_is_in_flight_is_left_out(db: Database) -> None:
    with db.session() as s:
        team = repo.ensure_team(s, WS, "C1", channel_name="ml", framework_id="maturity-levels")
        s.flush()
        team_id = team.id
        assert store.claim_job(s, WS, team_id, "checkin", "k1", process_id="a", now=NOW)
        assessment = repo.create_assessment(
            s, team, framework_id="maturity-levels", framework_version=1, spec_json="{}", opened_by=None,
            trigger="scheduled",
        )  # fmt: skip
        s.flush()
        aid = assessment.id
    since = NOW - timedelta(hours=1)
    with db.session() as s:
        assert store.open_scheduled_assessments(s, WS, in_flight_since=since) == []  # still being posted
        assert [a.id for a in store.open_scheduled_assessments(s, WS)] == [aid]
        # a claim older than the window is from a process that died: it no longer hides the assessment
        assert [a.id for a in store.open_scheduled_assessments(s, WS, in_flight_since=NOW + timedelta(seconds=1))] == [
            aid
        ]
        store.finish_job(s, WS, team_id, "checkin", "k1", "opened", now=NOW)
    with db.session() as s:
        assert [a.id for a in store.open_scheduled_assessments(s, WS, in_flight_since=since)] == [aid]
