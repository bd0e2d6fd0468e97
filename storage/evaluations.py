"""The business case's tables and queries: platform comparisons (members' 1–5 scores per platform)
and ROI business cases, per team (a channel).

Declared on ``storage.models.Base`` (migration 0003). As in ``storage.repo``, every query takes the
``workspace_id`` of the request and filters by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, Team, UTCDateTime, utcnow
from storage.repo import dialect_insert

__all__ = [
    "BusinessCase",
    "PlatformEvaluation",
    "PlatformScore",
    "add_business_case",
    "count_platforms",
    "create_evaluation",
    "current_evaluation",
    "get_evaluation",
    "latest_business_case",
    "latest_scored_evaluation",
    "list_platform_scores",
    "lock_evaluation",
    "upsert_platform_score",
]

MAX_PLATFORM_NAME = 60


class PlatformEvaluation(Base):
    """One round of platform comparison in a team; the newest round is the current one."""

    __tablename__ = "platform_evaluations"
    __table_args__ = (Index("ix_platform_evaluations_workspace_team", "workspace_id", "team_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    # The criteria and weights as they were when the round started (JSON), so that later edits of
    # the criteria file never change an earlier comparison.
    criteria_json: Mapped[str] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The channel message showing the ranked comparison, updated in place as scores come in.
    message_channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlatformScore(Base):
    """One member's current scores for one platform in one round (upserted: a re-submission replaces)."""

    __tablename__ = "platform_scores"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "platform_key", "user_id"),
        Index("ix_platform_scores_workspace_evaluation", "workspace_id", "evaluation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("platform_evaluations.id", ondelete="CASCADE"))
    platform_key: Mapped[str] = mapped_column(String(80))  # scoring.platforms.platform_key of the name
    platform_name: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[str] = mapped_column(String(32))
    scores_json: Mapped[str] = mapped_column(Text)  # {"sub-criterion id": 1..5}
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BusinessCase(Base):
    """The inputs of one ROI calculation (figures are recomputed from them)."""

    __tablename__ = "business_cases"
    __table_args__ = (Index("ix_business_cases_workspace_team", "workspace_id", "team_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(80))
    inputs_json: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- platform comparisons --------------------------------------------------------------------------


def current_evaluation(session: Session, workspace_id: str, team_id: int) -> PlatformEvaluation | None:
    """The team's newest round."""
    return session.scalar(
        select(PlatformEvaluation)
        .where(PlatformEvaluation.workspace_id == workspace_id, PlatformEvaluation.team_id == team_id)
        .order_by(PlatformEvaluation.id.desc())
        .limit(1)
    )


def latest_scored_evaluation(session: Session, workspace_id: str, team_id: int) -> PlatformEvaluation | None:
    """The team's newest round that has at least one member's scores."""
    scored = select(PlatformScore.evaluation_id).where(PlatformScore.workspace_id == workspace_id)
    return session.scalar(
        select(PlatformEvaluation)
        .where(
            PlatformEvaluation.workspace_id == workspace_id,
            PlatformEvaluation.team_id == team_id,
            PlatformEvaluation.id.in_(scored),
        )
        .order_by(PlatformEvaluation.id.desc())
        .limit(1)
    )


def create_evaluation(
    session: Session, team: Team, *, criteria_json: str, started_by: str | None
) -> PlatformEvaluation:
    evaluation = PlatformEvaluation(
        workspace_id=team.workspace_id,
        team_id=team.id,
        criteria_json=criteria_json,
        started_by=started_by,
        started_at=utcnow(),
    )
    session.add(evaluation)
    session.flush()
    return evaluation


def get_evaluation(session: Session, workspace_id: str, evaluation_id: int) -> PlatformEvaluation | None:
    return session.scalar(
        select(PlatformEvaluation).where(
            PlatformEvaluation.workspace_id == workspace_id, PlatformEvaluation.id == evaluation_id
        )
    )


def lock_evaluation(session: Session, workspace_id: str, evaluation_id: int) -> PlatformEvaluation | None:
    """The round, row-locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers), so that comparison renders happen one after the other."""
    return session.scalar(
        select(PlatformEvaluation)
        .where(PlatformEvaluation.workspace_id == workspace_id, PlatformEvaluation.id == evaluation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def upsert_platform_score(
    session: Session,
    evaluation: PlatformEvaluation,
    *,
    platform_key: str,
    platform_name: str,
    user_id: str,
    scores_json: str,
) -> None:
    """Store a member's scores for a platform, replacing their earlier ones for it."""
    now = utcnow()
    stmt = dialect_insert(session, PlatformScore).values(
        workspace_id=evaluation.workspace_id,
        evaluation_id=evaluation.id,
        platform_key=platform_key,
        platform_name=platform_name,
        user_id=user_id,
        scores_json=scores_json,
        submitted_at=now,
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[PlatformScore.evaluation_id, PlatformScore.platform_key, PlatformScore.user_id],
            set_={"platform_name": platform_name, "scores_json": scores_json, "submitted_at": now},
        )
    )


def list_platform_scores(session: Session, workspace_id: str, evaluation_id: int) -> Sequence[PlatformScore]:
    """Every member's scores in the round, oldest submission first."""
    return session.scalars(
        select(PlatformScore)
        .where(PlatformScore.workspace_id == workspace_id, PlatformScore.evaluation_id == evaluation_id)
        .order_by(PlatformScore.submitted_at, PlatformScore.id)
    ).all()


def count_platforms(session: Session, workspace_id: str, evaluation_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(func.distinct(PlatformScore.platform_key))).where(
                PlatformScore.workspace_id == workspace_id, PlatformScore.evaluation_id == evaluation_id
            )
        )
        or 0
    )


# --- ROI business cases ----------------------------------------------------------------------------


def add_business_case(
    session: Session, team: Team, *, name: str | None, inputs_json: str, created_by: str | None
) -> BusinessCase:
    case = BusinessCase(
        workspace_id=team.workspace_id,
        team_id=team.id,
        name=name,
        inputs_json=inputs_json,
        created_by=created_by,
        created_at=utcnow(),
    )
    session.add(case)
    session.flush()
    return case


def latest_business_case(session: Session, workspace_id: str, team_id: int) -> BusinessCase | None:
    return session.scalar(
        select(BusinessCase)
        .where(BusinessCase.workspace_id == workspace_id, BusinessCase.team_id == team_id)
        .order_by(BusinessCase.id.desc())
        .limit(1)
    )
