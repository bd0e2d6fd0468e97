"""The ``/maturity`` slash command. Acks at once (within Slack's 3 s); slow work follows the ack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot import flows, messages
from bot.digests import next_run_line, schedule_confirmation
from bot.scheduler import user_timezone
from bot.slack_io import BEST_EFFORT_ERRORS, cached_channel_members, channel_members, log_failure, slack_error
from conversations.assessments import AssessmentAlreadyOpen, NoOpenAssessment
from conversations.commands import Command, CommandError, parse_command
from conversations.frameworks import UnknownFrameworkError, get_framework, get_frameworks
from conversations.schedules import ScheduleError, parse_schedule_args, set_schedule
from storage import clock

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Services

log = logging.getLogger("maturity.commands")
# /maturity status lists who has not answered; a channel's member list up to this old will do.
STATUS_MEMBERS_MAX_AGE = 30.0


def _respond(respond: Respond, message: messages.Message) -> None:
    respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)


def register(app: App, services: Services) -> None:
    service = services.assessments

    @app.command("/maturity")
    def maturity(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
        try:
            cmd = parse_command(command.get("text"))
            if cmd.name == "assess" and cmd.args:
                get_framework(cmd.args[0])  # an unknown id is answered before anything happens
            if cmd.name == "schedule":
                parse_schedule_args(cmd.args)  # likewise a schedule that can't be read
        except (CommandError, UnknownFrameworkError, ScheduleError) as exc:
            message = messages.usage_message(str(exc).strip("'\""))
            ack(text=message.text, blocks=message.blocks)
            return
        if cmd.name == "help":
            message = messages.help_message(get_frameworks().values())
            ack(text=message.text, blocks=message.blocks)
            return
        workspace_id = context.team_id or command.get("team_id")
        channel_id = command["channel_id"]
        user_id = command["user_id"]
        if cmd.name == "status" and _status_in_ack(ack, client, service, workspace_id, channel_id, context.bot_user_id):
            return
        ack()
        handler = HANDLERS[cmd.name]
        handler(
            cmd,
            client=client,
            respond=respond,
            service=service,
            workspace_id=workspace_id,
            channel_id=channel_id,
            channel_name=command.get("channel_name"),
            user_id=user_id,
            bot_user_id=context.bot_user_id,
        )


def _assess(cmd: Command, *, client, respond, service, workspace_id, channel_id, channel_name, user_id, **_) -> None:  # type: ignore[no-untyped-def]
    try:
        flows.open_assessment(
            client,
            service,
            workspace_id=workspace_id,
            channel_id=channel_id,
            channel_name=channel_name,
            user_id=user_id,
            framework_id=cmd.args[0] if cmd.args else None,
        )
    except AssessmentAlreadyOpen as exc:
        respond(
            text=messages.reply("already_open", exc.assessment_id, exc.framework_id, exc.opened_by, exc.opened_at),
            response_type="ephemeral",
        )
    except flows.ChannelUnreachable as exc:
        respond(text=messages.reply("cannot_post", exc.error), response_type="ephemeral")


def _status_in_ack(ack: Ack, client: WebClient, service, workspace_id, channel_id, bot_user_id) -> bool:  # type: ignore[no-untyped-def]
    """Answer ``/maturity status`` in the ack itself when nothing has to wait for Slack (the channel's
    member list was fetched moments ago): the answer is there at once, and costs no response_url
    call. Reads the database only (a few milliseconds, far inside Slack's 3 s). False: not answered."""
    members = cached_channel_members(client, channel_id, bot_user_id, max_age=STATUS_MEMBERS_MAX_AGE)
    if members is None:
        return False
    message = _status_message(service, workspace_id, channel_id, lambda: members)
    ack(text=message.text, blocks=message.blocks)
    return True


def _status(cmd: Command, *, client, respond, service, workspace_id, channel_id, bot_user_id, **_) -> None:  # type: ignore[no-untyped-def]
    message = _status_message(
        service,
        workspace_id,
        channel_id,
        lambda: channel_members(client, channel_id, bot_user_id, max_age=STATUS_MEMBERS_MAX_AGE),
    )
    _respond(respond, message)


def _status_message(service, workspace_id, channel_id, members: Callable[[], list[str] | None]) -> messages.Message:  # type: ignore[no-untyped-def]
    """What ``/maturity status`` answers; ``members`` is asked only when an assessment is open."""
    status, snapshot = service.status_and_schedule(workspace_id, channel_id)
    schedule = next_run_line(snapshot, clock.now())
    if status is None:
        return messages.Message(text=f"{_no_open()} {schedule}", blocks=None)  # type: ignore[arg-type]
    return messages.status_message(status, members(), anonymous=status.anonymous, schedule=schedule)


def _finish(cmd: Command, *, client, respond, service, workspace_id, channel_id, user_id, bot_user_id, **_) -> None:  # type: ignore[no-untyped-def]
    try:
        flows.finish_assessment(
            client,
            service,
            workspace_id=workspace_id,
            channel_id=channel_id,
            user_id=user_id,
            bot_user_id=bot_user_id,
        )
    except NoOpenAssessment as exc:
        respond(text=_no_open(exc), response_type="ephemeral")
    except flows.ChannelUnreachable as exc:
        respond(text=messages.reply("closed_no_summary", exc.error), response_type="ephemeral")
    except flows.SummaryNotPosted as exc:
        respond(text=messages.reply("summary_not_posted", exc.error, exc.reopened), response_type="ephemeral")


def _cancel(cmd: Command, *, client, respond, service, workspace_id, channel_id, user_id, **_) -> None:  # type: ignore[no-untyped-def]
    try:
        assessment = service.cancel(workspace_id=workspace_id, channel_id=channel_id, user_id=user_id)
    except NoOpenAssessment as exc:
        respond(text=_no_open(exc), response_type="ephemeral")
        return
    for thread in assessment.threads:
        flows.refresh_dimension(client, service, workspace_id, assessment.id, thread.dimension_id, force=True)
    respond(text=messages.reply("cancelled", assessment.id), response_type="ephemeral")


def _history(cmd: Command, *, respond, service, workspace_id, channel_id, **_) -> None:  # type: ignore[no-untyped-def]
    _respond(respond, messages.history_message(service.history(workspace_id, channel_id), get_frameworks()))


def _roadmap(cmd: Command, *, respond, service, workspace_id, channel_id, **_) -> None:  # type: ignore[no-untyped-def]
    result = service.latest_result(workspace_id, channel_id)
    if result is None:
        respond(text=messages.reply("no_result"), response_type="ephemeral")
        return
    _respond(respond, messages.roadmap_message(result))


def _schedule(cmd: Command, *, client, respond, service, workspace_id, channel_id, channel_name, user_id, **_) -> None:  # type: ignore[no-untyped-def]
    try:
        snapshot, _next = set_schedule(
            service.db, workspace_id, channel_id, channel_name, user_id, cmd.args, user_timezone(client, user_id)
        )
    except ScheduleError as exc:
        respond(text=str(exc), response_type="ephemeral")
        return
    _respond(respond, schedule_confirmation(snapshot, clock.now()))


def _settings(cmd: Command, *, respond, service, workspace_id, channel_id, channel_name, **_) -> None:  # type: ignore[no-untyped-def]
    if cmd.args:
        anonymous = cmd.args[1] == "on"
        service.set_anonymous(workspace_id, channel_id, channel_name, anonymous)
        _respond(respond, messages.settings_message(channel_name, anonymous, changed=True))
        return
    _respond(respond, messages.settings_message(channel_name, service.is_anonymous(workspace_id, channel_id)))


def _export(cmd: Command, *, client, respond, service, workspace_id, channel_id, **_) -> None:  # type: ignore[no-untyped-def]
    from bot.reports import build_report, render_markdown, responses_csv

    report = build_report(service.db, workspace_id, channel_id)
    if report is None:
        respond(text=messages.reply("no_result"), response_type="ephemeral")
        return
    stem = f"maturity-{report.channel_name or channel_id}-{report.date}-{report.assessment_id}"
    summary_ts = service.get(workspace_id, report.assessment_id).summary_ts
    try:
        client.files_upload_v2(
            channel=channel_id,
            thread_ts=summary_ts,
            initial_comment=messages.reply("export_comment", report.assessment_id, report.anonymous),
            file_uploads=[
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
            ],
        )
    except BEST_EFFORT_ERRORS as exc:  # Slack said no, or the upload URL failed (5xx) past the retries
        log_failure("files.upload_v2", exc, channel=channel_id)
        respond(text=messages.reply("export_failed", slack_error(exc)), response_type="ephemeral")


def _no_open(exc: NoOpenAssessment | None = None) -> str:
    """No assessment is open; or, to a member who raced a close, which one just ended and how."""
    ended = exc.just_ended if exc is not None else None
    if ended is not None:
        return messages.reply("just_ended", ended.id, ended.status, ended.closed_by)
    return messages.reply("no_open")


HANDLERS = {
    "assess": _assess,
    "status": _status,
    "finish": _finish,
    "cancel": _cancel,
    "history": _history,
    "roadmap": _roadmap,
    "schedule": _schedule,
    "settings": _settings,
    "export": _export,
}
