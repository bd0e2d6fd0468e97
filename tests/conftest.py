"""Shared fixtures: a real database (SQLite and PostgreSQL), the stand-in Slack, the real app over HTTP.

PostgreSQL tests run against ``MATURITY_TEST_POSTGRES_URL`` (default: the local server's ``test``
database, in a schema of their own). Where it cannot be reached they are skipped — except under CI
(``CI`` set), where that is a failure: :func:`require_postgres`, the one place that rule is written.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base

if TYPE_CHECKING:
    from bot.services import Services

pytest_plugins = ["tests.slack_payloads"]

PG_URL = os.environ.get("MATURITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# A schema of this run's own, so that two test runs on one server never see each other's rows.
PG_SCHEMA = f"maturity_test_{os.getpid()}"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
UNDER_CI = bool(os.environ.get("CI"))


def pg_url(schema: str = PG_SCHEMA) -> str:
    url = make_url(PG_URL)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def reset_pg_schema(schema: str) -> None:
    admin = Database(PG_URL)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()


def drop_pg_schema(schema: str) -> None:
    admin = Database(PG_URL)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@functools.cache
def _pg_answers() -> bool:
    admin = Database(PG_URL, connect_args={"connect_timeout": 3})
    try:
        return admin.ping()
    finally:
        admin.dispose()


def require_postgres() -> None:
    """The test needs the PostgreSQL server at ``PG_URL``: where it does not answer, the test is
    skipped, except under CI (``CI`` set), where it fails. Asked once per run."""
    if not _pg_answers():
        message = f"PostgreSQL is unreachable at {PG_URL}"
        if UNDER_CI:
            pytest.fail(message + " (CI must run the PostgreSQL tests)", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def _pg_ready() -> Iterator[str]:
    """This run's own migrated schema (dropped at the end)."""
    require_postgres()
    reset_pg_schema(PG_SCHEMA)
    db = Database(pg_url())
    upgrade(db)
    db.dispose()
    yield pg_url()
    drop_pg_schema(PG_SCHEMA)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: every storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "maturity.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("_pg_ready"))
        _truncate_all(database)
    yield database
    database.dispose()


# --- the real app over HTTP against the stand-in Slack --------------------------------------------

TEAM = "T0000001"
CHANNEL = "C0TEAM001"
MEMBERS = ["U0ANA0001", "U0BEN0002", "U0CAT0003", "U0DAN0004"]


def stop_server(server: object, thread: threading.Thread) -> None:
    """Stop an in-process waitress server: closed on its own loop thread (closing it from another
    thread races the loop's select). waitress closes its trigger's read end twice, which in a test
    process running many servers can close a later server's descriptor: then the trigger is gone,
    and closing it directly is all that is left."""
    try:
        server.trigger.pull_trigger(server.close)  # type: ignore[attr-defined]
    except OSError:
        server.close()  # type: ignore[attr-defined]
    thread.join(timeout=5)


@dataclass
class Running:
    url: str
    slack: object
    driver: object
    db: Database
    app: object
    services: Services


def open_home(r: Running, user: str, count: int | None = None) -> dict:
    """``user`` opens the App Home: the view the bot published for them, as a dict. ``count``: the
    ``views.publish`` to wait for (by default, the next one)."""
    import json

    count = count if count is not None else len(r.slack.calls_to("views.publish")) + 1  # type: ignore[attr-defined]
    r.driver.app_home_opened(user_id=user)  # type: ignore[attr-defined]
    call = r.slack.wait_for("views.publish", count=count, timeout=15)[-1]  # type: ignore[attr-defined]
    assert call.params["user_id"] == user
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else view


@pytest.fixture
def slack() -> Iterator[object]:
    from standin.web_api import StandInSlack

    stand_in = StandInSlack(team_id=TEAM)
    stand_in.start()
    for i, user in enumerate(MEMBERS):
        stand_in.add_user(user, ["ana", "ben", "cat", "dan"][i], ["Ana", "Ben", "Cat", "Dan"][i])
    stand_in.add_channel(CHANNEL, "ml-platform", members=list(MEMBERS))
    yield stand_in
    stand_in.stop()


@pytest.fixture
def running(db: Database, slack: object) -> Iterator[Running]:
    """``maturity serve``'s app and server, on a free port, against the stand-in Slack."""
    from bot.app import build_app
    from bot.config import load_settings
    from bot.server import create_server, server_port
    from bot.services import build_services
    from standin.driver import SlackDriver

    settings = load_settings(
        database_url=db.url.render_as_string(hide_password=False),
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,  # type: ignore[attr-defined]
        scheduler_enabled=False,
    )
    services = build_services(settings, db)
    app = build_app(services)
    server = create_server(app, services, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server_port(server)}"
    driver = SlackDriver(url + "/slack/events", SIGNING_SECRET, slack=slack, team_id=TEAM)
    try:
        yield Running(url=url, slack=slack, driver=driver, db=db, app=app, services=services)
    finally:
        stop_server(server, thread)
        # Listeners still running (a finish closing its dimension messages and uploading its charts
        # after the summary a test waited for) finish before the stand-in stops, or their late calls
        # are refused and logged into the next test.
        app._listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]
        # As `maturity serve` stops (queued Slack work runs, waiting refreshes render), but waiting as
        # long as it takes: on a loaded machine a late call would otherwise hit the next test's log.
        services.close(queue_timeout=60, refresh_timeout=60)
