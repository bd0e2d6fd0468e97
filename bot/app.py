"""The Bolt app factory: a Bolt ``App`` over the process's ``Services`` (bot.services)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot import bolt_fixes
from bot.installation import BOT_SCOPES, state_store
from bot.listeners import register_listeners
from bot.services import Services

log = logging.getLogger("maturity.app")


def build_app(services: Services, *, listener_threads: int = 8) -> App:
    """Bolt app with every listener registered over ``services``: single-workspace with
    SLACK_BOT_TOKEN, or multi-workspace OAuth installs with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET."""
    bolt_fixes.apply()
    settings, store = services.settings, services.installation_store
    common: dict[str, Any] = {
        "client": services.client,
        "signing_secret": settings.secret("slack_signing_secret"),
        "process_before_response": False,
        "listener_executor": ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="listener"),
    }
    if store is not None:
        app = App(
            installation_store=store,
            oauth_settings=OAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.secret("slack_client_secret"),
                scopes=BOT_SCOPES,
                installation_store=store,
                installation_store_bot_only=True,
                state_store=state_store(services.db.engine),
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
            ),
            installation_store_bot_only=True,
            **common,
        )
    else:
        app = App(**common)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.exception("listener failed", exc_info=error, extra={"type": body.get("type")})

    register_listeners(app, services)
    return app
