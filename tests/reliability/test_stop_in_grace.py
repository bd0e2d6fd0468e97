"""SIGTERM while the Slack calls that follow 20 answers are queued and Slack is slow: the process
exits well inside Docker's 10 s grace period; the answers are stored (before their acks); what was
dropped is logged."""

from __future__ import annotations

import threading
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


@pytest.mark.parametrize("served", ["sqlite"], indirect=True)
def test_sigterm_while_requests_are_answered_stops_without_a_traceback(served: Served) -> None:
    """Requests keep coming as SIGTERM arrives: those being answered finish, the process exits 0,
    and nothing is logged as an error (closing waitress under a request thread that was still
    answering made it fail writing to the closed trigger: a traceback, on most stops under load)."""
    stop = threading.Event()
    statuses: list[int] = []

    def ask() -> None:
        while not stop.is_set():
            try:
                statuses.append(served.driver.slash("help", user_id=MEMBERS[0], channel_id=CHANNEL).status)
            except OSError:
                return  # the server stopped listening: expected once SIGTERM is handled

    askers = [threading.Thread(target=ask) for _ in range(6)]
    for asker in askers:
        asker.start()
    try:
        time.sleep(1.0)
        process = served.process.proc
        assert process is not None
        process.terminate()
        process.wait(timeout=30)
    finally:
        stop.set()
        for asker in askers:
            asker.join(timeout=30)
    assert statuses and set(statuses) <= {200}, sorted(set(statuses))
    assert process.returncode == 0
    log = "\n".join(path.read_text(errors="replace") for path in served.process.logs)
    assert "Traceback" not in log, log[-3000:]
    assert not served.process.problems(), served.process.problems()
