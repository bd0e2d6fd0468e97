"""Malformed requests to /slack/events, unsigned or signed: a body that is not UTF-8, a JSON content
type over a form body, a form body that starts with ``{``, a ``payload=`` that is not a JSON object,
a timestamp that is not a number, a signed body that is JSON but not an object. Anyone on the
internet can send these: each gets a 400 or 401, one short log line and nothing else (no 500, no
traceback), and a real request right after is still served.

Through ``maturity serve`` as a subprocess (its log read back) and the in-process app.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from standin.web_api import StandInSlack
from tests.conftest import CHANNEL, MEMBERS, SIGNING_SECRET, Running
from tests.reliability.conftest import ServeProcess, describe, migrate, serve_env

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _signed(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def _unsigned(ts: str = "") -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": ts or str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}


# (name, body, content type, headers, expected status). The headers are made when the request is
# sent (a signature's timestamp is only good for five minutes: made at collection, it would be stale
# by the time a long run gets here).
Headers = Callable[[bytes], dict[str, str]]
CASES: list[tuple[str, bytes, str, Headers, int]] = [
    ("not UTF-8, unsigned", b"\xff\xfe\x00text=1", FORM, lambda body: _unsigned(), 401),
    ("JSON content type over a form, unsigned", b"command=%2Fmaturity&text=help", JSON, lambda body: _unsigned(), 401),
    ("form starting with {, unsigned", b"{not json", FORM, lambda body: _unsigned(), 401),
    ("bad payload=, unsigned", b"payload=%7Bnot-json", FORM, lambda body: _unsigned(), 401),
    ("timestamp abc", b"command=%2Fmaturity&text=help", FORM, lambda body: _unsigned("abc"), 401),
    (
        "a signature that is not ASCII",
        b"command=x",
        FORM,
        lambda body: {**_unsigned(), "X-Slack-Signature": "v0=\u00e9"},
        401,
    ),
    ("no signature headers", b"command=%2Fmaturity&text=help", FORM, lambda body: {}, 401),
    ("not UTF-8, signed", b"\xff\xfe\x00text=1", FORM, _signed, 400),
    (
        "JSON content type over a form, signed",
        b"command=%2Fmaturity&text=help",
        JSON,
        _signed,
        400,
    ),
    ("form starting with {, signed", b"{not json", FORM, _signed, 400),
    ("bad payload=, signed", b"payload=%7Bnot-json", FORM, _signed, 400),
    ("payload= a JSON list, signed", b"payload=%5B%5D", FORM, _signed, 400),
    ("signed []", b"[]", JSON, _signed, 400),
    ("signed JSON string", b'"x"', JSON, _signed, 400),
    ("signed deeply nested JSON", b"[" * 100_000, JSON, _signed, 400),
]


def _post(url: str, body: bytes, content_type: str, headers: Headers) -> tuple[int, str]:
    sent = {"Content-Type": content_type, **headers(body)}
    request = urllib.request.Request(url, data=body, headers=sent, method="POST")
    try:
        with _NO_PROXY.open(request, timeout=30) as reply:
            return reply.status, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode("utf-8", "replace")


def _still_serves(driver: object) -> None:
    response = driver.slash("help", user_id=MEMBERS[0], channel_id=CHANNEL)  # type: ignore[attr-defined]
    assert response.status == 200, response


def test_maturity_serve_answers_malformed_requests_with_4xx_and_one_log_line(
    tmp_path: Path, slack: StandInSlack
) -> None:
    from standin.driver import SlackDriver
    from tests.conftest import TEAM

    env = serve_env(f"sqlite:///{tmp_path / 'maturity.db'}", slack.url)
    migrate(env, tmp_path)
    process = ServeProcess(env, tmp_path).start()
    try:
        log = process.logs[-1]
        for name, body, content_type, headers, expected in CASES:
            before = log.read_text(errors="replace").splitlines()
            status, text = _post(process.events_url, body, content_type, headers)
            assert status == expected, f"{name}: {status} {text[:200]}"
            time.sleep(0.05)  # the line is written before the answer; a little slack for the pipe
            lines = log.read_text(errors="replace").splitlines()[len(before) :]
            assert len(lines) == 1, f"{name}: {lines}"
            entry = json.loads(lines[0])
            assert entry["level"] in ("info", "warning") and "exc" not in entry, f"{name}: {entry}"
            assert len(lines[0]) < 400 and "Traceback" not in lines[0], f"{name}: {lines[0]}"
        driver = SlackDriver(process.events_url, SIGNING_SECRET, slack=slack, team_id=TEAM, timeout=30)
        _still_serves(driver)
    finally:
        process.stop()
    everything = "\n".join(path.read_text(errors="replace") for path in process.logs)
    assert "Traceback" not in everything
    assert not process.problems(), process.problems()


@pytest.mark.parametrize(("name", "body", "content_type", "headers", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_app_answers_a_malformed_request_with_4xx_and_no_error(
    running: Running,
    errors_logged: list,
    caplog: pytest.LogCaptureFixture,
    name: str,
    body: bytes,
    content_type: str,
    headers: dict[str, str],
    expected: int,
) -> None:
    caplog.set_level("INFO")
    status, text = _post(running.url + "/slack/events", body, content_type, headers)
    assert status == expected, f"{name}: {status} {text[:200]}"
    assert not errors_logged, describe(errors_logged)
    ours = [r for r in caplog.records if r.name.startswith(("maturity", "slack_bolt", "waitress"))]
    assert len(ours) == 1 and len(ours[0].getMessage()) < 200, [r.getMessage()[:300] for r in ours]
    _still_serves(running.driver)
