"""The production HTTP server: Bolt's WSGI adapter behind waitress, plus GET /healthz."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import bolt_fixes
from bot.services import Services

log = logging.getLogger("maturity.server")
EVENTS_PATH = "/slack/events"
_TIMESTAMP = re.compile(r"[0-9]{1,15}")
SIGNATURE_MAX_AGE = 60 * 5  # seconds, as Slack documents and Bolt checks


class Refused(Exception):
    """A request to /slack/events that is answered here, before Bolt: ``status`` and a short ``reason``."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class RequestScreen:
    """What Slack sends to /slack/events is signed, UTF-8, and a JSON object (an event) or a form (a
    slash command, or one ``payload`` field holding a JSON object). Anything else is refused here
    with one short log line: 401 when the signature does not verify (checked first, over the raw
    bytes, so an outsider's garbage costs one HMAC), 400 when a signed body cannot be read. Bolt
    would parse the body before it checks the signature, and answer a 500 with a traceback."""

    def __init__(self, signing_secret: str) -> None:
        self.secret = signing_secret.encode("utf-8")

    def signed(self, raw: bytes, timestamp: str, signature: str) -> bool:
        """Slack's v0 signature over the raw bytes, within the five minutes Slack allows (replays)."""
        if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE:
            return False
        digest = hmac.new(self.secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace"))

    def check(self, raw: bytes, timestamp: str, signature: str, content_type: str) -> None:
        """Refused unless ``raw`` is a signed body Bolt can read."""
        signed = bool(_TIMESTAMP.fullmatch(timestamp)) and self.signed(raw, timestamp, signature)
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            body = None
        if not signed and (body is None or not _ssl_check(body)):  # Slack's ssl_check: Bolt answers it
            raise Refused("401 Unauthorized", "missing, bad or expired signature")
        if body is None:
            raise Refused("400 Bad Request", "body is not UTF-8")
        kind = content_type.split(";")[0] or None  # as Bolt reads it (extract_content_type)
        try:
            parsed = bolt_fixes.parse_ahead(body, kind)
        except (ValueError, RecursionError):
            raise Refused("400 Bad Request", f"body is not readable as {kind or 'a form'}") from None
        if not isinstance(parsed, dict):
            raise Refused("400 Bad Request", "body is not a JSON object")

    def screen(self, environ: dict[str, Any]) -> None:
        """Refused for a request Bolt should not see; otherwise ``wsgi.input`` is put back for Bolt."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refused("400 Bad Request", "bad Content-Length") from None
        stream = environ.get("wsgi.input")
        raw = stream.read(length) if stream is not None and length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        self.check(
            raw,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            environ.get("CONTENT_TYPE", ""),
        )


def _ssl_check(body: str) -> bool:
    return body.startswith("ssl_check=") and dict(parse_qsl(body)).get("ssl_check") == "1"


def _refuse(refused: Refused, start_response: Any) -> Iterable[bytes]:
    # One short line, never the body: anyone can send these, and as many as they like.
    unsigned = refused.status.startswith("401")
    (log.info if unsigned else log.warning)(
        "request refused", extra={"status": int(refused.status[:3]), "reason": refused.reason}
    )
    body = json.dumps({"error": "invalid request" if unsigned else "malformed request"}).encode()
    start_response(refused.status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class WsgiApp:
    """Routes ``/healthz`` itself and everything else (events, OAuth paths) to Bolt."""

    def __init__(self, app: App, services: Services) -> None:
        self.bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self.db = services.db
        secret = services.settings.secret("slack_signing_secret")
        self.screen = RequestScreen(secret) if secret else None
        # Requests being answered: the work queued after acks waits for them (bot.after_ack).
        self.answering = services.after_ack.requests

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            problem = self.db.health()
            healthy = problem is None
            if not healthy:
                log.error("unhealthy", extra={"reason": problem})
            body = json.dumps({"status": "ok" if healthy else problem}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if (
            self.screen is not None
            and environ.get("PATH_INFO") == EVENTS_PATH
            and environ.get("REQUEST_METHOD") == "POST"
        ):
            try:
                self.screen.screen(environ)
            except Refused as refused:
                return _refuse(refused, start_response)
        with self.answering:
            return self.bolt(environ, start_response)


def create_server(
    app: App, services: Services, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 8, sock: Any = None
) -> Any:
    """A waitress server (not yet running); ``.run()`` serves, ``.close()`` stops; port 0 picks a free
    one. ``sock``: serve on this listening socket instead (a worker of ``serve --workers``)."""
    from waitress.server import create_server as waitress_server

    if sock is not None:
        return waitress_server(WsgiApp(app, services), sockets=[sock], threads=threads, ident="maturity")
    return waitress_server(WsgiApp(app, services), host=host, port=port, threads=threads, ident="maturity")


STOP_DRAIN_SECONDS = 1.0  # how long stopping waits for requests being answered (acks take milliseconds)


def stop_serving(server: Any, drain: float = STOP_DRAIN_SECONDS) -> None:
    """Stop a waitress server from a signal handler: it accepts no new connection at once; the
    requests being answered finish (within ``drain`` seconds), then the server closes on its own
    loop. Closing it at once (``server.close()``) closed the loop's trigger under a request thread
    still answering, which then failed writing to it: a traceback in the log of every stop."""
    if getattr(server, "maturity_stopping", False):
        return
    server.maturity_stopping = True
    server.accepting = False

    def close_when_idle() -> None:
        tasks = server.task_dispatcher
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline:
            with tasks.lock:
                busy = tasks.active_count or tasks.queue
            if not busy:
                break
            time.sleep(0.01)
        tasks.shutdown(cancel_pending=True, timeout=max(0.1, deadline - time.monotonic()))
        server.trigger.pull_trigger(server.close)

    threading.Thread(target=close_when_idle, name="stop-serving", daemon=True).start()


def server_port(server: Any) -> int:
    return int(server.effective_port)
