"""Queries of the ``targets`` table: a team's target level per framework (every one scoped by
workspace id)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import Target, utcnow
from storage.repo import dialect_insert

OVERALL = ""  # targets.dimension_id of the team's overall target


def targets_of(session: Session, workspace_id: str, team_id: int, framework_id: str) -> Sequence[Target]:
    """The team's targets for the framework: the overall one (dimension_id "") and per dimension."""
    return session.scalars(
        select(Target)
        .where(Target.workspace_id == workspace_id, Target.team_id == team_id, Target.framework_id == framework_id)
        .order_by(Target.dimension_id)
    ).all()


def set_target(
    session: Session,
    workspace_id: str,
    team_id: int,
    framework_id: str,
    *,
    dimension_id: str,
    level: int,
    due_on: date | None,
    set_by: str | None,
) -> None:
    """Insert or replace the team's target for (framework, dimension) in one statement (two members
    setting it at once leave one row, the later one)."""
    now = utcnow()
    stmt = dialect_insert(session, Target).values(
        workspace_id=workspace_id,
        team_id=team_id,
        framework_id=framework_id,
        dimension_id=dimension_id,
        level=level,
        due_on=due_on,
        set_by=set_by,
        set_at=now,
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Target.team_id, Target.framework_id, Target.dimension_id],
            set_={"level": level, "due_on": due_on, "set_by": set_by, "set_at": now},
        )
    )


def clear_targets(session: Session, workspace_id: str, team_id: int, framework_id: str) -> int:
    """Remove every target of the team for the framework; returns how many there were."""
    result = session.execute(
        delete(Target).where(
            Target.workspace_id == workspace_id, Target.team_id == team_id, Target.framework_id == framework_id
        )
    )
    return rows_affected(result)
