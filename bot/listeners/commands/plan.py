"""``/maturity plan``: the team's roadmap items (owner, due date, status), with buttons to move them."""

from __future__ import annotations

from bot.listeners.commands.context import CommandContext
from bot.plans import plan_message
from conversations.plans import PlanService


def plan(ctx: CommandContext) -> None:
    view = PlanService(ctx.assessments.db).plan(ctx.workspace_id, ctx.channel_id)
    ctx.reply_message(plan_message(view, ctx.channel_name))
