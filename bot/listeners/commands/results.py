"""``/maturity history``, ``roadmap`` and ``export``: what past assessments found."""

from __future__ import annotations

from bot import messages
from bot.listeners.commands.context import CommandContext
from bot.slack_io import BEST_EFFORT_ERRORS, log_failure, slack_error, user_names
from conversations.frameworks import get_frameworks


def history(ctx: CommandContext) -> None:
    ctx.reply_message(
        messages.history_message(ctx.assessments.history(ctx.workspace_id, ctx.channel_id), get_frameworks())
    )


def roadmap(ctx: CommandContext) -> None:
    result = ctx.assessments.latest_result(ctx.workspace_id, ctx.channel_id)
    if result is None:
        ctx.reply(messages.reply("no_result"))
        return
    ctx.reply_message(messages.roadmap_message(result))


def export(ctx: CommandContext) -> None:
    from bot.reports import build_report, items_csv, render_markdown, responses_csv, targets_csv

    # People are named as Slack names them — respondents, owners and whoever a comment mentions
    # (``<@U…>`` shown as @Name); an anonymous report asks only for the owners' names.
    report = build_report(
        ctx.assessments.db, ctx.workspace_id, ctx.channel_id, names=lambda ids: user_names(ctx.client, ids)
    )
    if report is None:
        ctx.reply(messages.reply("no_result"))
        return
    stem = f"maturity-{report.channel_name or ctx.channel_id}-{report.date}-{report.assessment_id}"
    summary_ts = ctx.assessments.get(ctx.workspace_id, report.assessment_id).summary_ts
    uploads = [
        {
            "content": responses_csv(report, report.anonymous),
            "filename": f"{stem}-responses.csv",
            "title": f"Answers of assessment #{report.assessment_id}",
        },
        {
            "content": render_markdown(report),
            "filename": f"{stem}-report.md",
            "title": f"Report of assessment #{report.assessment_id}",
        },
    ]
    if report.items:  # the tracked roadmap, owners included (assignments, not answers)
        uploads.append(
            {
                "content": items_csv(report),
                "filename": f"{stem}-roadmap-items.csv",
                "title": f"Roadmap items of {report.team_label}",
            }
        )
    if (targets := targets_csv(report)) is not None:  # the target, per dimension: gap and pace needed
        uploads.append(
            {
                "content": targets,
                "filename": f"{stem}-targets.csv",
                "title": f"Target of {report.team_label}",
            }
        )
    try:
        ctx.client.files_upload_v2(
            channel=ctx.channel_id,
            thread_ts=summary_ts,
            initial_comment=messages.reply("export_comment", report.assessment_id, report.anonymous),
            file_uploads=uploads,
        )
    except BEST_EFFORT_ERRORS as exc:  # Slack said no, or the upload URL failed (5xx) past the retries
        log_failure("files.upload_v2", exc, channel=ctx.channel_id)
        ctx.reply(messages.reply("export_failed", slack_error(exc)))
