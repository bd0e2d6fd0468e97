"""A slow Slack and the summary: when ``chat.postMessage`` of the summary answers only after the
client stopped waiting, but Slack did post it, the bot finds it (by its message metadata) instead of
reopening the assessment and saying it was not posted; a second ``finish`` posts nothing again.
When Slack really did not post it, the assessment is reopened and the member told so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from standin.web_api import StandInSlack
from storage import repo
from storage.db import Database
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.conftest import start_app
from tests.reliability.helpers import DIMENSIONS, QUESTIONS, eventually, open_assessment, reply_event, settle

LEAD = MEMBERS[0]


@pytest.fixture
def impatient(db: Database, slack: StandInSlack) -> Iterator[Running]:
    """The real app over HTTP, as ``running``, but with a client that waits 1 s for Slack. Stopped as
    ``running`` is: a finish still closing its dimension messages and uploading its charts (each
    call slowed down here) runs to its end while the stand-in is up, not into the next test's log."""
    live, stop = start_app(db, slack, slack_timeout_seconds=1.0)
    try:
        yield live
    finally:
        stop()


def _summary_ts(running: Running, assessment_id: int) -> str | None:
    with running.db.session() as s:
        assessment = repo.get_assessment(s, TEAM, assessment_id)
        return assessment.summary_ts if assessment is not None else None


def _answered_assessment(running: Running) -> int:
    slack, driver, db = running.slack, running.driver, running.db
    opened = open_assessment(driver, slack, db, team=TEAM, channel=CHANNEL, user=LEAD)  # type: ignore[arg-type]
    _, event = reply_event(
        slack,  # type: ignore[arg-type]
        team=TEAM,
        channel=CHANNEL,
        user=MEMBERS[1],
        thread_ts=opened.threads[DIMENSIONS[0]],
        text=" ".join("2" for _ in QUESTIONS[DIMENSIONS[0]]),
    )
    assert driver.event(event).status == 200  # type: ignore[attr-defined]
    settle(slack)  # type: ignore[arg-type]
    return opened.assessment_id


def _summaries(slack: StandInSlack, assessment_id: int) -> list[object]:
    return [m for m in slack.messages(CHANNEL) if f"#{assessment_id} closed: overall" in m.text]


def test_a_summary_posted_after_the_timeout_is_found_not_posted_again(impatient: Running) -> None:
    slack: StandInSlack = impatient.slack  # type: ignore[assignment]
    assessment_id = _answered_assessment(impatient)
    slack.delay("chat.postMessage", 1.6)  # the summary's post: answered after the client gave up, posted
    assert impatient.driver.slash("finish", user_id=LEAD, channel_id=CHANNEL).status == 200  # type: ignore[attr-defined]
    eventually(lambda: _summaries(slack, assessment_id), what="the summary in the channel")
    # The bot finds the summary it timed out on and keeps its ts: wait for that, not for a quiet spell
    # (the lookup and the write come after the last Slack call the summary's post made).
    eventually(lambda: _summary_ts(impatient, assessment_id) is not None, what="the summary's ts stored")
    settle(slack, quiet=1.0)
    with impatient.db.session() as s:
        assessment = repo.get_assessment(s, TEAM, assessment_id)
        assert assessment is not None
        assert assessment.status == "closed", "a posted summary's assessment stays closed"
        assert assessment.summary_ts == _summaries(slack, assessment_id)[0].ts  # type: ignore[attr-defined]
    told = [e.text for e in slack.ephemerals(LEAD)]
    assert not any("couldn't post the summary" in t for t in told), told

    assert impatient.driver.slash("finish", user_id=LEAD, channel_id=CHANNEL).status == 200  # type: ignore[attr-defined]
    settle(slack)
    assert len(_summaries(slack, assessment_id)) == 1, "no second summary"
    assert any(f"#{assessment_id} was already closed" in e.text for e in slack.ephemerals(LEAD))


def test_a_summary_slack_refused_reopens_the_assessment(impatient: Running) -> None:
    slack: StandInSlack = impatient.slack  # type: ignore[assignment]
    assessment_id = _answered_assessment(impatient)
    slack.fail("chat.postMessage", "internal_error", times=1)
    assert impatient.driver.slash("finish", user_id=LEAD, channel_id=CHANNEL).status == 200  # type: ignore[attr-defined]
    eventually(lambda: any("couldn't post the summary" in e.text for e in slack.ephemerals(LEAD)), what="the notice")
    with impatient.db.session() as s:
        assessment = repo.get_assessment(s, TEAM, assessment_id)
        assert assessment is not None and assessment.status == "open"
    assert not _summaries(slack, assessment_id)
