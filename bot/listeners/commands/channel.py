"""``/maturity schedule`` and ``settings``: how the bot behaves in this channel."""

from __future__ import annotations

from bot import messages
from bot.digests import schedule_confirmation
from bot.listeners.commands.context import CommandContext
from bot.scheduler import user_timezone
from conversations.schedules import ScheduleError, set_schedule
from storage import clock


def schedule(ctx: CommandContext) -> None:
    try:
        snapshot, _next = set_schedule(
            ctx.assessments.db,
            ctx.workspace_id,
            ctx.channel_id,
            ctx.channel_name,
            ctx.user_id,
            ctx.args,
            user_timezone(ctx.client, ctx.user_id),
        )
    except ScheduleError as exc:
        ctx.reply(messages.esc(str(exc)))  # it may quote what the member typed
        return
    ctx.reply_message(schedule_confirmation(snapshot, clock.now()))


def settings(ctx: CommandContext) -> None:
    """``args`` is () or ("anonymous", "on"|"off"), as :func:`conversations.commands.settings_arguments` left it."""
    if ctx.args:
        anonymous = ctx.args[1] == "on"
        ctx.assessments.set_anonymous(ctx.workspace_id, ctx.channel_id, ctx.channel_name, anonymous)
        ctx.reply_message(messages.settings_message(ctx.channel_name, anonymous, changed=True))
        return
    anonymous = ctx.assessments.is_anonymous(ctx.workspace_id, ctx.channel_id)
    ctx.reply_message(messages.settings_message(ctx.channel_name, anonymous))
