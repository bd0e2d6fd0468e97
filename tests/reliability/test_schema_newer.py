"""A database migrated by a newer release (an ``alembic_version`` this program does not know):
``maturity migrate`` and ``maturity serve`` both say that the database's schema is newer than this
program, name both revisions, exit 2 and change nothing — instead of "run `maturity migrate`" and
then Alembic's "Can't locate revision". On SQLite and PostgreSQL, as real processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from standin.web_api import StandInSlack
from storage.db import Database
from storage.migrate import current_revision, head_revision
from tests.reliability.conftest import empty_database_url, free_port, maturity_command, migrate, serve_env

FUTURE = "0042_from_a_newer_release"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def newer_database(request: pytest.FixtureRequest, tmp_path: Path, slack: StandInSlack) -> dict[str, str]:
    """The environment of a process whose database a newer release migrated past this one's head."""
    env = serve_env(empty_database_url(request, tmp_path), slack.url)
    migrate(env, tmp_path)
    db = Database(env["DATABASE_URL"])
    try:
        with db.session() as s:
            s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    finally:
        db.dispose()
    return env


@pytest.mark.parametrize(
    "command",
    [
        ("migrate",),
        ("serve", "--host", "127.0.0.1", "--port", str(free_port())),
        ("purge", "--team", "T0000001", "--yes"),
    ],
    ids=lambda c: c[0],
)
def test_a_schema_newer_than_this_program_is_named_as_such(
    newer_database: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    done = subprocess.run(
        [*maturity_command(), *command],
        env=newer_database,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.strip().splitlines() if line.startswith("maturity: error:")]
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert "newer than this program" in line, line
    assert FUTURE in line and head_revision() in line, line
    assert "run `maturity migrate`" not in line and "Can't locate" not in line, line
    db = Database(newer_database["DATABASE_URL"])
    try:
        assert current_revision(db) == FUTURE  # nothing changed
    finally:
        db.dispose()
