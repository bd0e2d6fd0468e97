"""Fixtures of the reliability suite.

* ``served`` — ``maturity serve`` as a real subprocess (schema migrated first), on
  a SQLite file or a fresh PostgreSQL schema of its own, against the in-process stand-in Slack; it
  can be killed with SIGKILL and started again on the same database and port.
* ``fresh_pg_url`` — a new, empty PostgreSQL schema (dropped afterwards); like every PostgreSQL
  test, it goes through tests/conftest.py's ``require_postgres()``.
* ``running`` — the same as tests/conftest.py's (the real app and its waitress server in-process,
  on SQLite and PostgreSQL, against the stand-in Slack), except that it stops at once: waitress's
  loop is woken to close instead of being left to notice at its 1 s select timeout, which kept the
  suite over its time budget.
* ``errors_logged`` — every log record of level ERROR or above, or carrying an exception, emitted
  in this process (the in-process app's listeners, Bolt, waitress) while the test runs.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from standin.driver import SlackDriver
from standin.web_api import StandInSlack
from storage.db import Database
from tests.conftest import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    Running,
    drop_pg_schema,
    pg_url,
    require_postgres,
    reset_pg_schema,
    stop_server,
)
from tests.processes import child_env

MATURITY = Path(sys.executable).with_name("maturity")
_schemas = itertools.count(1)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def maturity_command() -> list[str]:
    """The installed console script next to this interpreter (``.venv/bin/maturity``)."""
    return [str(MATURITY)] if MATURITY.exists() else [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(database_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    """The process environment of ``maturity serve``/``migrate``: :func:`~tests.processes.child_env`
    (nothing inherited that could change the app's behaviour) with this suite's settings."""
    settings = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "SCHEDULER_ENABLED": "false",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    return child_env(**(settings | extra))


def migrate(env: dict[str, str], cwd: Path) -> None:
    """Bring the schema to head, as ``maturity migrate`` does (same code, in this process: faster)."""
    from storage.migrate import upgrade

    db = Database(env["DATABASE_URL"])
    try:
        upgrade(db)
    finally:
        db.dispose()


def migrate_with_cli(env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [*maturity_command(), "migrate"], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise AssertionError(f"maturity migrate failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


class ServeProcess:
    """``maturity serve`` in a subprocess on a fixed port; start, SIGKILL, start again."""

    def __init__(
        self,
        env: dict[str, str],
        cwd: Path,
        *,
        port: int | None = None,
        threads: int | None = None,
        workers: int | None = None,
    ) -> None:
        self.env = env
        self.cwd = cwd
        self.port = port or free_port()
        self.threads = threads
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def healthy(self) -> bool:
        try:
            with _NO_PROXY.open(self.url + "/healthz", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def start(self, timeout: float = 60.0) -> ServeProcess:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        log_path = self.cwd / f"serve-{len(self.logs) + 1}.log"
        self.logs.append(log_path)
        command = [*maturity_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.threads:
            command += ["--threads", str(self.threads)]
        if self.workers:
            command += ["--workers", str(self.workers)]
        with log_path.open("wb") as log:
            self.proc = subprocess.Popen(command, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.proc.poll() is not None:
                raise AssertionError(f"maturity serve exited with {self.proc.returncode}:\n{log_path.read_text()}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"maturity serve did not become healthy in {timeout:g}s:\n{log_path.read_text()}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no commit runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=15)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_records(self, run: int | None = None) -> list[dict[str, Any]]:
        """The JSON log lines of every run so far (or of run number ``run``, 1-based)."""
        paths = self.logs if run is None else [self.logs[run - 1]]
        records = []
        for path in paths:
            for line in path.read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    entry = {"level": "raw", "msg": line}
                records.append(entry)
        return records

    def problems(self, run: int | None = None) -> list[dict[str, Any]]:
        """Log records at error level, with a traceback, or that are not JSON (a raw traceback)."""
        return [r for r in self.log_records(run) if r.get("level") in ("error", "critical", "raw") or "exc" in r]


# --- PostgreSQL ------------------------------------------------------------------------------------


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """A new, empty schema in the test database (for a subprocess to migrate), dropped afterwards."""
    require_postgres()
    schema = f"maturity_rel_{os.getpid()}_{next(_schemas)}"
    reset_pg_schema(schema)
    try:
        yield pg_url(schema)
    finally:
        drop_pg_schema(schema)


# --- maturity serve as a subprocess ----------------------------------------------------------------


def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database for a fixture parametrized "sqlite" / "postgresql": a file in ``tmp_path``, or
    a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'maturity.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


@dataclass
class Served:
    process: ServeProcess
    slack: StandInSlack
    driver: SlackDriver
    db: Database  # the same database, for the test's own reads (and locks)
    database_url: str
    backend: str


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Path, slack: StandInSlack) -> Iterator[Served]:
    """The schema migrated, then ``maturity serve`` as a subprocess against the stand-in Slack."""
    database_url = empty_database_url(request, tmp_path)
    env = serve_env(database_url, slack.url)
    migrate(env, tmp_path)
    process = ServeProcess(env, tmp_path).start()
    db = Database(database_url)
    driver = SlackDriver(process.events_url, SIGNING_SECRET, slack=slack, team_id=TEAM, timeout=30)
    try:
        yield Served(process, slack, driver, db, database_url, request.param)
    finally:
        process.stop()
        db.dispose()


# --- the real app in-process ---------------------------------------------------------------------------


def start_app(
    db: Database, slack: StandInSlack, slack_api_url: str | None = None, **settings: object
) -> tuple[Running, Callable[[], None]]:
    """``maturity serve``'s app and waitress server on a free port (as tests/conftest.py's ``running``),
    with ``settings`` beside the required ones; returns it and a function that stops it at once."""
    from bot.app import build_app
    from bot.config import load_settings
    from bot.server import create_server, server_port
    from bot.services import build_services

    loaded = load_settings(
        database_url=db.url.render_as_string(hide_password=False),
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api_url or slack.url,
        scheduler_enabled=False,
        **settings,
    )
    services = build_services(loaded, db)
    app = build_app(services)
    server = create_server(app, services, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server_port(server)}"
    driver = SlackDriver(url + "/slack/events", SIGNING_SECRET, slack=slack, team_id=TEAM)

    def stop() -> None:
        stop_server(server, thread)
        # Listeners still running (a finish closing its dimension messages and uploading its charts)
        # finish first, as in tests/conftest.py's ``running``.
        app._listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]
        # The Slack calls queued after acks run now, while the stand-in is still up: left running,
        # they would fail against a stopped stand-in and be logged in the next test's errors_logged.
        services.after_ack.close(timeout=60)
        assert services.refresher is not None
        services.refresher.close(flush=False)  # as a dying process: waiting refreshes are lost

    return Running(url=url, slack=slack, driver=driver, db=db, app=app, services=services), stop


@pytest.fixture
def running(db: Database, slack: StandInSlack) -> Iterator[Running]:
    live, stop = start_app(db, slack)
    try:
        yield live
    finally:
        stop()


# --- log records of the in-process app ---------------------------------------------------------------


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


@pytest.fixture
def errors_logged() -> Iterator[list[logging.LogRecord]]:
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield collector.records
    finally:
        root.removeHandler(collector)


def describe(records: list[logging.LogRecord]) -> str:
    return "\n".join(f"{r.name} {r.levelname}: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}" for r in records)
