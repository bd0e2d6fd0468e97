"""``/maturity teams`` and ``admins``: every team of the workspace side by side, for workspace
admins and owners and the members they name."""

from __future__ import annotations

import logging

from bot import org
from bot.listeners.commands.context import CommandContext
from bot.slack_io import BEST_EFFORT_ERRORS, log_failure, post, slack_error
from conversations.org import OrgService

log = logging.getLogger("maturity.commands.org")


def service(ctx: CommandContext) -> OrgService:
    return OrgService(ctx.services.db, ctx.services.settings.org_min_respondents)


def teams(ctx: CommandContext) -> None:
    """After the ack: check who asks, build the view, answer (ephemerally, or in the channel with
    ``post``), then upload the heat map (into the member's DM with the app when ephemeral, so that
    nobody else sees it; in the answer's thread when posted)."""
    orgs = service(ctx)
    if not org.may_see_org(ctx.client, orgs, ctx.workspace_id, ctx.user_id):
        ctx.reply(org.reply("refused"))
        return
    view = orgs.view(ctx.workspace_id)
    message = org.teams_message(view)
    if not view.team_count:
        ctx.reply_message(message)
        return
    if ctx.args == ("post",):
        try:
            ts: str | None = post(ctx.client, ctx.channel_id, message)
        except BEST_EFFORT_ERRORS as exc:
            log_failure("chat.postMessage", exc, channel=ctx.channel_id)
            ctx.reply(org.reply("heatmap_failed", slack_error(exc)))
            return
        channel = ctx.channel_id
    else:
        ctx.reply_message(message)
        ts = None
        try:
            channel = str(ctx.client.conversations_open(users=ctx.user_id)["channel"]["id"])
        except BEST_EFFORT_ERRORS as exc:
            log_failure("conversations.open", exc, user=ctx.user_id)
            ctx.reply(org.reply("heatmap_failed", slack_error(exc)))
            return
    error = org.upload_heatmap(ctx.client, view, channel=channel, thread_ts=ts)
    if error is not None:
        ctx.reply(org.reply("heatmap_failed", error))


def admins(ctx: CommandContext) -> None:
    """``admins``: who sees every team; ``admins add|remove @user``: only a workspace admin or owner."""
    orgs = service(ctx)
    if not ctx.args:
        if not org.may_see_org(ctx.client, orgs, ctx.workspace_id, ctx.user_id):
            ctx.reply(org.reply("refused"))
            return
        ctx.reply(org.reply("admins_list", orgs.named(ctx.workspace_id)))
        return
    action, who = ctx.args
    if not org.workspace_role(ctx.client, ctx.user_id):
        ctx.reply(org.reply("refused_admins"))
        return
    user_id = org.resolve_user(ctx.client, who)
    if user_id is None:
        ctx.reply(org.reply("unknown_user", who[:60]))
        return
    if action == "add":
        person = org.user_exists(ctx.client, user_id)
        if person is None:
            ctx.reply(org.reply("unknown_user", who[:60]))
            return
        if not person:
            ctx.reply(org.reply("not_a_person", user_id))
            return
        changed = orgs.name(ctx.workspace_id, user_id, ctx.user_id)
        log.info("named to see every team", extra={"workspace": ctx.workspace_id, "changed": changed})
        ctx.reply(org.reply("added", user_id, changed))
        return
    changed = orgs.unname(ctx.workspace_id, user_id)
    ctx.reply(org.reply("removed", user_id, changed))
