"""At-least-once delivery from Slack and double clicks count once.

Slack redelivers an event it thinks was not acknowledged (``X-Slack-Retry-Num`` 1, 2, 3), and a
person can click twice before the first click's confirmation arrives. Whatever the timing, one
answer set is stored, one reaction and one confirmation are posted.
"""

from __future__ import annotations

import pytest

from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.conftest import describe
from tests.reliability.helpers import (
    QUESTIONS,
    all_at_once,
    click,
    confirmations,
    open_assessment,
    reply_event,
    settle,
    stored_answers,
)

ANA, BEN, CAT, DAN = MEMBERS


def _effects_of(r: Running, user: str, ts: str) -> tuple[int, int, int]:
    """(reactions.add on the reply, confirmations to the user, chat.postEphemeral to the user at all)."""
    reactions = [c for c in r.slack.calls_to("reactions.add") if c.params.get("timestamp") == ts]
    ephemerals = [c for c in r.slack.calls_to("chat.postEphemeral") if c.params.get("user") == user]
    return len(reactions), len(confirmations(r.slack, [user])), len(ephemerals)


@pytest.mark.parametrize("delivery", ["one after another", "all at once"])
def test_an_event_delivered_three_times_counts_once(running: Running, errors_logged: list, delivery: str) -> None:
    r = running
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    ts, event = reply_event(
        r.slack, team=TEAM, channel=CHANNEL, user=DAN, thread_ts=opened.threads["people-process"], text="3 2 ? why"
    )
    deliveries = [
        lambda: r.driver.event(event, event_id="Ev0REL0001"),
        lambda: r.driver.event(event, event_id="Ev0REL0001", retry_num=1, retry_reason="http_timeout"),
        lambda: r.driver.event(event, event_id="Ev0REL0001", retry_num=2, retry_reason="http_timeout"),
    ]
    responses = all_at_once(deliveries) if delivery == "all at once" else [deliver() for deliver in deliveries]
    assert [x.status for x in responses] == [200, 200, 200]  # every delivery is acknowledged
    r.slack.wait_for("reactions.add", count=1)
    settle(r.slack)

    stored = stored_answers(r.db, TEAM, opened.assessment_id)
    assert stored == {(DAN, "pp-collaboration"): 3, (DAN, "pp-handoff"): 2, (DAN, "pp-incidents"): None}
    with r.db.session() as s:
        assert [c.text for c in repo.list_comments(s, TEAM, opened.assessment_id)] == ["why"]
    # one reaction, one confirmation (its "don't know" says more than the ✅), nothing else
    assert _effects_of(r, DAN, ts) == (1, 1, 1)
    assert not errors_logged, describe(errors_logged)


def test_two_concurrent_clicks_by_one_user_leave_one_row(running: Running, errors_logged: list) -> None:
    r = running
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    sent: dict[str, tuple[int | None, int | None]] = {}
    for dimension, questions in QUESTIONS.items():
        thread = opened.threads[dimension]
        for i, question in enumerate(questions):
            # the same button twice, or two different levels, clicked at the same moment
            first, second = (2, 2) if i % 2 == 0 else (1, None)
            sent[question] = (first, second)
            responses = all_at_once(
                [
                    lambda q=question, lv=level, t=thread: click(
                        r.driver,
                        user=BEN,
                        channel=CHANNEL,
                        thread_ts=t,
                        assessment_id=opened.assessment_id,
                        question=q,
                        level=lv,
                    )
                    for level in (first, second)
                ]
            )
            assert [x.status for x in responses] == [200, 200]
    r.slack.wait_for("chat.postEphemeral", count=2 * len(sent), predicate=lambda c: c.params.get("user") == BEN)
    settle(r.slack)

    with r.db.session() as s:
        rows = [x for x in repo.list_responses(s, TEAM, opened.assessment_id) if x.user_id == BEN]
    assert sorted(x.question_id for x in rows) == sorted(sent)  # exactly one row per question
    for row in rows:
        assert row.level in sent[row.question_id]  # whichever click committed last wins
        assert row.source == "button"
    assert not errors_logged, describe(errors_logged)


def test_a_typed_reply_and_a_click_racing_on_one_question_leave_one_row(running: Running) -> None:
    r = running
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    thread = opened.threads["deployment-serving"]
    _, event = reply_event(r.slack, team=TEAM, channel=CHANNEL, user=CAT, thread_ts=thread, text="2=4")
    responses = all_at_once(
        [
            lambda: r.driver.event(event),
            lambda: click(
                r.driver,
                user=CAT,
                channel=CHANNEL,
                thread_ts=thread,
                assessment_id=opened.assessment_id,
                question="ds-testing",
                level=1,
            ),
        ]
    )
    assert [x.status for x in responses] == [200, 200]
    r.slack.wait_for("chat.postEphemeral", count=2, predicate=lambda c: c.params.get("user") == CAT)
    settle(r.slack)
    stored = stored_answers(r.db, TEAM, opened.assessment_id)
    assert list(stored) == [(CAT, "ds-testing")] and stored[(CAT, "ds-testing")] in (1, 4)
