"""The production HTTP server: Bolt's WSGI adapter behind waitress, plus GET /healthz."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from storage.db import Database

log = logging.getLogger("maturity.server")
EVENTS_PATH = "/slack/events"


class WsgiApp:
    """Routes ``/healthz`` itself and everything else (events, OAuth paths) to Bolt."""

    def __init__(self, app: App, db: Database) -> None:
        self.bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self.db = db
        services = getattr(app, "services", None)
        # Requests being answered: the work queued after acks waits for them (bot.after_ack).
        self.answering = services.after_ack.requests if services is not None else contextlib.nullcontext()
        self.after_ack = services.after_ack if services is not None else None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            problem = self.db.health()
            healthy = problem is None
            if not healthy:
                log.error("unhealthy", extra={"reason": problem})
            report: dict[str, Any] = {"status": "ok" if healthy else problem}
            if self.after_ack is not None:
                report["queued"] = self.after_ack.pending  # Slack calls waiting after their acks
            body = json.dumps(report).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        with self.answering:
            return self.bolt(environ, start_response)


def create_server(
    app: App, db: Database, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 8, sock: Any = None
) -> Any:
    """A waitress server (not yet running); ``.run()`` serves, ``.close()`` stops; port 0 picks a free
    one. ``sock``: serve on this listening socket instead (a worker of ``serve --workers``)."""
    from waitress.server import create_server as waitress_server

    if sock is not None:
        return waitress_server(WsgiApp(app, db), sockets=[sock], threads=threads, ident="maturity")
    return waitress_server(WsgiApp(app, db), host=host, port=port, threads=threads, ident="maturity")


def server_port(server: Any) -> int:
    return int(server.effective_port)
