"""Engine set-up: on PostgreSQL, a pooled connection that died while idle is replaced before use."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.db import Database


def _backend_pid(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Database, pid: int) -> None:
    with admin.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        for _ in range(100):
            conn.rollback()  # a new transaction: pg_stat_activity is a snapshot taken once per transaction
            if not conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} still alive")


@pytest.mark.parametrize("idle", [0.0, 3600.0], ids=["idle-connection-pinged", "recent-connection-trusted"])
def test_a_connection_killed_while_idle_is_replaced_only_when_it_sat_long_enough(db: Database, idle: float) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    pooled = Database(db.url, ping_after_idle=idle, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(pooled)
        _terminate(db, first)
        if idle == 0.0:
            # pinged on checkout: the dead connection (and the pool before it) is replaced unseen
            assert _backend_pid(pooled) != first
        else:
            # within the idle window no ping is spent: the dead connection fails once, is
            # invalidated, and the next unit of work gets a new one
            with pytest.raises(OperationalError):
                _backend_pid(pooled)
            assert _backend_pid(pooled) != first
    finally:
        pooled.dispose()


def test_nul_never_reaches_a_text_column(db: Database) -> None:
    """PostgreSQL refuses NUL in text; the storage layer drops it for every string column, through
    the ORM (the object holds what is stored), Core statements and text() alike (issue 13 item 13)."""
    from storage import repo
    from storage.models import Team

    with db.session() as s:
        team = repo.ensure_team(s, "T\x00NUL", "C\x001", channel_name="ml\x00 platform", framework_id="maturity-levels")
        assert (team.workspace_id, team.channel_id, team.channel_name) == ("TNUL", "C1", "ml platform")
        s.execute(text("UPDATE teams SET framework_id = :f WHERE id = :id"), {"f": "disc\x00overy", "id": team.id})
    with db.session() as s:
        stored = s.get(Team, team.id)
        assert stored is not None
        assert (stored.workspace_id, stored.channel_name, stored.framework_id) == ("TNUL", "ml platform", "discovery")
        assert repo.get_team(s, "T\x00NUL", "C1\x00") is not None  # a lookup with NUL finds the same row
