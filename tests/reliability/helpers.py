"""Helpers shared by the reliability tests: drive an assessment with signed requests, wait for the
bot's background work to settle, read back what was stored.

Everything here works the same against the in-process app (``running``) and against a
``maturity serve`` subprocess (``served``): both are a request URL plus a stand-in Slack plus a
database.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from conversations.frameworks import get_framework
from standin.driver import Response, SlackDriver
from standin.web_api import StandInSlack
from storage import repo
from storage.db import Database

T = TypeVar("T")

FRAMEWORK = get_framework("maturity-levels")
DIMENSIONS: list[str] = [d.id for d in FRAMEWORK.dimensions]
QUESTIONS: dict[str, list[str]] = {d.id: [q.id for q in d.questions] for d in FRAMEWORK.dimensions}
ALL_QUESTIONS: list[str] = [q for d in DIMENSIONS for q in QUESTIONS[d]]
DIMENSION_OF: dict[str, str] = {q: d for d, qs in QUESTIONS.items() for q in qs}
CONFIRMATION = "Recorded for "  # start of every answer confirmation (bot/messages.answer_confirmation)
UNREADABLE = "nothing changed"  # in every explanation of an unreadable reply


def eventually(check: Callable[[], T], *, timeout: float = 15.0, interval: float = 0.02, what: str = "") -> T:
    """Poll ``check`` until it returns something truthy; AssertionError after ``timeout`` seconds.

    A wait with a generous ceiling, never an assertion about how long something took."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting{' for ' + what if what else ''} after {timeout:g}s")
        time.sleep(interval)


def settle(slack: StandInSlack, quiet: float = 0.4, timeout: float = 15.0) -> None:
    """Wait until the bot has made no Slack call for ``quiet`` seconds (its background work is done)."""
    deadline = time.monotonic() + timeout
    last = len(slack.calls)
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(slack.calls)
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return
    raise AssertionError(f"the bot was still calling Slack after {timeout:g}s")


@dataclass(frozen=True)
class Opened:
    assessment_id: int
    threads: dict[str, str]  # dimension id -> the dimension message's ts (its thread)


def open_assessment(
    driver: SlackDriver, slack: StandInSlack, db: Database, *, team: str, channel: str, user: str
) -> Opened:
    """``/maturity assess`` in ``channel``; waits until the assessment and its four threads are stored."""
    response = driver.slash("assess", user_id=user, channel_id=channel)
    assert response.status == 200, response
    return stored_open(db, team=team, channel=channel)


def stored_open(db: Database, *, team: str, channel: str, after: int = 0, timeout: float = 15.0) -> Opened:
    """Wait until the channel's open assessment (one newer than ``after``) and all its threads are stored:
    a reply in a thread whose message is posted but not yet stored would be (rightly) ignored."""

    def stored() -> Opened | None:
        with db.session() as s:
            assessment = repo.get_open_assessment(s, team, channel)
            if assessment is None or assessment.id <= after or len(assessment.threads) < len(DIMENSIONS):
                return None
            return Opened(assessment.id, {t.dimension_id: t.message_ts for t in assessment.threads})

    return eventually(stored, timeout=timeout, what="the assessment and its threads")


def click(
    driver: SlackDriver,
    *,
    user: str,
    channel: str,
    thread_ts: str,
    assessment_id: int,
    question: str,
    level: int | None,
) -> Response:
    """A click on a question's level button, carrying the value the bot put on it."""
    return driver.click(
        user_id=user,
        channel_id=channel,
        message_ts=thread_ts,
        action_id=f"answer:{question}:{'dk' if level is None else level}",
        value=json.dumps({"a": assessment_id, "q": question, "l": level}),
        block_id=f"q:{question}",
    )


def reply_event(
    slack: StandInSlack, *, team: str, channel: str, user: str, thread_ts: str, text: str
) -> tuple[str, dict[str, Any]]:
    """Record a thread reply in the stand-in and return (ts, the ``message`` event Slack would send)."""
    ts = slack.record_user_message(channel, user, text, thread_ts=thread_ts)
    return ts, {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "team": team,
        "thread_ts": thread_ts,
        "parent_user_id": slack.bot_user_id,
        "channel": channel,
        "channel_type": "channel",
        "event_ts": ts,
    }


def stored_answers(db: Database, team: str, assessment_id: int) -> dict[tuple[str, str], int | None]:
    """(user id, question id) -> level, as stored."""
    with db.session() as s:
        return {(r.user_id, r.question_id): r.level for r in repo.list_responses(s, team, assessment_id)}


def confirmations(slack: StandInSlack, users: Iterable[str] | None = None) -> list[Any]:
    """chat.postEphemeral calls that confirmed a recorded answer (sent after the answer was committed)."""
    wanted = set(users) if users is not None else None
    return [
        c
        for c in slack.calls_to("chat.postEphemeral")
        if c.ok
        and str(c.params.get("text", "")).startswith(CONFIRMATION)
        and (wanted is None or c.params.get("user") in wanted)
    ]


def checks(slack: StandInSlack, users: Iterable[str] | None = None) -> list[Any]:
    """The bot's ✅ reactions on typed replies (by ``users``): a complete reply gets the ✅ only."""
    wanted = set(users) if users is not None else None
    found = []
    for reaction in slack.reactions:
        message = slack.message(reaction.channel, reaction.ts)
        if reaction.user != slack.bot_user_id or reaction.name != "white_check_mark" or message is None:
            continue
        if message.user and message.user != slack.bot_user_id and (wanted is None or message.user in wanted):
            found.append(reaction)
    return found


def acknowledgements(slack: StandInSlack, users: Iterable[str] | None = None) -> list[Any]:
    """What told members an answer was recorded: a confirmation for each click (and for each reply
    that said more than the ✅), a ✅ on each typed reply. One per request when every typed reply is
    complete (every question, no "don't know", nothing replaced)."""
    return confirmations(slack, users) + checks(slack, users)


def all_at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run the callables on their own threads, released together by a barrier; results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, fn: Callable[[], T]) -> None:
        barrier.wait()
        try:
            results[i] = fn()
        except BaseException as exc:  # re-raised below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise errors[0]
    return results
