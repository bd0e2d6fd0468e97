"""The Bolt app factory."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import bolt_fixes, flows
from bot.after_ack import DEFAULT_CLOSE_TIMEOUT, AfterAck
from bot.config import Settings, use_frameworks
from bot.installation import BOT_SCOPES, InstallationStore, TokenCipher, state_store
from bot.listeners import register_listeners
from bot.slack_io import is_thread_reply, reply_revision
from conversations.assessments import AssessmentService
from storage import repo
from storage.db import Database
from storage.models import utcnow

log = logging.getLogger("maturity.app")

REFRESH_CLOSE_TIMEOUT = 3.0  # seconds stopping waits for the throttled progress refreshes


@dataclass
class Services:
    settings: Settings
    db: Database
    assessments: AssessmentService
    installation_store: InstallationStore | None = None
    refresher: flows.Refresher | None = None
    after_ack: AfterAck = field(default_factory=AfterAck)

    def close(
        self, queue_timeout: float = DEFAULT_CLOSE_TIMEOUT, refresh_timeout: float = REFRESH_CLOSE_TIMEOUT
    ) -> None:
        """Before the process stops: finish the work queued after acks, then render the dimension
        messages still waiting for their throttled refresh, each within its timeout."""
        self.after_ack.close(queue_timeout)
        if self.refresher is not None:
            # Rendering waiting refreshes calls Slack: bounded too, so that stopping stays inside
            # the grace period when Slack is slow (the thread is a daemon: left behind, not awaited).
            closing = threading.Thread(target=self.refresher.close, name="refresher-close", daemon=True)
            closing.start()
            closing.join(refresh_timeout)
            if closing.is_alive():
                log.warning("stopping before the last progress refreshes were posted")

    def workspace_gone(self, workspace_id: str | None, reason: str) -> int:
        """The app lost its access to a workspace: pause what would post there. Returns how many
        schedules were paused."""
        from conversations.schedules import pause_workspace

        return pause_workspace(self.db, workspace_id, reason) if workspace_id else 0


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on SLACK_API_URL that retries 429s (after Retry-After), 5xx and dropped connections."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


# Events the bot acts on besides typed replies: claimed by event id, so a redelivery acts once.
CLAIMED_EVENTS = frozenset({"app_home_opened", "app_uninstalled", "tokens_revoked"})
# Slack redelivers an event at most three times within minutes: a claim older than this can go.
CLAIM_RETENTION = timedelta(hours=1)


class _ClaimPruner:
    """Deletes event claims older than CLAIM_RETENTION, at most once per ``every`` per process."""

    def __init__(self, every: float = 600.0) -> None:
        self.every = every
        self._next = 0.0
        self._lock = threading.Lock()

    def maybe_prune(self, db: Database) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                return
            self._next = now + self.every
        try:
            with db.session() as s:
                removed = repo.prune_events(s, older_than=utcnow() - CLAIM_RETENTION)
            if removed:
                log.info("old event claims pruned", extra={"removed": removed})
        except Exception:
            log.exception("could not prune old event claims")


def _events_once(services: Services) -> Callable[..., Any]:
    """Global middleware, before the ack: a Slack event delivered again (X-Slack-Retry-Num) is
    handled once; a typed reply (or the edit or deletion of one) is stored together with the claim
    of its event id, so that an acknowledged answer survives a crash (the listener then only talks
    to Slack)."""

    pruner = _ClaimPruner()

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id")
        if body.get("type") != "event_callback" or not event_id:
            return next()
        event = body.get("event") or {}
        workspace_id = req.context.team_id or body.get("team_id")
        if is_thread_reply(event):
            outcome = services.assessments.handle_reply(
                workspace_id=workspace_id,
                channel_id=event["channel"],
                thread_ts=event["thread_ts"],
                user_id=event["user"],
                text=event.get("text") or "",
                message_ts=event["ts"],
                event_id=str(event_id),
            )
            first = not outcome.duplicate
            req.context["reply_outcome"] = outcome
        elif (revision := reply_revision(event)) is not None:
            outcome = services.assessments.handle_revision(
                workspace_id=workspace_id,
                channel_id=revision.channel,
                thread_ts=revision.thread_ts,
                user_id=revision.user,
                text=revision.text,
                message_ts=revision.message_ts,
                event_id=str(event_id),
            )
            first = not outcome.duplicate
            req.context["revision_outcome"] = outcome
        elif event.get("type") in CLAIMED_EVENTS:
            with services.db.session() as s:
                first = repo.claim_event(s, str(event_id), workspace_id)
        else:
            return next()  # nothing the bot acts on (a channel message, a join): nothing to claim
        pruner.maybe_prune(services.db)
        if not first:
            log.info(
                "duplicate event ignored",
                extra={"event_id": event_id, "retry_num": req.headers.get("x-slack-retry-num", [None])[0]},
            )
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def installation_store(settings: Settings, db: Database) -> InstallationStore | None:
    """The OAuth installation store (tokens encrypted when TOKEN_ENCRYPTION_KEY is set); None in
    single-workspace mode."""
    if not settings.oauth_enabled:
        return None
    key = settings.secret("token_encryption_key")
    return InstallationStore(
        client_id=str(settings.slack_client_id), engine=db.engine, cipher=TokenCipher(key) if key else None
    )


def build_app(settings: Settings, db: Database, *, listener_threads: int = 8) -> App:
    """Bolt app with every listener registered: single-workspace with SLACK_BOT_TOKEN, or
    multi-workspace OAuth installs with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET."""
    bolt_fixes.apply()
    use_frameworks(settings.frameworks_dir)  # a broken FRAMEWORKS_DIR file stops the start (ConfigError)
    store = installation_store(settings, db)
    services = Services(settings=settings, db=db, assessments=AssessmentService(db), installation_store=store)
    services.refresher = flows.attach_refresher(services.assessments, settings.dimension_refresh_seconds)
    common: dict[str, Any] = {
        "signing_secret": settings.secret("slack_signing_secret"),
        "process_before_response": False,
        "listener_executor": ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="listener"),
    }
    if store is not None:
        app = App(
            client=make_client(settings),
            installation_store=store,
            oauth_settings=OAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.secret("slack_client_secret"),
                scopes=BOT_SCOPES,
                installation_store=store,
                installation_store_bot_only=True,
                state_store=state_store(db.engine),
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
            ),
            installation_store_bot_only=True,
            **common,
        )
    else:
        app = App(client=make_client(settings, settings.secret("slack_bot_token")), **common)
    app.use(_events_once(services))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.exception("listener failed", exc_info=error, extra={"type": body.get("type")})

    register_listeners(app, services)
    app.services = services  # type: ignore[attr-defined]
    return app
