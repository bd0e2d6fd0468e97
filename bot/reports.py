"""Assessment reports: a team's latest finished assessment as Markdown, as one self-contained HTML
file (charts embedded as ``data:`` URIs, inline CSS, nothing fetched from anywhere), and its
responses as CSV; plus ``maturity report``.

:func:`build_report` gathers everything from the database into a :class:`Report` of plain,
already-formatted values (scores with two decimals, exactly as the Slack summary shows them), and
the templates in ``bot/templates/`` only lay them out.

Anonymity: a report built with ``anonymous=True`` — or for a team in anonymity mode — holds
aggregates only: evidence without its author, responses without their respondent, and nothing it
renders (Markdown, HTML, CSV) contains a user id or a name. The Result it keeps to draw the charts
is stripped of its comments.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from bot.csv_cells import csv_writer
from bot.templating import date as format_date
from bot.templating import environment, pct, render, signed
from conversations.assessments import AssessmentService, Result, VersionChange, spec_from_json, trend_of
from conversations.plans import PlanService, PlanView
from conversations.records import team_record
from conversations.replies import TextPart, slack_parts
from conversations.workspaces import workspaces_with_channel
from scoring import arrow, format_score
from scoring.formatting import format_gap, format_number
from scoring.types import FrameworkSpec, Roadmap
from storage import clock
from storage.db import Database
from storage.models import Assessment, Comment, Response

__all__ = [
    "DeltaView",
    "DimensionRow",
    "DisagreementRow",
    "EvidenceRow",
    "HistoryRow",
    "Report",
    "ResponseRow",
    "WeakRow",
    "build_report",
    "cmd_report",
    "render_html",
    "render_markdown",
    "items_csv",
    "targets_csv",
    "responses_csv",
]

HISTORY_LIMIT = 100
CSV_COLUMNS = ("respondent", "question", "level", "comment", "time")

Names = Mapping[str, str] | Callable[[set[str]], Mapping[str, str]]


# --- the report's values -------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionRow:
    id: str
    name: str
    weight: float
    weight_text: str  # "30%"
    score: float | None
    score_text: str  # "1.17", or "—" when unscored
    level: int | None
    level_name: str | None
    answered_questions: int
    total_questions: int
    respondents: int
    delta: float | None  # vs the previous assessment
    delta_text: str  # "+0.25", "" without a previous score
    arrow: str  # ▲ ▼ ▶, "" without a previous score


@dataclass(frozen=True)
class WeakRow:
    rank: int
    name: str
    score_text: str
    level: int
    next_level: int
    next_level_name: str
    gap_text: str  # to the lower bound of the team's target level
    weight_text: str
    priority_text: str  # gap x weight


@dataclass(frozen=True)
class DisagreementRow:
    dimension: str
    number: int  # the question's number in its dimension (Q1, Q2, ...); 0 if the question is gone
    question_id: str
    prompt: str
    low: int
    high: int
    spread: int
    answered: int
    distribution: str  # "1 ×2, 3 ×1" (no-break spaces inside each item)


@dataclass(frozen=True)
class EvidenceRow:
    dimension: str
    text: str  # as stored: what the member typed, with Slack's link and mention markup
    author: str | None  # None in an anonymous report
    date: str
    parts: tuple[TextPart, ...] = ()  # ``text`` read: plain text, links, mentions (as names)


@dataclass(frozen=True)
class HistoryRow:
    assessment_id: int
    date: str
    framework_id: str
    framework_version: int
    overall_text: str
    level: int | None
    level_name: str | None
    current: bool  # the assessment this report is about


@dataclass(frozen=True)
class DeltaView:
    previous_id: int
    previous_date: str
    previous_overall_text: str
    overall_delta_text: str  # "+0.25", "" when either overall is missing
    arrow: str
    level_changed: bool
    previous_level: int | None
    previous_level_name: str | None
    gain: str | None  # "Model Development +0.50"
    drop: str | None
    note: str = ""  # what a delta across framework versions leaves out ("2 questions new since v1, …")


@dataclass(frozen=True)
class ResponseRow:
    respondent: str | None  # None in an anonymous report
    question_id: str
    dimension_id: str
    level: int | None  # None = don't know
    comment: str
    time: datetime


@dataclass(frozen=True)
class ItemRow:
    """A roadmap item. Its owner is shown even in anonymity mode: an assignment, not an answer."""

    title: str
    dimension: str
    owner: str  # the owner's name, else their user id; "" for no owner
    due_text: str  # YYYY-MM-DD or ""
    status: str
    overdue: bool
    link: str
    notes: str
    changed_text: str  # who last changed it and when, e.g. "U0BEN status todo → done 2026-12-03"


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    anonymous: bool
    workspace_id: str
    workspace_name: str | None
    channel_id: str
    channel_name: str | None
    framework_id: str
    framework_name: str
    framework_version: int
    scale_min: int
    scale_max: int
    level_names: tuple[str, ...]
    assessment_id: int
    opened_at: datetime
    closed_at: datetime | None
    date: str  # closing date, YYYY-MM-DD
    overall: float | None
    overall_text: str
    level: int | None
    level_name: str | None
    respondents: int
    member_count: int | None
    response_rate_text: str  # "75%", "" when the channel size is unknown
    dimensions: tuple[DimensionRow, ...]
    weakest: tuple[WeakRow, ...]
    disagreements: tuple[DisagreementRow, ...]
    roadmap: Roadmap | None
    roadmap_alternative: Roadmap | None  # the accelerated path, when it applies
    roadmap_note: str  # why there is no roadmap (top of the scale, nothing scored), else ""
    evidence: tuple[EvidenceRow, ...]
    history: tuple[HistoryRow, ...]  # newest first
    delta: DeltaView | None
    responses: tuple[ResponseRow, ...]
    trend_points: tuple[tuple[datetime, float, int], ...]  # this framework's scored assessments, oldest first
    # The scored assessment the charts are drawn from (without comments when anonymous).
    result: Result = field(repr=False, compare=False)
    # The business case of seed 004 (aggregates only): the latest platform comparison and ROI.
    platforms: Any = None
    business_case: Any = None
    # The level the weakest dimensions are ranked against (None when nothing is scored).
    target_level: int | None = None
    target_level_name: str | None = None
    items: tuple[ItemRow, ...] = ()  # the team's tracked roadmap
    target_set_by: str = ""  # the name (or id) of who set the team's target
    # Where the trend moves on to another version of the framework, and what is not comparable across it.
    version_changes: tuple[VersionChange, ...] = ()

    @property
    def team_label(self) -> str:
        return f"#{self.channel_name} ({self.channel_id})" if self.channel_name else self.channel_id

    @property
    def level_text(self) -> str:
        return "no level yet" if self.level is None else f"Level {self.level} ({self.level_name})"

    @property
    def spec(self) -> FrameworkSpec:
        return self.result.spec


# --- building ------------------------------------------------------------------------------------


def _level_name(spec: FrameworkSpec, level: int | None) -> str | None:
    if level is None:
        return None
    try:
        return spec.level_name(level)
    except IndexError:
        return None


def build_report(
    db: Database,
    workspace_id: str,
    channel_id: str,
    *,
    anonymous: bool = False,
    names: Names | None = None,
) -> Report | None:
    """The report of the channel's latest closed assessment; None if it has none.

    ``names`` maps user ids to the names shown with evidence and responses (ids are shown for users
    it lacks), or is a function from the set of user ids in the report to such a mapping — called
    for the owners of roadmap items (shown even when anonymous: assignments, not answers), and for
    the respondents only for a report that is not anonymous. A report is anonymous when ``anonymous`` is true or
    the team is in anonymity mode.
    """
    from conversations.business_case import BusinessService

    business = BusinessService(db)
    result = AssessmentService(db).latest_result(workspace_id, channel_id)
    if result is None:
        return None
    record = team_record(db, workspace_id, channel_id, result.assessment.id, history_limit=HISTORY_LIMIT)
    assert record is not None  # latest_result found an assessment of it
    anonymous = bool(anonymous or record.anonymous)
    comments = tuple(result.comments)
    plan = PlanService(db).plan(workspace_id, channel_id)
    owner_names = _owner_names(names, plan, result)  # assignments: never anonymous
    if anonymous:
        result = dataclasses.replace(result, comments=())  # they carry user ids
    shown = {} if anonymous else _member_names(names, record.responses, comments)
    parts_of = {c.id: _named(slack_parts(c.text), shown) for c in comments}
    spec, sc, fw = result.spec, result.score, result.framework
    choice = result.roadmap
    a = result.assessment
    trend = trend_of(record.history, a.framework_id)
    return Report(
        generated_at=clock.now(),
        anonymous=anonymous,
        workspace_id=workspace_id,
        workspace_name=record.workspace_name,
        channel_id=channel_id,
        channel_name=record.channel_name,
        framework_id=fw.id,
        framework_name=fw.name,
        framework_version=spec.version,
        scale_min=spec.scale.min,
        scale_max=spec.scale.max,
        level_names=spec.level_names,
        assessment_id=a.id,
        opened_at=a.opened_at,
        closed_at=a.closed_at,
        date=format_date(a.closed_at),
        overall=sc.overall,
        overall_text=format_score(sc.overall),
        level=sc.level,
        level_name=sc.level_name,
        respondents=sc.respondents,
        member_count=sc.member_count,
        response_rate_text=pct(sc.response_rate) if sc.response_rate is not None else "",
        dimensions=_dimension_rows(result),
        weakest=_weak_rows(result),
        disagreements=_disagreement_rows(result),
        roadmap=choice.next if choice is not None else None,
        roadmap_alternative=choice.accelerated if choice is not None else None,
        roadmap_note=_roadmap_note(result),
        evidence=_evidence_rows(comments, spec, parts_of, None if anonymous else shown),
        history=_history_rows(record.history, a.id),
        delta=_delta_view(result),
        responses=_response_rows(record.responses, spec, comments, parts_of, None if anonymous else shown),
        trend_points=trend.points,
        version_changes=trend.changes,
        result=result,
        platforms=business.latest_comparison(workspace_id, channel_id),
        business_case=business.latest_business_case(workspace_id, channel_id),
        target_level=sc.target_level,
        target_level_name=_level_name(spec, sc.target_level),
        items=tuple(_item_row(v, owner_names) for v in plan.items),
        target_set_by=owner_names.get(result.targets.set_by, result.targets.set_by)
        if result.targets is not None and result.targets.set_by
        else "",
    )


def _owner_names(names: Names | None, plan: PlanView, result: Result) -> dict[str, str]:
    """Names of the roadmap items' owners and last editors and of who set the target (shown even in
    an anonymous report: assignments, not answers)."""
    people = {v.item.owner_id for v in plan.items if v.item.owner_id}
    people |= {v.last_change.user_id for v in plan.items if v.last_change is not None and v.last_change.user_id}
    if result.targets is not None and result.targets.set_by:
        people.add(result.targets.set_by)
    return dict(names(people) if callable(names) else (names or {}))


def _member_names(names: Names | None, stored: Sequence[Response], comments: Sequence[Comment]) -> dict[str, str]:
    """Names of the respondents, the commenters and whoever their comments mention."""
    if callable(names):
        mentioned = {p.target for c in comments for p in slack_parts(c.text) if p.kind == "user" and p.target}
        return dict(names({r.user_id for r in stored} | {c.user_id for c in comments} | mentioned))
    return dict(names or {})


def _dimension_rows(result: Result) -> tuple[DimensionRow, ...]:
    delta = result.delta
    dim_deltas = {d.id: d for d in delta.dimensions} if delta is not None else {}
    rows = []
    for d in result.score.dimensions:
        dd = dim_deltas.get(d.id)
        change = dd.delta if dd is not None else None
        rows.append(
            DimensionRow(
                id=d.id,
                name=d.name,
                weight=d.weight,
                weight_text=pct(d.weight),
                score=d.score,
                score_text=format_score(d.score),
                level=d.level,
                level_name=d.level_name,
                answered_questions=d.answered_questions,
                total_questions=d.total_questions,
                respondents=d.respondents,
                delta=change,
                delta_text=signed(change),
                arrow=arrow(change) if change is not None else "",
            )
        )
    return tuple(rows)


def _weak_rows(result: Result) -> tuple[WeakRow, ...]:
    spec = result.spec
    return tuple(
        WeakRow(
            rank=i,
            name=w.name,
            score_text=format_score(w.score),
            level=w.level,
            next_level=w.next_level,
            next_level_name=spec.level_name(w.next_level),
            gap_text=format_gap(w.gap, w.score),
            weight_text=pct(w.weight),
            priority_text=format_number(w.priority, 2),
        )
        for i, w in enumerate(result.score.weakest, 1)
    )


def _disagreement_rows(result: Result) -> tuple[DisagreementRow, ...]:
    spec, fw = result.spec, result.framework
    questions = {q.id: (dim.name, n, q.prompt) for dim in fw.dimensions for n, q in enumerate(dim.questions, 1)}
    dim_names = {d.id: d.name for d in spec.dimensions}
    rows = []
    for q in result.score.disagreements:
        dim_name, number, prompt = questions.get(
            q.question_id, (dim_names.get(q.dimension_id, q.dimension_id), 0, q.question_id)
        )
        counts = Counter(q.levels)
        rows.append(
            DisagreementRow(
                dimension=dim_name,
                number=number,
                question_id=q.question_id,
                prompt=prompt,
                low=min(q.levels),
                high=max(q.levels),
                spread=q.spread or 0,
                answered=q.answered,
                distribution=", ".join(f"{level}\u00a0×{n}" for level, n in sorted(counts.items())),
            )
        )
    return tuple(rows)


def _evidence_rows(
    comments: Sequence[Comment],
    spec: FrameworkSpec,
    parts_of: Mapping[int, tuple[TextPart, ...]],
    names: Mapping[str, str] | None,
) -> tuple[EvidenceRow, ...]:
    """The comments by dimension and time; ``names`` None: anonymous (no author)."""
    dim_names = {d.id: d.name for d in spec.dimensions}
    order = {d.id: i for i, d in enumerate(spec.dimensions)}
    return tuple(
        EvidenceRow(
            dimension=dim_names.get(c.dimension_id, c.dimension_id),
            text=c.text,
            author=None if names is None else names.get(c.user_id, c.user_id),
            date=format_date(c.created_at),
            parts=parts_of[c.id],
        )
        for c in sorted(comments, key=lambda c: (order.get(c.dimension_id, len(order)), c.created_at, c.id))
    )


def _history_rows(history: Sequence[Assessment], current_id: int) -> tuple[HistoryRow, ...]:
    rows = []
    for a in history:
        a_spec = spec_from_json(a.spec_json)
        rows.append(
            HistoryRow(
                assessment_id=a.id,
                date=format_date(a.closed_at),
                framework_id=a.framework_id,
                framework_version=a.framework_version,
                overall_text=format_score(a.overall),
                level=a.level,
                level_name=_level_name(a_spec, a.level),
                current=a.id == current_id,
            )
        )
    return tuple(rows)


def _delta_view(result: Result) -> DeltaView | None:
    delta, prev = result.delta, result.previous_assessment
    if delta is None or prev is None:
        return None
    gain, drop = delta.biggest_gain, delta.biggest_drop
    return DeltaView(
        previous_id=prev.id,
        previous_date=format_date(prev.closed_at),
        previous_overall_text=format_score(delta.previous_overall),
        overall_delta_text=signed(delta.overall_delta),
        arrow=arrow(delta.overall_delta) if delta.overall_delta is not None else "",
        level_changed=delta.level_changed,
        previous_level=delta.previous_level,
        previous_level_name=_level_name(result.spec, delta.previous_level),
        gain=f"{gain.name} {signed(gain.delta)}" if gain is not None else None,
        drop=f"{drop.name} {signed(drop.delta)}" if drop is not None else None,
        note=delta.note or "",
    )


def _response_rows(
    stored: Sequence[Response],
    spec: FrameworkSpec,
    comments: Sequence[Comment],
    parts_of: Mapping[int, tuple[TextPart, ...]],
    names: Mapping[str, str] | None,
) -> tuple[ResponseRow, ...]:
    """The responses, each with the comment of its message; ``names`` None: anonymous (no respondent)."""
    comments_by_message = {(c.user_id, c.message_ts): comment_plain(parts_of[c.id]) for c in comments}
    return tuple(
        ResponseRow(
            respondent=None if names is None else names.get(r.user_id, r.user_id),
            question_id=r.question_id,
            dimension_id=_dimension_of(spec, r.question_id),
            level=r.level,
            comment=comments_by_message.get((r.user_id, r.message_ts or ""), ""),
            time=r.answered_at,
        )
        for r in stored
    )


def _roadmap_note(result: Result) -> str:
    """Why the report shows no roadmap step, else ""."""
    choice = result.roadmap
    if not result.framework.roadmaps:
        return f"The framework {result.framework.id} has no roadmaps."
    if choice is None:
        return "No level yet: nobody gave a numeric answer."
    if choice.next is None:
        return "Top of the scale: keep it there — watch drift, cost and incident trends, and re-assess every quarter."
    return ""


def _item_row(view: Any, names: Mapping[str, str]) -> ItemRow:
    item, change = view.item, view.last_change
    changed = ""
    if change is not None:
        who = names.get(change.user_id, change.user_id) if change.user_id else "the bot"
        what = "added it" if change.field == "created" else f"{change.field} {change.old_value} → {change.new_value}"
        changed = f"{who}: {what}, {format_date(change.changed_at)}"
    return ItemRow(
        title=item.title,
        dimension=view.dimension_name,
        owner=names.get(item.owner_id, item.owner_id) if item.owner_id else "",
        due_text=item.due_on.isoformat() if item.due_on else "",
        status=item.status,
        overdue=view.overdue,
        link=item.link or "",
        notes=item.notes or "",
        changed_text=changed,
    )


ITEM_CSV_COLUMNS = ("title", "dimension", "owner", "due_on", "status", "link", "notes", "last_change")


def items_csv(report: Report) -> str:
    """The team's roadmap items as CSV (owners included, even when anonymous: assignments, not answers)."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")  # formula-like cells neutralised
    writer.writerow(ITEM_CSV_COLUMNS)
    for i in report.items:
        writer.writerow([i.title, i.dimension, i.owner, i.due_text, i.status, i.link, i.notes, i.changed_text])
    return out.getvalue()


TARGET_CSV_COLUMNS = ("scope", "name", "score", "target_level", "own_target", "gap", "pace_needed", "due_on")


def _plain(x: float | None) -> float | str:
    """A number for CSV: plain, rounded to 4 places (as ``maturity score --json``); "" for None."""
    return "" if x is None else round(x, 4)


def targets_csv(report: Report) -> str | None:
    """The team's target as CSV — the overall row, then one per dimension: score, target level, gap,
    pace needed per quarter and the due date. None when the team has set no target (or nothing is
    scored to measure it against)."""
    t = report.result.target
    if report.result.targets is None or t is None:
        return None
    due = t.due_on.isoformat() if t.due_on else ""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(TARGET_CSV_COLUMNS)
    writer.writerow(["overall", "Overall", _plain(t.overall), t.level, "", _plain(t.gap), _plain(t.pace_needed), due])
    for d in t.dimensions:
        own = "yes" if d.own_target else "no"
        writer.writerow(
            [d.dimension_id, d.name, _plain(d.score), d.target_level, own, _plain(d.gap), _plain(d.pace_needed), due]
        )
    return out.getvalue()


def _dimension_of(spec: FrameworkSpec, question_id: str) -> str:
    try:
        return spec.dimension_of(question_id).id
    except KeyError:
        return ""


# --- rendering -----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>])")


def _named(parts: list[TextPart], names: Mapping[str, str]) -> tuple[TextPart, ...]:
    """User mentions shown by name (the name known for the id, else Slack's label, else the id)."""

    def shown(p: TextPart) -> TextPart:
        return TextPart("user", "@" + (names.get(p.target or "") or p.text or p.target or "someone"), p.target)

    return tuple(shown(p) if p.kind == "user" else p for p in parts)


def comment_plain(parts: tuple[TextPart, ...]) -> str:
    """A comment as plain text (CSV): links as ``label (url)``, mentions as names."""
    out = []
    for p in parts:
        if p.kind == "link" and p.target and p.text != p.target and p.target != "mailto:" + p.text:
            out.append(f"{p.text} ({p.target})")
        elif p.kind == "channel":
            out.append("#" + p.text)
        else:
            out.append(p.text)
    return "".join(out)


def comment_markdown(parts: tuple[TextPart, ...]) -> str:
    """A comment in Markdown: links as ``[label](url)``, everything typed escaped."""
    out = []
    for p in parts:
        if p.kind == "link" and p.target:
            url = p.target.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
            out.append(f"[{_md_piece(p.text)}]({url})")
        elif p.kind == "channel":
            out.append(_md_piece("#" + p.text))
        else:
            out.append(_md_piece(p.text))
    return "".join(out).strip()


def _md_piece(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))


def comment_html(parts: tuple[TextPart, ...]) -> Markup:
    """A comment in HTML: links as ``<a href>``, everything typed escaped once."""
    out = Markup("")
    for p in parts:
        if p.kind == "link" and p.target:
            out += Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(p.target, p.text)
        elif p.kind == "channel":
            out += "#" + p.text
        else:
            out += p.text
    return out


# The report templates' comment filters, in the one environment (bot.templating).
environment().filters.update(comment_md=comment_markdown, comment_html=comment_html)


def render_markdown(report: Report) -> str:
    return render("report.md.j2", report=report)


def png_data_uri(png: bytes) -> Markup:
    return Markup("data:image/png;base64," + base64.b64encode(png).decode("ascii"))


def render_html(report: Report) -> str:
    """One self-contained HTML file: inline CSS, charts as data: URIs, no external URL at all (and a
    Content-Security-Policy that forbids fetching anything)."""
    from bot.charts import radar_chart, trend_chart

    charts = {
        "radar": png_data_uri(radar_chart(report.result, report.result.previous)),
        "trend": png_data_uri(trend_chart(report.trend_points, report.spec, report.version_changes))
        if report.trend_points
        else None,
    }
    return render("report.html.j2", report=report, charts=charts)


def responses_csv(report: Report, anonymous: bool) -> str:
    """The responses as CSV: respondent, question, level, comment, time (UTC, ISO 8601).

    ``?`` for "don't know". The respondent column is left out when ``anonymous`` (or when the report
    itself is anonymous); rows are then ordered by question and level, not by who answered when.
    """
    anonymous = anonymous or report.anonymous
    columns = CSV_COLUMNS[1:] if anonymous else CSV_COLUMNS
    rows = list(report.responses)
    if anonymous:
        position = {q: i for i, q in enumerate(report.spec.question_ids)}
        rows.sort(key=lambda r: (position.get(r.question_id, len(position)), r.level is None, r.level or 0, r.time))
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        values = [
            r.question_id,
            "?" if r.level is None else r.level,  # a number stays a number
            r.comment,
            r.time.astimezone(UTC).isoformat(timespec="seconds"),
        ]
        writer.writerow(values if anonymous else [r.respondent or "", *values])
    return out.getvalue()


# --- maturity report -----------------------------------------------------------------------------


def cmd_report(args: Any) -> int:
    """``maturity report --team C… --format md|html [--workspace T…] [--out FILE] [--anonymous]``.

    Writes the report of the channel's latest finished assessment to ``--out`` (or stdout).
    Raises bot.cli_support.UsageError (exit 2, one line) for an unknown channel, a channel found in several
    workspaces without ``--workspace``, or a channel with no finished assessment.
    """
    from bot.cli_support import UsageError, load_command_settings, open_database

    channel = (args.team or "").strip()
    fmt = (getattr(args, "format", None) or "md").strip().lower()
    if fmt not in ("md", "html"):
        raise UsageError(f"--format must be md or html, got {args.format!r}")
    if not re.fullmatch(r"[A-Z0-9]{2,32}", channel):
        raise UsageError(f"--team must be a Slack channel id such as C0123ABCD, got {args.team!r}")
    wanted = (getattr(args, "workspace", None) or "").strip() or None
    out = getattr(args, "out", None)
    anonymous = bool(getattr(args, "anonymous", False))

    settings = load_command_settings()
    db = open_database(settings)
    try:
        workspaces = workspaces_with_channel(db, channel)
        if wanted is not None:
            if wanted not in workspaces:
                raise UsageError(f"unknown channel {channel} in workspace {wanted}: no team there uses it")
            workspace = wanted
        elif not workspaces:
            raise UsageError(f"unknown channel {channel}: no team in this database uses it")
        elif len(workspaces) > 1:
            raise UsageError(
                f"channel {channel} is in several workspaces ({', '.join(workspaces)}): choose one with --workspace"
            )
        else:
            workspace = workspaces[0]
        report = build_report(db, workspace, channel, anonymous=anonymous)
        if report is None:
            raise UsageError(f"channel {channel} has no finished assessment yet")
    finally:
        db.dispose()

    text = render_html(report) if fmt == "html" else render_markdown(report)
    if out is None or str(out) == "-":
        print(text, end="")
        return 0
    path = Path(out)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot write ({exc.strerror or exc})") from None
    print(f"wrote {path} ({fmt}, assessment #{report.assessment_id}, {report.team_label})")
    return 0
