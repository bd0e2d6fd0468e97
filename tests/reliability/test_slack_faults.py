"""Slack's Web API failing under the bot: 5xx answers and dropped connections.

The bot's WebClient (bot/services.make_client) retries 500/503 (ServerErrorRetryHandler, 2 retries) and
dropped connections (ConnectionErrorRetryHandler, 2 retries). An answer is stored before the bot
talks to Slack about it, so no Slack failure may lose it; failures past the retries are logged.

Retries keep their count and their triggers; only slack-sdk's back-off sleeps are shortened
(``fast_retries``) so that the suite stays fast. Runs on SQLite: the database is not the subject.
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.http_retry import handler as retry_handler
from slack_sdk.http_retry.jitter import Jitter

from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.conftest import describe, start_app
from tests.reliability.helpers import (
    click,
    confirmations,
    eventually,
    open_assessment,
    reply_event,
    settle,
    stored_answers,
)

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
ANA, BEN, CAT, DAN = MEMBERS


class _NoJitter(Jitter):
    def recalculate(self, duration: float) -> float:
        return duration


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack-sdk sleeps 0.5 s × 2^n + up to 1 s between retries; here 5 ms × 2^n."""
    calculator = retry_handler.default_interval_calculator
    monkeypatch.setattr(calculator, "backoff_factor", 0.005)
    monkeypatch.setattr(calculator, "jitter", _NoJitter())


# --- a proxy that drops connections ----------------------------------------------------------------


class FlakyProxy:
    """Sits between the bot and the stand-in Slack and forwards every request, except that the next
    ``times`` requests to a Web API method lose their connection after the request was sent: closed
    with no response (``close``) or reset (``reset``). Nothing reaches the stand-in then."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._lock = threading.Lock()
        self._drops: dict[str, list[str]] = {}
        self.dropped: list[str] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def drop(self, method: str, *modes: str) -> None:
        with self._lock:
            self._drops.setdefault(method, []).extend(modes)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                return
            head += chunk
        head, _, body = head.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        path = head.split(b" ")[1].decode()
        method = path.split("?")[0].removeprefix("/api/")
        with self._lock:
            modes = self._drops.get(method) or []
            mode = modes.pop(0) if modes else None
            if mode:
                self.dropped.append(f"{method}:{mode}")
        if mode == "reset":
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            return
        if mode == "close":
            client.close()
            return
        with socket.create_connection(self.target, timeout=30) as upstream:
            upstream.sendall(head + b"\r\n\r\n" + body)
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                client.sendall(chunk)
        client.close()


@pytest.fixture
def flaky(db: Any, slack: Any) -> Iterator[tuple[FlakyProxy, Running]]:
    """The real app over HTTP (as ``running``), its Slack Web API calls going through a FlakyProxy."""
    proxy = FlakyProxy(slack.host, slack.port)
    live, stop = start_app(db, slack, proxy.url)
    try:
        yield proxy, live
    finally:
        stop()
        proxy.close()


def _answer_people_process(r: Running, user: str, text: str = "3 2 1 we pair") -> tuple[int, str]:
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    ts, event = reply_event(
        r.slack, team=TEAM, channel=CHANNEL, user=user, thread_ts=opened.threads["people-process"], text=text
    )
    assert r.driver.event(event).status == 200
    return opened.assessment_id, ts


PP_321 = {"pp-collaboration": 3, "pp-handoff": 2, "pp-incidents": 1}


def _stored_for(r: Running, assessment_id: int, user: str) -> dict[str, int | None]:
    return {q: lv for (u, q), lv in stored_answers(r.db, TEAM, assessment_id).items() if u == user}


# --- 5xx ---------------------------------------------------------------------------------------------


def test_5xx_answers_are_retried_and_the_answer_is_kept(running: Running, errors_logged: list) -> None:
    r = running
    r.slack.server_error("reactions.add", 500, times=2)
    r.slack.server_error("chat.postEphemeral", 503, times=2)
    r.slack.server_error("chat.update", 500, times=1)
    assessment_id, ts = _answer_people_process(r, DAN)
    r.slack.wait_for("chat.postEphemeral", count=3)
    settle(r.slack)

    assert _stored_for(r, assessment_id, DAN) == PP_321
    statuses = [c.http_status for c in r.slack.calls_to("reactions.add")]
    assert statuses == [500, 500, 200]  # two retries, as slack-sdk's ServerErrorRetryHandler does
    assert [(x.ts, x.name) for x in r.slack.reactions] == [(ts, "white_check_mark")]
    assert [c.http_status for c in r.slack.calls_to("chat.postEphemeral")] == [503, 503, 200]
    assert len(confirmations(r.slack, [DAN])) == 1
    assert [c.http_status for c in r.slack.calls_to("chat.update")][-2:] == [500, 200]
    assert not errors_logged, describe(errors_logged)


def test_5xx_past_the_retries_is_logged_and_the_answer_is_kept(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    r = running
    caplog.set_level(logging.WARNING)
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    r.slack.server_error("reactions.add", 500, times=3)
    r.slack.server_error("chat.postEphemeral", 500, times=3)
    _, event = reply_event(
        r.slack, team=TEAM, channel=CHANNEL, user=DAN, thread_ts=opened.threads["people-process"], text="3 2 1"
    )
    assert r.driver.event(event).status == 200
    r.slack.wait_for("reactions.add", count=3)  # the try and two retries, all answered 500
    r.slack.wait_for("chat.postEphemeral", count=3)
    settle(r.slack)
    response = click(  # Slack is back
        r.driver,
        user=CAT,
        channel=CHANNEL,
        thread_ts=opened.threads["monitoring-operations"],
        assessment_id=opened.assessment_id,
        question="mo-cost",
        level=4,
    )
    assert response.status == 200
    eventually(lambda: confirmations(r.slack, [CAT]), what="Cat's confirmation")
    settle(r.slack)

    stored = stored_answers(r.db, TEAM, opened.assessment_id)
    assert stored == {**{(DAN, q): lv for q, lv in PP_321.items()}, (CAT, "mo-cost"): 4}
    warnings = [(x.name, x.getMessage(), getattr(x, "error", None)) for x in caplog.records]
    assert ("maturity.slack", "reactions.add failed", "internal_error") in warnings
    assert ("maturity.slack", "chat.postEphemeral failed", "internal_error") in warnings
    assert [c.params["user"] for c in confirmations(r.slack)] == [CAT]  # Dan's could not be delivered


# --- dropped connections -----------------------------------------------------------------------------


def test_dropped_connections_are_retried_and_the_answer_is_kept(flaky: tuple[FlakyProxy, Running]) -> None:
    proxy, r = flaky
    proxy.drop("reactions.add", "close", "reset")
    proxy.drop("chat.postEphemeral", "reset")
    assessment_id, ts = _answer_people_process(r, DAN)
    eventually(lambda: confirmations(r.slack, [DAN]), what="the confirmation")
    settle(r.slack)

    assert proxy.dropped == ["reactions.add:close", "reactions.add:reset", "chat.postEphemeral:reset"]
    assert _stored_for(r, assessment_id, DAN) == PP_321
    assert [(x.ts, x.name) for x in r.slack.reactions] == [(ts, "white_check_mark")]
    assert len(confirmations(r.slack, [DAN])) == 1


def test_connections_dropped_past_the_retries_are_logged_and_the_answer_is_kept(
    flaky: tuple[FlakyProxy, Running], errors_logged: list
) -> None:
    proxy, r = flaky
    proxy.drop("reactions.add", "close", "close", "close")
    assessment_id, _ = _answer_people_process(r, DAN)
    eventually(lambda: len(proxy.dropped) == 3, what="three dropped connections")
    settle(r.slack)
    assert _stored_for(r, assessment_id, DAN) == PP_321
    assert any("reactions.add" in str(x.getMessage()) or x.exc_info for x in errors_logged), describe(errors_logged)


def test_connections_dropped_past_the_retries_still_let_the_confirmation_through(
    flaky: tuple[FlakyProxy, Running],
) -> None:
    proxy, r = flaky
    proxy.drop("reactions.add", "close", "close", "close")
    assessment_id, _ = _answer_people_process(r, DAN)
    eventually(lambda: len(proxy.dropped) == 3, what="three dropped connections")
    settle(r.slack)
    assert _stored_for(r, assessment_id, DAN) == PP_321
    assert len(confirmations(r.slack, [DAN])) == 1


# --- finishing while Slack is down -------------------------------------------------------------------


def test_a_summary_that_could_not_be_posted_can_be_posted_again(running: Running) -> None:
    r = running
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    _, event = reply_event(
        r.slack, team=TEAM, channel=CHANNEL, user=BEN, thread_ts=opened.threads["people-process"], text="2 2 2"
    )
    r.driver.event(event)
    eventually(lambda: confirmations(r.slack, [BEN]), what="the confirmation")
    posted_before = len(r.slack.calls_to("chat.postMessage"))
    r.slack.server_error("chat.postMessage", 500, times=3)  # Slack is down for the first try and both retries
    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=posted_before + 3)
    settle(r.slack)
    with r.db.session() as s:
        assert repo.count_responses(s, TEAM, opened.assessment_id) == 3  # nothing lost in any case

    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200  # Slack is back: try again
    settle(r.slack)
    summaries = [
        c for c in r.slack.calls_to("chat.postMessage") if c.ok and "closed: overall" in str(c.params.get("text"))
    ]
    said = [json.dumps(p) for p in r.slack.response_url_posts]
    assert len(summaries) == 1, f"no summary was posted; the user was told: {said}"
