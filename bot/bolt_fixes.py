"""A workaround for a slack-bolt bug, applied when the app is built.

slack-bolt 1.30's ``parse_body`` takes ANY form body that contains the substring "payload" for an
interactivity payload; a slash command whose text, channel name or user name says "payload" then
parses as ``{}`` and is answered 404 "unhandled request". This parses form bodies properly: the
``payload`` field when there is one, the form fields otherwise.

The server reads each body before Bolt does (bot.server.RequestScreen refuses what cannot be read):
``parse_ahead`` keeps that result for the same thread, and Bolt's parse of the same body takes it
instead of parsing again.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qsl

import slack_bolt.request.request as bolt_request

_original_parse_body = bolt_request.parse_body


_ahead = threading.local()


def parse_ahead(body: str, content_type: str | None) -> Any:
    """``parse_body``, keeping the result for this thread's next ``parse_body`` of the same body."""
    parsed = parse_body(body, content_type)
    _ahead.entry = (body, content_type, parsed)
    return parsed


def parse_body(body: str, content_type: str | None) -> dict[str, Any]:
    entry = getattr(_ahead, "entry", None)
    if entry is not None:
        _ahead.entry = None
        if entry[0] == body and entry[1] == content_type:
            return entry[2]  # type: ignore[no-any-return]
    if not body or content_type == "application/json" or body.startswith("{"):
        return _original_parse_body(body, content_type)
    params = dict(parse_qsl(body, keep_blank_values=True))
    payload = params.get("payload")
    return json.loads(payload) if payload is not None else params


def apply() -> None:
    bolt_request.parse_body = parse_body
