"""Scheduled messages: the channel summary of maturity changes, the roadmap digest, the reminder to
members who have not answered, the schedule confirmation and the status line. Block Kit with a
meaningful plain ``text`` fallback each, built with the helpers of ``bot.messages``; every text comes
from ``bot/templates/`` (changes.j2, digest.j2, reminder.j2, schedule.j2)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, PlainTextObject, SectionBlock

from bot.messages import MAX_SECTION, Message, clip, finalize, md, target_body
from bot.slack_io import post, slack_error, upload_files
from bot.templating import part
from conversations import jobs
from conversations.assessments import AssessmentService, DimensionLeft, Result
from conversations.frameworks import Framework
from conversations.plans import DigestPlan
from conversations.schedules import ScheduleSnapshot, describe, format_when, hours_label
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
    """``+0.33``, ``−0.25``, ``0.00`` (scoring.formatting.format_signed); ``—`` for None."""
    return part("changes", "signed", delta)


def days_since(then: datetime | None, now: datetime) -> int | None:
    return None if then is None else max(0, (now - then).days)


# --- change summary -------------------------------------------------------------------------------


def done_by_dimension(result: Result) -> dict[str, list[dict[str, str | None]]]:
    """Roadmap items done since the previous assessment, per dimension (for the change summary)."""
    out: dict[str, list[dict[str, str | None]]] = {}
    for item in result.done_items:
        out.setdefault(item.dimension_id, []).append({"title": item.title, "owner": item.owner_id})
    return out


def change_summary_message(result: Result) -> Message:
    """What changed since the team's previous assessment: overall and per-dimension deltas with
    arrows, level changes, the biggest gain and drop, and the roadmap step that applies now.
    ValueError when the result has no previous assessment."""
    delta = result.delta
    previous = result.previous_assessment
    if delta is None or previous is None:
        raise ValueError("no previous assessment to compare with")
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(part("changes", "header", previous), 150))),
        SectionBlock(text=md(part("changes", "overall", result.framework, delta))),
        SectionBlock(text=md(clip(part("changes", "dimensions", delta, done_by_dimension(result)), MAX_SECTION))),
        SectionBlock(text=md(part("changes", "extremes", delta))),
    ]
    if delta.note:  # two framework versions: say what the delta leaves out
        blocks.insert(2, ContextBlock(elements=[md(part("changes", "note", delta))]))
    if result.framework.roadmaps:
        blocks.append(SectionBlock(text=md(part("changes", "roadmap", result.roadmap))))
    blocks.append(ContextBlock(elements=[md(part("changes", "context", result, previous))]))
    return finalize(part("changes", "text", result, delta, previous), blocks)


def post_change_summary(client: WebClient, service: AssessmentService, result: Result, channel: str) -> str | None:
    """Post the change summary after an assessment's summary, once per assessment however many
    callers (flows.finish_assessment, the scheduler's auto-close, another replica) ask: the first
    to claim it in the database posts. Returns the message ts, or None when there is no previous
    assessment, another caller posted it, or Slack refused (logged)."""
    if result.previous is None or result.previous_assessment is None:
        return None
    assessment = result.assessment
    key = str(assessment.id)
    claimed = jobs.claim_job(
        service.db,
        assessment.workspace_id,
        assessment.team_id,
        CHANGE_JOB,
        key,
        process_id=jobs.process_identity(),
        now=utcnow(),
    )
    if not claimed:
        return None
    outcome = "error"
    try:
        ts = post(client, channel, change_summary_message(result))
        outcome = "posted"
        _upload_change_radar(client, result, channel, ts)
        return ts
    except SlackApiError as exc:
        log.warning(
            "could not post the change summary",
            extra={"error": slack_error(exc), "channel": channel, "assessment": assessment.id},
        )
        return None
    finally:
        jobs.finish_job(service.db, assessment.workspace_id, assessment.team_id, CHANGE_JOB, key, outcome, now=utcnow())


def _upload_change_radar(client: WebClient, result: Result, channel: str, ts: str) -> None:
    """The change summary carries the radar of the two assessments, in its thread (a failure is logged:
    the summary's own thread has the charts, or says why not)."""
    from bot.charts import radar_chart

    a, previous = result.assessment, result.previous_assessment
    assert previous is not None
    png = radar_chart(result, result.previous)
    name = f"maturity-{a.id}-vs-{previous.id}-radar.png"
    upload_files(
        client,
        channel,
        ts,
        part("replies", "change_radar_comment", a.id, previous.id),
        [{"content": png, "filename": name, "title": f"#{a.id} against #{previous.id}"}],
    )


# --- roadmap digest -------------------------------------------------------------------------------


def user_names(client: WebClient, user_ids: Sequence[str]) -> dict[str, str]:
    """Display names (users.info, best effort): the digest names owners it does not mention."""
    names: dict[str, str] = {}
    for user_id in dict.fromkeys(user_ids):
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError:
            continue
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name")
        if name:
            names[user_id] = str(name)[:80]
    return names


def digest_message(
    framework: Framework,
    latest_result: Result | None,
    now: datetime,
    plan: DigestPlan | None = None,
    owners: dict[str, str] | None = None,
) -> Message:
    """The roadmap digest: current level, the roadmap to the next level (duration, cost, team), the
    three biggest weighted gaps with their dimensions' transformation opportunities, and the days
    since the last assessment."""
    if latest_result is None:
        text = part("digest", "no_result")
        return finalize(text, [SectionBlock(text=md(text))])
    result = latest_result
    days = days_since(result.assessment.closed_at, now)
    stale = days is not None and days >= STALE_DAYS
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(part("digest", "header", result), 150))),
        SectionBlock(text=md(part("digest", "head", result, days, stale))),
    ]
    if result.framework.roadmaps:
        blocks.append(SectionBlock(text=md(part("digest", "roadmap", result.roadmap))))
    if target := target_body(result):
        blocks.append(SectionBlock(text=md(clip(target, MAX_SECTION))))
    gaps = result.score.weakest[:3]
    if gaps:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=md(part("digest", "gaps_heading", gaps))))
        known = {d.id: d for d in framework.dimensions}
        for number, weak in enumerate(gaps, 1):
            dimension = known.get(weak.dimension_id)
            opportunities = dimension.opportunities if dimension is not None else ()
            blocks.append(SectionBlock(text=md(part("digest", "gap", number, weak, opportunities))))
    if plan is not None and not plan.empty:
        blocks.append(DividerBlock())
        names = {d.id: d.name for d in framework.dimensions}
        blocks.append(SectionBlock(text=md(clip(part("plan", "digest", plan, names, owners or {}), MAX_SECTION))))
    blocks.append(ContextBlock(elements=[md(part("digest", "context", framework))]))
    return finalize(part("digest", "text", result, days, plan), blocks)


# --- reminder -------------------------------------------------------------------------------------


def reminder_text(
    user_ids: Sequence[str],
    assessment: Assessment | int,
    framework: Framework,
    left: Sequence[DimensionLeft] | None = None,
    *,
    links: Mapping[str, str] | None = None,
    closes_at: datetime | None = None,
    timezone: str = "UTC",
) -> str:
    """The reminder in the check-in's thread, @-mentioning exactly ``user_ids`` (never the channel),
    naming the dimensions they have not answered (``left``; None: all of them), each linked to its
    thread when ``links`` (dimension id -> permalink) has it."""
    assessment_id = assessment if isinstance(assessment, int) else assessment.id
    if left is None:
        left = [DimensionLeft(d.id, d.name, None, len(d.questions), len(d.questions)) for d in framework.dimensions]
    closes = format_when(closes_at, timezone) if closes_at is not None else None
    return part("reminder", "text", list(user_ids), assessment_id, framework, list(left), dict(links or {}), closes)


# --- schedule confirmation and status -------------------------------------------------------------


def schedule_confirmation(snapshot: ScheduleSnapshot, now: datetime, *, changed: bool = True) -> Message:
    """The answer to ``/maturity schedule …``: cadences, timezone, next runs, reminder and window."""
    description = describe(snapshot, now)
    blocks: list[Block] = [
        SectionBlock(text=md(part("schedule", "body", snapshot, description, changed))),
        ContextBlock(elements=[md(part("schedule", "context"))]),
    ]
    return finalize(part("schedule", "text", snapshot, description, changed), blocks)


def next_run_line(schedule: ScheduleSnapshot | None, now: datetime) -> str:
    """One line for ``/maturity status``: the next check-in and digest, or why nothing will run."""
    if schedule is None or schedule.paused:
        return part("schedule", "next_run", schedule, None, None, None, None)
    tz = schedule.timezone
    checkin = schedule.next_checkin(now) if schedule.checkin_cron is not None else None
    digest = schedule.next_digest(now)
    return part(
        "schedule",
        "next_run",
        schedule,
        format_when(checkin, tz) if checkin is not None else None,
        format_when(digest, tz) if digest is not None else None,
        hours_label(schedule.reminder_after_hours),
        hours_label(schedule.close_after_hours),
    )
