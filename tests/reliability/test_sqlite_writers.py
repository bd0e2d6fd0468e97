"""SQLite has one writer at a time: concurrent writers must wait for the lock, never lose an answer to
``database is locked``.

Many members reply and click at once through the real HTTP server while another connection keeps
taking the write lock for a while (as a second process on the same file would); then two
``maturity serve`` processes write to one SQLite file at the same time.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from standin.driver import SlackDriver
from standin.web_api import StandInSlack
from storage.db import Database
from tests.conftest import CHANNEL, MEMBERS, SIGNING_SECRET, TEAM, Running
from tests.reliability.conftest import ServeProcess, describe, migrate, serve_env
from tests.reliability.helpers import (
    DIMENSIONS,
    QUESTIONS,
    acknowledgements,
    click,
    eventually,
    open_assessment,
    reply_event,
    settle,
    stored_answers,
)

ANA = MEMBERS[0]
PEOPLE = [f"U0CROWD{i:03d}" for i in range(24)]


def _levels(i: int, dimension: str) -> list[int | None]:
    levels: list[int | None] = [(i * 7 + n + len(dimension)) % 5 for n in range(len(QUESTIONS[dimension]))]
    if i % 6 == 0:
        levels[-1] = None  # some don't know
    return levels


def _word(level: int | None) -> str:
    return "?" if level is None else str(level)


def _crowd(slack: StandInSlack) -> None:
    for user in PEOPLE:
        slack.add_user(user, user.lower())
    slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *PEOPLE])


def _answer_everything(
    driver: SlackDriver, slack: StandInSlack, threads: dict[str, str], assessment_id: int, people: list[str]
) -> tuple[dict[tuple[str, str], int | None], int]:
    """Each person answers every dimension, by typed reply (even people) or buttons (odd), all at
    once from 32 threads. Returns (what was sent, how many acknowledgements are due: one per request,
    two for a typed reply with a "don't know" — its ✅ and its confirmation)."""
    sent: dict[tuple[str, str], int | None] = {}
    jobs = []
    extra = 0
    for i, user in enumerate(people):
        for dimension in DIMENSIONS:
            levels = _levels(i, dimension)
            sent.update({(user, q): lv for q, lv in zip(QUESTIONS[dimension], levels, strict=True)})
            if i % 2 == 0:
                text = " ".join(_word(lv) for lv in levels) + f" note from {user}"
                _, event = reply_event(
                    slack, team=TEAM, channel=CHANNEL, user=user, thread_ts=threads[dimension], text=text
                )
                jobs.append(lambda e=event: driver.event(e))
                extra += None in levels
            else:
                for question, level in zip(QUESTIONS[dimension], levels, strict=True):
                    jobs.append(
                        lambda u=user, d=dimension, q=question, lv=level: click(
                            driver,
                            user=u,
                            channel=CHANNEL,
                            thread_ts=threads[d],
                            assessment_id=assessment_id,
                            question=q,
                            level=lv,
                        )
                    )
    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(lambda job: job().status, jobs))
    assert statuses == [200] * len(jobs)
    return sent, len(jobs) + extra


class _LockHog(threading.Thread):
    """Another writer on the same file: takes SQLite's write lock for 200 ms, again and again."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.held = 0

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            while not self.stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                self.held += 1
                time.sleep(0.2)
                conn.execute("COMMIT")
                time.sleep(0.3)
        finally:
            conn.close()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_concurrent_writers_on_sqlite_lose_no_answer(running: Running, errors_logged: list) -> None:
    r = running
    _crowd(r.slack)
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    hog = _LockHog(Path(str(r.db.url.database)))
    hog.start()
    try:
        sent, due = _answer_everything(r.driver, r.slack, opened.threads, opened.assessment_id, PEOPLE)
        eventually(lambda: len(acknowledgements(r.slack)) >= due, timeout=60, what="every ✅ or confirmation")
    finally:
        hog.stop.set()
        hog.join(timeout=10)
    settle(r.slack)
    assert hog.held >= 2  # the answers really did have to wait for another writer

    stored = stored_answers(r.db, TEAM, opened.assessment_id)
    assert len(stored) == len(sent) == len(PEOPLE) * 16
    assert stored == sent
    assert len(acknowledgements(r.slack)) == due  # what was due, no more
    assert not errors_logged, describe(errors_logged)  # no "database is locked", no failed listener


def test_two_server_processes_on_one_sqlite_file_lose_no_answer(tmp_path: Path, slack: StandInSlack) -> None:
    _crowd(slack)
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    env = serve_env(database_url, slack.url)
    migrate(env, tmp_path)
    first = ServeProcess(env, tmp_path / "one")
    second = ServeProcess(env, tmp_path / "two")
    for process in (first, second):
        process.cwd.mkdir()
        process.start()
    db = Database(database_url)
    try:
        one = SlackDriver(first.events_url, SIGNING_SECRET, slack=slack, team_id=TEAM, timeout=30)
        two = SlackDriver(second.events_url, SIGNING_SECRET, slack=slack, team_id=TEAM, timeout=30)
        opened = open_assessment(one, slack, db, team=TEAM, channel=CHANNEL, user=ANA)
        half = len(PEOPLE) // 4
        results: list[tuple[dict, int]] = []
        workers = [
            threading.Thread(
                target=lambda d=driver, p=people: results.append(
                    _answer_everything(d, slack, opened.threads, opened.assessment_id, p)
                )
            )
            for driver, people in ((one, PEOPLE[:half]), (two, PEOPLE[half : 2 * half]))
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
        assert len(results) == 2
        sent = {**results[0][0], **results[1][0]}
        due = results[0][1] + results[1][1]
        eventually(lambda: len(acknowledgements(slack)) >= due, timeout=60, what="every ✅ or confirmation")
        settle(slack)
        assert stored_answers(db, TEAM, opened.assessment_id) == sent
        assert first.problems() == [] and second.problems() == []  # no error, no "database is locked"
    finally:
        first.stop()
        second.stop()
        db.dispose()
