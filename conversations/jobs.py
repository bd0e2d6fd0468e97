"""What the scheduler keeps in the database: the teams due for work, the claims of its jobs (exactly
once across replicas: ``job_runs``, unique per team x job x period), their outcomes, the schedules it
pauses and the times it stamps on the assessments it opens and closes.

Each function is one unit of work (one transaction); the scheduler (``bot.scheduler``) and the change
summary (``bot.digests``) call them and never open a session themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from conversations.schedules import ScheduleSnapshot
from storage import schedules as store
from storage.db import Database

__all__ = [
    "ScheduledAssessment",
    "TeamWork",
    "claim_job",
    "claim_jobs",
    "finish_job",
    "finish_jobs",
    "pause_team",
    "process_identity",
    "reminded_members",
    "scheduled_workspaces",
    "stamp_closed_at",
    "stamp_opened_at",
    "teams_of_workspace",
]


@dataclass(frozen=True)
class ScheduledAssessment:
    """An open assessment a schedule opened, as plain values."""

    id: int
    opened_at: datetime
    intro_ts: str | None
    framework_id: str


@dataclass(frozen=True)
class TeamWork:
    """A team with an active schedule, and its open scheduled assessment (None: none, or its
    check-in is still being posted)."""

    schedule: ScheduleSnapshot
    open_assessment: ScheduledAssessment | None


def process_identity() -> str:
    """``host:pid``: who claims a job (``job_runs.claimed_by``)."""
    return store.process_identity()


def scheduled_workspaces(db: Database) -> list[str]:
    """The workspaces with at least one active schedule (the entry point of a scheduler pass)."""
    with db.session() as s:
        return list(store.workspaces_with_schedules(s))


def teams_of_workspace(db: Database, workspace_id: str, *, in_flight_since: datetime) -> list[TeamWork]:
    """Every team of the workspace with an active schedule, with its open scheduled assessment; an
    assessment whose check-in was claimed at or after ``in_flight_since`` and is not finished is
    left out (it may still be being posted). One consistent read."""
    with db.session() as s:
        snapshots = [ScheduleSnapshot.of(x) for x in store.schedules_of_workspace(s, workspace_id)]
        open_by_team = {
            a.team_id: ScheduledAssessment(a.id, a.opened_at, a.intro_ts, a.framework_id)
            for a in store.open_scheduled_assessments(s, workspace_id, in_flight_since=in_flight_since)
        }
    return [TeamWork(snapshot, open_by_team.get(snapshot.team_id)) for snapshot in snapshots]


def claim_job(
    db: Database, workspace_id: str, team_id: int, job: str, key: str, *, process_id: str, now: datetime
) -> bool:
    """True for exactly one caller per (team, job, key), whichever process or thread asks; committed
    when this returns, so the other replicas see the claim before the claimant acts."""
    with db.session() as s:
        return store.claim_job(s, workspace_id, team_id, job, key, process_id=process_id, now=now)


def claim_jobs(
    db: Database, workspace_id: str, team_id: int, job: str, keys: Iterable[str], *, process_id: str, now: datetime
) -> set[str]:
    """The ``keys`` this caller claimed (as ``claim_job``, one transaction for all of them)."""
    with db.session() as s:
        return {
            key for key in keys if store.claim_job(s, workspace_id, team_id, job, key, process_id=process_id, now=now)
        }


def finish_job(
    db: Database, workspace_id: str, team_id: int, job: str, key: str, outcome: str, *, now: datetime
) -> None:
    """Record the outcome of a claimed job."""
    with db.session() as s:
        store.finish_job(s, workspace_id, team_id, job, key, outcome, now=now)


def finish_jobs(
    db: Database, workspace_id: str, team_id: int, job: str, outcomes: Mapping[str, str], *, now: datetime
) -> None:
    """Record the outcomes (key -> outcome) of claimed jobs, in one transaction."""
    with db.session() as s:
        for key, outcome in outcomes.items():
            store.finish_job(s, workspace_id, team_id, job, key, outcome, now=now)


def reminded_members(db: Database, workspace_id: str, team_id: int, assessment_id: int) -> set[str] | None:
    """The members a check-in's reminder has been claimed for (one ``reminder`` job per member, keyed
    ``<assessment id>:<user id>``); None when the team was reminded as a whole, by a release before
    reminders were per member: nobody is reminded again."""
    with db.session() as s:
        if store.get_job(s, workspace_id, team_id, "reminder", str(assessment_id)) is not None:
            return None
        return store.reminded_members(s, workspace_id, team_id, assessment_id)


def pause_team(db: Database, workspace_id: str, team_id: int, reason: str, *, now: datetime) -> int:
    """Pause one team's schedule; 1 when it was paused now, 0 when it has none or was paused already.
    (A workspace's schedules: ``conversations.schedules.pause_workspace``.)"""
    with db.session() as s:
        return int(store.pause_schedule(s, workspace_id, team_id, reason, now=now))


def stamp_opened_at(db: Database, workspace_id: str, assessment_id: int, when: datetime) -> None:
    """Record the scheduled time as the assessment's opening time (reminder and close deadlines are
    counted from it, on the scheduler's clock)."""
    with db.session() as s:
        store.stamp_opened_at(s, workspace_id, assessment_id, when)


def stamp_closed_at(db: Database, workspace_id: str, assessment_id: int, when: datetime) -> None:
    """Record the scheduled close time as the assessment's closing time (the scheduler's clock)."""
    with db.session() as s:
        store.stamp_closed_at(s, workspace_id, assessment_id, when)
