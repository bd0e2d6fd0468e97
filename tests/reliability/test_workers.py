"""``maturity serve --workers N``: several processes on one port, supervised.

Every answer is stored exactly once whichever worker takes it; a worker that dies is replaced
while the others keep serving; SIGTERM stops them all gracefully (waiting dimension refreshes are
rendered first). On SQLite (WAL, several writer processes) and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from standin.driver import SlackDriver
from standin.web_api import StandInSlack
from tests.conftest import CHANNEL, MEMBERS, SIGNING_SECRET, TEAM
from tests.reliability.conftest import ServeProcess, empty_database_url, migrate, serve_env
from tests.reliability.helpers import (
    DIMENSIONS,
    QUESTIONS,
    checks,
    eventually,
    open_assessment,
    reply_event,
    stored_answers,
)

PEOPLE = [f"U0WORK{i:03d}" for i in range(24)]


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.add(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def workers(request: pytest.FixtureRequest, tmp_path: Path, slack: StandInSlack) -> Iterator[tuple]:
    database_url = empty_database_url(request, tmp_path)
    env = serve_env(database_url, slack.url) | {"DIMENSION_REFRESH_SECONDS": "30"}
    migrate(env, tmp_path)
    process = ServeProcess(env, tmp_path, workers=3).start()
    from storage.db import Database

    db = Database(database_url)
    driver = SlackDriver(process.events_url, SIGNING_SECRET, slack=slack, team_id=TEAM, timeout=30)
    for user in PEOPLE:
        slack.add_user(user, user.lower())
    slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *PEOPLE])
    try:
        yield process, slack, driver, db
    finally:
        process.stop()
        db.dispose()


def _answer_all(slack: StandInSlack, driver: SlackDriver, threads: dict[str, str], people: list[str]) -> dict:
    sent: dict[tuple[str, str], int] = {}
    lock = threading.Lock()

    def member(index: int, user: str) -> None:
        for dimension in DIMENSIONS:
            levels = [(index + q) % 5 for q in range(len(QUESTIONS[dimension]))]
            _, event = reply_event(
                slack,
                team=TEAM,
                channel=CHANNEL,
                user=user,
                thread_ts=threads[dimension],
                text=" ".join(map(str, levels)),
            )
            assert driver.event(event).status == 200
            with lock:
                sent.update(dict(zip([(user, q) for q in QUESTIONS[dimension]], levels, strict=True)))

    senders = [threading.Thread(target=member, args=(i, u)) for i, u in enumerate(people)]
    for t in senders:
        t.start()
    for t in senders:
        t.join(timeout=60)
    return sent


def test_workers_share_the_port_store_every_answer_once_and_stop_gracefully(workers: tuple) -> None:
    process, slack, driver, db = workers
    eventually(lambda: len(_children(process.pid)) == 3, what="three workers")
    opened = open_assessment(driver, slack, db, team=TEAM, channel=CHANNEL, user=MEMBERS[0])
    sent = _answer_all(slack, driver, opened.threads, PEOPLE)
    assert stored_answers(db, TEAM, opened.assessment_id) == sent  # each exactly once, none lost
    eventually(lambda: len(checks(slack, PEOPLE)) == len(PEOPLE) * len(DIMENSIONS), what="every reply's ✅")

    # With a 30 s refresh interval, the last counts wait for their trailing refresh; SIGTERM makes
    # every worker render them before it exits.
    process.stop()
    assert process.proc.returncode == 0
    assert _children(process.pid) == set()
    for dimension, ts in opened.threads.items():
        last = [c for c in slack.calls_to("chat.update") if c.params.get("ts") == ts][-1]
        assert f"*{len(PEOPLE)}* people have answered" in json.dumps(last.params["blocks"]), dimension


def test_a_dead_worker_is_replaced_and_the_others_keep_serving(workers: tuple) -> None:
    process, slack, driver, db = workers
    eventually(lambda: len(_children(process.pid)) == 3, what="three workers")
    opened = open_assessment(driver, slack, db, team=TEAM, channel=CHANNEL, user=MEMBERS[0])
    before = _children(process.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    eventually(lambda: len(_children(process.pid)) == 3 and victim not in _children(process.pid), what="a new worker")
    sent = _answer_all(slack, driver, opened.threads, PEOPLE[:8])
    assert stored_answers(db, TEAM, opened.assessment_id) == sent
    assert process.healthy()
    log = process.logs[-1].read_text()
    assert "worker died: starting another" in log
