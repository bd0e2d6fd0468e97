"""The tracked roadmap's clicks and modals: review the proposed items, add one, move one's status."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import plans
from bot.messages import REVIEW_ACTION
from bot.slack_io import BEST_EFFORT_ERRORS, log_failure, our_fields, slack_error
from bot.templating import part
from conversations.plans import Draft, NotAllowed, PlanError, PlanService, check_draft
from conversations.targets import channel_framework, team_framework
from storage.models import is_row_id, utcnow

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Services

log = logging.getLogger("maturity.plan")


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


def register(app: App, services: Services) -> None:
    planner = PlanService(services.db)

    @app.action(REVIEW_ACTION)
    def on_review(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        user_id = body["user"]["id"]
        (assessment_id,) = our_fields(action.get("value"), "a") or (None,)
        if not is_row_id(assessment_id):
            log.warning("ignored an unreadable review button")
            return
        assessment = planner.assessment(context.team_id, assessment_id)
        if assessment is None:
            return
        if not planner.may_accept(assessment, user_id):
            leads = sorted({assessment.opened_by, assessment.closed_by} - {None})
            respond(text=part("plan", "not_lead", leads), response_type="ephemeral", replace_original=False)
            return
        channel_id = assessment.team.channel_id
        result = services.assessments.result_of(context.team_id, assessment_id)
        proposals = plans.proposals_for(result, planner.titles(context.team_id, channel_id))
        if not proposals:
            respond(text=part("plan", "nothing_to_propose"), response_type="ephemeral", replace_original=False)
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view=plans.accept_modal(result, channel_id, proposals))
        except SlackApiError as exc:
            log.warning("views.open failed", extra={"error": slack_error(exc)})

    @app.view(plans.ACCEPT_CALLBACK)
    def on_accept(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        user_id = body["user"]["id"]
        channel_id, assessment_id, count = our_fields(view.get("private_metadata"), "c", "a", "n") or (None,) * 3
        if not (isinstance(channel_id, str) and is_row_id(assessment_id) and type(count) is int):
            ack()
            log.warning("ignored an unreadable proposal modal")
            return
        assessment = planner.assessment(context.team_id, assessment_id)
        if (
            assessment is None
            or assessment.team.channel_id != channel_id
            or not planner.may_accept(assessment, user_id)
        ):
            ack()
            return
        framework = team_framework(assessment.team)
        values = view.get("state", {}).get("values", {})
        drafts, errors = [], {}
        for n in range(min(count, 8)):
            prefix = f"p{n}:"
            if not _value(values, prefix + "keep").get("selected_options"):
                continue  # dropped
            try:
                drafts.append(_draft(framework, values, prefix))
            except PlanError as exc:
                errors[exc.field] = str(exc)[:150]
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if drafts:
            planner.add_items(context.team_id, channel_id, user_id, drafts, assessment_id=assessment_id)
            _say(client, channel_id, part("plan", "accepted", len(drafts), user_id))
        else:
            _say(client, channel_id, part("plan", "none_kept", user_id))

    @app.action(plans.ADD_ACTION)
    def on_add(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        channel_id = str(action.get("value") or "")
        framework = channel_framework(services.db, context.team_id, channel_id)
        try:
            client.views_open(trigger_id=body["trigger_id"], view=plans.add_modal(framework, channel_id))
        except SlackApiError as exc:
            log.warning("views.open failed", extra={"error": slack_error(exc)})

    @app.view(plans.ADD_CALLBACK)
    def on_added(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
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
        planner.add_items(context.team_id, channel_id, user_id, [draft])
        _say(client, channel_id, part("plan", "added", draft.title, user_id))

    @app.action(re.compile("^" + re.escape(plans.STATUS_ACTION) + ":"))
    def on_status(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        user_id = body["user"]["id"]
        item_id, status = our_fields(action.get("value"), "i", "s") or (None, None)
        if not is_row_id(item_id) or not isinstance(status, str):
            log.warning("ignored an unreadable status button")
            return
        try:
            item, channel_id, old = planner.set_status(context.team_id, item_id, user_id, status)
        except NotAllowed as exc:
            respond(text=str(exc), response_type="ephemeral", replace_original=False)
            return
        except PlanError as exc:
            respond(text=str(exc), response_type="ephemeral", replace_original=False)
            return
        if old != status:  # everyone in the channel sees who moved what
            _say(client, channel_id, part("plan", "moved", item.title, user_id, old, status))
        message = plans.plan_message(planner.plan(context.team_id, channel_id), None)
        respond(text=message.text, blocks=message.blocks, replace_original=True)
