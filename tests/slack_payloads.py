"""A pytest plugin: with ``SLACK_PAYLOADS_FILE`` set, every request the bot makes of the stand-in Slack
(Web API calls, ``response_url`` posts) and every body the bot answers Slack's requests with (acks)
is appended to that file as one JSON line, for ``tools/slack_types/check.py`` to type-check against
Slack's own TypeScript definitions. Unset (the default), nothing is recorded.

Loaded from tests/conftest.py. Recording wraps the stand-in's and the driver's transport, i.e. the
test double, never the product.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_lock = threading.Lock()
# Set while a test marked ``standin_selftest`` runs: it sends the stand-in deliberately wrong calls to
# test the stand-in itself, which are not the bot's payloads.
_paused = threading.Event()
MARKER = "standin_selftest"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: calls the stand-in Slack itself; its calls are not recorded")


@pytest.fixture(autouse=True)
def _not_the_bots_payloads(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker(MARKER) is None:
        yield
        return
    _paused.set()
    try:
        yield
    finally:
        _paused.clear()


def _writer(path: Path) -> Any:
    def write(entry: dict[str, Any]) -> None:
        if _paused.is_set():
            return
        line = json.dumps(entry, default=repr, ensure_ascii=False)
        with _lock, path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    return write


@pytest.fixture(scope="session", autouse=True)
def _record_slack_payloads(request: pytest.FixtureRequest) -> Iterator[None]:
    target = os.environ.get("SLACK_PAYLOADS_FILE")
    if not target:
        yield
        return
    from standin.driver import SlackDriver
    from standin.web_api import StandInSlack

    write = _writer(Path(target))
    patch = pytest.MonkeyPatch()
    original_record = StandInSlack._record
    original_route = StandInSlack._route
    original_post = SlackDriver.post_raw
    agent = threading.local()

    def route(self: StandInSlack, verb: str, raw_path: str, headers: Any, body: bytes) -> Any:
        agent.value = str(headers.get("User-Agent") or "")
        try:
            return original_route(self, verb, raw_path, headers, body)
        finally:
            agent.value = ""

    def record(self: StandInSlack, call: Any) -> None:
        params = {k: v for k, v in call.params.items() if not isinstance(v, bytes | bytearray)}
        # Only what the bot sent (slack-sdk's user agent), not a test calling the stand-in itself.
        if call.method != "file_upload" and "slackclient" in getattr(agent, "value", ""):
            write(
                {
                    "kind": "api" if call.method != "response_url" else "response_url",
                    "method": call.method,
                    "params": params,
                    "test": os.environ.get("PYTEST_CURRENT_TEST", ""),
                }
            )
        original_record(self, call)

    def post_raw(self: SlackDriver, body: str, headers: dict[str, str]) -> Any:
        response = original_post(self, body, headers)
        text = (response.body or "").strip()
        if response.status == 200 and text.startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                kind = "view_ack" if "response_action" in data else "ack"
                write({"kind": kind, "method": kind, "params": data, "test": os.environ.get("PYTEST_CURRENT_TEST", "")})
        return response

    patch.setattr(StandInSlack, "_record", record)
    patch.setattr(StandInSlack, "_route", route)
    patch.setattr(SlackDriver, "post_raw", post_raw)
    try:
        yield
    finally:
        patch.undo()
