"""``/maturity plan``: the team's roadmap items (owner, due date, status), with buttons to move them."""

from __future__ import annotations

from bot.listeners.commands.context import CommandContext
from bot.plans import plan_message
from bot.templating import part
from conversations.plans import PlanService


def plan(ctx: CommandContext) -> None:
    planner = PlanService(ctx.assessments.db)
    if ctx.args:  # ("mentions", "on"|"off"), as conversations.commands.plan_arguments left it
        on = ctx.args[1] == "on"
        planner.set_mentions(ctx.workspace_id, ctx.channel_id, ctx.channel_name, on)
        ctx.reply(part("plan", "mentions", on))
        return
    view = planner.plan(ctx.workspace_id, ctx.channel_id)
    ctx.reply_message(plan_message(view, ctx.channel_name))
