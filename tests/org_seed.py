"""Teams with finished assessments, made through the product's own service (open, answers, finish),
for the organisation view's tests, benchmark and checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import update

from conversations.assessments import AssessmentService
from conversations.frameworks import get_framework
from storage import repo
from storage.db import Database
from storage.models import Assessment


def seed_assessment(
    db: Database,
    workspace_id: str,
    channel_id: str,
    channel_name: str,
    levels: Mapping[str, int | Sequence[int]],
    *,
    framework_id: str = "maturity-levels",
    closed_at: datetime | None = None,
    closed_by: str | None = None,
) -> int:
    """One finished assessment of the team: ``levels`` maps each respondent to one level for every
    question, or to one level per question in framework order. Returns its id."""
    service = AssessmentService(db)
    assessment, framework = service.open(
        workspace_id=workspace_id,
        channel_id=channel_id,
        channel_name=channel_name,
        user_id=closed_by,
        framework_id=framework_id,
    )
    question_ids = [q.id for d in get_framework(framework_id).dimensions for q in d.questions]
    with db.session() as s:
        for user, given in levels.items():
            per_question = [given] * len(question_ids) if isinstance(given, int) else list(given)
            repo.upsert_responses(
                s, assessment, user_id=user, answers=dict(zip(question_ids, per_question, strict=True)), source="reply"
            )
    service.finish(workspace_id=workspace_id, channel_id=channel_id, user_id=closed_by, member_count=len(levels))
    if closed_at is not None:
        with db.session() as s:
            s.execute(update(Assessment).where(Assessment.id == assessment.id).values(closed_at=closed_at))
    return assessment.id


def set_anonymous(db: Database, workspace_id: str, channel_id: str, on: bool = True) -> None:
    AssessmentService(db).set_anonymous(workspace_id, channel_id, None, on)
