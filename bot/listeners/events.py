"""Events: typed replies in a dimension's thread."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot import flows, messages
from bot.slack_io import ephemeral, react
from conversations.assessments import ThreadClosed
from conversations.replies import ReplyError

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Services

log = logging.getLogger("maturity.events")
# Message subtypes that carry a member's own words; edits, joins, deletions and bot posts do not.
READABLE_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


def register(app: App, services: Services) -> None:
    service = services.assessments

    @app.event("message")
    def on_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("subtype") not in READABLE_SUBTYPES or event.get("bot_id"):
            return
        thread_ts, ts, user_id = event.get("thread_ts"), event.get("ts"), event.get("user")
        if not thread_ts or thread_ts == ts or not user_id:
            return  # not a reply in a thread
        channel_id = event["channel"]
        try:
            answered = service.answer_reply(
                workspace_id=context.team_id,
                channel_id=channel_id,
                thread_ts=thread_ts,
                user_id=user_id,
                text=event.get("text") or "",
                message_ts=ts,
            )
        except ReplyError as exc:
            ephemeral(client, channel_id, user_id, messages.unreadable_reply(str(exc)), thread_ts)
            return
        except ThreadClosed as exc:
            ephemeral(
                client,
                channel_id,
                user_id,
                messages.not_recorded(exc.status, "reply"),
                thread_ts,
            )
            return
        if answered is None:
            return  # a thread that is not one of ours
        react(client, channel_id, ts)
        ephemeral(client, channel_id, user_id, messages.answer_confirmation(answered), thread_ts)
        flows.refresh_dimension(client, service, context.team_id, answered.assessment_id, answered.dimension.id)
