"""Button clicks on dimension messages: record the clicking user's level."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import flows, messages
from bot.listeners.wiring import Payload, with_services
from bot.slack_io import ephemeral, our_fields
from conversations.assessments import AssessmentService, NoOpenAssessment, ThreadAnswer, ThreadClosed
from storage.models import is_row_id

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger("maturity.actions")


def _decode(value: str | None) -> tuple[int, str, int | None] | None:
    """The (assessment id, question id, level) a button of ours carries; None for anything else
    (Slack sends back what we put there, so a value of another shape was tampered with): an id
    that is not one of ours (``true``, ``10**30``), a level that is not a small whole number."""
    fields = our_fields(value, "a", "q", "l")
    if fields is None:
        return None
    assessment_id, question_id, level = fields
    if not is_row_id(assessment_id) or not isinstance(question_id, str) or len(question_id) > 64:
        return None
    if level is not None and not (type(level) is int and -100 <= level <= 100):
        return None  # a bool is an int to Python: `true` must not be stored as level 1
    return assessment_id, question_id, level


def register(app: App, services: Services) -> None:
    app.action(re.compile("^" + re.escape(messages.ANSWER_ACTION_PREFIX)))(with_services(answer, services))


def answer(
    ack: Ack, body: Payload, action: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """A level clicked on a question: stored, then acknowledged; the confirmation follows after the ack."""
    # The click is stored BEFORE the ack: Slack never redelivers an interaction, so an
    # acknowledged click must already be in the database. If storing fails, the error handler
    # answers 500 and Slack shows the member that the click did not go through.
    user_id = body["user"]["id"]
    channel_id = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
    message = body.get("message") or {}
    thread_ts = message.get("ts") or body.get("container", {}).get("message_ts")
    # A button carries its value; a level menu (long scales) the selected option's.
    decoded = _decode(action.get("value") or (action.get("selected_option") or {}).get("value"))
    if decoded is None or not isinstance(channel_id, str):
        ack()
        action_id = str(action.get("action_id"))[:80]
        log.warning("ignored a button with an unreadable value", extra={"action_id": action_id})
        return
    assessment_id, question_id, level = decoded
    try:
        answered = services.assessments.answer_button(
            workspace_id=context.team_id,
            channel_id=channel_id,
            assessment_id=assessment_id,
            question_id=question_id,
            level=level,
            user_id=user_id,
        )
    except ThreadClosed as exc:
        ack()
        ephemeral(client, channel_id, user_id, messages.not_recorded(exc.status, "click"), thread_ts)
        return
    except (NoOpenAssessment, ValueError) as exc:
        ack()
        # Another workspace's or another channel's assessment, or a question it does not have.
        reason = str(exc)[:200]
        log.warning("ignored a button for an unknown assessment or question", extra={"reason": reason})
        return
    ack()
    services.after_ack.submit(
        _confirm, client, services.assessments, context.team_id, channel_id, user_id, thread_ts, answered
    )


def _confirm(
    client: WebClient,
    service: AssessmentService,
    workspace_id: str,
    channel_id: str,
    user_id: str,
    thread_ts: str,
    answered: ThreadAnswer,
) -> None:
    """A stored click, shown as stored: the confirmation to the member, fresh progress."""
    ephemeral(client, channel_id, user_id, messages.answer_confirmation(answered), thread_ts)
    flows.refresh_dimension(client, service, workspace_id, answered.assessment_id, answered.dimension.id)
