"""What every listener, the scheduler and the server share, built once per process.

``build_services`` makes it from the settings and the database: the assessment service, the OAuth
installation store (multi-workspace mode), the Slack client and the per-workspace client factory,
the throttled progress refresher and the queue of work done after the ack. ``bot.app.build_app``
registers the listeners over it; ``bot.scheduler`` and ``bot.server`` take it by type.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import flows
from bot.after_ack import DEFAULT_CLOSE_TIMEOUT, AfterAck
from bot.config import Settings, use_frameworks
from bot.installation import InstallationStore, TokenCipher
from conversations.assessments import AssessmentService
from storage.db import Database

log = logging.getLogger("maturity.services")

RATE_LIMIT_RETRIES = 30  # slack-sdk's RateLimitErrorRetryHandler: retries of a call answered 429
REFRESH_CLOSE_TIMEOUT = 3.0  # seconds stopping waits for the throttled progress refreshes

ClientFactory = Callable[[str], WebClient | None]
"""A workspace id -> the client that posts there (None: the workspace has no installation)."""


def make_client(settings: Settings, token: str | None = None, logger: logging.Logger | None = None) -> WebClient:
    """A WebClient on SLACK_API_URL that retries 429s (after Retry-After), 5xx and dropped connections."""
    return WebClient(
        token=token,
        logger=logger,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            # Slack's Tier 3 (reactions.add, chat.update: ~50 a minute per workspace) is shared by
            # the after-ack threads: under a burst of answers a retry after Retry-After can lose the
            # freed slot to another thread several times (benchmarks/answer_burst.py lost 5 of 65 ✅
            # with 5 retries). 30 retries, about 45 s at Retry-After 1 s, so that none is dropped.
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlackUnusable(Exception):
    """Slack cannot be used at start (unreachable, or refusing the bot token); ``str()`` is one line."""


def check_bot_token(settings: Settings) -> None:
    """At start, single-workspace mode: ``auth.test`` with SLACK_BOT_TOKEN at SLACK_API_URL (with
    the usual retries of a dropped connection or a 5xx). SlackUnusable, one line naming the problem,
    when Slack cannot be reached or refuses the token — rather than Bolt's traceback. OAuth mode has
    no token to check at start."""
    token = settings.secret("slack_bot_token")
    if settings.oauth_enabled or not token:
        return
    # slack_sdk logs every failed attempt (an error line each): the outcome below is the one line.
    quiet = logging.getLogger("maturity.services.start")
    quiet.setLevel(logging.CRITICAL)
    client = make_client(settings, token, logger=quiet)
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if error is None:
            error = f"HTTP {exc.response.status_code}"
        raise SlackUnusable(f"SLACK_BOT_TOKEN: Slack refused it at start ({error}): not starting") from None
    except (SlackClientError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SlackUnusable(
            f"cannot reach Slack at {settings.slack_api_url} ({reason}): check SLACK_API_URL and the network; "
            "not starting"
        ) from None


def installation_store(settings: Settings, db: Database) -> InstallationStore | None:
    """The OAuth installation store (tokens encrypted when TOKEN_ENCRYPTION_KEY is set); None in
    single-workspace mode."""
    if not settings.oauth_enabled:
        return None
    key = settings.secret("token_encryption_key")
    return InstallationStore(
        client_id=str(settings.slack_client_id), engine=db.engine, cipher=TokenCipher(key) if key else None
    )


@dataclass
class Services:
    settings: Settings
    db: Database
    assessments: AssessmentService
    client: WebClient
    """The app's client: with the bot token in single-workspace mode, without a token under OAuth."""
    installation_store: InstallationStore | None = None
    refresher: flows.Refresher | None = None
    after_ack: AfterAck = field(default_factory=AfterAck)

    def client_for(self, workspace_id: str) -> WebClient | None:
        """The client that posts in a workspace outside a request (the scheduler): the app's client
        in single-workspace mode; under OAuth one with the bot token of the workspace's installation
        (on the app client's base URL, timeout and retry handlers), None when it has none."""
        if self.installation_store is None:
            return self.client
        bot = self.installation_store.find_bot(enterprise_id=None, team_id=workspace_id)
        if bot is None or not bot.bot_token:
            return None
        return WebClient(
            token=bot.bot_token,
            base_url=self.client.base_url,
            timeout=self.client.timeout,
            retry_handlers=list(self.client.retry_handlers),
        )

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


def build_services(settings: Settings, db: Database) -> Services:
    """Everything the process shares, from its settings and its database."""
    use_frameworks(settings.frameworks_dir)  # a broken FRAMEWORKS_DIR file stops the start (ConfigError)
    store = installation_store(settings, db)
    token = None if store is not None else settings.secret("slack_bot_token")
    assessments = AssessmentService(db)
    services = Services(
        settings=settings, db=db, assessments=assessments, client=make_client(settings, token), installation_store=store
    )
    services.refresher = flows.attach_refresher(assessments, settings.dimension_refresh_seconds)
    return services
