"""SQLAlchemy models. Every row that belongs to a workspace carries ``workspace_id`` so that every
query can be scoped by it (tenant isolation is a WHERE clause, never an afterthought)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage import clock
from storage.nul import strip_text_columns

# Stable constraint names: Alembic's batch mode on SQLite needs them to alter tables later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OPEN = "open"
CLOSED = "closed"
CANCELLED = "cancelled"


def utcnow() -> datetime:
    """Now, from the process clock (``storage.clock``: the system clock unless a test moved it)."""
    return clock.now()


# The largest value an Integer column holds on PostgreSQL (int4); ids from outside (a button's value,
# a modal's metadata) past it are no id of ours, and would make the driver raise.
MAX_INTEGER = 2**31 - 1


def is_row_id(value: object) -> bool:
    """``value`` could be one of our integer ids: an int (not a bool) from 1 to :data:`MAX_INTEGER`."""
    return type(value) is int and 1 <= value <= MAX_INTEGER


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


strip_text_columns(Base)  # NUL never reaches a text column (storage.nul)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware, on SQLite (which drops the
    zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # Slack team id, T…
    name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Team(Base):
    """A team is one channel in one workspace."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    channel_name: Mapped[str | None] = mapped_column(String(255))
    framework_id: Mapped[str] = mapped_column(String(64))
    # Anonymity mode: summaries, digests and exports show aggregates only, and the bot never says
    # who answered what.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The roadmap digest mentions the owners of overdue items (once per item); off: names without a ping.
    plan_mentions: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        # At most one open assessment per team, enforced by the database under concurrency.
        Index(
            "uq_assessments_one_open_per_team",
            "team_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_assessments_workspace_team", "workspace_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    framework_id: Mapped[str] = mapped_column(String(64))
    framework_version: Mapped[int] = mapped_column(Integer)
    # The framework's scoring spec as it was when the assessment opened (JSON), so that later edits
    # of a questionnaire file never change an old result.
    spec_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    opened_by: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    intro_ts: Mapped[str | None] = mapped_column(String(32))
    summary_ts: Mapped[str | None] = mapped_column(String(32))
    member_count: Mapped[int | None] = mapped_column(Integer)
    overall: Mapped[float | None] = mapped_column(Float)
    level: Mapped[int | None] = mapped_column(Integer)

    team: Mapped[Team] = relationship(lazy="joined")
    threads: Mapped[list[DimensionThread]] = relationship(
        back_populates="assessment", order_by="DimensionThread.position", lazy="selectin"
    )


class DimensionThread(Base):
    """The message the bot posted for one dimension; replies in its thread answer that dimension."""

    __tablename__ = "dimension_threads"
    __table_args__ = (
        UniqueConstraint("assessment_id", "dimension_id"),
        Index("uq_dimension_threads_message", "workspace_id", "channel_id", "message_ts", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    dimension_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))

    assessment: Mapped[Assessment] = relationship(back_populates="threads")


class Response(Base):
    """One member's current answer to one question of one assessment (upserted)."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("assessment_id", "question_id", "user_id"),
        Index("ix_responses_workspace_assessment", "workspace_id", "assessment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    level: Mapped[int | None] = mapped_column(Integer)  # NULL = "don't know"
    source: Mapped[str] = mapped_column(String(16))  # button | reply
    message_ts: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Comment(Base):
    """Free text a member typed after their levels: evidence for the dimension."""

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("assessment_id", "message_ts"),
        Index("ix_comments_workspace_assessment", "workspace_id", "assessment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    dimension_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    message_ts: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessedEvent(Base):
    """Slack event ids already handled: a retried delivery (X-Slack-Retry-Num) is counted once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- scheduled check-ins and digests (issue 3) ----------------------------------------------------

DEFAULT_DIGEST_CRON = "0 9 1 * *"  # monthly, 09:00 on the 1st, in the schedule's timezone


class Schedule(Base):
    """One team's recurring check-ins and roadmap digests, as 5-field cron expressions evaluated in
    the team's IANA timezone. ``checkin_cron``/``digest_cron`` None = off."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), unique=True)
    checkin_cron: Mapped[str | None] = mapped_column(String(120))
    checkin_label: Mapped[str] = mapped_column(String(16), default="off")  # quarterly|monthly|weekly|cron|off
    digest_cron: Mapped[str | None] = mapped_column(String(120), default=DEFAULT_DIGEST_CRON)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    reminder_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    reminder_after_hours: Mapped[int] = mapped_column(Integer, default=48)
    close_after_hours: Mapped[int] = mapped_column(Integer, default=168)
    # Each member is reminded within these hours of their own day (their Slack timezone): from
    # ``reminder_hours_start`` (inclusive) to ``reminder_hours_end`` (exclusive), whole hours 0-24.
    reminder_hours_start: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    reminder_hours_end: Mapped[int] = mapped_column(Integer, default=17, server_default="17")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Occurrences at or before this instant never fire (set when the schedule is created, changed
    # or resumed), so a new schedule does not fire a past occurrence at once.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team] = relationship(lazy="joined")


class JobRun(Base):
    """A scheduled job claimed by one process: the unique (team, job, period) key makes every
    check-in, reminder, close and digest happen at most once across replicas."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("team_id", "job", "period_key"),
        Index("ix_job_runs_workspace_team", "workspace_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    job: Mapped[str] = mapped_column(String(16))  # checkin | reminder | close | digest | change
    # The scheduled occurrence (ISO time in UTC) for check-ins and digests; the assessment id for
    # reminders, closes and change summaries.
    period_key: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(128))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))


# --- targets (issue 15 item 2) --------------------------------------------------------------------


class Target(Base):
    """A team's target level for one framework: overall (``dimension_id`` "") or for one dimension.
    ``due_on`` (overall only) is the date the team means to be there by."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("team_id", "framework_id", "dimension_id"),
        Index("ix_targets_workspace_team", "workspace_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    framework_id: Mapped[str] = mapped_column(String(64))
    dimension_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    level: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    set_by: Mapped[str | None] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- the tracked roadmap (issue 15 item 3) --------------------------------------------------------

ITEM_STATUSES = ("todo", "doing", "done", "dropped")


class RoadmapItem(Base):
    """One step of a team's roadmap that someone owns: what, which dimension it should move, who, by
    when, and where it stands. ``assessment_id`` is the assessment it was proposed after (None for
    an item added by hand)."""

    __tablename__ = "roadmap_items"
    __table_args__ = (Index("ix_roadmap_items_workspace_team", "workspace_id", "team_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    framework_id: Mapped[str] = mapped_column(String(64))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"))
    dimension_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="todo")
    link: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # its owner was mentioned


class RoadmapItemChange(Base):
    """Who changed what of an item, and when (status moves, edits): everyone sees the log."""

    __tablename__ = "roadmap_item_changes"
    __table_args__ = (Index("ix_roadmap_item_changes_workspace_item", "workspace_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("roadmap_items.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(16))  # created | status | owner | due_on | title | link | notes
    old_value: Mapped[str | None] = mapped_column(String(500))
    new_value: Mapped[str | None] = mapped_column(String(500))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
