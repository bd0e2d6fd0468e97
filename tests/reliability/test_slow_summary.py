"""A slow Slack and the summary: when ``chat.postMessage`` of the summary answers only after the
client stopped waiting, but Slack did post it, the bot finds it (by its message metadata) instead of
reopening the assessment and saying it was not posted; a second ``finish`` posts nothing again.
When Slack really did not post it, the assessment is reopened and the member told so."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.app import build_app
from bot.config import load_settings
from bot.server import create_server, server_port
from bot.services import build_services
from standin.driver import SlackDriver
from standin.web_api import StandInSlack
from storage import repo
from storage.db import Database
from tests.conftest import BOT_TOKEN, CHANNEL, MEMBERS, SIGNING_SECRET, TEAM, Running, stop_server
from tests.reliability.helpers import DIMENSIONS, QUESTIONS, eventually, open_assessment, reply_event, settle

LEAD = MEMBERS[0]


@pytest.fixture
def impatient(db: Database, slack: StandInSlack) -> Iterator[Running]:
    """The real app over HTTP, as ``running``, but with a client that waits 1 s for Slack."""
    settings = load_settings(
        database_url=db.url.render_as_string(hide_password=False),
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        scheduler_enabled=False,
        slack_timeout_seconds=1.0,
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
        services.close(queue_timeout=60, refresh_timeout=60)


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
