"""The request driver over Socket Mode: :class:`~standin.driver.SlackDriver`'s payloads as envelopes.

Slash commands, clicks, events and view submissions are built exactly as over HTTP, then pushed
through the stand-in's :class:`~standin.socket_mode.SocketModeServer` instead of POSTed; each call
waits for the ack and returns it as a :class:`~standin.driver.Response` (the ack's ``payload`` as
the JSON body), so a test reads the same in both modes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from standin.driver import Headers, Response, SlackDriver
from standin.socket_mode import SocketAck
from standin.web_api import StandInSlack

__all__ = ["SocketModeDriver"]


class SocketModeDriver(SlackDriver):
    """:class:`~standin.driver.SlackDriver` whose requests travel as Socket Mode envelopes.

    Slash commands become ``slash_commands`` envelopes (the form fields as a JSON object),
    ``payload=`` forms become ``interactive`` envelopes, and JSON bodies ``events_api`` envelopes
    (``X-Slack-Retry-Num``/``-Reason`` become ``retry_attempt``/``retry_reason``). Each call waits up to
    ``timeout`` for the ack and returns it as a 200 :class:`~standin.driver.Response` — its ``payload``
    as the JSON body, or an empty body for a bare ack — so the same assertions work in both modes.
    The last envelope id and ack are kept in :attr:`last_envelope_id` and :attr:`last_ack`.
    """

    def __init__(self, slack: StandInSlack, **kwargs: Any) -> None:
        super().__init__("socket-mode://standin", "", slack=slack, **kwargs)
        self.socket_mode = slack.socket_mode
        self.last_envelope_id: str | None = None
        self.last_ack: SocketAck | None = None

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        """No signature over Socket Mode; only the Content-Type ``post_raw`` dispatches on."""
        kind = "application/json" if body.lstrip().startswith("{") else "application/x-www-form-urlencoded"
        return {"Content-Type": kind}

    def post_raw(self, body: str, headers: dict[str, str]) -> Response:
        lowered = {k.lower(): v for k, v in headers.items()}
        kind = lowered.get("content-type", "").split(";")[0].strip().lower()
        retry_attempt = retry_reason = None
        if kind == "application/json":
            payload = json.loads(body)
            if payload.get("type") == "url_verification":
                raise ValueError("url_verification is an HTTP-mode handshake; Socket Mode never sends it")
            envelope_type = "events_api"
            if "x-slack-retry-num" in lowered:
                retry_attempt = int(lowered["x-slack-retry-num"])
            retry_reason = lowered.get("x-slack-retry-reason")
        else:
            fields = dict(parse_qsl(body, keep_blank_values=True))
            if set(fields) == {"payload"}:
                envelope_type, payload = "interactive", json.loads(fields["payload"])
            else:
                envelope_type, payload = "slash_commands", fields
        envelope_id = self.socket_mode.send(
            envelope_type,
            payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            timeout=self.timeout,
        )
        self.last_envelope_id = envelope_id
        ack = self.socket_mode.wait_for_ack(envelope_id, timeout=self.timeout)
        self.last_ack = ack
        if ack.payload is None:
            return Response(200, "", Headers())
        return Response(200, json.dumps(ack.payload, ensure_ascii=False), Headers({"Content-Type": "application/json"}))
