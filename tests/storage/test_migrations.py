"""Every migration goes up and down cleanly on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from storage.db import Database
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import Base
from tests.conftest import drop_pg_schema, pg_url, reset_pg_schema


def _round_trip(db: Database) -> None:
    assert current_revision(db) is None
    upgrade(db)
    assert current_revision(db) == head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(db)
    assert current_revision(db) == head_revision()


def test_migrations_round_trip_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        _round_trip(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_migrations_round_trip_on_postgresql(_pg_ready: str) -> None:
    schema = f"maturity_migrations_{os.getpid()}"
    reset_pg_schema(schema)
    db = Database(pg_url(schema))
    try:
        _round_trip(db)
    finally:
        db.dispose()
        drop_pg_schema(schema)
