"""The organisation view's table and queries: the members a workspace admin named to see every
team (``/maturity admins add @user``), and the rows behind ``/maturity teams`` and
``maturity report --org``.

Declared on ``storage.models.Base`` (migration 0009_org_admins). As in ``storage.repo``, every
query takes the ``workspace_id`` and filters by it: one workspace never sees another's teams.

Indexes the org view uses (no scan per team):

* ``teams``: ``ix_teams_workspace_id`` — the workspace's teams;
* ``assessments``: ``ix_assessments_workspace_team`` (workspace_id, team_id) — every closed
  assessment of the workspace in one query;
* ``responses``: ``ix_responses_workspace_assessment`` (workspace_id, assessment_id) — the answers
  of the latest two assessments of each team, fetched in batches of ids;
* ``schedules``: ``ix_schedules_workspace_id``;
* ``targets``: ``ix_targets_workspace_team`` (workspace_id, team_id) — every team's targets in one
  query;
* ``org_admins``: ``uq_org_admins_workspace_id_user_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import rows_affected
from storage.models import CLOSED, Assessment, Base, Response, Schedule, Target, Team, UTCDateTime, utcnow
from storage.repo import dialect_insert, ensure_workspace

__all__ = [
    "OrgAdmin",
    "AssessmentRow",
    "add_admin",
    "closed_assessment_rows",
    "is_named_admin",
    "list_admins",
    "remove_admin",
    "respondent_counts",
    "responses_of",
    "schedules_of_workspace",
    "TargetRow",
    "targets_of_workspace",
    "teams_of_workspace",
]

RESPONSE_BATCH = 500  # assessment ids per IN (...) query


class OrgAdmin(Base):
    """A member a workspace admin or owner named to see every team of the workspace."""

    __tablename__ = "org_admins"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    added_by: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- named admins ---------------------------------------------------------------------------------


def is_named_admin(session: Session, workspace_id: str, user_id: str) -> bool:
    return (
        session.scalar(select(OrgAdmin.id).where(OrgAdmin.workspace_id == workspace_id, OrgAdmin.user_id == user_id))
        is not None
    )


def list_admins(session: Session, workspace_id: str) -> Sequence[OrgAdmin]:
    return session.scalars(
        select(OrgAdmin).where(OrgAdmin.workspace_id == workspace_id).order_by(OrgAdmin.added_at, OrgAdmin.id)
    ).all()


def add_admin(session: Session, workspace_id: str, user_id: str, added_by: str | None) -> bool:
    """Name ``user_id``; False if already named (nothing changes)."""
    ensure_workspace(session, workspace_id)
    stmt = dialect_insert(session, OrgAdmin).values(
        workspace_id=workspace_id, user_id=user_id, added_by=added_by, added_at=utcnow()
    )
    result = session.execute(stmt.on_conflict_do_nothing(index_elements=[OrgAdmin.workspace_id, OrgAdmin.user_id]))
    return bool(rows_affected(result))


def remove_admin(session: Session, workspace_id: str, user_id: str) -> bool:
    """Un-name ``user_id``; False if they were not named."""
    org_admins = Base.metadata.tables[OrgAdmin.__tablename__]  # OrgAdmin.__table__, typed as a Table
    result = session.execute(
        org_admins.delete().where(org_admins.c.workspace_id == workspace_id, org_admins.c.user_id == user_id)
    )
    return bool(rows_affected(result))


# --- the org view's rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    team_id: int
    framework_id: str
    spec_json: str
    closed_at: datetime
    closed_by: str | None
    member_count: int | None
    overall: float | None
    level: int | None
    database: str = ""  # which database the row came from (conversations.org keys its cache by it)


def teams_of_workspace(session: Session, workspace_id: str) -> Sequence[Team]:
    return session.scalars(select(Team).where(Team.workspace_id == workspace_id).order_by(Team.id)).all()


_ClosedRow = tuple[int, int, str, str, datetime, str | None, int | None, float | None, int | None]


def closed_assessment_rows(session: Session, workspace_id: str) -> list[AssessmentRow]:
    """Every closed assessment of the workspace (one query, plain rows), oldest first per team."""
    a = Assessment
    rows = session.execute(
        select(
            a.id, a.team_id, a.framework_id, a.spec_json, a.closed_at, a.closed_by, a.member_count, a.overall, a.level
        )
        .where(a.workspace_id == workspace_id, a.status == CLOSED, a.closed_at.is_not(None))
        .order_by(a.team_id, a.closed_at, a.id)
    ).all()
    # closed_at is never None here (the query asks for is_not(None)); the column's type allows it.
    return [AssessmentRow(*row) for row in cast("Sequence[_ClosedRow]", rows)]


def responses_of(
    session: Session, workspace_id: str, assessment_ids: Iterable[int]
) -> Iterator[tuple[int, str, str, int | None]]:
    """(assessment id, user id, question id, level) of the given assessments, in batches of ids."""
    ids = sorted(set(assessment_ids))
    r = Response
    for start in range(0, len(ids), RESPONSE_BATCH):
        batch = ids[start : start + RESPONSE_BATCH]
        yield from session.execute(
            select(r.assessment_id, r.user_id, r.question_id, r.level).where(
                r.workspace_id == workspace_id, r.assessment_id.in_(batch)
            )
        ).all()


def respondent_counts(session: Session, workspace_id: str) -> dict[int, int]:
    """Distinct respondents per assessment of the workspace (any answer, don't know included), one
    grouped query on ``ix_responses_workspace_assessment``."""
    r = Response
    rows = session.execute(
        select(r.assessment_id, func.count(func.distinct(r.user_id)))
        .where(r.workspace_id == workspace_id)
        .group_by(r.assessment_id)
    ).all()
    return {int(assessment_id): int(n) for assessment_id, n in rows}


def schedules_of_workspace(session: Session, workspace_id: str) -> dict[int, Schedule]:
    return {s.team_id: s for s in session.scalars(select(Schedule).where(Schedule.workspace_id == workspace_id))}


@dataclass(frozen=True)
class TargetRow:
    team_id: int
    framework_id: str
    dimension_id: str  # "" (storage.targets.OVERALL): the team's overall target
    level: int
    due_on: date | None


def targets_of_workspace(session: Session, workspace_id: str) -> list[TargetRow]:
    """Every target of every team of the workspace (all frameworks, overall and per dimension): one
    query on ``ix_targets_workspace_team``, no query per team."""
    t = Target
    rows = session.execute(
        select(t.team_id, t.framework_id, t.dimension_id, t.level, t.due_on)
        .where(t.workspace_id == workspace_id)
        .order_by(t.team_id, t.framework_id, t.dimension_id)
    ).all()
    return [
        TargetRow(int(team_id), str(framework_id), str(dimension_id), int(level), due_on)
        for team_id, framework_id, dimension_id, level, due_on in rows
    ]
