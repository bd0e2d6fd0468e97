"""A database write that fails (disk full, a backend killed mid-way) while ``finish``, ``cancel`` or
``schedule`` saves: the member is told nothing changed and to try again — never silence — and
nothing did change. The failure is made by the database itself: a trigger that aborts the write, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage import repo
from storage.db import Database
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.helpers import eventually, open_assessment, settle

LEAD = MEMBERS[0]
NOT_SAVED = "I couldn't save that, so nothing changed"


def _fail_writes(db: Database, table: str) -> None:
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            for verb in ("INSERT", "UPDATE"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER fail_{table}_{verb.lower()} BEFORE {verb} ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                    )
                )
        else:
            conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION fail_write() RETURNS trigger AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(f"CREATE TRIGGER fail_{table} BEFORE INSERT OR UPDATE ON {table} EXECUTE FUNCTION fail_write()")
            )


def _drop_failures(db: Database, table: str) -> None:
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            for verb in ("insert", "update"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS fail_{table}_{verb}"))
        else:
            conn.execute(text(f"DROP TRIGGER IF EXISTS fail_{table} ON {table}"))


@pytest.mark.parametrize("subcommand", ["finish", "cancel"])
def test_a_failed_close_says_nothing_changed(running: Running, subcommand: str) -> None:
    slack, driver, db = running.slack, running.driver, running.db
    opened = open_assessment(driver, slack, db, team=TEAM, channel=CHANNEL, user=LEAD)  # type: ignore[arg-type]
    _fail_writes(db, "assessments")
    try:
        assert driver.slash(subcommand, user_id=LEAD, channel_id=CHANNEL).status == 200  # type: ignore[attr-defined]
        told = eventually(
            lambda: [e.text for e in slack.ephemerals(LEAD) if NOT_SAVED in e.text],  # type: ignore[attr-defined]
            what="the not-saved answer",
        )
        assert len(told) == 1
    finally:
        _drop_failures(db, "assessments")
    settle(slack)  # type: ignore[arg-type]
    with db.session() as s:
        assessment = repo.get_assessment(s, TEAM, opened.assessment_id)
        assert assessment is not None and assessment.status == "open", "nothing changed"
    assert not [c for c in slack.calls_to("chat.postMessage") if "closed: overall" in str(c.params.get("text"))]  # type: ignore[attr-defined]


def test_a_failed_schedule_says_nothing_changed(running: Running) -> None:
    slack, driver, db = running.slack, running.driver, running.db
    _fail_writes(db, "schedules")
    try:
        assert driver.slash("schedule quarterly", user_id=LEAD, channel_id=CHANNEL).status == 200  # type: ignore[attr-defined]
        eventually(
            lambda: [e.text for e in slack.ephemerals(LEAD) if NOT_SAVED in e.text],  # type: ignore[attr-defined]
            what="the not-saved answer",
        )
    finally:
        _drop_failures(db, "schedules")
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM schedules")).scalar() == 0


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("subcommand", ["finish", "cancel", "schedule quarterly"])
def test_a_postgresql_backend_killed_within_the_no_ping_window_says_nothing_changed(
    db: Database, slack: object, subcommand: str
) -> None:
    """The server's pooled connection is killed (pg_terminate_backend) moments after it was used,
    inside the window in which a connection is trusted without a ping: the command's unit of work
    fails on it. The member is told nothing changed — never silence — and nothing did change; the
    pool has replaced the connection for the next try, which works."""
    from tests.reliability.conftest import start_app

    # The server's one connection, the one killed; trusted unpinged however slow this machine is
    # (the product's window is 5 s: that the kill lands inside it is not left to timing).
    pooled = Database(db.url, ping_after_idle=3600.0, pool_size=1, max_overflow=0)
    running, stop = start_app(pooled, slack)  # type: ignore[arg-type]
    try:
        opened = open_assessment(running.driver, slack, db, team=TEAM, channel=CHANNEL, user=LEAD)  # type: ignore[arg-type]
        settle(slack)  # type: ignore[arg-type]
        with pooled.read() as s:
            pid = int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        assert running.driver.slash(subcommand, user_id=LEAD, channel_id=CHANNEL).status == 200  # type: ignore[attr-defined]
        told = eventually(
            lambda: [e.text for e in slack.ephemerals(LEAD) if NOT_SAVED in e.text],  # type: ignore[attr-defined]
            what="the not-saved answer",
        )
        assert len(told) == 1
        settle(slack)  # type: ignore[arg-type]
        with db.session() as s:
            assessment = repo.get_assessment(s, TEAM, opened.assessment_id)
            assert assessment is not None and assessment.status == "open", "nothing changed"
            assert s.execute(text("SELECT count(*) FROM schedules")).scalar() == 0
        posts = [c for c in slack.calls_to("chat.postMessage") if "closed: overall" in str(c.params.get("text"))]  # type: ignore[attr-defined]
        assert not posts

        # the next try works, on a new connection
        assert running.driver.slash(subcommand, user_id=LEAD, channel_id=CHANNEL).status == 200  # type: ignore[attr-defined]
        settle(slack)  # type: ignore[arg-type]
        assert len([e for e in slack.ephemerals(LEAD) if NOT_SAVED in e.text]) == 1  # type: ignore[attr-defined]
        with db.session() as s:
            assessment = repo.get_assessment(s, TEAM, opened.assessment_id)
            assert assessment is not None
            changed = assessment.status != "open" or s.execute(text("SELECT count(*) FROM schedules")).scalar() == 1
        assert changed, "the retry did what was asked"
    finally:
        stop()
        pooled.dispose()
