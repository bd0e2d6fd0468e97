"""Install lifecycle: ``app_uninstalled`` and ``tokens_revoked`` delete that workspace's tokens
(Bolt's own revocation listeners over our installation store) and pause its schedules. Its
assessment data is kept until an admin runs ``maturity purge --team T…``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger("maturity.lifecycle")


def register(app: App, services: Services) -> None:
    revocation = (
        TokenRevocationListeners(services.installation_store) if services.installation_store is not None else None
    )

    @app.event("app_uninstalled")
    def on_uninstalled(context: BoltContext) -> None:
        if revocation is not None:
            revocation.handle_app_uninstalled_events(context)
        paused = services.workspace_gone(context.team_id, "app_uninstalled")
        log.warning(
            "app uninstalled: tokens deleted, schedules paused, data kept",
            extra={"workspace": context.team_id, "paused_schedules": paused},
        )

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        if revocation is not None:
            revocation.handle_tokens_revoked_events(event, context)
        bots = (event.get("tokens") or {}).get("bot") or []
        paused = services.workspace_gone(context.team_id, "tokens_revoked") if bots else 0
        log.warning(
            "tokens revoked",
            extra={"workspace": context.team_id, "bot_tokens": len(bots), "paused_schedules": paused},
        )
