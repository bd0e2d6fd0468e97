"""``maturity serve`` killed with SIGKILL mid-assessment and started again on the same database.

An answer the bot confirmed (its confirmation is posted only after the answer's transaction
committed) must survive the crash, on a SQLite file (WAL) as on PostgreSQL; the assessment then
carries on: more answers, and ``/maturity finish`` posts a summary that counts everyone.
"""

from __future__ import annotations

import re
import threading
import urllib.error

import pytest
from sqlalchemy import text

from scoring import format_score, score
from scoring.types import Answer
from standin.driver import SlackDriver
from storage import repo
from tests.conftest import CHANNEL, MEMBERS, SIGNING_SECRET, TEAM, Running
from tests.reliability.conftest import Served
from tests.reliability.helpers import (
    ALL_QUESTIONS,
    DIMENSIONS,
    FRAMEWORK,
    QUESTIONS,
    acknowledgements,
    checks,
    click,
    confirmations,
    eventually,
    open_assessment,
    reply_event,
    settle,
    stored_answers,
)

ANA, BEN, CAT, DAN = MEMBERS
BURST = [f"U0BURST{i:03d}" for i in range(12)]


def _levels(user_index: int, dimension: str) -> list[int]:
    return [(user_index + position + len(dimension)) % 5 for position in range(len(QUESTIONS[dimension]))]


def _reply(sv: Served, user: str, dimension: str, levels: list[int], threads: dict[str, str]) -> int:
    words = " ".join(str(level) for level in levels)
    _, event = reply_event(
        sv.slack, team=TEAM, channel=CHANNEL, user=user, thread_ts=threads[dimension], text=f"{words} evidence"
    )
    return sv.driver.event(event).status


def _summary(sv: Served) -> str:
    posts = sv.slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.ok and "closed: overall" in str(c.params.get("text")), timeout=20
    )
    return str(posts[-1].params["text"])


def test_killed_mid_assessment_keeps_every_confirmed_answer_and_carries_on(served: Served) -> None:
    sv = served
    for user in BURST:
        sv.slack.add_user(user, user.lower())
    sv.slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *BURST])
    opened = open_assessment(sv.driver, sv.slack, sv.db, team=TEAM, channel=CHANNEL, user=ANA)
    sent: dict[tuple[str, str], int | None] = {}  # (user, question) -> level, for confirmed answers only

    # before the crash: Ana types every dimension, Ben clicks all 16 buttons; all confirmed
    for dimension in DIMENSIONS:
        levels = _levels(0, dimension)
        assert _reply(sv, ANA, dimension, levels, opened.threads) == 200
        sent.update({(ANA, q): lv for q, lv in zip(QUESTIONS[dimension], levels, strict=True)})
    for i, question in enumerate(ALL_QUESTIONS):
        dimension = next(d for d in DIMENSIONS if question in QUESTIONS[d])
        level = i % 5
        response = click(
            sv.driver,
            user=BEN,
            channel=CHANNEL,
            thread_ts=opened.threads[dimension],
            assessment_id=opened.assessment_id,
            question=question,
            level=level,
        )
        assert response.status == 200
        sent[(BEN, question)] = level
    eventually(lambda: len(acknowledgements(sv.slack, [ANA, BEN])) == 4 + 16, what="Ana's ✅ and Ben's confirmations")

    # a burst of members answering at once; the server is killed while it is still working on them
    burst_sent: dict[tuple[str, str], list[int]] = {}

    def member(index: int, user: str) -> None:
        for dimension in DIMENSIONS:
            burst_sent[(user, dimension)] = _levels(index, dimension)
            try:
                _reply(sv, user, dimension, burst_sent[(user, dimension)], opened.threads)
            except OSError:  # the server is gone: this delivery was never acknowledged
                return

    senders = [threading.Thread(target=member, args=(i + 1, u)) for i, u in enumerate(BURST)]
    for t in senders:
        t.start()
    eventually(lambda: len(checks(sv.slack, BURST)) >= 6, what="the first burst's ✅")
    sv.process.kill()
    for t in senders:
        t.join(timeout=60)

    thread_dimension = {ts: d for d, ts in opened.threads.items()}
    for check in checks(sv.slack, BURST):  # a complete reply is acknowledged by its ✅ alone
        message = sv.slack.message(check.channel, check.ts)
        assert message is not None and message.user and message.thread_ts
        user, dimension = message.user, thread_dimension[message.thread_ts]
        sent.update(dict(zip([(user, q) for q in QUESTIONS[dimension]], burst_sent[(user, dimension)], strict=True)))

    stored = stored_answers(sv.db, TEAM, opened.assessment_id)
    missing = {k: v for k, v in sent.items() if stored.get(k, "missing") != v}
    assert not missing, f"confirmed answers lost or changed by the crash: {missing}"

    # started again on the same database (and port): the assessment carries on
    sv.process.start()
    for dimension in DIMENSIONS:
        levels = _levels(3, dimension)
        assert _reply(sv, CAT, dimension, levels, opened.threads) == 200
        sent.update({(CAT, q): lv for q, lv in zip(QUESTIONS[dimension], levels, strict=True)})
    response = click(
        sv.driver,
        user=DAN,
        channel=CHANNEL,
        thread_ts=opened.threads["monitoring-operations"],
        assessment_id=opened.assessment_id,
        question="mo-drift",
        level=None,
    )
    assert response.status == 200
    sent[(DAN, "mo-drift")] = None
    eventually(lambda: len(acknowledgements(sv.slack, [CAT, DAN])) == 5, what="Cat's ✅ and Dan's confirmation")

    assert sv.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    summary = _summary(sv)
    settle(sv.slack)

    stored = stored_answers(sv.db, TEAM, opened.assessment_id)
    assert {k: stored.get(k, "missing") for k in sent} == sent
    respondents = {user for user, _ in stored}
    assert f"{len(respondents)} of {len(MEMBERS) + len(BURST)} members answered" in summary
    expected = score(FRAMEWORK.spec(), [Answer(u, q, lv) for (u, q), lv in stored.items()])
    assert f"overall {format_score(expected.overall)}" in summary
    with sv.db.session() as s:
        assessment = repo.get_assessment(s, TEAM, opened.assessment_id)
        assert assessment is not None and assessment.status == "closed"
    assert not sv.process.problems(run=2), sv.process.problems(run=2)


def _waiting_on_a_lock(sv: Served) -> bool:
    with sv.db.engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    return bool(waiting)


@pytest.mark.postgres
@pytest.mark.parametrize("served", ["postgresql"], indirect=True)
def test_an_acknowledged_reply_survives_a_crash(served: Served) -> None:
    """Slack's contract: an event answered with 200 within 3 s is delivered; otherwise Slack retries it.
    So a reply must be stored once it is acknowledged — or not acknowledged, and then stored on retry."""
    sv = served
    opened = open_assessment(sv.driver, sv.slack, sv.db, team=TEAM, channel=CHANNEL, user=ANA)
    _, event = reply_event(
        sv.slack, team=TEAM, channel=CHANNEL, user=DAN, thread_ts=opened.threads["people-process"], text="3 3 3"
    )
    slack_side = SlackDriver(sv.process.events_url, SIGNING_SECRET, slack=sv.slack, team_id=TEAM, timeout=3.0)
    with sv.db.engine.connect() as conn:
        lock = conn.begin()
        # the database is slow for a moment: writes to responses wait behind this lock
        conn.execute(text("LOCK TABLE responses IN ACCESS EXCLUSIVE MODE"))
        try:
            acknowledged = slack_side.event(event, event_id="Ev0CRASH001").status == 200
        except (TimeoutError, urllib.error.URLError):
            acknowledged = False  # Slack gave up after 3 s and will retry
        eventually(lambda: _waiting_on_a_lock(sv), what="the bot's write to wait on the lock")
        sv.process.kill()  # the crash, while the answer is not yet stored
        lock.rollback()
    sv.process.start()
    if not acknowledged:
        assert sv.driver.event(event, event_id="Ev0CRASH001", retry_num=1, retry_reason="http_timeout").status == 200
    settle(sv.slack)
    stored = stored_answers(sv.db, TEAM, opened.assessment_id)
    assert stored == {(DAN, "pp-collaboration"): 3, (DAN, "pp-handoff"): 3, (DAN, "pp-incidents"): 3}


def test_the_confirmation_names_the_answers_it_stored(running: Running) -> None:
    """The crash test counts a click as acknowledged once its confirmation is posted; check that the
    confirmation (here of a reply with a "don't know", which says more than the ✅) says what was stored."""
    r = running
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    _, event = reply_event(
        r.slack, team=TEAM, channel=CHANNEL, user=BEN, thread_ts=opened.threads["model-development"], text="1 2 ? 4"
    )
    assert r.driver.event(event).status == 200
    call = eventually(lambda: confirmations(r.slack, [BEN]), what="the confirmation")[0]
    assert re.findall(r"Q(\d) (\d)", call.params["text"]) == [("1", "1"), ("2", "2"), ("4", "4")]
    assert "Q3 don't know" in call.params["text"]
    assert stored_answers(r.db, TEAM, opened.assessment_id) == {
        (BEN, q): lv for q, lv in zip(QUESTIONS["model-development"], [1, 2, None, 4], strict=True)
    }
