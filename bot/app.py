"""The Bolt app factory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.listeners import register_listeners
from conversations.assessments import AssessmentService
from storage import repo
from storage.db import Database

log = logging.getLogger("maturity.app")


@dataclass
class Services:
    settings: Settings
    db: Database
    assessments: AssessmentService


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on SLACK_API_URL that retries 429s (after Retry-After), 5xx and dropped connections."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def _dedupe_events(db: Database) -> Callable[..., Any]:
    """Global middleware: a Slack event delivered again (X-Slack-Retry-Num) is handled once."""

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            with db.session() as s:
                first = repo.claim_event(s, str(event_id), body.get("team_id"))
            if not first:
                log.info(
                    "duplicate event ignored",
                    extra={
                        "event_id": event_id,
                        "retry_num": req.headers.get("x-slack-retry-num", [None])[0],
                    },
                )
                return BoltResponse(status=200, body="")
        return next()

    return middleware


def build_app(settings: Settings, db: Database, *, listener_threads: int = 16) -> App:
    """Bolt app with every listener registered. Single-workspace (SLACK_BOT_TOKEN) for now."""
    services = Services(settings=settings, db=db, assessments=AssessmentService(db))
    app = App(
        signing_secret=settings.secret("slack_signing_secret"),
        client=make_client(settings, settings.secret("slack_bot_token")),
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="listener"),
    )
    app.use(_dedupe_events(db))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.exception("listener failed", exc_info=error, extra={"type": body.get("type")})

    register_listeners(app, services)
    app.services = services  # type: ignore[attr-defined]
    return app
