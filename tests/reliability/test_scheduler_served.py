"""The scheduler through real ``maturity serve`` processes, with the clock moved, never waited for.

Each process reads its notion of now from ``MATURITY_CLOCK_FILE`` (``storage/clock.py``): the test
rewrites that file to jump a quarter, two days or a week ahead, and the served process's scheduler
(ticking every second with ``SCHEDULER_TICK_SECONDS=1``) acts on what is due. Everything is asserted
on what the stand-in Slack received: the check-in opening by itself, the reminder to exactly the
members who have not answered, the auto-close with its summary, the change summary against the
earlier assessment, and the roadmap digest — and, with two replicas on one PostgreSQL, each of them
exactly once, and a run missed while both were down fired once when one comes back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from standin.driver import SlackDriver
from standin.web_api import StandInSlack
from storage import clock
from storage.db import Database
from tests.conftest import CHANNEL, MEMBERS, SIGNING_SECRET, TEAM
from tests.reliability.conftest import ServeProcess, migrate, serve_env
from tests.reliability.helpers import (
    DIMENSIONS,
    QUESTIONS,
    eventually,
    open_assessment,
    reply_event,
    settle,
    stored_open,
)

ANA, BEN, CAT, DAN = MEMBERS
T0 = datetime(2031, 3, 10, 12, tzinfo=UTC)  # the first assessment, and the schedule set after it
APRIL = datetime(2031, 4, 2, 0, tzinfo=UTC)  # the quarterly check-in (Apr 1, 09:00 New York) is due
JULY = datetime(2031, 7, 2, 0, tzinfo=UTC)  # the next one


@dataclass
class World:
    slack: StandInSlack
    clock_file: Path
    servers: list[ServeProcess]

    def now(self, instant: datetime) -> None:
        clock.write_file(self.clock_file, instant)

    def driver(self, index: int = 0) -> SlackDriver:
        return SlackDriver(self.servers[index].events_url, SIGNING_SECRET, slack=self.slack, team_id=TEAM)

    def posts(self, needle: str) -> list[Any]:
        return [
            c
            for c in self.slack.calls_to("chat.postMessage")
            if c.ok and needle in (str(c.params.get("text")) + str(c.params.get("blocks")))
        ]


def _world(tmp_path: Path, slack: StandInSlack, database_url: str, replicas: int) -> Iterator[World]:
    clock_file = tmp_path / "clock"
    clock.write_file(clock_file, T0)
    env = serve_env(
        database_url,
        slack.url,
        SCHEDULER_ENABLED="true",
        SCHEDULER_TICK_SECONDS="1",
        MATURITY_CLOCK_FILE=str(clock_file),
    )
    migrate(env, tmp_path)
    servers = [ServeProcess(env, tmp_path).start() for _ in range(replicas)]
    try:
        yield World(slack, clock_file, servers)
    finally:
        for server in servers:
            server.stop()
        for server in servers:
            failed = [r for r in server.log_records() if r.get("level") in ("error", "critical") or "exc" in r]
            assert not failed, failed


@pytest.fixture
def one_server(tmp_path: Path, slack: StandInSlack) -> Iterator[World]:
    yield from _world(tmp_path, slack, f"sqlite:///{tmp_path / 'maturity.db'}", 1)


@pytest.fixture
def two_replicas(tmp_path: Path, slack: StandInSlack, fresh_pg_url: str) -> Iterator[World]:
    yield from _world(tmp_path, slack, fresh_pg_url, 2)


def _answer(
    world: World, driver: SlackDriver, thread_ts: str, user: str, level: str, dimension: str = DIMENSIONS[0]
) -> None:
    _, event = reply_event(
        world.slack,
        team=TEAM,
        channel=CHANNEL,
        user=user,
        thread_ts=thread_ts,
        text=" ".join(level for _ in QUESTIONS[dimension]),
    )
    assert driver.event(event).status == 200


def _first_assessment_and_schedule(world: World) -> None:
    """At T0: an assessment answered by Ana and Ben and finished, then a quarterly schedule."""
    driver = world.driver()
    db = Database(world.servers[0].env["DATABASE_URL"])
    try:
        opened = open_assessment(driver, world.slack, db, team=TEAM, channel=CHANNEL, user=ANA)
    finally:
        db.dispose()
    for user in (ANA, BEN):
        _answer(world, driver, opened.threads[DIMENSIONS[0]], user, "1")
    assert driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    eventually(lambda: world.posts(f"#{opened.assessment_id} closed: overall"), what="the first summary")
    assert driver.slash("schedule quarterly tz=America/New_York", user_id=ANA, channel_id=CHANNEL).status == 200
    settle(world.slack)


def _quarterly_cycle(world: World) -> None:
    """A quarter later: the check-in opens by itself (and the month's digest), Ana and Ben answer one
    dimension, Cat all four, Dan nothing; the reminders go to exactly those with dimensions left, each
    told what they have left; a week later it closes with its summary and change summary."""
    world.now(APRIL)
    intro = eventually(lambda: world.posts("Check-in time"), timeout=30, what="the scheduled check-in")[0]
    digest = eventually(lambda: world.posts("MLOps maturity digest"), timeout=30, what="the digest")
    assert len(digest) == 1
    # Answer once the check-in's threads are stored, not merely posted (a human can't be faster).
    db = Database(world.servers[0].env["DATABASE_URL"])
    try:
        threads = stored_open(db, team=TEAM, channel=CHANNEL, after=1, timeout=30).threads
    finally:
        db.dispose()
    thread_ts = threads[DIMENSIONS[0]]
    driver = world.driver(len(world.servers) - 1)  # answers reach the other replica too
    _answer(world, driver, thread_ts, ANA, "3")
    _answer(world, driver, thread_ts, BEN, "2")
    for dimension in DIMENSIONS:  # Cat answers everything: nothing to remind her of
        _answer(world, driver, threads[dimension], CAT, "1" if dimension == DIMENSIONS[0] else "2", dimension)
    settle(world.slack)

    # Past the 48 h reminder delay, within the members' hours: Fri 4 April 14:00 UTC is 10:00 in New York
    # (at 48 h it is 20:00 there, and nobody is reminded at night).
    world.now(APRIL + timedelta(hours=62))
    # Dan answered nothing; Ana and Ben one dimension of four; Cat all four: Cat is not reminded,
    # the others each of their own dimensions left.
    reminders = eventually(
        lambda: (
            len(world.posts("a reminder: the MLOps maturity check-in")) >= 2
            and world.posts("a reminder: the MLOps maturity check-in")
        ),
        timeout=30,
        what="the reminders",
    )
    assert all(r.params.get("thread_ts") == intro.response["ts"] for r in reminders)
    texts = sorted((r.params["text"] for r in reminders), key=lambda t: DAN in t)
    assert f"<@{ANA}> <@{BEN}> a reminder" in texts[0] and "on 3 of 4 dimensions" in texts[0]
    assert DAN not in texts[0]
    assert f"<@{DAN}> a reminder" in texts[1] and "on 4 dimensions" in texts[1]
    assert ANA not in texts[1] and BEN not in texts[1]
    reminded = " ".join(str(r.params.get("text")) + str(r.params.get("blocks")) for r in reminders)
    assert CAT not in reminded, "a member who answered every dimension is not reminded"

    world.now(APRIL + timedelta(days=7, hours=1))  # past the 7-day window
    eventually(
        lambda: world.posts("closed: overall") and len(world.posts("closed: overall")) == 2,
        timeout=30,
        what="the scheduled close's summary",
    )
    change = eventually(lambda: world.posts("Maturity change since assessment #1"), timeout=30, what="changes")
    assert "People & Process 1.00 → 2.00" in change[0].params["text"]  # Ana 3, Ben 2, Cat 1
    time.sleep(2.5)  # a few more ticks of every replica: nothing may be posted twice
    settle(world.slack)


def _exactly_once(world: World, *, summaries: int = 2, checkins: int = 1, digests: int = 1) -> None:
    assert len(world.posts("Check-in time")) == checkins
    assert len(world.posts("a reminder: the MLOps maturity check-in")) == 2 * checkins  # two groups each
    assert len(world.posts("closed: overall")) == summaries
    assert len(world.posts("Maturity change since assessment")) == summaries - 1
    assert len(world.posts("MLOps maturity digest")) == digests


def test_a_served_process_runs_the_quarterly_cycle(one_server: World) -> None:
    _first_assessment_and_schedule(one_server)
    _quarterly_cycle(one_server)
    _exactly_once(one_server)
    records = one_server.servers[0].log_records()
    assert any(r.get("msg") == "scheduler started" and r.get("tick_seconds") == 1 for r in records)


@pytest.mark.postgres
def test_two_replicas_post_everything_once_and_catch_up_after_downtime(two_replicas: World) -> None:
    world = two_replicas
    _first_assessment_and_schedule(world)
    _quarterly_cycle(world)
    _exactly_once(world)

    for server in world.servers:  # both down while July's check-in and digest fall due
        server.stop()
    world.now(JULY)
    world.servers[1].start()
    eventually(lambda: len(world.posts("Check-in time")) == 2, timeout=30, what="the missed check-in")
    eventually(lambda: len(world.posts("MLOps maturity digest")) == 2, timeout=30, what="the missed digest")
    world.servers[0].start()
    time.sleep(2.5)
    settle(world.slack)
    assert len(world.posts("Check-in time")) == 2, "the missed run fires once"
    assert len(world.posts("MLOps maturity digest")) == 2
