"""Listeners, one module per Slack surface (as in Bolt's starter template)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.listeners import actions, commands, events, home, lifecycle, plan, views

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services


def register_listeners(app: App, services: Services) -> None:
    # Bolt tries the listeners in this order and runs the first that matches, evaluating every
    # matcher before it: the answers (typed replies, then clicks), by far the most frequent
    # requests, come first.
    events.register(app, services)
    actions.register(app, services)
    views.register(app, services)  # the business case's modals (platforms, ROI)
    commands.register(app, services)
    lifecycle.register(app, services)
    home.register(app, services)
    plan.register(app, services)  # the tracked roadmap's clicks and modals
