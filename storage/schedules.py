"""Queries for schedules and scheduled-job claims. Like ``storage.repo``, every function that reads or
writes a workspace's rows takes its ``workspace_id`` and filters by it.

Exactly-once across replicas: a job (check-in, reminder, close, digest, change summary) runs only in
the process whose ``claim_job`` inserted the (team, job, period) row first. The insert is
``INSERT … ON CONFLICT DO NOTHING RETURNING`` against a unique constraint, so the database decides,
on SQLite and PostgreSQL alike, and the claim is committed before anything is posted.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import DEFAULT_DIGEST_CRON, OPEN, Assessment, JobRun, Schedule, Team, utcnow
from storage.repo import dialect_insert

__all__ = [
    "SCHEDULE_FIELDS",
    "claim_job",
    "finish_job",
    "get_job",
    "get_schedule",
    "schedule_row_for_channel",
    "jobs_of_team",
    "last_closed_at",
    "open_scheduled_assessments",
    "pause_schedule",
    "pause_workspace_schedules",
    "process_identity",
    "schedules_of_workspace",
    "stamp_closed_at",
    "stamp_opened_at",
    "upsert_schedule",
    "workspaces_with_schedules",
]

# Columns ``upsert_schedule`` may set.
SCHEDULE_FIELDS = frozenset(
    {
        "checkin_cron",
        "checkin_label",
        "digest_cron",
        "timezone",
        "reminder_enabled",
        "reminder_after_hours",
        "close_after_hours",
        "reminder_hours_start",
        "reminder_hours_end",
        "paused",
        "paused_reason",
        "created_by",
    }
)


def process_identity() -> str:
    """``host:pid``: who claimed a job (``job_runs.claimed_by``)."""
    return f"{socket.gethostname()}:{os.getpid()}"


# --- schedules ------------------------------------------------------------------------------------


def get_schedule(session: Session, workspace_id: str, team_id: int) -> Schedule | None:
    return session.scalar(select(Schedule).where(Schedule.workspace_id == workspace_id, Schedule.team_id == team_id))


_SCHEDULE_ROW = (
    select(*Schedule.__table__.c, Team.channel_id, Team.channel_name, Team.framework_id)
    .join(Team, Schedule.team_id == Team.id)
    .where(
        Schedule.workspace_id == bindparam("ws"),
        Team.workspace_id == bindparam("ws"),
        Team.channel_id == bindparam("ch"),
    )
)


def schedule_row_for_channel(session: Session, workspace_id: str, channel_id: str) -> dict[str, Any] | None:
    """The channel's schedule as plain column values, with its team's ``channel_id``,
    ``channel_name`` and ``framework_id`` (one prebuilt Core query, no ORM objects: it runs on
    every ``/maturity status``)."""
    row = session.connection().execute(_SCHEDULE_ROW, {"ws": workspace_id, "ch": channel_id}).mappings().first()
    return dict(row) if row is not None else None


def upsert_schedule(session: Session, team: Team, *, now: datetime | None = None, **fields: Any) -> Schedule:
    """Create the team's schedule (defaults for unset fields) or update the given fields.

    ``updated_at`` moves to ``now``: occurrences before it never fire (see ``Schedule.updated_at``)."""
    unknown = set(fields) - SCHEDULE_FIELDS
    if unknown:
        raise TypeError(f"unknown schedule fields: {', '.join(sorted(unknown))}")
    now = now or utcnow()
    stmt = dialect_insert(session, Schedule).values(
        workspace_id=team.workspace_id,
        team_id=team.id,
        checkin_cron=None,
        checkin_label="off",
        digest_cron=DEFAULT_DIGEST_CRON,
        timezone="UTC",
        reminder_enabled=True,
        reminder_after_hours=48,
        close_after_hours=168,
        reminder_hours_start=9,
        reminder_hours_end=17,
        paused=False,
        paused_reason=None,
        created_by=fields.get("created_by"),
        created_at=now,
        updated_at=now,
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=[Schedule.team_id]))
    schedule = get_schedule(session, team.workspace_id, team.id)
    assert schedule is not None
    for name, value in fields.items():
        if name == "created_by" and schedule.created_by:
            continue  # the creator stays the creator
        setattr(schedule, name, value)
    schedule.updated_at = now
    session.flush()
    return schedule


def workspaces_with_schedules(session: Session) -> Sequence[str]:
    """Workspace ids with at least one schedule that is not paused (the scheduler's entry point:
    everything after this is read per workspace)."""
    return session.scalars(
        select(Schedule.workspace_id).where(Schedule.paused.is_(False)).distinct().order_by(Schedule.workspace_id)
    ).all()


def schedules_of_workspace(session: Session, workspace_id: str, *, include_paused: bool = False) -> Sequence[Schedule]:
    stmt = select(Schedule).where(Schedule.workspace_id == workspace_id)
    if not include_paused:
        stmt = stmt.where(Schedule.paused.is_(False))
    return session.scalars(stmt.order_by(Schedule.id)).all()


def pause_schedule(
    session: Session, workspace_id: str, team_id: int, reason: str, *, now: datetime | None = None
) -> bool:
    """Pause one team's schedule; False if it has none or it was paused already."""
    result = session.execute(
        update(Schedule)
        .where(Schedule.workspace_id == workspace_id, Schedule.team_id == team_id, Schedule.paused.is_(False))
        .values(paused=True, paused_reason=reason[:64], updated_at=now or utcnow())
    )
    return bool(rows_affected(result))


def pause_workspace_schedules(session: Session, workspace_id: str, reason: str, *, now: datetime | None = None) -> int:
    """Pause every active schedule of a workspace (uninstalled, token revoked); returns how many."""
    result = session.execute(
        update(Schedule)
        .where(Schedule.workspace_id == workspace_id, Schedule.paused.is_(False))
        .values(paused=True, paused_reason=reason[:64], updated_at=now or utcnow())
    )
    return rows_affected(result)


# --- job claims -----------------------------------------------------------------------------------


def reminded_members(session: Session, workspace_id: str, team_id: int, assessment_id: int) -> set[str]:
    """The members a check-in's reminder has been claimed for: its ``reminder`` jobs are one per
    member, keyed ``<assessment id>:<user id>``."""
    prefix = f"{assessment_id}:"
    keys = session.scalars(
        select(JobRun.period_key).where(
            JobRun.workspace_id == workspace_id,
            JobRun.team_id == team_id,
            JobRun.job == "reminder",
            JobRun.period_key.startswith(prefix, autoescape=True),
        )
    ).all()
    return {key[len(prefix) :] for key in keys}


def claim_job(
    session: Session,
    workspace_id: str,
    team_id: int,
    job: str,
    period_key: str,
    *,
    process_id: str,
    now: datetime | None = None,
) -> bool:
    """True for exactly one caller per (team, job, period_key), whichever process or thread asks.

    Commit the session before acting on a True: the row is what tells the other replicas."""
    stmt = dialect_insert(session, JobRun).values(
        workspace_id=workspace_id,
        team_id=team_id,
        job=job,
        period_key=period_key,
        claimed_at=now or utcnow(),
        claimed_by=process_id[:128],
    )
    stmt = stmt.on_conflict_do_nothing(index_elements=[JobRun.team_id, JobRun.job, JobRun.period_key]).returning(
        JobRun.id
    )
    return session.execute(stmt).scalar() is not None


def finish_job(
    session: Session,
    workspace_id: str,
    team_id: int,
    job: str,
    period_key: str,
    outcome: str,
    *,
    now: datetime | None = None,
) -> None:
    session.execute(
        update(JobRun)
        .where(
            JobRun.workspace_id == workspace_id,
            JobRun.team_id == team_id,
            JobRun.job == job,
            JobRun.period_key == period_key,
        )
        .values(outcome=outcome[:32], finished_at=now or utcnow())
    )


def get_job(session: Session, workspace_id: str, team_id: int, job: str, period_key: str) -> JobRun | None:
    return session.scalar(
        select(JobRun).where(
            JobRun.workspace_id == workspace_id,
            JobRun.team_id == team_id,
            JobRun.job == job,
            JobRun.period_key == period_key,
        )
    )


def jobs_of_team(session: Session, workspace_id: str, team_id: int, job: str | None = None) -> Sequence[JobRun]:
    stmt = select(JobRun).where(JobRun.workspace_id == workspace_id, JobRun.team_id == team_id)
    if job is not None:
        stmt = stmt.where(JobRun.job == job)
    return session.scalars(stmt.order_by(JobRun.claimed_at, JobRun.id)).all()


# --- assessments the scheduler looks after --------------------------------------------------------


def open_scheduled_assessments(
    session: Session, workspace_id: str, *, in_flight_since: datetime | None = None
) -> Sequence[Assessment]:
    """Open assessments of the workspace that a schedule opened (``trigger='scheduled'``).

    With ``in_flight_since``, an assessment is left out while its team has a check-in claimed at or
    after that time and not finished yet: it may still be being posted, and its ``opened_at`` not yet
    stamped with the scheduled time. One statement, so one consistent snapshot."""
    stmt = select(Assessment).where(
        Assessment.workspace_id == workspace_id,
        Assessment.status == OPEN,
        Assessment.trigger == "scheduled",
    )
    if in_flight_since is not None:
        in_flight = select(JobRun.id).where(
            JobRun.workspace_id == workspace_id,
            JobRun.team_id == Assessment.team_id,
            JobRun.job == "checkin",
            JobRun.finished_at.is_(None),
            JobRun.claimed_at >= in_flight_since,
        )
        stmt = stmt.where(~in_flight.exists())
    return session.scalars(stmt.order_by(Assessment.id)).all()


def stamp_opened_at(session: Session, workspace_id: str, assessment_id: int, when: datetime) -> None:
    """Record the scheduled time as the assessment's opening time (reminder and close deadlines are
    counted from it, on the scheduler's clock)."""
    session.execute(
        update(Assessment)
        .where(Assessment.workspace_id == workspace_id, Assessment.id == assessment_id)
        .values(opened_at=when)
    )


def stamp_closed_at(session: Session, workspace_id: str, assessment_id: int, when: datetime) -> None:
    """Record the scheduled close time as the assessment's closing time (the scheduler's clock)."""
    session.execute(
        update(Assessment)
        .where(Assessment.workspace_id == workspace_id, Assessment.id == assessment_id)
        .values(closed_at=when)
    )


def last_closed_at(session: Session, workspace_id: str, team_id: int) -> datetime | None:
    return session.scalar(
        select(Assessment.closed_at)
        .where(
            Assessment.workspace_id == workspace_id,
            Assessment.team_id == team_id,
            Assessment.status == "closed",
        )
        .order_by(Assessment.closed_at.desc())
        .limit(1)
    )
