"""The ``/maturity`` slash command: one listener, one dispatcher, the subcommands in :mod:`.registry`.

Acks at once (within Slack's 3 s): a command that can't be read, and a subcommand whose ``in_ack``
step has the answer ready, are answered in the ack itself; anything slow follows a plain ack, in the
subcommand's handler. Handlers are plain functions of a :class:`~.context.CommandContext`, one module
per group (``assessment``, ``results``, ``targets``, ``plan``, ``channel``, ``business_case``,
``org``), as in Bolt's starter template.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot import messages
from bot.listeners.commands.context import CommandContext
from bot.listeners.commands.registry import parse, usage_answer
from bot.listeners.wiring import Payload, with_services
from conversations.business_case import BusinessService
from conversations.commands import CommandError
from storage.db import DATABASE_ERRORS

log = logging.getLogger("maturity.commands")

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services


def register(app: App, services: Services) -> None:
    app.command("/maturity")(with_services(dispatch, services))


def dispatch(
    ack: Ack, command: Payload, client: WebClient, respond: Respond, context: BoltContext, *, services: Services
) -> None:
    """Read the command, answer in the ack when its subcommand can, else ack and run its handler."""
    try:
        cmd, subcommand = parse(command.get("text"))
    except CommandError as exc:
        ack(**usage_answer(str(exc)).kwargs())
        return
    ctx = CommandContext(
        subcommand=subcommand,
        command=cmd,
        client=client,
        respond=respond,
        services=services,
        business=BusinessService(services.db, services.assessments),
        workspace_id=context.team_id or command.get("team_id") or "",
        channel_id=command["channel_id"],
        channel_name=command.get("channel_name"),
        user_id=command["user_id"],
        bot_user_id=context.bot_user_id,
        trigger_id=command.get("trigger_id"),
    )
    if subcommand.in_ack is not None:
        answer = subcommand.in_ack(ctx)
        if answer is not None:
            ack(**answer.kwargs())
            return
    ack()
    if subcommand.handler is not None:
        try:
            subcommand.handler(ctx)
        except DATABASE_ERRORS as exc:
            # The unit of work rolled back: nothing it meant to change was kept. Say so, instead of
            # leaving the member with silence (or Bolt's "unhandled request").
            log.error(
                "a command could not save its change",
                extra={"subcommand": subcommand.name, "channel": ctx.channel_id, "error": type(exc).__name__},
            )
            ctx.reply(messages.reply("not_saved"))
