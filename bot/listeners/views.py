"""Slack surfaces of the business case (seed 004): ``/maturity platforms``, ``/maturity roi`` and
``/maturity session <kind>`` — their modals, messages and the modals' listeners.

The subcommands themselves are answered by ``bot.listeners.commands.business_case`` (declared in
``bot.listeners.commands.registry``). :func:`register` adds the two modals' view_submission
listeners (the views surface).

Modal checks answer with ``response_action: errors`` on the offending field; nothing is stored then.

Every text comes from ``bot/templates/`` (platforms.j2, roi.j2, session.j2 and business.j2 for the
answers they share), except the field checks' messages, which ``conversations.business_case`` raises.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.listeners.wiring import Payload, with_services
from bot.messages import Message, clip, finalize, md
from bot.slack_io import CHANNEL_ERRORS, ephemeral, our_fields, post, slack_error, update
from bot.templating import part
from conversations.business_case import (
    BENEFIT_KINDS,
    MAX_CASE_NAME,
    MAX_PLATFORM_NAME,
    SESSION_KINDS,
    YEARS,
    BusinessCaseView,
    BusinessService,
    ComparisonView,
    FormErrors,
    PlatformForm,
    SessionPlan,
    benefit_field,
    get_criteria_file,
    parse_roi_form,
)
from scoring.finance import BENCHMARKS
from scoring.platforms import SCORE_MAX, SCORE_MIN, platform_key
from storage.models import is_row_id

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services

log = logging.getLogger("maturity.business")

PLATFORM_CALLBACK = "business:platform"
ROI_CALLBACK = "business:roi"
PLATFORM_FIELD = "platform"
SCORE_ACTION = "score"
VALUE_ACTION = "value"
MAX_DISAGREEMENT_LINES = 12
DEFAULT_RATE = "10"  # the discount rate (% per year) the ROI form starts with

__all__ = [
    "PLATFORM_CALLBACK",
    "ROI_CALLBACK",
    "business_case_summary_text",
    "business_home_text",
    "comparison_message",
    "comparison_summary_text",
    "platform_modal",
    "publish_comparison",
    "register",
    "reply",
    "roi_message",
    "roi_modal",
    "session_message",
    "session_usage",
    "view_values",
]


# --- platform comparison ---------------------------------------------------------------------------


def platform_modal(form: PlatformForm, *, channel_id: str, channel_name: str | None) -> dict[str, Any]:
    """One platform per submission: its name, then a 1–5 select per sub-criterion under each
    weighted criterion (2 + 4 + 17 = 23 blocks with the shipped criteria; Slack allows 100)."""
    criteria_file = get_criteria_file()
    labels = criteria_file.scale
    options = [
        Option(value=str(v), text=clip(part("platforms", "score_option", v, labels.get(v, "")), 75))
        for v in range(SCORE_MIN, SCORE_MAX + 1)
    ]
    placeholder = part("platforms", "score_placeholder", SCORE_MIN, SCORE_MAX)
    intro = part("platforms", "modal_intro", form, channel_id, channel_name, labels, SCORE_MIN, SCORE_MAX)
    blocks: list[Block] = [
        SectionBlock(text=md(intro)),
        InputBlock(
            block_id=PLATFORM_FIELD,
            label=part("platforms", "platform_label"),
            element=PlainTextInputElement(
                action_id=VALUE_ACTION,
                placeholder=part("platforms", "platform_placeholder"),
                initial_value=form.platform or None,
                max_length=MAX_PLATFORM_NAME,
            ),
        ),
    ]
    for criterion in form.spec.criteria:
        header = part("platforms", "criterion_header", criterion)
        blocks.append(HeaderBlock(text=PlainTextObject(text=clip(header, 150))))
        for sub in criterion.sub_criteria:
            previous = form.previous.get(sub.id)
            hint = criteria_file.hint(sub.id)
            blocks.append(
                InputBlock(
                    block_id=sub.id,
                    label=clip(sub.name, 2000),
                    hint=hint,
                    element=StaticSelectElement(
                        action_id=SCORE_ACTION,
                        placeholder=placeholder,
                        options=options,
                        initial_option=options[previous - SCORE_MIN] if previous else None,
                    ),
                )
            )
    metadata = json.dumps({"c": channel_id, "n": channel_name, "e": form.evaluation_id}, separators=(",", ":"))
    return View(
        type="modal",
        callback_id=PLATFORM_CALLBACK,
        title=part("platforms", "modal_title"),
        submit=part("platforms", "modal_submit"),
        close=part("platforms", "modal_close"),
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def comparison_summary_text(view: ComparisonView, top: int = 3) -> str:
    """A few mrkdwn lines for App Home or the report: the top platforms with score and members."""
    return part("platforms", "summary", view, top)


def comparison_message(view: ComparisonView) -> Message:
    comparison = view.comparison
    if not comparison.ranked:
        text = part("platforms", "empty_text")
        return finalize(text, [SectionBlock(text=md(text))])
    disagreements = [(p, d) for p in comparison.ranked for d in p.disagreements]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(part("platforms", "header", comparison), 150))),
        SectionBlock(text=md(part("platforms", "ranking", comparison))),
    ]
    if disagreements:
        shown, more = disagreements[:MAX_DISAGREEMENT_LINES], max(0, len(disagreements) - MAX_DISAGREEMENT_LINES)
        blocks.append(SectionBlock(text=md(part("platforms", "disagreements", shown, more))))
    blocks.append(ContextBlock(elements=[md(part("platforms", "context", comparison))]))
    return finalize(part("platforms", "text", comparison, len(disagreements)), blocks)


# --- ROI -------------------------------------------------------------------------------------------


def _text_input(block_id: str, *, optional: bool, label: str | None = None, initial: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label or part("roi", "label", block_id),
        optional=optional,
        element=PlainTextInputElement(
            action_id=VALUE_ACTION,
            placeholder=part("roi", "placeholder", block_id),
            initial_value=initial,
            max_length=40,
        ),
    )


def roi_modal(*, channel_id: str, channel_name: str | None) -> dict[str, Any]:
    """Investment, three years of benefits (three kinds each), running cost, discount rate (17 blocks)."""
    blocks: list[Block] = [
        SectionBlock(text=md(part("roi", "modal_intro"))),
        InputBlock(
            block_id="case_name",
            label=part("roi", "label", "case_name"),
            optional=True,
            element=PlainTextInputElement(
                action_id=VALUE_ACTION, placeholder=part("roi", "placeholder", "case_name"), max_length=MAX_CASE_NAME
            ),
        ),
        _text_input("investment", optional=False),
    ]
    for year in range(1, YEARS + 1):
        blocks.append(HeaderBlock(text=PlainTextObject(text=part("roi", "year_header", year))))
        for kind, label in BENEFIT_KINDS:  # the labels are conversations.business_case's, as in its field errors
            blocks.append(_text_input(benefit_field(year, kind), optional=True, label=label))
    blocks.append(_text_input("running_cost", optional=True))
    blocks.append(_text_input("rate", optional=False, initial=DEFAULT_RATE))
    return View(
        type="modal",
        callback_id=ROI_CALLBACK,
        title=part("roi", "modal_title"),
        submit=part("roi", "modal_submit"),
        close=part("roi", "modal_close"),
        private_metadata=json.dumps({"c": channel_id, "n": channel_name}, separators=(",", ":")),
        blocks=blocks,
    ).to_dict()


def business_case_summary_text(case: BusinessCaseView) -> str:
    """A few mrkdwn lines for App Home or the report."""
    return part("roi", "summary", case, BENCHMARKS)


def business_home_text(service: BusinessService, workspace_id: str, channel_id: str) -> str | None:
    """The team's latest platform comparison and business case as a few mrkdwn lines (App Home);
    None when it has neither."""
    parts = []
    comparison = service.latest_comparison(workspace_id, channel_id)
    if comparison is not None and comparison.comparison.ranked:
        parts.append(part("platforms", "home", comparison))
    case = service.latest_business_case(workspace_id, channel_id)
    if case is not None:
        parts.append(part("roi", "home", case, BENCHMARKS))
    return clip("\n".join(parts), 2900) if parts else None


def roi_message(case: BusinessCaseView) -> Message:
    years = list(zip(case.inputs.benefits, case.summary.cash_flows[1:], strict=True))
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(part("roi", "header", case), 150))),
        SectionBlock(text=md(part("roi", "benchmark_lines", case.summary, BENCHMARKS))),
        SectionBlock(text=md(part("roi", "cash_flows", case, years))),
        ContextBlock(elements=[md(part("roi", "context", case))]),
    ]
    return finalize(part("roi", "text", case, BENCHMARKS), blocks)


# --- discovery sessions ----------------------------------------------------------------------------


def session_usage(problem: str | None = None) -> Message:
    text = part("session", "usage", problem, SESSION_KINDS)
    return finalize(text, [SectionBlock(text=md(text))])


def session_message(plan: SessionPlan) -> Message:
    s = plan.session
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(part("session", "header", plan), 150))),
        SectionBlock(text=md(part("session", "focus", plan))),
    ]
    start = 0
    for section in s.sections:
        blocks.append(SectionBlock(text=md(part("session", "section", section, start))))
        start += section.minutes
    blocks.append(DividerBlock())
    mapped = bool(
        plan.framework_name and plan.weakest_names and [f.name for f in plan.focus] != list(plan.weakest_names)
    )
    blocks.append(SectionBlock(text=md(part("session", "questions_intro", plan, mapped))))
    for dimension in plan.focus:
        blocks.append(SectionBlock(text=md(part("session", "questions", dimension))))
    blocks.append(ContextBlock(elements=[md(part("session", "context", plan, SESSION_KINDS))]))
    return finalize(part("session", "text", plan), blocks)


def reply(template: str, name: str, /, *args: object) -> str:
    """A short answer of the business-case listeners: macro ``name`` of ``bot/templates/<template>.j2``."""
    return part(template, name, *args)


# --- reading a submitted view ----------------------------------------------------------------------


def view_values(view: dict[str, Any]) -> dict[str, str | None]:
    """block_id -> the submitted value (text input value, or the selected option's value)."""
    out: dict[str, str | None] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in (actions or {}).values():
            if not isinstance(element, dict):
                continue
            selected = element.get("selected_option")
            if isinstance(selected, dict):
                out[block_id] = selected.get("value")
            else:
                out[block_id] = element.get("value")
    return out


# --- listeners -------------------------------------------------------------------------------------


def _post_or_dm(client: WebClient, channel_id: str, user_id: str, message: Message) -> str | None:
    """Post in the channel; when the bot cannot, send it to the user directly with the reason."""
    try:
        return post(client, channel_id, message)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("could not post in the channel", extra={"error": error, "channel": channel_id})
        text = reply("business", "not_posted", channel_id, error, error in CHANNEL_ERRORS, message.text)
        try:
            client.chat_postMessage(channel=user_id, text=clip(text, 3900), blocks=message.blocks)
        except SlackApiError as dm_exc:
            log.warning("could not send a direct message either", extra={"error": slack_error(dm_exc)})
        return None


def register(app: App, services: Services) -> None:
    """Add the modals' view_submission listeners."""
    app.view(PLATFORM_CALLBACK)(with_services(platform_submitted, services))
    app.view(ROI_CALLBACK)(with_services(roi_submitted, services))


def platform_submitted(
    ack: Ack, body: Payload, view: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """One platform's scores submitted: saved (or errors on their fields), the comparison reposted."""
    service = BusinessService(services.db, services.assessments)
    user_id = body["user"]["id"]
    workspace_id = context.team_id or (body.get("team") or {}).get("id")
    evaluation_id, channel_id = our_fields(view.get("private_metadata"), "e", "c") or (None, None)
    if not is_row_id(evaluation_id) or not isinstance(channel_id, str):
        ack(response_action="errors", errors={PLATFORM_FIELD: reply("platforms", "form_out_of_date")})
        return
    values = view_values(view)
    try:
        saved = service.submit_platform_scores(
            workspace_id=workspace_id,
            evaluation_id=evaluation_id,
            user_id=user_id,
            platform=values.get(PLATFORM_FIELD),
            raw_scores=values,
        )
    except FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    except LookupError:
        ack(response_action="errors", errors={PLATFORM_FIELD: reply("platforms", "comparison_gone")})
        return
    ack()
    shown = publish_comparison(client, service, workspace_id, evaluation_id, user_id)
    result = (
        next((p for p in shown.comparison.ranked if p.key == platform_key(saved.platform)), None) if shown else None
    )
    total = result.member_totals[user_id] if result else None
    ephemeral(
        client,
        shown.channel_id if shown else channel_id,
        user_id,
        reply("platforms", "saved", saved.replaced, saved.platform, total),
    )


def roi_submitted(
    ack: Ack, body: Payload, view: Payload, client: WebClient, context: BoltContext, *, services: Services
) -> None:
    """The ROI form submitted: the business case saved (or errors on its fields) and posted."""
    service = BusinessService(services.db, services.assessments)
    user_id = body["user"]["id"]
    workspace_id = context.team_id or (body.get("team") or {}).get("id")
    # roi_modal's metadata: the channel and its name (null when unknown)
    channel_id, channel_name = our_fields(view.get("private_metadata"), "c", "n") or (None, None)
    if not isinstance(channel_id, str):
        ack(response_action="errors", errors={"investment": reply("roi", "form_out_of_date")})
        return
    try:
        inputs = parse_roi_form(view_values(view))
    except FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack()
    case = service.save_business_case(
        workspace_id=workspace_id,
        channel_id=channel_id,
        channel_name=channel_name if isinstance(channel_name, str) else None,
        user_id=user_id,
        inputs=inputs,
    )
    _post_or_dm(client, channel_id, user_id, roi_message(case))


def publish_comparison(
    client: WebClient,
    service: BusinessService,
    workspace_id: str,
    evaluation_id: int,
    user_id: str,
    *,
    fresh: bool = False,
) -> ComparisonView | None:
    """Post the comparison, or update its message in place; None if it could not be rendered."""

    def publish(view: ComparisonView) -> tuple[str, str] | None:
        message = comparison_message(view)
        if view.message_ts and update(client, view.channel_id, view.message_ts, message):
            return view.channel_id, view.message_ts
        ts = _post_or_dm(client, view.channel_id, user_id, message)
        return (view.channel_id, ts) if ts else None

    try:
        return service.publish_comparison(workspace_id, evaluation_id, publish, fresh=fresh)
    except LookupError:
        return None
