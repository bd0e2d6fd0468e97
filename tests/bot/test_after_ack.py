"""The queue behind the acks (bot.after_ack): Slack calls that follow an answer wait for the requests
being answered, never the other way round."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from bot.after_ack import AfterAck
from tests.conftest import CHANNEL, MEMBERS, Running


def test_jobs_run_in_order_on_one_thread_and_a_failing_job_is_logged_not_fatal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lane = AfterAck(threads=1, max_wait=0)
    done: list[int] = []

    def boom() -> None:
        raise RuntimeError("slack said no")

    with caplog.at_level(logging.ERROR, logger="maturity.after_ack"):
        lane.submit(done.append, 1)
        lane.submit(boom)
        lane.submit(done.append, 2)
        lane.close()  # runs what is queued
    assert done == [1, 2]
    assert any("work after the ack failed" in r.message and r.exc_info for r in caplog.records)
    lane.submit(done.append, 3)  # after close: at once, in the caller's thread
    assert done == [1, 2, 3]


def test_a_job_waits_for_the_request_being_answered_and_starts_when_it_ends() -> None:
    lane = AfterAck(threads=1, max_wait=30)
    started = threading.Event()
    with lane.requests:
        lane.submit(started.set)
        assert not started.wait(0.3), "the job ran while a request was being answered"
    assert started.wait(5)
    lane.close()


def test_a_steady_stream_of_requests_delays_a_job_by_max_wait_at_most() -> None:
    lane = AfterAck(threads=1, max_wait=0.2)
    started = threading.Event()
    with lane.requests:  # never idle while the job waits
        lane.submit(started.set)
        assert started.wait(5), "the job starved behind the requests"
        assert lane.requests.count == 1
    lane.close()


def test_a_slash_command_is_acknowledged_while_slack_is_slow_for_the_answers_before_it(running: Running) -> None:
    """Nine replies, each followed by a reactions.add that Slack holds for 1 s: more than Bolt's
    eight listener threads. Done inline, they kept every listener thread busy and `/maturity help`
    waited for one; queued after the ack, they leave the listeners free."""
    r = running
    assert r.driver.slash("assess", user_id=MEMBERS[0], channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=5)
    thread_ts = [m.ts for m in r.slack.messages(CHANNEL) if m.is_bot and not m.thread_ts][1]
    people = [f"U0SLOW{i:03d}" for i in range(9)]
    for user in people:
        r.slack.add_user(user, user.lower())
    r.slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *people])
    r.slack.delay("reactions.add", 1.0, times=None)
    for user in people:
        assert r.driver.reply(user_id=user, channel_id=CHANNEL, thread_ts=thread_ts, text="2 3 1")[1].status == 200
    time.sleep(0.1)  # the listeners have picked the replies up
    help_response = r.driver.slash("help", user_id=MEMBERS[1], channel_id=CHANNEL)
    assert help_response.status == 200 and "assess" in help_response.body
    assert r.slack.reactions == [], "the command was answered only after Slack took the reactions"
    r.slack.wait_for("reactions.add", count=len(people), timeout=30)
    deadline = time.monotonic() + 30
    while len(r.slack.reactions) < len(people) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(r.slack.reactions) == len(people)  # none lost on the way
