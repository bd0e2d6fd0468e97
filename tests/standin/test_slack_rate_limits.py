"""Slack's per-method rate limits in the stand-in (``StandInSlack(slack_rate_limits=True)``), and the
bot living with them: every 429 answered with Retry-After is retried by slack-sdk's
RateLimitErrorRetryHandler, so a burst of answers still gets every ✅ and nothing is logged as failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from standin.web_api import SLACK_RATE_LIMITS, StandInSlack
from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

OTHER = "C0OTHER01"
ANA = MEMBERS[0]
CROWD = [f"U0CRW{i:04d}" for i in range(24)]


def _limited(call: object) -> bool:
    return getattr(call, "http_status", None) == 429


def _exhaust(client: WebClient, method: str, burst: int, **params: object) -> SlackApiError:
    """``burst`` calls pass, the next one is answered 429: returns its error."""
    call = getattr(client, method.replace(".", "_"))
    for _ in range(burst):
        assert call(**params)["ok"]
    with pytest.raises(SlackApiError) as exc:
        call(**params)
    return exc.value


@pytest.mark.standin_selftest
def test_reset_rate_limits_gives_back_a_fresh_workspaces_budget() -> None:
    with StandInSlack(team_id=TEAM, slack_rate_limits=True) as slack:
        slack.add_user(ANA, "ana")
        slack.add_channel(CHANNEL, "ml-platform", members=[ANA])
        client = WebClient(token="xoxb-test", base_url=slack.url)
        ts = slack.record_user_message(CHANNEL, ANA, "hello")
        burst = SLACK_RATE_LIMITS["reactions.add"].burst
        for n in range(burst):
            assert client.reactions_add(channel=CHANNEL, timestamp=ts, name=f"emoji{n}")["ok"]
        with pytest.raises(SlackApiError):
            client.reactions_add(channel=CHANNEL, timestamp=ts, name="one-too-many")
        slack.reset_rate_limits()
        for n in range(burst):  # the whole burst again, at once
            assert client.reactions_add(channel=CHANNEL, timestamp=ts, name=f"again{n}")["ok"]
        with pytest.raises(SlackApiError):
            client.reactions_add(channel=CHANNEL, timestamp=ts, name="and-then-limited")


@pytest.mark.standin_selftest
def test_each_method_has_slacks_limit_answered_with_429_and_retry_after() -> None:
    with StandInSlack(team_id=TEAM, slack_rate_limits=True) as slack:
        slack.add_user(ANA, "ana")
        slack.add_channel(CHANNEL, "ml-platform", members=[ANA])
        slack.add_channel(OTHER, "random", members=[ANA])
        client = WebClient(token="xoxb-test", base_url=slack.url)  # no retry handler: see every 429

        # chat.postMessage: about one a second per channel, a short burst allowed; other channels have their own
        error = _exhaust(
            client, "chat.postMessage", SLACK_RATE_LIMITS["chat.postMessage"].burst, channel=CHANNEL, text="."
        )
        assert error.response.status_code == 429 and error.response["error"] == "ratelimited"
        assert error.response.headers["Retry-After"] == "1"
        assert client.chat_postMessage(channel=OTHER, text="own budget")["ok"]
        time.sleep(1.05)
        assert client.chat_postMessage(channel=CHANNEL, text="a second later")["ok"]

        # Tier 3 (reactions.add, chat.update) and Tier 4 (chat.postEphemeral, views.publish): per workspace
        ts = slack.record_user_message(CHANNEL, ANA, "hello")
        for n in range(SLACK_RATE_LIMITS["reactions.add"].burst):
            assert client.reactions_add(channel=CHANNEL, timestamp=ts, name=f"emoji{n}")["ok"]
        with pytest.raises(SlackApiError) as exc:
            client.reactions_add(channel=OTHER, timestamp=ts, name="late")  # any channel: one budget
        assert exc.value.response.status_code == 429
        assert int(exc.value.response.headers["Retry-After"]) >= 1
        own = client.chat_postMessage(channel=OTHER, text="mine")["ts"]
        error = _exhaust(client, "chat.update", SLACK_RATE_LIMITS["chat.update"].burst, channel=OTHER, ts=own, text=".")
        assert error.response.status_code == 429
        error = _exhaust(
            client,
            "chat.postEphemeral",
            SLACK_RATE_LIMITS["chat.postEphemeral"].burst,
            channel=CHANNEL,
            user=ANA,
            text=".",
        )
        assert error.response.status_code == 429
        error = _exhaust(
            client,
            "views.publish",
            SLACK_RATE_LIMITS["views.publish"].burst,
            user_id=ANA,
            view={"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]},
        )
        assert error.response.status_code == 429
        assert client.auth_test()["ok"]  # a method without a limit here
        assert slack.rate_limited_count == 5
        assert sum(1 for c in slack.calls if _limited(c)) == 5


@pytest.mark.standin_selftest
def test_without_the_option_nothing_is_limited_and_time_scale_compresses_the_refill() -> None:
    with StandInSlack(team_id=TEAM) as slack:
        slack.add_channel(CHANNEL, "ml-platform", members=[ANA])
        client = WebClient(token="xoxb-test", base_url=slack.url)
        for n in range(12):
            assert client.chat_postMessage(channel=CHANNEL, text=str(n))["ok"]
    with StandInSlack(team_id=TEAM, slack_rate_limits=True, time_scale=60) as slack:
        slack.add_channel(CHANNEL, "ml-platform", members=[ANA])
        client = WebClient(token="xoxb-test", base_url=slack.url)
        _exhaust(client, "chat.postMessage", SLACK_RATE_LIMITS["chat.postMessage"].burst, channel=CHANNEL, text=".")
        time.sleep(0.05)  # a minute's second is 1/60 s here: the bucket has refilled
        assert client.chat_postMessage(channel=CHANNEL, text="refilled")["ok"]


# --- the bot under Slack's limits -------------------------------------------------------------------------


@pytest.fixture
def slack() -> Iterator[StandInSlack]:
    """The stand-in with Slack's limits in real time: the after-ack threads race for Tier 3's freed slots."""
    stand_in = StandInSlack(team_id=TEAM, slack_rate_limits=True)
    stand_in.start()
    for i, user in enumerate(MEMBERS):
        stand_in.add_user(user, ["ana", "ben", "cat", "dan"][i], ["Ana", "Ben", "Cat", "Dan"][i])
    for user in CROWD:
        stand_in.add_user(user, user.lower())
    stand_in.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *CROWD])
    yield stand_in
    stand_in.stop()


def test_a_burst_of_answers_under_slacks_limits_gets_every_check(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    r = running
    caplog.set_level(logging.WARNING)
    assert r.driver.slash("assess", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=5, predicate=lambda c: c.ok, timeout=30)
    deadline = time.monotonic() + 30
    while True:
        with r.db.session() as s:
            a = repo.get_open_assessment(s, TEAM, CHANNEL)
            threads = {t.dimension_id: t.message_ts for t in a.threads} if a is not None else {}
        if len(threads) == 4 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    thread = threads["people-process"]
    # half the crowd answer in full (the ✅ only), half with a "don't know" (the ✅ and a confirmation)
    unsure = set(CROWD[::2])
    sent = [
        r.driver.reply(user_id=user, channel_id=CHANNEL, thread_ts=thread, text="2 ? 1" if user in unsure else "2 3 1")[
            0
        ]
        for user in CROWD
    ]
    # more ✅ than Tier 3's burst: some are answered 429 and retried after Retry-After
    checks = r.slack.wait_for("reactions.add", count=len(CROWD), predicate=lambda c: c.ok, timeout=60)
    assert sorted(c.params["timestamp"] for c in checks) == sorted(sent)
    # every confirmation due arrives (Tier 4), once each, and none that is not due
    told = r.slack.wait_for("chat.postEphemeral", count=len(unsure), predicate=lambda c: c.ok, timeout=60)
    time.sleep(0.3)
    told = [c for c in r.slack.calls_to("chat.postEphemeral") if c.ok]
    assert sorted(c.params["user"] for c in told) == sorted(unsure)
    assert r.slack.rate_limited_count > 0
    assert any(_limited(c) for c in r.slack.calls_to("reactions.add"))
    failed = [x.getMessage() for x in caplog.records if x.name.startswith(("maturity", "slack_sdk"))]
    assert not [m for m in failed if "failed" in m or "ratelimited" in m], failed
