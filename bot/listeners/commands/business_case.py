"""``/maturity platforms``, ``roi`` and ``session``: the business case (seed 004).

Their modals, messages and view_submission listeners live in :mod:`bot.listeners.views`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.listeners.commands.context import Answer, CommandContext
from bot.listeners.views import (
    platform_modal,
    publish_comparison,
    reply,
    roi_modal,
    session_message,
    session_usage,
)
from bot.messages import clip, esc
from bot.slack_io import post, slack_error
from conversations.business_case import SESSION_KINDS, UnknownSessionKind

log = logging.getLogger("maturity.business")


# --- platforms -------------------------------------------------------------------------------------


def platforms_in_ack(ctx: CommandContext) -> Answer | None:
    """``platforms new`` starts a comparison and says so to the channel, in the ack."""
    if ctx.arg.lower() != "new":
        return None
    ctx.business.new_comparison(
        workspace_id=ctx.workspace_id, channel_id=ctx.channel_id, channel_name=ctx.channel_name, user_id=ctx.user_id
    )
    return Answer(text=reply("platforms", "new_comparison", ctx.user_id), in_channel=True)


def platforms(ctx: CommandContext) -> None:
    """``platforms results`` posts the ranking again; ``platforms [name]`` opens the scoring form."""
    if ctx.arg.lower() == "results":
        latest = ctx.business.latest_comparison(ctx.workspace_id, ctx.channel_id)
        if latest is None:
            ctx.reply(reply("platforms", "no_scores"))
            return
        publish_comparison(ctx.client, ctx.business, ctx.workspace_id, latest.evaluation_id, ctx.user_id, fresh=True)
        return
    form = ctx.business.platform_form(
        workspace_id=ctx.workspace_id,
        channel_id=ctx.channel_id,
        channel_name=ctx.channel_name,
        user_id=ctx.user_id,
        platform=ctx.arg or None,
    )
    _open(ctx, platform_modal(form, channel_id=ctx.channel_id, channel_name=ctx.channel_name))


# --- roi -------------------------------------------------------------------------------------------


def roi_in_ack(ctx: CommandContext) -> Answer | None:
    """``roi`` takes no arguments; its own answer (not the whole usage) says so."""
    if not ctx.arg:
        return None
    return Answer(text=reply("roi", "no_arguments", clip(ctx.arg, 60), ctx.subcommand.line))


def roi(ctx: CommandContext) -> None:
    _open(ctx, roi_modal(channel_id=ctx.channel_id, channel_name=ctx.channel_name))


# --- session ---------------------------------------------------------------------------------------


def session_in_ack(ctx: CommandContext) -> Answer | None:
    """A kind that isn't one is answered with the session kinds, in the ack."""
    if ctx.arg.lower() in SESSION_KINDS:
        return None
    problem = reply("session", "unknown_kind", clip(ctx.arg, 40)) if ctx.arg else reply("session", "which")
    return Answer.of(session_usage(problem))


def session(ctx: CommandContext) -> None:
    try:
        plan = ctx.business.session_plan(ctx.workspace_id, ctx.channel_id, ctx.arg.lower())
    except UnknownSessionKind as exc:  # the file lost a kind the command still lists
        ctx.reply(esc(str(exc)))  # it quotes the kind the member typed
        return
    message = session_message(plan)
    try:
        post(ctx.client, ctx.channel_id, message)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("could not post the session agenda", extra={"error": error, "channel": ctx.channel_id})
        ctx.respond(
            text=clip(reply("session", "just_for_you", error, message.text), 3900),
            blocks=message.blocks,
            response_type="ephemeral",
        )


def _open(ctx: CommandContext, view: dict[str, Any]) -> None:
    try:
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed", extra={"error": slack_error(exc)})
        ctx.reply(reply("business", "open_failed", slack_error(exc)))
