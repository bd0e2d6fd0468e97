"""``/maturity target``: the team's target level (and date), per framework."""

from __future__ import annotations

from bot import messages
from bot.listeners.commands.context import CommandContext
from conversations.targets import TargetError, TargetService


def target(ctx: CommandContext) -> None:
    try:
        change = TargetService(ctx.assessments.db).apply(
            ctx.workspace_id, ctx.channel_id, ctx.channel_name, ctx.user_id, ctx.args
        )
    except TargetError as exc:
        ctx.reply(messages.target_problem(str(exc)))
        return
    result = ctx.assessments.latest_result(ctx.workspace_id, ctx.channel_id)
    if result is not None and result.framework.id != change.framework.id:
        result = None
    ctx.reply_message(messages.target_message(change, result))
