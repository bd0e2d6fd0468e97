"""Scheduled messages: the channel summary of maturity changes, the roadmap digest, the reminder to
members who have not answered, the schedule confirmation and the status line. Block Kit with a
meaningful plain ``text`` fallback each, built with the helpers of ``bot.messages``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, PlainTextObject, SectionBlock

from bot.listeners.slack_io import post, slack_error
from bot.messages import Message, clip, esc, finalize, level_label, md
from conversations.assessments import AssessmentService, Result
from conversations.frameworks import Framework
from conversations.schedules import ScheduleSnapshot, describe, format_when, hours_label
from scoring import arrow, format_score
from scoring.deltas import DimensionDelta
from scoring.formatting import MISSING
from scoring.roadmaps import RoadmapChoice
from storage import schedules as store
from storage.models import Assessment, utcnow

__all__ = [
    "CHANGE_JOB",
    "MENTIONS_PER_MESSAGE",
    "change_summary_message",
    "days_since",
    "digest_message",
    "next_run_line",
    "post_change_summary",
    "reminder_text",
    "schedule_confirmation",
    "signed",
]

log = logging.getLogger("maturity.digests")

CHANGE_JOB = "change"  # job_runs.job of the change summary: posted once per closed assessment
MENTIONS_PER_MESSAGE = 100
STALE_DAYS = 90  # a digest past this many days since the last assessment suggests a new one


def signed(delta: float | None) -> str:
    """``+0.33``, ``-0.25``, ``0.00`` (two decimals, rounded like format_score); ``—`` for None."""
    if delta is None:
        return MISSING
    shown = format_score(abs(delta))
    if shown == "0.00":
        return shown
    return ("+" if delta > 0 else "-") + shown


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d") if dt else MISSING


def days_since(then: datetime | None, now: datetime) -> int | None:
    return None if then is None else max(0, (now - then).days)


def _roadmap_step(choice: RoadmapChoice | None) -> tuple[str, str]:
    """(mrkdwn, plain) description of the roadmap step that applies at the current level."""
    if choice is None:
        return "No level yet, so no roadmap step.", "No roadmap step yet."
    if choice.next is None:
        text = "Top of the scale: sustain it — watch drift, cost and incidents, and re-assess every quarter."
        return text, text
    r = choice.next
    mrkdwn = (
        f"*Roadmap {r.number} — {esc(r.title)}* (reference level {r.from_level}→{r.to_level}): "
        f"{esc(r.duration)} · {esc(r.cost)} · team: {esc(r.team)}"
    )
    plain = f"Roadmap {r.number} — {r.title} ({r.duration}, {r.cost}, team: {r.team})"
    return mrkdwn, plain


# --- change summary -------------------------------------------------------------------------------


def _dimension_line(fw: Framework, d: DimensionDelta) -> str:
    line = f"{arrow(d.delta)} *{esc(d.name)}* {format_score(d.previous)} → {format_score(d.current)}"
    if d.delta is not None:
        line += f" ({signed(d.delta)})"
    if d.level_changed:
        up = (d.current_level or 0) > (d.previous_level or 0)
        line += f" · *level {'up' if up else 'down'}: {d.previous_level} → {d.current_level}*"
    elif d.current is None:
        line += " · not scored this time"
    elif d.previous is None:
        line += " · new"
    return line


def change_summary_message(result: Result) -> Message:
    """What changed since the team's previous assessment: overall and per-dimension deltas with
    arrows, level changes, the biggest gain and drop, and the roadmap step that applies now.
    ValueError when the result has no previous assessment."""
    delta = result.delta
    previous = result.previous_assessment
    if delta is None or previous is None:
        raise ValueError("no previous assessment to compare with")
    fw = result.framework
    since = f"#{previous.id} ({_when(previous.closed_at)})"
    overall = (
        f"overall {format_score(delta.previous_overall)} → {format_score(delta.current_overall)} "
        f"{arrow(delta.overall_delta)} {signed(delta.overall_delta)}"
    )
    if delta.level_changed:
        up = (delta.current_level or 0) > (delta.previous_level or 0)
        level_plain = (
            f"level {'up' if up else 'down'}: {level_label(fw, delta.previous_level)} → "
            f"{level_label(fw, delta.current_level)}"
        )
        level_md = (
            f"{':tada: *Level up*' if up else ':warning: *Level down*'}: {level_label(fw, delta.previous_level)} → "
            f"*{level_label(fw, delta.current_level)}*"
        )
    else:
        level_plain = f"level unchanged: {level_label(fw, delta.current_level)}"
        level_md = f"Level unchanged: {level_label(fw, delta.current_level)}"
    gain, drop = delta.biggest_gain, delta.biggest_drop
    gain_plain = f"biggest gain: {gain.name} {arrow(gain.delta)} {signed(gain.delta)}" if gain else "no dimension rose"
    drop_plain = f"biggest drop: {drop.name} {arrow(drop.delta)} {signed(drop.delta)}" if drop else "no dimension fell"
    step_md, step_plain = _roadmap_step(result.roadmap)
    dims_plain = "; ".join(
        f"{d.name} {format_score(d.previous)} → {format_score(d.current)} {arrow(d.delta)} {signed(d.delta)}"
        for d in delta.dimensions
    )
    text = (
        f"Maturity change since assessment {since}: {overall}, {level_plain}. "
        f"{gain_plain[:1].upper()}{gain_plain[1:]}; {drop_plain}. {dims_plain}. Now: {step_plain}"
    )

    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"Maturity change since assessment #{previous.id}", 150))),
        SectionBlock(
            text=md(
                f"*Overall {format_score(delta.previous_overall)} → {format_score(delta.current_overall)}* "
                f"{arrow(delta.overall_delta)} {signed(delta.overall_delta)} on {fw.scale.min}–{fw.scale.max}\n"
                f"{level_md}"
            )
        ),
        SectionBlock(text=md("*By dimension*\n" + "\n".join(_dimension_line(fw, d) for d in delta.dimensions))),
        SectionBlock(
            text=md(
                (
                    f"*Biggest gain*: {esc(gain.name)} {arrow(gain.delta)} {signed(gain.delta)}"
                    if gain
                    else "*Biggest gain*: none — no dimension rose"
                )
                + "\n"
                + (
                    f"*Biggest drop*: {esc(drop.name)} {arrow(drop.delta)} {signed(drop.delta)}"
                    if drop
                    else "*Biggest drop*: none — no dimension fell"
                )
            )
        ),
        SectionBlock(text=md(f"*Roadmap step now*: {step_md}")),
        ContextBlock(
            elements=[
                md(
                    f"Assessment #{result.assessment.id} compared with {since} · `{fw.id}` · "
                    f"▲ up, ▼ down, ▶ within ±0.005"
                )
            ]
        ),
    ]
    return finalize(text, blocks)


def post_change_summary(client: WebClient, service: AssessmentService, result: Result, channel: str) -> str | None:
    """Post the change summary after an assessment's summary, once per assessment however many
    callers (flows.finish_assessment, the scheduler's auto-close, another replica) ask: the first
    to claim it in the database posts. Returns the message ts, or None when there is no previous
    assessment, another caller posted it, or Slack refused (logged)."""
    if result.previous is None or result.previous_assessment is None:
        return None
    assessment = result.assessment
    key = str(assessment.id)
    with service.db.session() as s:
        claimed = store.claim_job(
            s,
            assessment.workspace_id,
            assessment.team_id,
            CHANGE_JOB,
            key,
            process_id=store.process_identity(),
            now=utcnow(),
        )
    if not claimed:
        return None
    outcome = "error"
    try:
        ts = post(client, channel, change_summary_message(result))
        outcome = "posted"
        return ts
    except SlackApiError as exc:
        log.warning(
            "could not post the change summary",
            extra={"error": slack_error(exc), "channel": channel, "assessment": assessment.id},
        )
        return None
    finally:
        with service.db.session() as s:
            store.finish_job(s, assessment.workspace_id, assessment.team_id, CHANGE_JOB, key, outcome, now=utcnow())


# --- roadmap digest -------------------------------------------------------------------------------


def digest_message(framework: Framework, latest_result: Result | None, now: datetime) -> Message:
    """The roadmap digest: current level, the roadmap to the next level (duration, cost, team), the
    three biggest weighted gaps with their dimensions' transformation opportunities, and the days
    since the last assessment."""
    if latest_result is None:
        text = "MLOps maturity digest: no finished assessment in this channel yet. Run `/maturity assess` to start."
        return finalize(text, [SectionBlock(text=md(text))])
    result = latest_result
    sc = result.score
    assessment = result.assessment
    level = level_label(framework, sc.level)
    days = days_since(assessment.closed_at, now)
    days_text = (
        "the last assessment closed today"
        if days == 0
        else f"{days} day{'s' if days != 1 else ''} since the last assessment"
        if days is not None
        else "the last assessment date is unknown"
    )
    gaps = sc.weakest[:3]
    step_md, step_plain = _roadmap_step(result.roadmap)
    gap_names = ", ".join(f"{w.name} ({format_score(w.score)})" for w in gaps) or "none — every dimension is at the top"
    text = (
        f"MLOps maturity digest: {level}, overall {format_score(sc.overall)}. Next: {step_plain}. "
        f"Top gaps: {gap_names}. {days_text[:1].upper()}{days_text[1:]} "
        f"(#{assessment.id}, {_when(assessment.closed_at)})."
    )

    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"MLOps maturity digest: {level}", 150))),
        SectionBlock(
            text=md(
                f"*{level}* · overall *{format_score(sc.overall)}* on {framework.scale.min}–{framework.scale.max} "
                f"· assessment #{assessment.id}, closed {_when(assessment.closed_at)} · *{days_text}*"
                + (
                    "\nIt has been a while: `/maturity assess` to see where the team is now."
                    if days is not None and days >= STALE_DAYS
                    else ""
                )
            )
        ),
    ]
    choice = result.roadmap
    roadmap_md = f"*Next level*: {step_md}"
    if choice is not None and choice.next is not None:
        roadmap_md += "\n" + "\n".join(f"• {esc(f)}" for f in choice.next.focus)
        if choice.accelerated is not None:
            a = choice.accelerated
            roadmap_md += (
                f"\n_Or the accelerated path, Roadmap {a.number} ({a.from_level}→{a.to_level}): "
                f"{esc(a.duration)}, {esc(a.cost)}, team {esc(a.team)}._"
            )
    blocks.append(SectionBlock(text=md(roadmap_md)))
    if gaps:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=md("*Top three gaps* (gap to the next level × weight)")))
        known = {d.id: d for d in framework.dimensions}
        for i, w in enumerate(gaps, 1):
            lines = [
                f"{i}. *{esc(w.name)}* {format_score(w.score)} — {format_score(w.gap)} short of Level {w.next_level} "
                f"(weight {w.weight:.0%})"
            ]
            dimension = known.get(w.dimension_id)
            if dimension is not None:
                lines += [f"   • {esc(o)}" for o in dimension.opportunities]
            blocks.append(SectionBlock(text=md("\n".join(lines))))
    blocks.append(
        ContextBlock(
            elements=[
                md(f"`{framework.id}` · `/maturity roadmap` for the full roadmap · `/maturity schedule` to change")
            ]
        )
    )
    return finalize(text, blocks)


# --- reminder -------------------------------------------------------------------------------------


def reminder_text(
    user_ids: Sequence[str],
    assessment: Assessment | int,
    framework: Framework,
    *,
    closes_at: datetime | None = None,
    timezone: str = "UTC",
) -> str:
    """The reminder in the check-in's thread, @-mentioning exactly ``user_ids`` (never the channel)."""
    assessment_id = assessment if isinstance(assessment, int) else assessment.id
    mentions = " ".join(f"<@{u}>" for u in user_ids)
    questions = sum(len(d.questions) for d in framework.dimensions)
    text = (
        f"{mentions} a reminder: the MLOps maturity check-in #{assessment_id} ({framework.name}) is still "
        f"waiting for your answers — {len(framework.dimensions)} dimensions, {questions} questions. Answer in each "
        f"dimension's thread in this channel, with the buttons or a reply like "
        f"`{' '.join(str(framework.scale.min + 1) for _ in framework.dimensions[0].questions)}`."
    )
    if closes_at is not None:
        text += f" It closes {format_when(closes_at, timezone)}."
    return text.strip()


# --- schedule confirmation and status -------------------------------------------------------------


def schedule_confirmation(snapshot: ScheduleSnapshot, now: datetime, *, changed: bool = True) -> Message:
    """The answer to ``/maturity schedule …``: cadences, timezone, next runs, reminder and window."""
    where = f"#{snapshot.channel_name}" if snapshot.channel_name else "this channel"
    body = describe(snapshot, now)
    text = f"{'Schedule set' if changed else 'Schedule'} for {where}: {body}"
    blocks: list[Block] = [
        SectionBlock(text=md(f"*{'Schedule set' if changed else 'Schedule'} for {esc(where)}*\n{body}")),
        ContextBlock(
            elements=[
                md(
                    "`/maturity schedule quarterly|monthly|weekly|off|<cron>` · `digest monthly|off|<cron>` · "
                    "`tz Europe/Berlin` · `reminders 24h|off` · `close 7d`"
                )
            ]
        ),
    ]
    return finalize(text, blocks)


def next_run_line(schedule: ScheduleSnapshot | None, now: datetime) -> str:
    """One line for ``/maturity status``: the next check-in and digest, or why nothing will run."""
    if schedule is None:
        return "No recurring check-ins: `/maturity schedule quarterly` sets them up."
    if schedule.paused:
        return (
            f"The schedule is paused ({schedule.paused_reason or 'paused'}): `/maturity schedule resume` "
            f"once I can post here again."
        )
    tz = schedule.timezone
    parts = []
    nxt = schedule.next_checkin(now)
    if schedule.checkin_cron is None:
        parts.append("scheduled check-ins are off")
    elif nxt is not None:
        kind = "scheduled" if schedule.checkin_label == "cron" else schedule.checkin_label
        reminder = "no reminder"
        if schedule.reminder_enabled:
            reminder = f"reminder after {hours_label(schedule.reminder_after_hours)}"
        parts.append(
            f"next {kind} check-in {format_when(nxt, tz)} ({reminder}, closes after "
            f"{hours_label(schedule.close_after_hours)})"
        )
    digest = schedule.next_digest(now)
    if digest is not None:
        parts.append(f"next roadmap digest {format_when(digest, tz)}")
    line = "; ".join(parts) or "nothing scheduled"
    return line[:1].upper() + line[1:] + "."
