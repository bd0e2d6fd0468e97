"""Slack surfaces of the business case (seed 004): ``/maturity platforms``, ``/maturity roi`` and
``/maturity session <kind>`` — their modals, messages and listeners.

:func:`register` adds a ``/maturity`` listener that only matches this module's subcommands
(:data:`conversations.business.SUBCOMMAND_USAGE`); Bolt runs the first matching listener, so it must
be registered *before* ``bot.listeners.commands``. It also adds the two modals' view_submission
listeners. Calling it twice on one app is harmless.

Modal checks answer with ``response_action: errors`` on the offending field; nothing is stored then.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext, Respond
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

from bot.listeners.slack_io import CHANNEL_ERRORS, ephemeral, post, slack_error, update
from bot.messages import Message, clip, esc, finalize, md
from conversations.business import (
    BENEFIT_KINDS,
    MAX_CASE_NAME,
    MAX_PLATFORM_NAME,
    SESSION_KINDS,
    SUBCOMMAND_USAGE,
    YEARS,
    BusinessCaseView,
    BusinessService,
    ComparisonView,
    FormErrors,
    PlatformForm,
    SessionPlan,
    UnknownSessionKind,
    benefit_field,
    get_criteria_file,
    parse_business_command,
    parse_roi_form,
)
from scoring import format_score
from scoring.finance import BENCHMARKS, RoiSummary
from scoring.platforms import SCORE_MAX, SCORE_MIN, Comparison, platform_key

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Services

log = logging.getLogger("maturity.business")

PLATFORM_CALLBACK = "business:platform"
ROI_CALLBACK = "business:roi"
PLATFORM_FIELD = "platform"
SCORE_ACTION = "score"
VALUE_ACTION = "value"
MAX_DISAGREEMENT_LINES = 12

__all__ = [
    "PLATFORM_CALLBACK",
    "ROI_CALLBACK",
    "business_case_summary_text",
    "business_home_text",
    "comparison_message",
    "comparison_summary_text",
    "platform_modal",
    "register",
    "roi_message",
    "roi_modal",
    "session_message",
    "session_usage",
    "view_values",
]


# --- formatting ------------------------------------------------------------------------------------


def _money(x: float) -> str:
    """Thousands separators; whole units from 1,000 up, cents below. No currency assumed."""
    sign = "−" if x < 0 else ""
    x = abs(x)
    return f"{sign}{x:,.0f}" if x >= 1000 else f"{sign}{x:,.2f}".replace(".00", "")


def _percent(rate: float) -> str:
    return f"{rate * 100:.2f}%".replace(".00%", "%")


def _position_words(position: str, better: str) -> str:
    """``inside``, ``below`` or ``above`` the range, and for a range where lower is better (payback)
    which way that is."""
    if position == "inside" or better == "high":
        return position
    return f"{position} ({'sooner' if position == 'below' else 'later'})"


def _years(years: float | None) -> str:
    if years is None:
        return "not within the 3 years"
    return f"{years:.2f} years (about {round(years * 12)} months)"


# --- platform comparison ---------------------------------------------------------------------------


def platform_modal(form: PlatformForm, *, channel_id: str, channel_name: str | None) -> dict[str, Any]:
    """One platform per submission: its name, then a 1–5 select per sub-criterion under each
    weighted criterion (2 + 4 + 17 = 23 blocks with the shipped criteria; Slack allows 100)."""
    criteria_file = get_criteria_file()
    labels = criteria_file.scale
    options = [
        Option(value=str(v), text=clip(f"{v} · {labels.get(v, '')}".rstrip(" ·"), 75))
        for v in range(SCORE_MIN, SCORE_MAX + 1)
    ]
    weights = " · ".join(f"{c.name} {c.weight:.0%}" for c in form.spec.criteria)
    where = f"#{channel_name}" if channel_name and not channel_id.startswith("D") else "this conversation"
    blocks: list[Block] = [
        SectionBlock(
            text=md(
                f"Score one candidate platform for {esc(where)}, {SCORE_MIN} ({labels.get(SCORE_MIN, 'low')}) to "
                f"{SCORE_MAX} ({labels.get(SCORE_MAX, 'high')}) on each point. Weights: {weights}. "
                "Submitting again for the same platform replaces your earlier scores; "
                "the channel sees the ranked comparison."
            )
        ),
        InputBlock(
            block_id=PLATFORM_FIELD,
            label="Platform",
            element=PlainTextInputElement(
                action_id=VALUE_ACTION,
                placeholder="e.g. Vertex AI, SageMaker, Databricks, in-house",
                initial_value=form.platform or None,
                max_length=MAX_PLATFORM_NAME,
            ),
        ),
    ]
    for criterion in form.spec.criteria:
        blocks.append(HeaderBlock(text=PlainTextObject(text=clip(f"{criterion.name} · {criterion.weight:.0%}", 150))))
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
                        placeholder=f"{SCORE_MIN}–{SCORE_MAX}",
                        options=options,
                        initial_option=options[previous - SCORE_MIN] if previous else None,
                    ),
                )
            )
    metadata = json.dumps({"c": channel_id, "n": channel_name, "e": form.evaluation_id}, separators=(",", ":"))
    return View(
        type="modal",
        callback_id=PLATFORM_CALLBACK,
        title="Score a platform",
        submit="Save scores",
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def _criterion_line(comparison: Comparison, scores: dict[str, float]) -> str:
    return " · ".join(f"{c.name} {format_score(scores[c.id])}" for c in comparison.spec.criteria)


def comparison_summary_text(view: ComparisonView, top: int = 3) -> str:
    """A few mrkdwn lines for App Home or the report: the top platforms with score and members."""
    ranked = view.comparison.ranked
    if not ranked:
        return "No platform scores yet: `/maturity platforms`."
    lines = [
        f"{i}. *{esc(p.name)}* {format_score(p.score)} ({p.members} {'member' if p.members == 1 else 'members'})"
        for i, p in enumerate(ranked[:top], 1)
    ]
    if len(ranked) > top:
        lines.append(f"…and {len(ranked) - top} more")
    disagreements = sum(len(p.disagreements) for p in ranked)
    if disagreements:
        lines.append(f"Members disagree on {disagreements} sub-criteria (2+ points apart).")
    return "\n".join(lines)


def comparison_message(view: ComparisonView) -> Message:
    comparison = view.comparison
    ranked = comparison.ranked
    members = len(comparison.members)
    if not ranked:
        text = "Platform comparison: no scores yet. Add yours with `/maturity platforms`."
        return finalize(text, [SectionBlock(text=md(text))])
    ranking = ", ".join(f"{i}. {p.name} {format_score(p.score)}" for i, p in enumerate(ranked, 1))
    disagreements = [(p, d) for p in ranked for d in p.disagreements]
    text = f"Platform comparison ({members} {'member' if members == 1 else 'members'}): {ranking}."
    if disagreements:
        text += f" Members disagree (2+ points apart) on {len(disagreements)} sub-criteria."
    lines = []
    for i, p in enumerate(ranked, 1):
        who = f"{p.members} {'member' if p.members == 1 else 'members'}"
        lines.append(
            f"{i}. *{esc(p.name)}* — *{format_score(p.score)}* ({who})\n"
            f"      {esc(_criterion_line(comparison, p.criterion_scores))}"
        )
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"Platform comparison: {ranked[0].name} leads", 150))),
        SectionBlock(text=md("*Ranking* (weighted score on 1–5)\n" + "\n".join(lines))),
    ]
    if disagreements:
        dis_lines = [
            f"• {esc(p.name)} — {esc(d.sub_name)} ({esc(d.criterion)}): scores from {d.low} to {d.high}"
            for p, d in disagreements[:MAX_DISAGREEMENT_LINES]
        ]
        if len(disagreements) > MAX_DISAGREEMENT_LINES:
            dis_lines.append(f"…and {len(disagreements) - MAX_DISAGREEMENT_LINES} more")
        blocks.append(SectionBlock(text=md("*Where members disagree* (2+ points apart)\n" + "\n".join(dis_lines))))
    weights = " · ".join(f"{c.name} {c.weight:.0%}" for c in comparison.spec.criteria)
    blocks.append(
        ContextBlock(
            elements=[
                md(
                    f"Weights: {weights}. A member's total is Σ weight × criterion score (the mean of its "
                    f"sub-criteria); a platform's score is the mean of its members' totals. "
                    f"Add or change yours with `/maturity platforms`."
                )
            ]
        )
    )
    return finalize(text, blocks)


# --- ROI -------------------------------------------------------------------------------------------


def _text_input(
    block_id: str, label: str, *, placeholder: str, optional: bool, initial: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id=VALUE_ACTION, placeholder=placeholder, initial_value=initial, max_length=40
        ),
    )


def roi_modal(*, channel_id: str, channel_name: str | None) -> dict[str, Any]:
    """Investment, three years of benefits (three kinds each), running cost, discount rate (17 blocks)."""
    blocks: list[Block] = [
        SectionBlock(
            text=md(
                "Figures in one currency, e.g. `250000`, `250,000` or `250k`; empty benefit fields count as 0. "
                "I answer with the payback period, NPV over 3 years and IRR, beside the ranges typical for "
                "comprehensive MLOps implementations."
            )
        ),
        InputBlock(
            block_id="case_name",
            label="What is the investment for?",
            optional=True,
            element=PlainTextInputElement(
                action_id=VALUE_ACTION, placeholder="e.g. Feature store and CI/CD for ML", max_length=MAX_CASE_NAME
            ),
        ),
        _text_input("investment", "Investment (one-off, up front)", placeholder="e.g. 400k", optional=False),
    ]
    for year in range(1, YEARS + 1):
        blocks.append(HeaderBlock(text=PlainTextObject(text=f"Benefits in year {year}")))
        for kind, label in BENEFIT_KINDS:
            blocks.append(_text_input(benefit_field(year, kind), label, placeholder="0", optional=True))
    blocks.append(_text_input("running_cost", "Running cost per year", placeholder="e.g. 50k", optional=True))
    blocks.append(
        _text_input("rate", "Discount rate (% per year)", placeholder="e.g. 10", optional=False, initial="10")
    )
    return View(
        type="modal",
        callback_id=ROI_CALLBACK,
        title="ROI business case",
        submit="Calculate",
        close="Cancel",
        private_metadata=json.dumps({"c": channel_id, "n": channel_name}, separators=(",", ":")),
        blocks=blocks,
    ).to_dict()


def _g(x: float) -> str:
    return f"{x:g}"


def _typical() -> dict[str, str]:
    """The seed's typical ranges as text: "12–24 months", "3–5×", "50–150%"."""
    payback, multiple, irr = BENCHMARKS["payback"], BENCHMARKS["npv_multiple"], BENCHMARKS["irr"]
    return {
        "payback": f"{_g(payback.low * 12)}–{_g(payback.high * 12)} months",
        "npv_multiple": f"{_g(multiple.low)}–{_g(multiple.high)}×",
        "irr": f"{_g(irr.low * 100)}–{_g(irr.high * 100)}%",
    }


def _benchmark_lines(summary: RoiSummary) -> list[str]:
    pos, typical = summary.positions, _typical()
    npv_multiple = f"{summary.npv_multiple:.2f}× the investment" if summary.npv_multiple is not None else "—"
    irr_text = _percent(summary.irr) if summary.irr is not None else "none (the cash flows never break even)"
    return [
        f"*Payback* {_years(summary.payback_years)} — "
        f"{_position_words(pos['payback'], BENCHMARKS['payback'].better)} the typical {typical['payback']}",
        f"*NPV* at {_percent(summary.rate)}: {_money(summary.npv)} = {npv_multiple} — "
        f"{_position_words(pos['npv_multiple'], 'high')} the typical {typical['npv_multiple']} over 3 years",
        f"*IRR* {irr_text} — {_position_words(pos['irr'], 'high')} the typical {typical['irr']}",
    ]


def business_case_summary_text(case: BusinessCaseView) -> str:
    """A few mrkdwn lines for App Home or the report."""
    title = f"*{esc(case.inputs.name)}*: " if case.inputs.name else ""
    return f"{title}investment {_money(case.inputs.investment)}\n" + "\n".join(_benchmark_lines(case.summary))


def business_home_text(service: BusinessService, workspace_id: str, channel_id: str) -> str | None:
    """The team's latest platform comparison and business case as a few mrkdwn lines (App Home);
    None when it has neither."""
    parts = []
    comparison = service.latest_comparison(workspace_id, channel_id)
    if comparison is not None and comparison.comparison.ranked:
        parts.append("*Platform comparison*\n" + comparison_summary_text(comparison))
    case = service.latest_business_case(workspace_id, channel_id)
    if case is not None:
        parts.append("*Business case* " + business_case_summary_text(case))
    return clip("\n".join(parts), 2900) if parts else None


def roi_message(case: BusinessCaseView) -> Message:
    inputs, summary = case.inputs, case.summary
    irr_text = _percent(summary.irr) if summary.irr is not None else "none"
    payback = f"{summary.payback_years:.2f} years" if summary.payback_years is not None else "not within 3 years"
    subject = f" for {inputs.name}" if inputs.name else ""
    typical = _typical()
    by = f" by <@{case.created_by}>" if case.created_by else ""
    text = (
        f"ROI business case{subject}{by}: investment {_money(inputs.investment)}, payback {payback}, "
        f"NPV {_money(summary.npv)} at {_percent(summary.rate)}, IRR {irr_text} "
        f"(typical: payback {typical['payback']}, NPV {typical['npv_multiple']} the investment over 3 years, "
        f"IRR {typical['irr']})."
    )
    flows = [f"Year 0: {_money(summary.cash_flows[0])} (investment)"]
    for year, (benefits, net) in enumerate(zip(inputs.benefits, summary.cash_flows[1:], strict=True), 1):
        parts = (
            f"productivity {_money(benefits.productivity)} + infrastructure {_money(benefits.infrastructure)}"
            f" + revenue {_money(benefits.revenue)}"
        )
        if inputs.running_cost:
            parts += f" − running {_money(inputs.running_cost)}"
        flows.append(f"Year {year}: {_money(net)} ({parts})")
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"ROI business case{subject}", 150))),
        SectionBlock(text=md("\n".join(_benchmark_lines(summary)))),
        SectionBlock(text=md("*Cash flows*\n" + "\n".join(flows))),
        ContextBlock(
            elements=[
                md(
                    f"Case #{case.id}{by}. Payback interpolates within the year on undiscounted cash; NPV discounts "
                    "each year's net cash at the rate given; IRR is the rate at which NPV is 0. Typical ranges: "
                    "seed 004's break-even analysis. `/maturity roi` to try other figures."
                )
            ]
        ),
    ]
    return finalize(text, blocks)


# --- discovery sessions ----------------------------------------------------------------------------


def session_usage(problem: str | None = None) -> Message:
    kinds = ", ".join(f"`{k}`" for k in SESSION_KINDS)
    text = f"{problem + ' ' if problem else ''}Usage: `/maturity session <kind>`, where kind is one of {kinds}."
    return finalize(text, [SectionBlock(text=md(text))])


def session_message(plan: SessionPlan) -> Message:
    s = plan.session
    names = ", ".join(f.name for f in plan.focus)
    agenda = "; ".join(f"{sec.title} {sec.minutes} min" for sec in s.sections)
    text = f"Discovery session agenda — {s.name} ({s.minutes} min): {agenda}. Discovery questions for {names}."
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"Discovery session: {s.name} · {s.minutes} min", 150))),
        SectionBlock(text=md(f"_{esc(s.focus)}_")),
    ]
    start = 0
    for sec in s.sections:
        items = "\n".join(f"• {esc(item)}" for item in sec.items)
        blocks.append(
            SectionBlock(
                text=md(f"*{start}–{start + sec.minutes} min · {esc(sec.title)}* ({sec.minutes} min)\n{items}")
            )
        )
        start += sec.minutes
    blocks.append(DividerBlock())
    when = f" ({plan.closed_at:%Y-%m-%d})" if plan.closed_at else ""
    if plan.basis == "weakest":
        weakest = ", ".join(plan.weakest_names)
        intro = (
            f"*Discovery questions for your weakest dimensions* — from assessment #{plan.assessment_id}{when} "
            f"({esc(plan.framework_name or '')}), weakest first: {esc(weakest)}."
        )
        if plan.framework_name and plan.weakest_names and [f.name for f in plan.focus] != list(plan.weakest_names):
            intro += " Mapped onto the discovery dimensions that probe the same ground."
    elif plan.assessment_id is not None:
        intro = (
            f"*Discovery questions for this session's dimensions* — assessment #{plan.assessment_id}{when} "
            "left no dimension below the top level to focus on."
        )
    else:
        intro = (
            "*Discovery questions for this session's dimensions* — this channel has no finished assessment "
            "yet, so these follow the session's own focus. Run `/maturity assess` and `/maturity finish` "
            "to aim them at your weakest dimensions."
        )
    blocks.append(SectionBlock(text=md(intro)))
    for dim in plan.focus:
        questions = "\n".join(f"{i}. {esc(q)}" for i, q in enumerate(dim.questions, 1))
        blocks.append(SectionBlock(text=md(f"*{esc(dim.name)}*\n{questions}")))
    blocks.append(
        ContextBlock(
            elements=[
                md(f"`/maturity session {s.kind}` · other kinds: {', '.join(k for k in SESSION_KINDS if k != s.kind)}")
            ]
        )
    )
    return finalize(text, blocks)


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


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# --- listeners -------------------------------------------------------------------------------------


def _post_or_dm(client: WebClient, channel_id: str, user_id: str, message: Message) -> str | None:
    """Post in the channel; when the bot cannot, send it to the user directly with the reason."""
    try:
        return post(client, channel_id, message)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("could not post in the channel", extra={"error": error, "channel": channel_id})
        note = f"I couldn't post this in <#{channel_id}> ({error})" + (
            ": invite me with `/invite @maturity`." if error in CHANNEL_ERRORS else "."
        )
        try:
            client.chat_postMessage(channel=user_id, text=clip(f"{note}\n{message.text}", 3900), blocks=message.blocks)
        except SlackApiError as dm_exc:
            log.warning("could not send a direct message either", extra={"error": slack_error(dm_exc)})
        return None


def register(app: App, services: Services) -> None:
    """Add the business-case listeners. Register before ``bot.listeners.commands`` (first match wins)."""
    if getattr(app, "_business_registered", False):
        return
    app._business_registered = True  # type: ignore[attr-defined]
    service = BusinessService(services.db, services.assessments)

    def ours(body: dict[str, Any]) -> bool:
        return parse_business_command(body.get("text")) is not None

    @app.command("/maturity", matchers=[ours])
    def business_command(
        ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        cmd = parse_business_command(command.get("text"))
        if cmd is None:  # the matcher saw to it; kept for type checkers
            ack()
            return
        workspace_id = context.team_id or command.get("team_id")
        channel_id, channel_name, user_id = command["channel_id"], command.get("channel_name"), command["user_id"]
        if cmd.name == "session":
            kind = cmd.arg.lower()
            if kind not in SESSION_KINDS:
                problem = f"I don't know the session kind `{clip(cmd.arg, 40)}`." if cmd.arg else "Which session?"
                message = session_usage(problem)
                ack(text=message.text, blocks=message.blocks)
                return
            ack()
            _post_session(client, respond, service, workspace_id, channel_id, kind)
            return
        if cmd.name == "roi":
            if cmd.arg:
                ack(text=f"`roi` takes no arguments (got `{clip(cmd.arg, 60)}`). {SUBCOMMAND_USAGE['roi']}")
                return
            ack()
            _open(client, respond, command["trigger_id"], roi_modal(channel_id=channel_id, channel_name=channel_name))
            return
        # platforms
        if cmd.arg.lower() == "new":
            service.new_comparison(
                workspace_id=workspace_id, channel_id=channel_id, channel_name=channel_name, user_id=user_id
            )
            ack(
                text=(
                    f"<@{user_id}> started a new platform comparison here (the earlier one is kept). "
                    "Score a platform with `/maturity platforms`."
                ),
                response_type="in_channel",
            )
            return
        if cmd.arg.lower() == "results":
            ack()
            latest = service.latest_comparison(workspace_id, channel_id)
            if latest is None:
                respond(
                    text="No platform scores in this channel yet: `/maturity platforms`.", response_type="ephemeral"
                )
                return
            _publish(client, service, workspace_id, latest.evaluation_id, user_id, fresh=True)
            return
        ack()
        form = service.platform_form(
            workspace_id=workspace_id,
            channel_id=channel_id,
            channel_name=channel_name,
            user_id=user_id,
            platform=cmd.arg or None,
        )
        _open(
            client,
            respond,
            command["trigger_id"],
            platform_modal(form, channel_id=channel_id, channel_name=channel_name),
        )

    @app.view(PLATFORM_CALLBACK)
    def platform_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        user_id = body["user"]["id"]
        workspace_id = context.team_id or (body.get("team") or {}).get("id")
        meta = _metadata(view)
        evaluation_id, channel_id = meta.get("e"), meta.get("c")
        if not isinstance(evaluation_id, int) or not isinstance(channel_id, str):
            ack(
                response_action="errors",
                errors={PLATFORM_FIELD: "This form is out of date; run /maturity platforms again."},
            )
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
            ack(
                response_action="errors",
                errors={PLATFORM_FIELD: "This comparison no longer exists; run /maturity platforms again."},
            )
            return
        ack()
        shown = _publish(client, service, workspace_id, evaluation_id, user_id)
        result = (
            next((p for p in shown.comparison.ranked if p.key == platform_key(saved.platform)), None) if shown else None
        )
        mine = f" Your weighted total: {format_score(result.member_totals[user_id])}." if result else ""
        verb = "Replaced" if saved.replaced else "Saved"
        ephemeral(
            client,
            shown.channel_id if shown else channel_id,
            user_id,
            f"{verb} your scores for {saved.platform}.{mine} The comparison in this channel is up to date.",
        )

    @app.view(ROI_CALLBACK)
    def roi_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        user_id = body["user"]["id"]
        workspace_id = context.team_id or (body.get("team") or {}).get("id")
        meta = _metadata(view)
        channel_id = meta.get("c")
        if not isinstance(channel_id, str):
            ack(response_action="errors", errors={"investment": "This form is out of date; run /maturity roi again."})
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
            channel_name=meta.get("n"),
            user_id=user_id,
            inputs=inputs,
        )
        _post_or_dm(client, channel_id, user_id, roi_message(case))


def _open(client: WebClient, respond: Respond, trigger_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed", extra={"error": slack_error(exc)})
        respond(
            text=f"I couldn't open the form ({slack_error(exc)}). Please run the command again.",
            response_type="ephemeral",
        )


def _publish(
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


def _post_session(
    client: WebClient, respond: Respond, service: BusinessService, workspace_id: str, channel_id: str, kind: str
) -> None:
    try:
        plan = service.session_plan(workspace_id, channel_id, kind)
    except UnknownSessionKind as exc:  # the file lost a kind the command still lists
        respond(text=str(exc), response_type="ephemeral")
        return
    message = session_message(plan)
    try:
        post(client, channel_id, message)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("could not post the session agenda", extra={"error": error, "channel": channel_id})
        respond(
            text=clip(f"I can't post in this channel ({error}), so here it is just for you. {message.text}", 3900),
            blocks=message.blocks,
            response_type="ephemeral",
        )
