"""Events: typed replies in a dimension's thread."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot import flows, messages
from bot.slack_io import Revision, ephemeral, is_thread_reply, react, reply_revision

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Services
    from conversations.assessments import AssessmentService, ReplyOutcome, ThreadAnswer

log = logging.getLogger("maturity.events")


def register(app: App, services: Services) -> None:
    service = services.assessments

    @app.event("message")
    def on_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        revision = reply_revision(event)
        if revision is not None:
            _on_revision(client, services, context, revision)
            return
        if not is_thread_reply(event):
            return
        channel_id, thread_ts, ts, user_id = event["channel"], event["thread_ts"], event["ts"], event["user"]
        outcome = context.get("reply_outcome")  # stored before the ack by the app's middleware
        if outcome is None:
            outcome = service.handle_reply(
                workspace_id=context.team_id,
                channel_id=channel_id,
                thread_ts=thread_ts,
                user_id=user_id,
                text=event.get("text") or "",
                message_ts=ts,
            )
        if outcome.error is not None:
            ephemeral(client, channel_id, user_id, messages.unreadable_reply(str(outcome.error)), thread_ts)
        elif outcome.closed_status is not None:
            ephemeral(client, channel_id, user_id, messages.not_recorded(outcome.closed_status, "reply"), thread_ts)
        elif outcome.answer is not None:
            services.after_ack.submit(_acknowledge, client, service, context.team_id, event, outcome.answer)


def _acknowledge(
    client: WebClient, service: AssessmentService, workspace_id: str, event: dict[str, Any], answered: ThreadAnswer
) -> None:
    """A stored reply, shown as stored: ✅ on it, fresh progress, and the confirmation to its author
    only when it says more than the ✅ (a partial answer, a "don't know", a replaced answer): one call
    fewer per complete reply under Slack's per-method rate limits."""
    channel_id, thread_ts, user_id = event["channel"], event["thread_ts"], event["user"]
    react(client, channel_id, event["ts"])
    if answered.says_more_than_a_check:
        ephemeral(client, channel_id, user_id, messages.answer_confirmation(answered), thread_ts)
    flows.refresh_dimension(client, service, workspace_id, answered.assessment_id, answered.dimension.id)


def _on_revision(client: WebClient, services: Services, context: BoltContext, revision: Revision) -> None:
    """An earlier reply edited or deleted (stored before the ack by the app's middleware): the ✅
    and the confirmation follow what the message says now, and the dimension's progress is fresh."""
    service = services.assessments
    outcome = context.get("revision_outcome")
    if outcome is None:
        outcome = service.handle_revision(
            workspace_id=context.team_id,
            channel_id=revision.channel,
            thread_ts=revision.thread_ts,
            user_id=revision.user,
            text=revision.text,
            message_ts=revision.message_ts,
        )
    user = revision.user
    if outcome.error is not None:
        if user:
            text = messages.unreadable_edit(str(outcome.error))
            ephemeral(client, revision.channel, user, text, revision.thread_ts)
    elif outcome.closed_status is not None:
        if user:
            what = "deletion" if revision.deleted else "edit"
            text = messages.not_recorded(outcome.closed_status, what)
            ephemeral(client, revision.channel, user, text, revision.thread_ts)
    elif outcome.answer is not None:
        services.after_ack.submit(_acknowledge_revision, client, service, context.team_id, revision, outcome)


def _acknowledge_revision(
    client: WebClient, service: AssessmentService, workspace_id: str, revision: Revision, outcome: ReplyOutcome
) -> None:
    answered, changes = outcome.answer, outcome.revision
    assert answered is not None and changes is not None
    if not revision.deleted and answered.recorded:
        react(client, revision.channel, revision.message_ts)
    if revision.user and (changes.recorded or changes.withdrawn or changes.kept_later or changes.comment_changed):
        text = messages.revision_confirmation(answered, changes, deleted=revision.deleted)
        ephemeral(client, revision.channel, revision.user, text, revision.thread_ts)
    flows.refresh_dimension(client, service, workspace_id, answered.assessment_id, answered.dimension.id)
