"""The tracked roadmap's clicks and modals: review the proposed items, add one, move one's status.

Each listener is a plain function of Bolt's arguments and the process's ``services``;
:func:`register` only wires them (see :mod:`bot.listeners.wiring`)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot import plans
from bot.listeners.wiring import Payload, with_services
from bot.messages import REVIEW_ACTION
from bot.slack_io import BEST_EFFORT_ERRORS, log_failure, open_modal, our_fields
from bot.templating import part
from conversations.plans import Draft, PlanError, PlanService, check_draft
from conversations.targets import channel_framework, team_framework
from storage.models import is_row_id, utcnow

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger("maturity.plan")

STATUS_PATTERN = re.compile("^" + re.escape(plans.STATUS_ACTION) + ":")


def _value(values: dict[str, Any], block_id: str) -> Any:
    return (values.get(block_id) or {}).get("v") or {}


def _draft(framework: Any, values: dict[str, Any], prefix: str, with_extras: bool = False) -> Draft:
    return check_draft(
        framework,
        title=_value(values, prefix + "title").get("value"),
        dimension_id=(_value(values, prefix + "dim").get("selected_option") or {}).get("value"),
        owner_id=_value(values, prefix + "owner").get("selected_user"),
        due_on=_value(values, prefix + "due").get("selected_date"),
        link=_value(values, "link").get("value") if with_extras else None,
        notes=_value(values, "notes").get("value") if with_extras else None,
        today=utcnow().date(),
        prefix=prefix,
    )


def _say(client: WebClient, channel: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=channel, text=text)
    except BEST_EFFORT_ERRORS as exc:
        log_failure("chat.postMessage", exc, channel=channel)


def _tell(respond: Respond, text: str) -> None:
    """An ephemeral answer to whoever clicked, leaving the message they clicked in place."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def register(app: App, services: Services) -> None:
    app.action(REVIEW_ACTION)(with_services(on_review, services))
    app.view(plans.ACCEPT_CALLBACK)(with_services(on_accept, services))
    app.action(plans.ADD_ACTION)(with_services(on_add, services))
    app.view(plans.ADD_CALLBACK)(with_services(on_added, services))
    app.action(STATUS_PATTERN)(with_services(on_status, services))


def on_review(
    ack: Ack,
    body: Payload,
    action: Payload,
    client: WebClient,
    respond: Respond,
    context: BoltContext,
    *,
    services: Services,
) -> None:
    """The summary's *Plan next steps* button: the proposals modal, for whoever opened or closed it."""
    ack()
    planner = PlanService(services.db)
    user_id = body["user"]["id"]
    (assessment_id,) = our_fields(action.get("value"), "a") or (None,)
    if not is_row_id(assessment_id):
        log.warning("ignored an unreadable review button")
        return
    assessment = planner.assessment(context.team_id, assessment_id)
    if assessment is None:
        return
    if not planner.may_accept(assessment, user_id):
        _tell(respond, part("plan", "not_lead", sorted({assessment.opened_by, assessment.closed_by} - {None})))
        return
    channel_id = assessment.team.channel_id
    result = services.assessments.result_of(context.team_id, assessment_id)
    proposals = plans.proposals_for(result, planner.titles(context.team_id, channel_id))
    if not proposals:
        _tell(respond, part("plan", "nothing_to_propose"))
        return
    open_modal(client, body["trigger_id"], plans.accept_modal(result, channel_id, proposals))


def on_accept(
    ack: Ack, body: Payload, view: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """The proposals modal submitted: the kept items are added (each checked; errors on their fields)."""
    planner = PlanService(services.db)
    user_id = body["user"]["id"]
    channel_id, assessment_id, count = our_fields(view.get("private_metadata"), "c", "a", "n") or (None,) * 3
    if not (isinstance(channel_id, str) and is_row_id(assessment_id) and type(count) is int):
        ack()
        log.warning("ignored an unreadable proposal modal")
        return
    assessment = planner.assessment(context.team_id, assessment_id)
    if assessment is None or assessment.team.channel_id != channel_id or not planner.may_accept(assessment, user_id):
        ack()
        return
    drafts, errors = _kept_drafts(team_framework(assessment.team), view.get("state", {}).get("values", {}), count)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    if drafts:
        planner.add_items(context.team_id, channel_id, user_id, drafts, assessment_id=assessment_id)
        _say(client, channel_id, part("plan", "accepted", len(drafts), user_id))
    else:
        _say(client, channel_id, part("plan", "none_kept", user_id))


def _kept_drafts(framework: Any, values: dict[str, Any], count: int) -> tuple[list[Draft], dict[str, str]]:
    """The proposals ticked "keep" (at most 8), checked; the errors by block id."""
    drafts, errors = [], {}
    for n in range(min(count, 8)):
        prefix = f"p{n}:"
        if not _value(values, prefix + "keep").get("selected_options"):
            continue  # dropped
        try:
            drafts.append(_draft(framework, values, prefix))
        except PlanError as exc:
            errors[exc.field] = str(exc)[:150]
    return drafts, errors


def on_add(
    ack: Ack, body: Payload, action: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """The plan's *Add an item* button: the modal for one item."""
    ack()
    channel_id = str(action.get("value") or "")
    framework = channel_framework(services.db, context.team_id, channel_id)
    open_modal(client, body["trigger_id"], plans.add_modal(framework, channel_id))


def on_added(
    ack: Ack, body: Payload, view: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """The add modal submitted: the item, checked (an error on its field), is added and announced."""
    user_id = body["user"]["id"]
    fields = our_fields(view.get("private_metadata"), "c")
    if fields is None:
        ack()
        return
    channel_id = str(fields[0])
    framework = channel_framework(services.db, context.team_id, channel_id)
    try:
        draft = _draft(framework, view.get("state", {}).get("values", {}), "", with_extras=True)
    except PlanError as exc:
        ack(response_action="errors", errors={exc.field: str(exc)[:150]})
        return
    ack()
    PlanService(services.db).add_items(context.team_id, channel_id, user_id, [draft])
    _say(client, channel_id, part("plan", "added", draft.title, user_id))


def on_status(
    ack: Ack,
    body: Payload,
    action: Payload,
    client: WebClient,
    respond: Respond,
    context: BoltContext,
    *,
    services: Services,
) -> None:
    """A status button of an item (the owner, or whoever opened the assessment): moved, announced in
    the channel, and the plan message redrawn."""
    ack()
    planner = PlanService(services.db)
    user_id = body["user"]["id"]
    item_id, status = our_fields(action.get("value"), "i", "s") or (None, None)
    if not is_row_id(item_id) or not isinstance(status, str):
        log.warning("ignored an unreadable status button")
        return
    try:
        item, channel_id, old = planner.set_status(context.team_id, item_id, user_id, status)
    except PlanError as exc:  # NotAllowed too: not the owner nor the assessment's lead
        _tell(respond, str(exc))
        return
    if old != status:  # everyone in the channel sees who moved what
        _say(client, channel_id, part("plan", "moved", item.title, user_id, old, status))
    message = plans.plan_message(planner.plan(context.team_id, channel_id), None)
    respond(text=message.text, blocks=message.blocks, replace_original=True)
