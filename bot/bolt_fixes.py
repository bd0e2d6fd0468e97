"""A workaround for a slack-bolt bug, applied when the app is built.

slack-bolt 1.30's ``parse_body`` takes ANY form body that contains the substring "payload" for an
interactivity payload; a slash command whose text, channel name or user name says "payload" then
parses as ``{}`` and is answered 404 "unhandled request". This parses form bodies properly: the
``payload`` field when there is one, the form fields otherwise.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import slack_bolt.request.request as bolt_request

_original_parse_body = bolt_request.parse_body


def parse_body(body: str, content_type: str | None) -> dict[str, Any]:
    if not body or content_type == "application/json" or body.startswith("{"):
        return _original_parse_body(body, content_type)
    params = dict(parse_qsl(body, keep_blank_values=True))
    payload = params.get("payload")
    return json.loads(payload) if payload is not None else params


def apply() -> None:
    bolt_request.parse_body = parse_body
