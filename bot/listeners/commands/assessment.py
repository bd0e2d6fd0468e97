"""``/maturity assess``, ``status``, ``finish`` and ``cancel``: an assessment's life in a channel."""

from __future__ import annotations

from collections.abc import Callable

from bot import flows, messages
from bot.digests import next_run_line
from bot.listeners.commands.context import Answer, CommandContext
from bot.slack_io import cached_channel_members, channel_members
from conversations.assessments import AssessmentAlreadyOpen, NoOpenAssessment
from conversations.targets import TargetService
from storage import clock

# /maturity status lists who has not answered; a channel's member list up to this old will do.
STATUS_MEMBERS_MAX_AGE = 30.0


def assess(ctx: CommandContext) -> None:
    try:
        flows.open_assessment(
            ctx.client,
            ctx.assessments,
            workspace_id=ctx.workspace_id,
            channel_id=ctx.channel_id,
            channel_name=ctx.channel_name,
            user_id=ctx.user_id,
            framework_id=ctx.args[0] if ctx.args else None,
        )
    except AssessmentAlreadyOpen as exc:
        repaired = flows.repair_half_posted(
            ctx.client, ctx.services.assessments, workspace_id=ctx.workspace_id, channel_id=ctx.channel_id
        )
        if repaired:
            ctx.reply(messages.reply("repaired", exc.assessment_id, repaired))
        else:
            ctx.reply(messages.reply("already_open", exc.assessment_id, exc.framework_id, exc.opened_by, exc.opened_at))
    except flows.ChannelUnreachable as exc:
        ctx.reply(messages.reply("cannot_post", exc.error))


def status_in_ack(ctx: CommandContext) -> Answer | None:
    """Answer ``/maturity status`` in the ack itself when nothing has to wait for Slack (the channel's
    member list was fetched moments ago): the answer is there at once, and costs no response_url
    call. Reads the database only (a few milliseconds, far inside Slack's 3 s). None: not answered."""
    members = cached_channel_members(ctx.client, ctx.channel_id, ctx.bot_user_id, max_age=STATUS_MEMBERS_MAX_AGE)
    if members is None:
        return None
    return Answer.of(status_message(ctx, lambda: members))


def status(ctx: CommandContext) -> None:
    def members() -> list[str] | None:
        return channel_members(ctx.client, ctx.channel_id, ctx.bot_user_id, max_age=STATUS_MEMBERS_MAX_AGE)

    ctx.reply_message(status_message(ctx, members))


def status_message(ctx: CommandContext, members: Callable[[], list[str] | None]) -> messages.Message:
    """What ``/maturity status`` answers; ``members`` is asked only when an assessment is open."""
    status, snapshot = ctx.assessments.status_and_schedule(ctx.workspace_id, ctx.channel_id)
    schedule = next_run_line(snapshot, clock.now())
    target = target_text(ctx)
    if status is None:
        text = f"{messages.reply('no_open')} {schedule}"
        return messages.Message(text=f"{text}\n{target}" if target else text, blocks=None)  # type: ignore[arg-type]
    return messages.status_message(status, members(), anonymous=status.anonymous, schedule=schedule, target=target)


def target_text(ctx: CommandContext) -> str:
    """The team's target and where its latest result stands against it; "" when none is set."""
    framework, targets = TargetService(ctx.assessments.db).current(ctx.workspace_id, ctx.channel_id)
    if targets is None:
        return ""
    result = ctx.assessments.latest_result(ctx.workspace_id, ctx.channel_id)
    if result is not None and result.framework.id == framework.id:
        return messages.target_body(result)
    return messages.target_unmeasured(framework, targets)


def finish(ctx: CommandContext) -> None:
    try:
        flows.finish_assessment(
            ctx.client,
            ctx.assessments,
            workspace_id=ctx.workspace_id,
            channel_id=ctx.channel_id,
            user_id=ctx.user_id,
            bot_user_id=ctx.bot_user_id,
        )
    except NoOpenAssessment as exc:
        ctx.reply(_no_open(exc))
    except flows.ChannelUnreachable as exc:
        ctx.reply(messages.reply("closed_no_summary", exc.error))
    except flows.SummaryNotPosted as exc:
        ctx.reply(messages.reply("summary_not_posted", exc.error, exc.reopened))


def cancel(ctx: CommandContext) -> None:
    try:
        assessment = ctx.assessments.cancel(
            workspace_id=ctx.workspace_id, channel_id=ctx.channel_id, user_id=ctx.user_id
        )
    except NoOpenAssessment as exc:
        ctx.reply(_no_open(exc))
        return
    for thread in assessment.threads:
        flows.refresh_dimension(
            ctx.client, ctx.assessments, ctx.workspace_id, assessment.id, thread.dimension_id, force=True
        )
    ctx.reply(messages.reply("cancelled", assessment.id))


def _no_open(exc: NoOpenAssessment) -> str:
    """No assessment is open; or, to a member who raced a close, which one just ended and how."""
    ended = exc.just_ended
    if ended is not None:
        return messages.reply("just_ended", ended.id, ended.status, ended.closed_by)
    return messages.reply("no_open")
