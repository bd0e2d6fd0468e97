"""Queries. Every function that reads or writes a workspace's data takes its ``workspace_id`` and
filters by it, so a request signed for one workspace can never reach another's rows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    distinct,
    func,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database, rows_affected
from storage.models import (
    CLOSED,
    OPEN,
    Assessment,
    Comment,
    DimensionThread,
    ProcessedEvent,
    Response,
    Schedule,
    Team,
    Workspace,
    utcnow,
)


class AssessmentAlreadyOpen(Exception):
    """The team already has an open assessment. Carries plain values (not the ORM object, which
    the rolled-back session expires)."""

    def __init__(self, assessment: Assessment) -> None:
        super().__init__(f"assessment {assessment.id} is already open in this channel")
        self.assessment_id = assessment.id
        self.framework_id = assessment.framework_id
        self.opened_by = assessment.opened_by
        self.opened_at = assessment.opened_at
        self.intro_ts = assessment.intro_ts


def dialect_insert(session: Session, model: Any) -> Any:
    """INSERT with the dialect's ON CONFLICT support (PostgreSQL or SQLite)."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


class AssessmentKey(Protocol):
    """What the write paths need of an assessment: its id and its workspace (an ORM ``Assessment``
    or a lean ``AnswerTarget``)."""

    @property
    def id(self) -> int: ...

    @property
    def workspace_id(self) -> str: ...


# Statements of the answer path (every click and typed reply), built once per dialect with bound
# parameters: SQLAlchemy then reuses their compiled form instead of building a new statement, and a
# new cache key, per answer.
_STATEMENTS: dict[tuple[str, str], Any] = {}
_STATEMENTS_LOCK = threading.Lock()


def _statement(session: Session, name: str) -> Any:
    dialect = session.get_bind().dialect.name
    stmt = _STATEMENTS.get((dialect, name))
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = _BUILDERS[name](insert)
        with _STATEMENTS_LOCK:
            _STATEMENTS[(dialect, name)] = stmt
    return stmt


def _upsert_response_stmt(insert: Any) -> Any:
    stmt = insert(Response)
    return stmt.on_conflict_do_update(
        index_elements=[Response.assessment_id, Response.question_id, Response.user_id],
        set_={
            "level": stmt.excluded.level,
            "source": stmt.excluded.source,
            "message_ts": stmt.excluded.message_ts,
            "answered_at": stmt.excluded.answered_at,
        },
    )


_BUILDERS: dict[str, Callable[[Any], Any]] = {
    "upsert_response": _upsert_response_stmt,
    "add_comment": lambda insert: insert(Comment).on_conflict_do_nothing(
        index_elements=[Comment.assessment_id, Comment.message_ts]
    ),
    "claim_event": lambda insert: (
        insert(ProcessedEvent)
        .on_conflict_do_nothing(index_elements=[ProcessedEvent.event_id])
        .returning(ProcessedEvent.event_id)
    ),
}


# --- workspaces and teams -------------------------------------------------------------------------


def ensure_workspace(session: Session, workspace_id: str, name: str | None = None) -> Workspace:
    stmt = dialect_insert(session, Workspace).values(id=workspace_id, name=name, created_at=utcnow())
    session.execute(stmt.on_conflict_do_nothing(index_elements=[Workspace.id]))
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    if name and workspace.name != name:
        workspace.name = name
    return workspace


def get_team(session: Session, workspace_id: str, channel_id: str) -> Team | None:
    return session.scalar(select(Team).where(Team.workspace_id == workspace_id, Team.channel_id == channel_id))


def ensure_team(
    session: Session, workspace_id: str, channel_id: str, *, channel_name: str | None, framework_id: str
) -> Team:
    ensure_workspace(session, workspace_id)
    stmt = dialect_insert(session, Team).values(
        workspace_id=workspace_id,
        channel_id=channel_id,
        channel_name=channel_name,
        framework_id=framework_id,
        created_at=utcnow(),
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=[Team.workspace_id, Team.channel_id]))
    team = get_team(session, workspace_id, channel_id)
    assert team is not None
    if channel_name and team.channel_name != channel_name:
        team.channel_name = channel_name
    return team


def teams_of_user(session: Session, workspace_id: str, user_id: str, limit: int | None = 10) -> Sequence[Team]:
    """Teams where the member answered or opened an assessment, most recently active first (``limit``
    None: all of them)."""
    answered = (
        select(Assessment.team_id)
        .join(Response, Response.assessment_id == Assessment.id)
        .where(Response.workspace_id == workspace_id, Response.user_id == user_id)
    )
    opened = select(Assessment.team_id).where(Assessment.workspace_id == workspace_id, Assessment.opened_by == user_id)
    last_activity = (
        select(Assessment.team_id, func.max(Assessment.opened_at).label("last"))
        .where(Assessment.workspace_id == workspace_id)
        .group_by(Assessment.team_id)
        .subquery()
    )
    return session.scalars(
        select(Team)
        .join(last_activity, last_activity.c.team_id == Team.id)
        .where(Team.workspace_id == workspace_id, Team.id.in_(answered.union(opened)))
        .order_by(last_activity.c.last.desc(), Team.id.desc())
        .limit(limit)
    ).all()


# --- assessments ----------------------------------------------------------------------------------


def get_open_assessment(
    session: Session, workspace_id: str, channel_id: str, *, for_update: bool = False
) -> Assessment | None:
    """The channel's open assessment. ``for_update`` (to close it): the row is locked until the
    transaction ends, after every answer being stored has committed (answers share the lock); a
    second closer waits, then finds it no longer open."""
    query = (
        select(Assessment)
        .join(Team, Assessment.team_id == Team.id)
        .where(
            Assessment.workspace_id == workspace_id,
            Team.workspace_id == workspace_id,
            Team.channel_id == channel_id,
            Assessment.status == OPEN,
        )
    )
    if for_update:
        query = query.with_for_update(of=Assessment)
    return session.scalar(query)


def get_assessment(session: Session, workspace_id: str, assessment_id: int) -> Assessment | None:
    return session.scalar(
        select(Assessment).where(Assessment.workspace_id == workspace_id, Assessment.id == assessment_id)
    )


def create_assessment(
    session: Session,
    team: Team,
    *,
    framework_id: str,
    framework_version: int,
    spec_json: str,
    opened_by: str | None,
    trigger: str = "manual",
) -> Assessment:
    """Open an assessment; AssessmentAlreadyOpen if the team has one open (checked by the database)."""
    existing = get_open_assessment(session, team.workspace_id, team.channel_id)
    if existing is not None:
        raise AssessmentAlreadyOpen(existing)
    assessment = Assessment(
        workspace_id=team.workspace_id,
        team_id=team.id,
        framework_id=framework_id,
        framework_version=framework_version,
        spec_json=spec_json,
        status=OPEN,
        trigger=trigger,
        opened_by=opened_by,
        opened_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(assessment)
    except IntegrityError:
        existing = get_open_assessment(session, team.workspace_id, team.channel_id)
        if existing is None:
            raise
        raise AssessmentAlreadyOpen(existing) from None
    return assessment


def add_thread(
    session: Session,
    assessment: Assessment,
    *,
    dimension_id: str,
    position: int,
    channel_id: str,
    message_ts: str,
) -> DimensionThread:
    thread = DimensionThread(
        workspace_id=assessment.workspace_id,
        assessment_id=assessment.id,
        dimension_id=dimension_id,
        position=position,
        channel_id=channel_id,
        message_ts=message_ts,
    )
    session.add(thread)
    session.flush()
    return thread


@dataclass(frozen=True)
class AnswerTarget:
    """The few columns the answer path needs of an assessment (read without loading ORM objects):
    ``dimension_id`` is set when it was found through a dimension thread."""

    id: int
    workspace_id: str
    status: str
    framework_id: str
    spec_json: str
    dimension_id: str | None = None


_ANSWER_TARGET_BY_THREAD = (
    select(
        Assessment.id, Assessment.status, Assessment.framework_id, Assessment.spec_json, DimensionThread.dimension_id
    )
    .join(Assessment, Assessment.id == DimensionThread.assessment_id)
    .where(
        DimensionThread.workspace_id == bindparam("ws"),
        DimensionThread.channel_id == bindparam("channel"),
        DimensionThread.message_ts == bindparam("ts"),
        Assessment.workspace_id == bindparam("ws"),
    )
    # Read for an answer about to be stored: shares the row lock that closing takes (see
    # get_open_assessment), so an answer is stored either before the close reads the answers or not
    # at all. SQLite has no row locks (and needs none: its writers are serialised).
    .with_for_update(read=True, of=Assessment)
)


def answer_target_by_thread(
    session: Session, workspace_id: str, channel_id: str, message_ts: str
) -> AnswerTarget | None:
    """The assessment and dimension of the dimension message ``message_ts``, in one query."""
    row = (
        session.connection()
        .execute(_ANSWER_TARGET_BY_THREAD, {"ws": workspace_id, "channel": channel_id, "ts": message_ts})
        .first()
    )
    if row is None:
        return None
    return AnswerTarget(row[0], workspace_id, row[1], row[2], row[3], row[4])


_ANSWER_TARGET = (
    select(Assessment.status, Assessment.framework_id, Assessment.spec_json)
    .join(Team, Team.id == Assessment.team_id)
    .where(
        Assessment.workspace_id == bindparam("ws"),
        Assessment.id == bindparam("id"),
        Team.workspace_id == bindparam("ws"),
        Team.channel_id == bindparam("channel"),
    )
    .with_for_update(read=True, of=Assessment)  # as _ANSWER_TARGET_BY_THREAD
)


def answer_target(session: Session, workspace_id: str, channel_id: str, assessment_id: int) -> AnswerTarget | None:
    """The assessment ``assessment_id`` of the workspace's channel ``channel_id`` (None when the
    workspace has no such assessment, or it belongs to another channel)."""
    params = {"ws": workspace_id, "channel": channel_id, "id": assessment_id}
    row = session.connection().execute(_ANSWER_TARGET, params).first()
    return AnswerTarget(assessment_id, workspace_id, row[0], row[1], row[2]) if row is not None else None


@dataclass(frozen=True)
class OpenAssessment:
    """A channel's open assessment as plain values, with its dimension threads (dimension id ->
    message ts), its team's anonymity setting and its answer counts: what ``/maturity status``
    needs, read without ORM objects."""

    id: int
    workspace_id: str
    framework_id: str
    spec_json: str
    opened_by: str | None
    opened_at: Any
    intro_ts: str | None
    anonymous: bool
    progress: Progress

    @property
    def threads(self) -> dict[str, str]:
        return self.progress.threads


_SCHEDULE_COLUMNS = tuple(Schedule.__table__.c)
_CHANNEL_STATUS = (
    select(
        Assessment.id,
        Assessment.framework_id,
        Assessment.spec_json,
        Assessment.opened_by,
        Assessment.opened_at,
        Assessment.intro_ts,
        Team.anonymous,
        Team.channel_id,
        Team.channel_name,
        Team.framework_id,
        *_SCHEDULE_COLUMNS,
    )
    .select_from(Team)
    .outerjoin(
        Assessment,
        and_(Assessment.team_id == Team.id, Assessment.workspace_id == bindparam("ws"), Assessment.status == OPEN),
    )
    .outerjoin(Schedule, and_(Schedule.team_id == Team.id, Schedule.workspace_id == bindparam("ws")))
    .where(Team.workspace_id == bindparam("ws"), Team.channel_id == bindparam("channel"))
)


def channel_status(
    session: Session, workspace_id: str, channel_id: str, groups_of: Callable[[str], Mapping[str, str]]
) -> tuple[OpenAssessment | None, dict[str, Any] | None]:
    """What ``/maturity status`` reads, in two statements: the channel's open assessment (None when
    none is open) with its progress, and its schedule as plain column values with the team's
    ``channel_id``, ``channel_name`` and ``framework_id`` (None when it has none; the shape of
    ``storage.schedules.schedule_row_for_channel``). ``groups_of(spec_json)``: which questions to
    count, question id -> dimension id."""
    conn = session.connection()
    row = conn.execute(_CHANNEL_STATUS, {"ws": workspace_id, "channel": channel_id}).first()
    if row is None:
        return None, None
    schedule = None
    if row[10] is not None:
        schedule = {column.name: value for column, value in zip(_SCHEDULE_COLUMNS, row[10:], strict=True)}
        schedule.update(channel_id=row[7], channel_name=row[8], framework_id=row[9])
    if row[0] is None:
        return None, schedule
    counts = progress(session, workspace_id, row[0], groups_of(row[2]), respondents=True, threads=True)
    assessment = OpenAssessment(row[0], workspace_id, row[1], row[2], row[3], row[4], row[5], bool(row[6]), counts)
    return assessment, schedule


@dataclass(frozen=True)
class DimensionMessage:
    """Where a dimension's message is, and the state of its assessment: what re-rendering it needs."""

    assessment_id: int
    status: str
    framework_id: str
    dimension_id: str
    position: int
    channel_id: str
    message_ts: str
    spec_json: str


_DIMENSION_MESSAGE = (
    select(
        Assessment.status,
        Assessment.framework_id,
        DimensionThread.position,
        DimensionThread.channel_id,
        DimensionThread.message_ts,
        Assessment.spec_json,
    )
    .join(Assessment, Assessment.id == DimensionThread.assessment_id)
    .where(
        DimensionThread.workspace_id == bindparam("ws"),
        DimensionThread.assessment_id == bindparam("id"),
        DimensionThread.dimension_id == bindparam("dimension"),
        Assessment.workspace_id == bindparam("ws"),
    )
)


def dimension_message(
    session: Session, workspace_id: str, assessment_id: int, dimension_id: str
) -> DimensionMessage | None:
    params = {"ws": workspace_id, "id": assessment_id, "dimension": dimension_id}
    row = session.connection().execute(_DIMENSION_MESSAGE, params).first()
    if row is None:
        return None
    return DimensionMessage(assessment_id, row[0], row[1], dimension_id, row[2], row[3], row[4], row[5])


# PostgreSQL: a typed reply recorded in ONE statement, in autocommit (a single statement is atomic).
# The event is claimed, the assessment's status read, and only when the claim is new and the
# assessment open are the answers upserted and the comment kept. One round trip instead of six
# (BEGIN, claim, lookup, upsert, comment, COMMIT): under load each round trip waits for the
# database and then for the GIL. SQLite (in-process, no round trips) takes the step-by-step path
# (both in ``record_reply``).
_RECORD_REPLY_PG = text(
    """
WITH claim AS (
    INSERT INTO processed_events (event_id, workspace_id, received_at)
    VALUES (:event_id, :ws, :now)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING 1
), target AS (
    -- FOR SHARE: a finish/cancel (SELECT ... FOR UPDATE) waits for this answer to commit, and an
    -- answer arriving after it waits for the close and then reads the closed status.
    SELECT status FROM assessments WHERE id = :aid AND workspace_id = :ws FOR SHARE
), go AS (
    SELECT 1 WHERE EXISTS (SELECT 1 FROM claim) AND (SELECT status FROM target) = 'open'
), answers AS (
    INSERT INTO responses (workspace_id, assessment_id, question_id, user_id, level, source, message_ts, answered_at)
    SELECT :ws, :aid, v.q, :user_id, v.l, 'reply', :ts, :now
    FROM unnest(CAST(:questions AS text[]), CAST(:levels AS integer[])) AS v(q, l)
    WHERE EXISTS (SELECT 1 FROM go)
    ON CONFLICT (assessment_id, question_id, user_id) DO UPDATE SET
        level = EXCLUDED.level, source = EXCLUDED.source,
        message_ts = EXCLUDED.message_ts, answered_at = EXCLUDED.answered_at
    -- xmax is 0 on a row this statement inserted, not on one it updated: an earlier answer replaced.
    RETURNING question_id, xmax <> 0 AS replaced
), kept AS (
    INSERT INTO comments (workspace_id, assessment_id, dimension_id, user_id, text, message_ts, created_at)
    SELECT :ws, :aid, :dimension, :user_id, CAST(:comment AS text), :ts, :now
    WHERE CAST(:comment AS text) IS NOT NULL AND EXISTS (SELECT 1 FROM go)
    ON CONFLICT (assessment_id, message_ts) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM claim), (SELECT status FROM target),
       (SELECT count(*) FROM answers), (SELECT count(*) FROM kept),
       (SELECT coalesce(array_agg(question_id ORDER BY question_id), '{}') FROM answers WHERE replaced)
"""
)


@dataclass(frozen=True)
class RecordedReply:
    claimed: bool  # False: a redelivered event, nothing else was done
    status: str | None  # the assessment's status; None: it no longer exists
    answers: int  # rows upserted (0 unless claimed and open)
    replaced: tuple[str, ...] = ()  # the questions whose earlier answer by the member these replaced


def record_reply_pg(
    conn: Any,
    *,
    event_id: str,
    workspace_id: str,
    assessment_id: int,
    dimension_id: str,
    user_id: str,
    answers: Mapping[str, int | None],
    message_ts: str,
    comment: str | None,
) -> RecordedReply:
    """PostgreSQL only: claim ``event_id`` and, when new and the assessment is open, store the
    answers and the comment, in one statement on an AUTOCOMMIT connection."""
    row = conn.execute(
        _RECORD_REPLY_PG,
        {
            "event_id": event_id,
            "ws": workspace_id,
            "now": utcnow(),
            "aid": assessment_id,
            "dimension": dimension_id,
            "user_id": user_id,
            "questions": list(answers),
            "levels": list(answers.values()),
            "ts": message_ts,
            "comment": comment,
        },
    ).one()
    return RecordedReply(bool(row[0]), row[1], int(row[2]), tuple(row[4] or ()))


_ASSESSMENT_STATUS = (
    select(Assessment.status)
    .where(Assessment.id == bindparam("id"), Assessment.workspace_id == bindparam("ws"))
    .with_for_update(read=True)  # as _ANSWER_TARGET_BY_THREAD: a close waits for this answer
)


def record_reply(
    db: Database,
    *,
    event_id: str | None,
    workspace_id: str,
    assessment_id: int,
    dimension_id: str,
    user_id: str,
    answers: Mapping[str, int | None],
    message_ts: str,
    comment: str | None,
) -> RecordedReply:
    """Claim ``event_id`` (when given) and, when new and the assessment is open, store the answers
    and the comment: all of it or none. On PostgreSQL with an event id, one statement on an
    AUTOCOMMIT connection (``record_reply_pg``); otherwise step by step in one transaction (SQLite
    has no round trips to save)."""
    if event_id and db.dialect == "postgresql":
        with db.autocommit() as conn:
            return record_reply_pg(
                conn,
                event_id=event_id,
                workspace_id=workspace_id,
                assessment_id=assessment_id,
                dimension_id=dimension_id,
                user_id=user_id,
                answers=answers,
                message_ts=message_ts,
                comment=comment,
            )
    with db.session() as s:
        if event_id and not claim_event(s, event_id, workspace_id):
            return RecordedReply(False, None, 0)
        status = s.connection().execute(_ASSESSMENT_STATUS, {"id": assessment_id, "ws": workspace_id}).scalar()
        if status != OPEN:
            return RecordedReply(True, status, 0)
        target = AnswerTarget(assessment_id, workspace_id, status, "", "", dimension_id)
        replaced = answered_questions(s, target, user_id=user_id, question_ids=answers)
        upsert_responses(s, target, user_id=user_id, answers=answers, source="reply", message_ts=message_ts)
        if comment:
            add_comment(s, target, dimension_id=dimension_id, user_id=user_id, text=comment, message_ts=message_ts)
        return RecordedReply(True, status, len(answers), tuple(sorted(replaced)))


_CLAIM_PG = _BUILDERS["claim_event"](pg_insert)


def close_assessment(
    session: Session,
    assessment: Assessment,
    *,
    status: str = CLOSED,
    closed_by: str | None,
    member_count: int | None = None,
    overall: float | None = None,
    level: int | None = None,
) -> None:
    assessment.status = status
    assessment.closed_by = closed_by
    assessment.closed_at = utcnow()
    assessment.member_count = member_count
    assessment.overall = overall
    assessment.level = level


def previous_closed_assessment(session: Session, assessment: Assessment) -> Assessment | None:
    """The team's last closed assessment of the same framework before this one."""
    return session.scalar(
        select(Assessment)
        .where(
            Assessment.workspace_id == assessment.workspace_id,
            Assessment.team_id == assessment.team_id,
            Assessment.framework_id == assessment.framework_id,
            Assessment.status == CLOSED,
            Assessment.id != assessment.id,
            Assessment.opened_at <= assessment.opened_at,
        )
        .order_by(Assessment.opened_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def last_ended_assessment(session: Session, workspace_id: str, channel_id: str) -> Assessment | None:
    """The channel's most recently closed or cancelled assessment."""
    return session.scalar(
        select(Assessment)
        .join(Team, Assessment.team_id == Team.id)
        .where(
            Assessment.workspace_id == workspace_id,
            Team.workspace_id == workspace_id,
            Team.channel_id == channel_id,
            Assessment.status != OPEN,
            Assessment.closed_at.is_not(None),
        )
        .order_by(Assessment.closed_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def closed_assessments(session: Session, workspace_id: str, team_id: int, limit: int = 20) -> Sequence[Assessment]:
    return session.scalars(
        select(Assessment)
        .where(
            Assessment.workspace_id == workspace_id,
            Assessment.team_id == team_id,
            Assessment.status == CLOSED,
        )
        .order_by(Assessment.closed_at.desc(), Assessment.id.desc())
        .limit(limit)
    ).all()


# --- responses and comments -----------------------------------------------------------------------


def upsert_responses(
    session: Session,
    assessment: AssessmentKey,
    *,
    user_id: str,
    answers: Mapping[str, int | None],
    source: str,
    message_ts: str | None = None,
) -> None:
    """Record a member's answers; a later answer to the same question replaces the earlier one."""
    if not answers:
        return
    now = utcnow()
    rows = [
        {
            "workspace_id": assessment.workspace_id,
            "assessment_id": assessment.id,
            "question_id": question_id,
            "user_id": user_id,
            "level": level,
            "source": source,
            "message_ts": message_ts,
            "answered_at": now,
        }
        for question_id, level in answers.items()
    ]
    session.connection().execute(_statement(session, "upsert_response"), rows)


def answered_questions(
    session: Session, assessment: AssessmentKey, *, user_id: str, question_ids: Iterable[str]
) -> set[str]:
    """Which of ``question_ids`` the member has answered already (an answer now would replace it)."""
    wanted = list(question_ids)
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Response.question_id).where(
                Response.assessment_id == assessment.id,
                Response.user_id == user_id,
                Response.question_id.in_(wanted),
            )
        )
    )


def add_comment(
    session: Session, assessment: AssessmentKey, *, dimension_id: str, user_id: str, text: str, message_ts: str
) -> None:
    session.connection().execute(
        _statement(session, "add_comment"),
        {
            "workspace_id": assessment.workspace_id,
            "assessment_id": assessment.id,
            "dimension_id": dimension_id,
            "user_id": user_id,
            "text": text,
            "message_ts": message_ts,
            "created_at": utcnow(),
        },
    )


def _ts_seconds(ts: str | None) -> float | None:
    try:
        return float(ts) if ts else None
    except ValueError:
        return None


@dataclass(frozen=True)
class MessageRevision:
    """What an edit or a deletion of one typed reply changed: the answers it now records, the
    answers it withdrew, the questions whose later answer (another message or a button) it left
    alone, and whether the comment changed."""

    recorded: dict[str, int | None]
    withdrawn: tuple[str, ...]
    kept_later: tuple[str, ...]
    comment_changed: bool


def users_of_message(session: Session, assessment: AssessmentKey, message_ts: str) -> list[str]:
    """Who gave answers or a comment with the message ``message_ts`` (a deletion may not say)."""
    responses = select(Response.user_id).where(
        Response.assessment_id == assessment.id, Response.message_ts == message_ts
    )
    comments = select(Comment.user_id).where(Comment.assessment_id == assessment.id, Comment.message_ts == message_ts)
    return sorted(set(session.scalars(responses)) | set(session.scalars(comments)))


def revise_message_answers(
    session: Session,
    assessment: AssessmentKey,
    *,
    user_id: str,
    message_ts: str,
    dimension_id: str,
    question_ids: Sequence[str],
    answers: Mapping[str, int | None],
    comment: str | None,
) -> MessageRevision:
    """The reply ``message_ts`` now says ``answers`` and ``comment`` (an edit; a deletion passes
    none): what that message gave and no longer gives is withdrawn; what it now gives is recorded,
    unless a later answer by the member (a later message or a button click) already replaced it."""
    edited_at = _ts_seconds(message_ts)
    rows = session.execute(
        select(Response.id, Response.question_id, Response.message_ts, Response.answered_at).where(
            Response.workspace_id == assessment.workspace_id,
            Response.assessment_id == assessment.id,
            Response.user_id == user_id,
            Response.question_id.in_(list(question_ids)),
        )
    ).all()
    existing = {row.question_id: row for row in rows}
    withdrawn = [row.id for q, row in existing.items() if row.message_ts == message_ts and q not in answers]
    recorded: dict[str, int | None] = {}
    kept_later: list[str] = []
    for question_id, level in answers.items():
        row = existing.get(question_id)
        if row is not None and row.message_ts != message_ts and edited_at is not None:
            when = _ts_seconds(row.message_ts)
            if when is None and row.answered_at is not None:
                when = row.answered_at.timestamp()
            if when is not None and when > edited_at:
                kept_later.append(question_id)
                continue
        recorded[question_id] = level
    if withdrawn:
        session.execute(delete(Response).where(Response.id.in_(withdrawn)))
    upsert_responses(session, assessment, user_id=user_id, answers=recorded, source="reply", message_ts=message_ts)
    old = session.scalar(
        select(Comment.text).where(Comment.assessment_id == assessment.id, Comment.message_ts == message_ts)
    )
    if old != comment:
        session.execute(delete(Comment).where(Comment.assessment_id == assessment.id, Comment.message_ts == message_ts))
        if comment:
            add_comment(
                session,
                assessment,
                dimension_id=dimension_id,
                user_id=user_id,
                text=comment,
                message_ts=message_ts,
            )
    withdrawn_questions = tuple(q for q, row in existing.items() if row.id in set(withdrawn))
    return MessageRevision(recorded, withdrawn_questions, tuple(kept_later), old != comment)


def list_responses(session: Session, workspace_id: str, assessment_id: int) -> Sequence[Response]:
    return session.scalars(
        select(Response)
        .where(Response.workspace_id == workspace_id, Response.assessment_id == assessment_id)
        .order_by(Response.answered_at, Response.id)
    ).all()


def list_comments(session: Session, workspace_id: str, assessment_id: int) -> Sequence[Comment]:
    return session.scalars(
        select(Comment)
        .where(Comment.workspace_id == workspace_id, Comment.assessment_id == assessment_id)
        .order_by(Comment.created_at, Comment.id)
    ).all()


_RESPONSES_OF = (Response.workspace_id == bindparam("ws"), Response.assessment_id == bindparam("id"))


@dataclass(frozen=True)
class Progress:
    """An assessment's answer counts, counted by the database: members per question, distinct
    members per group of questions (e.g. per dimension), and when asked for, the members who
    answered anything and the dimension threads (dimension id -> message ts, in posting order)."""

    per_question: dict[str, int]
    per_group: dict[str, int]
    respondents: frozenset[str] = frozenset()
    threads: dict[str, str] = field(default_factory=dict)


_NO_TEXT = cast(null(), String)


def _sql_string(value: str) -> Any:
    """A string as an SQL literal (quotes doubled). For statements built once per framework: their
    text is then the same on every call, which psycopg caches and PostgreSQL prepares, where bound
    lists would be expanded into new SQL on each call."""
    return literal_column("'" + value.replace("'", "''") + "'", String)


# Bound: one compiled statement per (framework spec, flags): a handful of specs × 4 flag pairs.
@lru_cache(maxsize=128)
def _progress_stmt(groups: tuple[tuple[str, str], ...], with_respondents: bool, with_threads: bool) -> Any:
    """One statement, a UNION ALL of up to four counts tagged by their first column, so that a
    status costs one round trip instead of four. Rows: (kind, key, text, number). None: nothing
    to read."""
    parts: list[Select[*tuple[Any, ...]]] = []
    if groups:
        counted = Response.question_id.in_([_sql_string(q) for q, _ in groups])
        parts.append(
            select(literal_column("'q'"), Response.question_id, _NO_TEXT, func.count())
            .where(*_RESPONSES_OF, counted)
            .group_by(Response.question_id)
        )
        # A subquery, so that GROUP BY names a column (PostgreSQL does not match a CASE expression
        # in SELECT against the same expression in GROUP BY). Only counted questions reach the CASE.
        dimension = case(*[(Response.question_id == _sql_string(q), _sql_string(g)) for q, g in groups])
        grouped = select(dimension.label("g"), Response.user_id).where(*_RESPONSES_OF, counted).subquery()
        parts.append(
            select(literal_column("'g'"), grouped.c.g, _NO_TEXT, func.count(distinct(grouped.c.user_id))).group_by(
                grouped.c.g
            )
        )
    if with_respondents:
        parts.append(
            select(literal_column("'u'"), Response.user_id, _NO_TEXT, literal_column("0"))
            .where(*_RESPONSES_OF)
            .group_by(Response.user_id)
        )
    if with_threads:
        parts.append(
            select(
                literal_column("'t'"),
                DimensionThread.dimension_id,
                DimensionThread.message_ts,
                DimensionThread.position,
            ).where(DimensionThread.workspace_id == bindparam("ws"), DimensionThread.assessment_id == bindparam("id"))
        )
    return union_all(*parts) if parts else None


def progress(
    session: Session,
    workspace_id: str,
    assessment_id: int,
    groups: Mapping[str, str],
    *,
    respondents: bool = False,
    threads: bool = False,
) -> Progress:
    """``groups``: question id -> group (its dimension). Only these questions are counted."""
    stmt = _progress_stmt(tuple(sorted(groups.items())), respondents, threads)
    per_question: dict[str, int] = {}
    per_group: dict[str, int] = {}
    members: set[str] = set()
    posted: list[tuple[int, str, str]] = []
    rows = session.connection().execute(stmt, {"ws": workspace_id, "id": assessment_id}) if stmt is not None else ()
    for kind, key, value, number in rows:
        if kind == "q":
            per_question[key] = number
        elif kind == "g":
            per_group[key] = number
        elif kind == "u":
            members.add(key)
        else:
            posted.append((number, key, value))
    return Progress(per_question, per_group, frozenset(members), {d: ts for _, d, ts in sorted(posted)})


def count_responses(session: Session, workspace_id: str, assessment_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Response)
            .where(Response.workspace_id == workspace_id, Response.assessment_id == assessment_id)
        )
        or 0
    )


# --- Slack event de-duplication -------------------------------------------------------------------


def claim_event(session: Session, event_id: str, workspace_id: str | None) -> bool:
    """True the first time an event id is seen; False for a retried delivery of the same event."""
    result = session.connection().execute(
        _statement(session, "claim_event"),
        {"event_id": event_id, "workspace_id": workspace_id, "received_at": utcnow()},
    )
    return result.scalar() is not None


def prune_events(session: Session, *, older_than: datetime) -> int:
    """Delete event claims received before ``older_than`` (past Slack's redelivery window)."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < older_than))
    return rows_affected(result)


# --- across workspaces (the administrator's CLI, which has to find the workspace first) -----------


def workspaces_of_channel(session: Session, channel_id: str) -> list[str]:
    """The workspaces that have a team in the channel ``channel_id``."""
    return sorted(session.scalars(select(Team.workspace_id).where(Team.channel_id == channel_id)).all())


def workspaces_with_teams(session: Session) -> list[str]:
    """Every workspace with at least one team."""
    return sorted(set(session.scalars(select(Team.workspace_id).distinct()).all()))


# --- purge ----------------------------------------------------------------------------------------


def purge_workspace(session: Session, workspace_id: str) -> dict[str, int]:
    """Delete everything stored for a workspace: every table with a ``workspace_id`` column, the
    workspace row, and slack-sdk's installation rows (``team_id``). Returns rows deleted per table."""
    from storage.models import Base

    counts: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):  # children before parents
        column = table.c.get("workspace_id")
        if column is None and table.name in ("slack_installations", "slack_bots"):
            column = table.c.team_id
        if column is None:
            continue
        result = session.execute(table.delete().where(column == workspace_id))
        counts[table.name] = rows_affected(result)
    workspaces = Base.metadata.tables[Workspace.__tablename__]  # Workspace.__table__, typed as a Table
    result = session.execute(workspaces.delete().where(workspaces.c.id == workspace_id))
    counts["workspaces"] = rows_affected(result)
    return {name: n for name, n in counts.items() if n}
