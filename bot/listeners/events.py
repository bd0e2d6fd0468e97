"""Events: typed replies in a dimension's thread."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot import flows, messages
from bot.slack_io import ephemeral, is_thread_reply, react

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Services
    from conversations.assessments import AssessmentService, ThreadAnswer

log = logging.getLogger("maturity.events")


def register(app: App, services: Services) -> None:
    service = services.assessments

    @app.event("message")
    def on_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
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
    """A stored reply, shown as stored: ✅ on it, the confirmation to its author, fresh progress."""
    channel_id, thread_ts, user_id = event["channel"], event["thread_ts"], event["user"]
    react(client, channel_id, event["ts"])
    ephemeral(client, channel_id, user_id, messages.answer_confirmation(answered), thread_ts)
    flows.refresh_dimension(client, service, workspace_id, answered.assessment_id, answered.dimension.id)
