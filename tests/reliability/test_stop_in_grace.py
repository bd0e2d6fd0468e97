"""SIGTERM while the Slack calls that follow 20 answers are queued and Slack is slow: the process
exits well inside Docker's 10 s grace period; the answers are stored (before their acks); what was
dropped is logged."""

from __future__ import annotations

import time

import pytest

from tests.conftest import CHANNEL, MEMBERS, TEAM
from tests.reliability.conftest import Served
from tests.reliability.helpers import DIMENSIONS, QUESTIONS, open_assessment, reply_event, stored_answers

PEOPLE = [f"U0SLOW{i:03d}" for i in range(20)]


@pytest.mark.parametrize("served", ["sqlite"], indirect=True)
def test_sigterm_with_slow_slack_exits_within_the_grace_period(served: Served) -> None:
    slack = served.slack
    for user in PEOPLE:
        slack.add_user(user, user.lower())
    slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *PEOPLE])
    opened = open_assessment(served.driver, slack, served.db, team=TEAM, channel=CHANNEL, user=MEMBERS[0])
    for method in ("reactions.add", "chat.postEphemeral", "chat.update"):
        slack.delay(method, 4.0, times=None)  # a slow Slack: every follow-up call takes 4 s
    dimension = DIMENSIONS[0]
    for user in PEOPLE:
        _, event = reply_event(
            slack,
            team=TEAM,
            channel=CHANNEL,
            user=user,
            thread_ts=opened.threads[dimension],
            text=" ".join("2" for _ in QUESTIONS[dimension]),
        )
        assert served.driver.event(event).status == 200
    process = served.process.proc
    assert process is not None
    started = time.monotonic()
    process.terminate()
    process.wait(timeout=30)
    took = time.monotonic() - started
    assert took < 9.0, f"took {took:.1f} s to stop: past Docker's 10 s grace period"
    assert process.returncode == 0
    answered = {user for user, _ in stored_answers(served.db, TEAM, opened.assessment_id)}
    assert set(PEOPLE) <= answered, "every acknowledged answer is stored"
    dropped = [r for r in served.process.log_records() if str(r.get("msg", "")).startswith("stopping with Slack calls")]
    assert dropped and dropped[0]["dropped"] + dropped[0]["running"] > 0
