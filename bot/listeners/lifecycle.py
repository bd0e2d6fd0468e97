"""Install lifecycle: ``app_uninstalled`` and ``tokens_revoked`` delete that workspace's tokens
(Bolt's own revocation listeners over our installation store) and pause its schedules. Its
assessment data is kept until an admin runs ``maturity purge --team T…``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt import BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners

from bot.listeners.wiring import Payload, with_services

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger("maturity.lifecycle")


def register(app: App, services: Services) -> None:
    app.event("app_uninstalled")(with_services(on_uninstalled, services))
    app.event("tokens_revoked")(with_services(on_tokens_revoked, services))


def _revocation(services: Services) -> TokenRevocationListeners | None:
    """Bolt's own revocation listeners over our installation store (OAuth mode); None without one."""
    store = services.installation_store
    return TokenRevocationListeners(store) if store is not None else None


def on_uninstalled(context: BoltContext, *, services: Services) -> None:
    revocation = _revocation(services)
    if revocation is not None:
        revocation.handle_app_uninstalled_events(context)
    paused = services.workspace_gone(context.team_id, "app_uninstalled")
    log.warning(
        "app uninstalled: tokens deleted, schedules paused, data kept",
        extra={"workspace": context.team_id, "paused_schedules": paused},
    )


def on_tokens_revoked(event: Payload, context: BoltContext, *, services: Services) -> None:
    revocation = _revocation(services)
    if revocation is not None:
        revocation.handle_tokens_revoked_events(event, context)
    bots = (event.get("tokens") or {}).get("bot") or []
    paused = services.workspace_gone(context.team_id, "tokens_revoked") if bots else 0
    log.warning(
        "tokens revoked",
        extra={"workspace": context.team_id, "bot_tokens": len(bots), "paused_schedules": paused},
    )
