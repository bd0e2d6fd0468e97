"""Events: typed replies in a dimension's thread, their edits and deletions — the whole path.

Before the ack, the global middleware ``EventsOnce`` stores a typed reply (or its edit or deletion)
together with the claim of its event id, so that an acknowledged answer survives a crash and a
redelivered event (X-Slack-Retry-Num) is acted on once. After the ack, the ``message`` listener only
talks to Slack: the ✅, the confirmation or the explanation, and the refreshed progress.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot import flows, messages
from bot.listeners.wiring import Payload, with_services
from bot.slack_io import Revision, ephemeral, is_thread_reply, react, reply_revision
from conversations.events import claim_event, prune_event_claims
from storage.db import Database
from storage.models import utcnow

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services
    from conversations.assessments import AssessmentService, ReplyOutcome, ThreadAnswer

log = logging.getLogger("maturity.events")

# Events the bot acts on besides typed replies: claimed by event id, so a redelivery acts once.
CLAIMED_EVENTS = frozenset({"app_home_opened", "app_uninstalled", "tokens_revoked"})
# Slack redelivers an event at most three times within minutes: a claim older than this can go.
CLAIM_RETENTION = timedelta(hours=1)


class ClaimPruner:
    """Deletes event claims older than CLAIM_RETENTION, at most once per ``every`` seconds per process."""

    def __init__(self, every: float = 600.0) -> None:
        self.every = every
        self._next = 0.0
        self._lock = threading.Lock()

    def maybe_prune(self, db: Database) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                return
            self._next = now + self.every
        try:
            removed = prune_event_claims(db, older_than=utcnow() - CLAIM_RETENTION)
            if removed:
                log.info("old event claims pruned", extra={"removed": removed})
        except Exception:
            log.exception("could not prune old event claims")


class EventsOnce(Middleware):
    """Global middleware, before the ack: a Slack event delivered again is handled once; a typed
    reply (or the edit or deletion of one) is stored together with the claim of its event id and its
    outcome handed to the listener in ``context`` (``reply_outcome`` / ``revision_outcome``)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.pruner = ClaimPruner()

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id")
        if body.get("type") != "event_callback" or not event_id:
            return next()
        event = body.get("event") or {}
        workspace_id = req.context.team_id or body.get("team_id")
        assessments = self.services.assessments
        if is_thread_reply(event):
            outcome = assessments.handle_reply(
                workspace_id=workspace_id,
                channel_id=event["channel"],
                thread_ts=event["thread_ts"],
                user_id=event["user"],
                text=event.get("text") or "",
                message_ts=event["ts"],
                event_id=str(event_id),
            )
            first = not outcome.duplicate
            req.context["reply_outcome"] = outcome
        elif (revision := reply_revision(event)) is not None:
            revised = assessments.handle_revision(
                workspace_id=workspace_id,
                channel_id=revision.channel,
                thread_ts=revision.thread_ts,
                user_id=revision.user,
                text=revision.text,
                message_ts=revision.message_ts,
                event_id=str(event_id),
            )
            first = not revised.duplicate
            req.context["revision_outcome"] = revised
        elif event.get("type") in CLAIMED_EVENTS:
            first = claim_event(self.services.db, str(event_id), workspace_id)
        else:
            return next()  # nothing the bot acts on (a channel message, a join): nothing to claim
        self.pruner.maybe_prune(self.services.db)
        if not first:
            log.info(
                "duplicate event ignored",
                extra={"event_id": event_id, "retry_num": req.headers.get("x-slack-retry-num", [None])[0]},
            )
            return BoltResponse(status=200, body="")
        return next()


def register(app: App, services: Services) -> None:
    app.use(EventsOnce(services))
    app.event("message")(with_services(on_message, services))


def on_message(event: Payload, client: WebClient, context: BoltContext, *, services: Services) -> None:
    """After the ack: a typed reply (or its edit or deletion) shown as stored, or explained."""
    revision = reply_revision(event)
    if revision is not None:
        _on_revision(client, services, context, revision)
        return
    if not is_thread_reply(event):
        return
    service = services.assessments
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
