"""Transitions racing each other through the real app (signed HTTP, real database): an answer that
races ``/maturity finish`` is either in the summary or refused as closed — never confirmed and left
out — and of two ``finish`` and a ``cancel`` at once exactly one wins, the others told what happened.

On PostgreSQL (READ COMMITTED) these need row locks; SQLite serialises its writers anyway.
"""

from __future__ import annotations

import re
import threading
import time

from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.helpers import (
    CONFIRMATION,
    DIMENSIONS,
    QUESTIONS,
    all_at_once,
    confirmations,
    eventually,
    open_assessment,
    reply_event,
    settle,
)

LEAD = MEMBERS[0]
CROWD = [f"U0RACE{i:03d}" for i in range(30)]


def _crowd(running: Running) -> None:
    slack = running.slack
    for user in CROWD:
        slack.add_user(user, user.lower())  # type: ignore[attr-defined]
    slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *CROWD])  # type: ignore[attr-defined]


def _refusals(running: Running) -> dict[str, str]:
    """user -> the ephemeral text that refused their answer because the assessment had closed."""
    return {
        e.user: e.text
        for e in running.slack.ephemerals()  # type: ignore[attr-defined]
        if "closed" in e.text and not e.text.startswith(CONFIRMATION)
    }


ROUNDS = 3  # the race is timing-dependent: three rounds made the unlocked code fail every run


def test_an_answer_racing_finish_is_in_the_summary_or_refused(running: Running) -> None:
    _crowd(running)
    for round_ in range(ROUNDS):
        _race_answers_against_finish(running, [f"{u}{round_}" for u in CROWD])


def _race_answers_against_finish(running: Running, crowd: list[str]) -> None:
    slack, driver, db = running.slack, running.driver, running.db
    for user in crowd:
        slack.add_user(user, user.lower())  # type: ignore[attr-defined]
    slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *crowd])  # type: ignore[attr-defined]
    opened = open_assessment(driver, slack, db, team=TEAM, channel=CHANNEL, user=LEAD)  # type: ignore[arg-type]
    dimension = DIMENSIONS[0]
    text = " ".join("2" for _ in QUESTIONS[dimension]) + " racing"
    started = threading.Event()

    def answer(user: str) -> int:
        started.wait()
        _, event = reply_event(
            slack,  # type: ignore[arg-type]
            team=TEAM,
            channel=CHANNEL,
            user=user,
            thread_ts=opened.threads[dimension],
            text=text,
        )
        return driver.event(event).status  # type: ignore[attr-defined]

    def finish() -> int:
        started.wait()
        time.sleep(0.01)  # land in the middle of the answers
        return driver.slash("finish", user_id=LEAD, channel_id=CHANNEL).status  # type: ignore[attr-defined]

    calls = [lambda u=u: answer(u) for u in crowd] + [finish]
    threading.Timer(0.05, started.set).start()
    statuses = all_at_once(calls)
    assert set(statuses) == {200}
    summary = eventually(lambda: _summaries(slack, opened.assessment_id), what="the summary")
    settle(slack)  # type: ignore[arg-type]

    with db.session() as s:
        assessment = repo.get_assessment(s, TEAM, opened.assessment_id)
        assert assessment is not None and assessment.status == "closed"
        stored_overall = assessment.overall
        in_summary = {r.user_id for r in repo.list_responses(s, TEAM, opened.assessment_id)}
    confirmed = {str(c.params.get("user")) for c in confirmations(slack, crowd)}  # type: ignore[arg-type]
    refused = _refusals(running)

    assert confirmed <= in_summary, f"confirmed but left out of the summary: {sorted(confirmed - in_summary)}"
    assert set(crowd) == (in_summary & set(crowd)) | (set(refused) & set(crowd)), "every answer counted or refused"
    assert not (in_summary & set(refused)), "nobody is both counted and refused"
    assert len(summary) == 1
    counted = re.search(r"(\d+) of \d+ members answered", str(summary[0].params.get("text")))  # type: ignore[attr-defined]
    assert counted is not None
    assert int(counted.group(1)) == len(in_summary), "the summary counts exactly the stored answers"
    # The stored overall is what scoring the stored answers gives (roadmap, export and report recompute).
    recomputed = running.services.assessments.latest_result(TEAM, CHANNEL)
    assert recomputed is not None and recomputed.assessment.id == opened.assessment_id
    assert stored_overall == recomputed.score.overall


def test_two_finishes_and_a_cancel_at_once_one_wins(running: Running) -> None:
    slack, driver, db = running.slack, running.driver, running.db
    opened = open_assessment(driver, slack, db, team=TEAM, channel=CHANNEL, user=LEAD)  # type: ignore[arg-type]
    _, event = reply_event(
        slack,  # type: ignore[arg-type]
        team=TEAM,
        channel=CHANNEL,
        user=MEMBERS[1],
        thread_ts=opened.threads[DIMENSIONS[0]],
        text=" ".join("3" for _ in QUESTIONS[DIMENSIONS[0]]),
    )
    assert driver.event(event).status == 200  # type: ignore[attr-defined]
    settle(slack)  # type: ignore[arg-type]
    slack.reset_calls()  # type: ignore[attr-defined]

    users = [MEMBERS[0], MEMBERS[1], MEMBERS[2]]
    commands = ["finish", "finish", "cancel"]
    responses = all_at_once(
        [
            lambda u=u, c=c: driver.slash(c, user_id=u, channel_id=CHANNEL)  # type: ignore[attr-defined]
            for u, c in zip(users, commands, strict=True)
        ]
    )
    assert all(r.status == 200 for r in responses)
    settle(slack)  # type: ignore[arg-type]
    with db.session() as s:
        assessment = repo.get_assessment(s, TEAM, opened.assessment_id)
        assert assessment is not None
        final = assessment.status
    summaries = _summaries(slack)  # type: ignore[attr-defined]
    said = {u: _told(slack, u) for u in users}
    if final == "closed":
        assert len(summaries) == 1, "one summary of one assessment"
        assert not any(
            text.startswith(f"Assessment #{opened.assessment_id} is cancelled") for text in said[MEMBERS[2]]
        ), f"the cancelling member was told it was cancelled, but it closed: {said[MEMBERS[2]]}"
    else:
        assert final == "cancelled"
        assert not summaries, "a cancelled assessment posts no summary"
    losers = [u for u, c in zip(users, commands, strict=True) if (c == "cancel") == (final == "closed")]
    for user in losers:
        assert any(f"#{opened.assessment_id} was already {final}" in text for text in said[user]), (
            f"{user} was not told what happened: {said[user]}"
        )


def _told(slack: object, user: str) -> list[str]:
    """Every ephemeral text (chat.postEphemeral or a response_url post) the user was shown."""
    return [e.text for e in slack.ephemerals(user)]  # type: ignore[attr-defined]


def _summaries(slack: object, assessment_id: int | None = None) -> list[object]:
    """The summaries posted (of one assessment, or of any)."""
    wanted = f"#{assessment_id} closed: overall" if assessment_id is not None else "closed: overall"
    return [
        c
        for c in slack.calls_to("chat.postMessage")  # type: ignore[attr-defined]
        if c.ok and wanted in str(c.params.get("text"))
    ]


def test_members_who_answered_and_left_still_count_once(running: Running) -> None:
    """Three members answer, two of them leave the channel, then the lead finishes: the response
    rate counts everyone who was part of it, never "3 of 2 members answered"."""
    slack, driver, db = running.slack, running.driver, running.db
    opened = open_assessment(driver, slack, db, team=TEAM, channel=CHANNEL, user=LEAD)  # type: ignore[arg-type]
    dimension = DIMENSIONS[0]
    for user in MEMBERS[1:]:
        _, event = reply_event(
            slack,  # type: ignore[arg-type]
            team=TEAM,
            channel=CHANNEL,
            user=user,
            thread_ts=opened.threads[dimension],
            text=" ".join("1" for _ in QUESTIONS[dimension]),
        )
        assert driver.event(event).status == 200  # type: ignore[attr-defined]
    settle(slack)  # type: ignore[arg-type]
    slack.add_channel(CHANNEL, "ml-platform", members=[LEAD, MEMBERS[1]])  # two answerers left  # type: ignore[attr-defined]
    assert driver.slash("finish", user_id=LEAD, channel_id=CHANNEL).status == 200  # type: ignore[attr-defined]
    summary = eventually(lambda: _summaries(slack, opened.assessment_id), what="the summary")
    text = str(summary[0].params.get("text"))  # type: ignore[attr-defined]
    assert "3 of 4 members answered" in text, text  # Ana and Ben still here, Cat and Dan answered and left
