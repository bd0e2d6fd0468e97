"""The assessment conversation: opening, answering in dimension threads, status, finishing.

Slack-free: the bot layer calls these and renders what they return. Each method is one database
unit of work, scoped by the workspace id of the request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conversations.frameworks import Dimension, Framework, default_framework, framework_versions, get_framework
from conversations.plans import done_between
from conversations.replies import ParsedReply, ReplyError, parse_reply
from conversations.schedules import ScheduleSnapshot
from conversations.targets import TeamTargets, progress_for
from scoring import (
    AssessmentDelta,
    AssessmentScore,
    Comparability,
    RoadmapChoice,
    comparability,
    compare,
    compare_versions,
    reference_level,
    retarget,
    score,
    select_roadmap,
)
from scoring.targets import TargetProgress
from scoring.types import Answer, DimensionSpec, FrameworkSpec, Scale, VersionMap
from storage import repo
from storage.db import Database
from storage.models import CANCELLED, CLOSED, OPEN, Assessment, Comment, RoadmapItem, utcnow
from storage.repo import AssessmentAlreadyOpen, MessageRevision

__all__ = [
    "AssessmentAlreadyOpen",
    "AssessmentService",
    "MessageRevision",
    "NoOpenAssessment",
    "ThreadClosed",
]


# A close or cancel this recent is what a member racing it is told about ("already closed by …").
JUST_ENDED = timedelta(minutes=10)


@dataclass(frozen=True)
class EndedAssessment:
    id: int
    status: str  # closed | cancelled
    closed_by: str | None


@dataclass(frozen=True)
class HalfPosted:
    """An open assessment whose messages were not all posted (see ``claim_repair``)."""

    id: int
    framework_id: str
    intro_ts: str | None
    missing: tuple[str, ...]  # dimension ids without a thread, in framework order
    framework_version: int | None = None


class NoOpenAssessment(Exception):
    """There is no open assessment in the channel. ``just_ended``: the one that was closed or
    cancelled a moment ago (by a racing ``finish``/``cancel`` or the scheduler), if any."""

    def __init__(self, just_ended: EndedAssessment | None = None) -> None:
        super().__init__("no open assessment")
        self.just_ended = just_ended


class ThreadClosed(Exception):
    """An answer arrived for an assessment that is no longer open."""

    def __init__(self, status: str) -> None:
        super().__init__(f"this assessment is {status}")
        self.status = status


# --- framework snapshots: an assessment is always scored with the spec it was opened with ---------


def spec_to_json(spec: FrameworkSpec) -> str:
    data: dict[str, object] = {
        "id": spec.id,
        "version": spec.version,
        "scale": [spec.scale.min, spec.scale.max],
        "level_names": list(spec.level_names),
        "dimensions": [
            {"id": d.id, "name": d.name, "weight": d.weight, "question_ids": list(d.question_ids)}
            for d in spec.dimensions
        ],
    }
    if spec.changes is not None:
        data["changes"] = {
            "from": spec.changes.from_version,
            "questions": [list(pair) for pair in spec.changes.questions],
            "dimensions": [list(pair) for pair in spec.changes.dimensions],
        }
    return json.dumps(data, separators=(",", ":"))


# Bound: one entry per distinct stored spec (framework × version, a handful), so 512 is never
# reached in practice; it only guards against a database full of hand-edited specs.
@lru_cache(maxsize=512)
def spec_from_json(raw: str) -> FrameworkSpec:
    """The spec stored with an assessment (cached: a snapshot never changes, and the answer path
    reads it on every answer; FrameworkSpec is immutable, so sharing it is safe)."""
    data = json.loads(raw)
    changes = data.get("changes")
    return FrameworkSpec(
        id=data["id"],
        version=data["version"],
        scale=Scale(*data["scale"]),
        level_names=tuple(data["level_names"]),
        dimensions=tuple(
            DimensionSpec(d["id"], d["name"], d["weight"], tuple(d["question_ids"])) for d in data["dimensions"]
        ),
        changes=VersionMap(
            changes["from"],
            tuple((new, old) for new, old in changes["questions"]),
            tuple((new, old) for new, old in changes["dimensions"]),
        )
        if changes
        else None,
    )


def comparable(previous: FrameworkSpec, current: FrameworkSpec) -> Comparability:
    """What two assessments' specs have in common, following the version mappings of every loaded
    version of the framework (and the specs' own)."""
    maps = {v: m for v, fw in framework_versions(current.id).items() if (m := fw.version_map()) is not None}
    return comparability(previous, current, maps)


@dataclass(frozen=True)
class VersionChange:
    """Where a team's trend moves on to another version of its framework: between the assessments
    closed at ``before`` (the last on ``previous_version``) and ``after`` (the first on ``version``)."""

    before: datetime
    after: datetime
    previous_version: int
    version: int
    note: str | None  # what is not comparable across it (Comparability.note); None: everything is


@dataclass(frozen=True)
class Trend:
    """A team's scored, closed assessments of one framework, oldest first, and where the version changes."""

    points: tuple[tuple[datetime, float, int], ...]  # (closed at, overall, level)
    changes: tuple[VersionChange, ...] = ()


def trend_of(history: Iterable[Assessment], framework_id: str) -> Trend:
    """The trend of ``framework_id`` in ``history`` (closed assessments, any order): each point is the
    assessment's own overall, on the version it was opened with; each change of version between two
    consecutive points is marked with what the mapping leaves out across it."""
    kept = sorted(
        (
            a
            for a in history
            if a.framework_id == framework_id
            and a.overall is not None
            and a.level is not None
            and a.closed_at is not None
        ),
        key=lambda a: (a.closed_at, a.id),
    )
    changes = []
    for before, after in zip(kept, kept[1:], strict=False):
        old, new = spec_from_json(before.spec_json), spec_from_json(after.spec_json)
        if old.version != new.version and before.closed_at is not None and after.closed_at is not None:
            changes.append(
                VersionChange(before.closed_at, after.closed_at, old.version, new.version, comparable(old, new).note)
            )
    points = tuple(
        (a.closed_at, a.overall, a.level)
        for a in kept
        if a.closed_at is not None and a.overall is not None and a.level is not None  # (all: for the types)
    )
    return Trend(points, tuple(changes))


def _groups(dimensions: Sequence[DimensionSpec]) -> dict[str, str]:
    """Question id -> its dimension id: how answers are counted per dimension."""
    return {q: d.id for d in dimensions for q in d.question_ids}


# Bound: as spec_from_json (one per distinct spec).
@lru_cache(maxsize=256)
def _spec_groups(raw: str) -> tuple[tuple[str, str], ...]:
    return tuple(_groups(spec_from_json(raw).dimensions).items())


def _groups_of_spec(raw: str) -> dict[str, str]:
    return dict(_spec_groups(raw))


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadAnswer:
    """What a member's answer recorded: question id -> level (None = don't know)."""

    assessment_id: int
    dimension: Dimension
    framework: Framework
    recorded: dict[str, int | None]
    comment: str | None
    # The questions whose earlier answer by the member this one replaced.
    replaced: tuple[str, ...] = ()

    @property
    def says_more_than_a_check(self) -> bool:
        """Whether a confirmation tells the member more than the ✅ on their reply does: it answered
        only some of the dimension's questions, said "don't know", or replaced an earlier answer."""
        partial = set(self.recorded) != set(self.dimension.question_ids)
        return partial or None in self.recorded.values() or bool(self.replaced)


@dataclass(frozen=True)
class ReplyOutcome:
    """What became of a typed reply: recorded (``answer``), unreadable (``error``), too late
    (``closed_status``), a redelivered event (``duplicate``), or — all empty — not in a dimension
    thread at all."""

    answer: ThreadAnswer | None = None
    error: ReplyError | None = None
    closed_status: str | None = None
    duplicate: bool = False
    # An edit or a deletion of an earlier reply: what it changed (None for a new reply).
    revision: repo.MessageRevision | None = None
    deleted: bool = False


@dataclass(frozen=True)
class DimensionProgress:
    dimension_id: str
    message_ts: str
    respondents: int
    answers_by_question: dict[str, int]


@dataclass(frozen=True)
class DimensionView:
    """What re-rendering a dimension's message needs: where it is, its assessment's state, and the
    dimension's answer counts."""

    message: repo.DimensionMessage
    progress: DimensionProgress

    @property
    def closed(self) -> bool:
        return self.message.status != OPEN


@dataclass(frozen=True)
class Status:
    assessment: Assessment | repo.OpenAssessment
    framework: Framework
    respondents: frozenset[str]
    progress: tuple[DimensionProgress, ...]
    anonymous: bool = False


@dataclass(frozen=True)
class Result:
    """A scored assessment, with the previous one of the team for comparison."""

    assessment: Assessment
    framework: Framework
    spec: FrameworkSpec
    score: AssessmentScore
    roadmap: RoadmapChoice | None
    previous: AssessmentScore | None = None
    previous_assessment: Assessment | None = None
    comments: tuple[Comment, ...] = field(default_factory=tuple)
    targets: TeamTargets | None = None  # what the team set with /maturity target (None: nothing)
    target: TargetProgress | None = None  # gap, pace needed and pace achieved against the target
    # Roadmap items done since the previous assessment closed (until this one closed), oldest first.
    done_items: tuple[RoadmapItem, ...] = field(default_factory=tuple)

    def done_in(self, dimension_id: str) -> tuple[RoadmapItem, ...]:
        return tuple(i for i in self.done_items if i.dimension_id == dimension_id)

    # What of the previous assessment's version is comparable with this one's (None: no previous).
    comparison: Comparability | None = None

    @property
    def delta(self) -> AssessmentDelta | None:
        if self.previous is None:
            return None
        if self.comparison is None:
            return compare(self.previous, self.score)
        return compare_versions(self.previous, self.score, self.spec, self.comparison)


@dataclass(frozen=True)
class TeamOverview:
    channel_id: str
    channel_name: str | None
    framework_id: str
    anonymous: bool
    recent: tuple[Assessment, ...]  # closed, newest first
    open: Assessment | None


@dataclass(frozen=True)
class DimensionLeft:
    """A dimension a member has not answered in full: ``left`` of its ``total`` questions have no
    answer of theirs ("don't know" is an answer)."""

    dimension_id: str
    name: str
    message_ts: str | None  # the dimension's thread
    left: int
    total: int


HOME_TEAMS = 10  # teams shown in full on App Home; the rest are named by channel


@dataclass(frozen=True)
class MemberTeams:
    shown: tuple[TeamOverview, ...]  # most recently active first, with their results
    more: tuple[str, ...]  # the channel ids of the member's other teams, in the same order


def _read_reply(target: repo.AnswerTarget, text: str) -> tuple[DimensionSpec, ParsedReply | None, ReplyError | None]:
    """Parse a typed reply with the spec its assessment was opened with: (dimension, reply or None,
    the error when it cannot be read)."""
    spec = spec_from_json(target.spec_json)
    dim_spec = next(d for d in spec.dimensions if d.id == target.dimension_id)
    try:
        framework = get_framework(target.framework_id, spec.version)
        example = framework.example_comment if framework.version == spec.version else None
    except KeyError:  # a framework no longer loaded: its stored spec still reads the reply
        example = None
    try:
        parsed = parse_reply(
            text,
            question_count=len(dim_spec.question_ids),
            scale_min=spec.scale.min,
            scale_max=spec.scale.max,
            level_names=spec.level_names,
            example_comment=example,
        )
    except ReplyError as exc:
        return dim_spec, None, exc
    return dim_spec, parsed, None


def _recorded(dim_spec: DimensionSpec, parsed: ParsedReply) -> dict[str, int | None]:
    return {dim_spec.question_ids[n - 1]: level for n, level in parsed.answers.items()}


def _answered(
    target: repo.AnswerTarget,
    dim_spec: DimensionSpec,
    recorded: dict[str, int | None],
    parsed: ParsedReply,
    replaced: Iterable[str] = (),
) -> ReplyOutcome:
    framework = get_framework(target.framework_id, spec_from_json(target.spec_json).version)
    order = {q: i for i, q in enumerate(dim_spec.question_ids)}
    ordered = tuple(sorted(set(replaced), key=lambda q: order.get(q, len(order))))
    return ReplyOutcome(
        answer=ThreadAnswer(target.id, framework.dimension(dim_spec.id), framework, recorded, parsed.comment, ordered)
    )


class AssessmentService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._threads: dict[tuple[str, str, str], repo.AnswerTarget] = {}
        self._threads_lock = threading.Lock()

    # -- opening -----------------------------------------------------------------------------------

    def open(
        self,
        *,
        workspace_id: str,
        channel_id: str,
        channel_name: str | None,
        user_id: str | None,
        framework_id: str | None = None,
        trigger: str = "manual",
    ) -> tuple[Assessment, Framework]:
        """Open an assessment in a channel. Raises UnknownFrameworkError or AssessmentAlreadyOpen."""
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if framework_id is None:
                framework = get_framework(team.framework_id) if team else default_framework()
            else:
                framework = get_framework(framework_id)
            team = repo.ensure_team(s, workspace_id, channel_id, channel_name=channel_name, framework_id=framework.id)
            team.framework_id = framework.id
            assessment = repo.create_assessment(
                s,
                team,
                framework_id=framework.id,
                framework_version=framework.version,
                spec_json=spec_to_json(framework.spec()),
                opened_by=user_id,
                trigger=trigger,
            )
            s.flush()
            return assessment, framework

    def claim_repair(self, workspace_id: str, channel_id: str, *, older_than: timedelta) -> HalfPosted | None:
        """The channel's open assessment when it is missing messages (its intro or dimension
        threads: the process that opened it stopped half-way) and was opened more than
        ``older_than`` ago (so no process is still posting them) — claimed, so that exactly one
        caller repairs it. None: nothing to repair, or another caller has it."""
        from storage import schedules as store

        with self.db.session() as s:
            assessment = repo.get_open_assessment(s, workspace_id, channel_id)
            if assessment is None:
                return None
            spec = spec_from_json(assessment.spec_json)
            have = {t.dimension_id for t in assessment.threads}
            missing = tuple(d.id for d in spec.dimensions if d.id not in have)
            opened_at = (
                assessment.opened_at if assessment.opened_at.tzinfo else assessment.opened_at.replace(tzinfo=UTC)
            )
            if (not missing and assessment.intro_ts) or utcnow() - opened_at < older_than:
                return None
            if not store.claim_job(
                s, workspace_id, assessment.team_id, "repair", str(assessment.id), process_id=store.process_identity()
            ):
                return None
            return HalfPosted(
                assessment.id, assessment.framework_id, assessment.intro_ts, missing, assessment.framework_version
            )

    def set_intro(self, workspace_id: str, assessment_id: int, ts: str) -> None:
        with self.db.session() as s:
            assessment = self._get(s, workspace_id, assessment_id)
            assessment.intro_ts = ts

    def add_thread(
        self,
        workspace_id: str,
        assessment_id: int,
        *,
        dimension_id: str,
        position: int,
        channel_id: str,
        ts: str,
    ) -> None:
        with self.db.session() as s:
            assessment = self._get(s, workspace_id, assessment_id)
            repo.add_thread(
                s,
                assessment,
                dimension_id=dimension_id,
                position=position,
                channel_id=channel_id,
                message_ts=ts,
            )

    # -- answering ---------------------------------------------------------------------------------

    def handle_reply(
        self,
        *,
        workspace_id: str,
        channel_id: str,
        thread_ts: str,
        user_id: str,
        text: str,
        message_ts: str,
        event_id: str | None = None,
    ) -> ReplyOutcome:
        """Read and record a typed reply in a dimension thread, in ONE transaction with the claim of
        its Slack event id: once this returns, the answer is stored and a redelivery of the event is
        recognised as a duplicate; if the process dies before, nothing is claimed and Slack's retry
        is processed in full. An unreadable reply changes nothing but the claim.

        The reply is parsed with the thread's spec (known to this process after the thread's first
        reply), then claimed and stored by ``repo.record_reply`` (one statement on PostgreSQL)."""
        thread = self._dimension_thread(workspace_id, channel_id, thread_ts)
        if thread is None:
            return ReplyOutcome()  # not a dimension thread: nothing to do, nothing to claim
        dim_spec, parsed, error = _read_reply(thread, text)
        recorded = _recorded(dim_spec, parsed) if parsed else {}
        result = repo.record_reply(
            self.db,
            event_id=event_id,
            workspace_id=workspace_id,
            assessment_id=thread.id,
            dimension_id=dim_spec.id,
            user_id=user_id,
            answers=recorded,
            message_ts=message_ts,
            comment=parsed.comment if parsed and parsed.comment else None,
        )
        if not result.claimed:
            return ReplyOutcome(duplicate=True)
        if result.status is None:
            return ReplyOutcome()
        if parsed is None:
            return ReplyOutcome(error=error)
        if result.status != OPEN:
            return ReplyOutcome(closed_status=result.status)
        return _answered(thread, dim_spec, recorded, parsed, result.replaced)

    def handle_revision(
        self,
        *,
        workspace_id: str,
        channel_id: str,
        thread_ts: str,
        user_id: str | None,
        text: str | None,
        message_ts: str,
        event_id: str | None = None,
    ) -> ReplyOutcome:
        """An earlier reply in a dimension thread was edited (``text``: what it says now) or deleted
        (``text`` None): the answers and the comment that message gave become what it says now, in
        one transaction with the claim of the event (both dialects: edits are rare). An edit that
        cannot be read changes nothing; answers a later message or click replaced stay."""
        with self.db.session() as s:
            if event_id and not repo.claim_event(s, event_id, workspace_id):
                return ReplyOutcome(duplicate=True)
            target = repo.answer_target_by_thread(s, workspace_id, channel_id, thread_ts)
            if target is None or target.dimension_id is None:
                return ReplyOutcome()
            spec = spec_from_json(target.spec_json)
            dim_spec = next(d for d in spec.dimensions if d.id == target.dimension_id)
            parsed: ParsedReply | None = None
            if text is not None:
                dim_spec, parsed, error = _read_reply(target, text)
                if parsed is None:
                    return ReplyOutcome(error=error)
            if target.status != OPEN:
                return ReplyOutcome(closed_status=target.status, deleted=text is None)
            users = [user_id] if user_id else repo.users_of_message(s, target, message_ts)
            recorded: dict[str, int | None] = dict(_recorded(dim_spec, parsed)) if parsed else {}
            revision = None
            for user in users:
                revision = repo.revise_message_answers(
                    s,
                    target,
                    user_id=user,
                    message_ts=message_ts,
                    dimension_id=dim_spec.id,
                    question_ids=dim_spec.question_ids,
                    answers=recorded,
                    comment=parsed.comment if parsed else None,
                )
            if revision is None:
                revision = repo.MessageRevision({}, (), (), False)
            framework = get_framework(target.framework_id, spec_from_json(target.spec_json).version)
            comment = parsed.comment if parsed else None
            answer = ThreadAnswer(target.id, framework.dimension(dim_spec.id), framework, revision.recorded, comment)
            return ReplyOutcome(answer=answer, revision=revision, deleted=text is None)

    def _dimension_thread(self, workspace_id: str, channel_id: str, thread_ts: str) -> repo.AnswerTarget | None:
        """The assessment and dimension of a dimension message. Remembered once found: a thread's
        assessment, dimension and spec never change (its status is read fresh on every answer).
        Not-found is never remembered: a thread is stored a moment after its message is posted."""
        key = (workspace_id, channel_id, thread_ts)
        found = self._threads.get(key)
        if found is None:
            with self.db.read() as s:
                found = repo.answer_target_by_thread(s, workspace_id, channel_id, thread_ts)
            if found is None or found.dimension_id is None:
                return None
            with self._threads_lock:
                if len(self._threads) >= 4096:
                    self._threads.pop(next(iter(self._threads)))
                self._threads[key] = found
        return found

    def answer_button(
        self,
        *,
        workspace_id: str,
        channel_id: str,
        assessment_id: int,
        question_id: str,
        level: int | None,
        user_id: str,
    ) -> ThreadAnswer:
        """Record a button click in ``channel_id``. Raises NoOpenAssessment for an assessment the
        workspace's channel does not have (another workspace's, or another channel's), ValueError for
        a question/level the assessment does not have, ThreadClosed when it is no longer open."""
        with self.db.session() as s:
            target = repo.answer_target(s, workspace_id, channel_id, assessment_id)
            if target is None:
                raise NoOpenAssessment()
            spec = spec_from_json(target.spec_json)
            try:
                dim_spec = spec.dimension_of(question_id)
            except KeyError:
                raise ValueError(f"unknown question {question_id!r}") from None
            if level is not None and not spec.scale.contains(level):
                raise ValueError(f"level {level} is outside {spec.scale.min}–{spec.scale.max}")
            if target.status != OPEN:
                raise ThreadClosed(target.status)
            repo.upsert_responses(s, target, user_id=user_id, answers={question_id: level}, source="button")
            framework = get_framework(target.framework_id, spec_from_json(target.spec_json).version)
            return ThreadAnswer(target.id, framework.dimension(dim_spec.id), framework, {question_id: level}, None)

    def dimension_view(self, workspace_id: str, assessment_id: int, dimension_id: str) -> DimensionView | None:
        """A dimension message's place, its assessment's state and the dimension's answer counts,
        read in one transaction (counted by the database, whatever the team's size). None if the
        workspace has no such dimension message."""
        with self.db.read() as s:
            message = repo.dimension_message(s, workspace_id, assessment_id, dimension_id)
            if message is None:
                return None
            dim = next(d for d in spec_from_json(message.spec_json).dimensions if d.id == dimension_id)
            counts = repo.progress(s, workspace_id, assessment_id, _groups((dim,)))
            progress = self._progress_of((dim,), {dim.id: message.message_ts}, counts)
            return DimensionView(message, progress[dimension_id])

    @staticmethod
    def _progress_of(
        dimensions: Sequence[DimensionSpec], threads: dict[str, str], counts: repo.Progress
    ) -> dict[str, DimensionProgress]:
        return {
            d.id: DimensionProgress(
                d.id,
                threads.get(d.id, ""),
                counts.per_group.get(d.id, 0),
                {q: counts.per_question.get(q, 0) for q in d.question_ids},
            )
            for d in dimensions
        }

    # -- status, finish, cancel --------------------------------------------------------------------

    def status(self, workspace_id: str, channel_id: str) -> Status:
        """The open assessment's progress. Raises NoOpenAssessment."""
        status, _ = self.status_and_schedule(workspace_id, channel_id)
        if status is None:
            raise NoOpenAssessment()
        return status

    def status_and_schedule(self, workspace_id: str, channel_id: str) -> tuple[Status | None, ScheduleSnapshot | None]:
        """``/maturity status`` in one read of two statements: the open assessment's progress (None
        when none is open) and the channel's schedule (None when it has none)."""
        with self.db.read() as s:
            assessment, schedule = repo.channel_status(s, workspace_id, channel_id, _groups_of_spec)
        snapshot = ScheduleSnapshot.of_row(schedule) if schedule is not None else None
        if assessment is None:
            return None, snapshot
        spec = spec_from_json(assessment.spec_json)
        progress = self._progress_of(spec.dimensions, assessment.threads, assessment.progress)
        status = Status(
            assessment,
            get_framework(assessment.framework_id, spec.version),
            assessment.progress.respondents,
            tuple(progress.values()),
            anonymous=assessment.anonymous,
        )
        return status, snapshot

    def unanswered(
        self, workspace_id: str, assessment_id: int, members: Collection[str]
    ) -> dict[str, tuple[DimensionLeft, ...]]:
        """Per member, the dimensions they have not answered in full, in the framework's order, with
        the questions of the assessment as opened; members who answered everything are left out."""
        with self.db.session() as s:
            assessment = repo.get_assessment(s, workspace_id, assessment_id)
            if assessment is None:
                return {}
            spec = spec_from_json(assessment.spec_json)
            threads = {t.dimension_id: t.message_ts for t in assessment.threads}
            answered: dict[str, set[str]] = {}
            for response in repo.list_responses(s, workspace_id, assessment_id):
                answered.setdefault(response.user_id, set()).add(response.question_id)
        out: dict[str, tuple[DimensionLeft, ...]] = {}
        for member in members:
            mine = answered.get(member, set())
            left = tuple(
                DimensionLeft(d.id, d.name, threads.get(d.id), missing, len(d.question_ids))
                for d in spec.dimensions
                if (missing := sum(1 for q in d.question_ids if q not in mine))
            )
            if left:
                out[member] = left
        return out

    def open_assessment(self, workspace_id: str, channel_id: str) -> Assessment | None:
        with self.db.session() as s:
            return repo.get_open_assessment(s, workspace_id, channel_id)

    def finish(
        self,
        *,
        workspace_id: str,
        channel_id: str,
        user_id: str | None,
        member_count: int | None = None,
        members: Collection[str] | None = None,
    ) -> Result:
        """Close the open assessment and score it. Raises NoOpenAssessment.

        ``members``: the channel's members now. The team counted in the response rate is they and
        everyone who answered: a member who answered and then left still counts once (never "3 of
        2 members answered"). ``member_count`` is a plain count instead (scripts, tests)."""
        with self.db.session() as s:
            assessment = repo.get_open_assessment(s, workspace_id, channel_id, for_update=True)
            if assessment is None:
                raise NoOpenAssessment(_just_ended(s, workspace_id, channel_id))
            if members is not None:
                answered = {r.user_id for r in repo.list_responses(s, workspace_id, assessment.id)}
                member_count = len(set(members) | answered)
            result = self._result(s, assessment, member_count)
            repo.close_assessment(
                s,
                assessment,
                status=CLOSED,
                closed_by=user_id,
                member_count=member_count,
                overall=result.score.overall,
                level=result.score.level,
            )
            return result

    def reopen(self, workspace_id: str, assessment_id: int) -> bool:
        """Undo a close whose summary could not be posted. False if another assessment has opened in
        the channel meanwhile (the database allows one open per team); it then stays closed."""
        try:
            with self.db.session() as s:
                assessment = self._get(s, workspace_id, assessment_id)
                if assessment.status == OPEN:
                    return True
                assessment.status = OPEN
                assessment.closed_at = assessment.closed_by = None
                assessment.overall = assessment.level = assessment.member_count = None
            return True
        except IntegrityError:
            return False

    def cancel(self, *, workspace_id: str, channel_id: str, user_id: str | None) -> Assessment:
        with self.db.session() as s:
            assessment = repo.get_open_assessment(s, workspace_id, channel_id, for_update=True)
            if assessment is None:
                raise NoOpenAssessment(_just_ended(s, workspace_id, channel_id))
            repo.close_assessment(s, assessment, status=CANCELLED, closed_by=user_id)
            return assessment

    def get(self, workspace_id: str, assessment_id: int) -> Assessment:
        with self.db.session() as s:
            return self._get(s, workspace_id, assessment_id)

    def set_summary_ts(self, workspace_id: str, assessment_id: int, ts: str) -> None:
        with self.db.session() as s:
            self._get(s, workspace_id, assessment_id).summary_ts = ts

    # -- team settings -----------------------------------------------------------------------------

    def is_anonymous(self, workspace_id: str, channel_id: str) -> bool:
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            return bool(team and team.anonymous)

    def set_anonymous(self, workspace_id: str, channel_id: str, channel_name: str | None, anonymous: bool) -> None:
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if team is None:
                team = repo.ensure_team(
                    s, workspace_id, channel_id, channel_name=channel_name, framework_id=default_framework().id
                )
            team.anonymous = anonymous

    def teams_of_user(self, workspace_id: str, user_id: str, limit: int = HOME_TEAMS) -> MemberTeams:
        """The teams (channels) a member has taken part in, most recently active first: the first
        ``limit`` with their latest results, and the channels of the rest."""
        with self.db.session() as s:
            overviews = []
            teams = repo.teams_of_user(s, workspace_id, user_id, limit=None)
            for team in teams[:limit]:
                closed = repo.closed_assessments(s, workspace_id, team.id, 6)
                open_one = repo.get_open_assessment(s, workspace_id, team.channel_id)
                overviews.append(
                    TeamOverview(
                        team.channel_id, team.channel_name, team.framework_id, team.anonymous, tuple(closed), open_one
                    )
                )
            return MemberTeams(tuple(overviews), tuple(team.channel_id for team in teams[limit:]))

    # -- history -----------------------------------------------------------------------------------

    def history(self, workspace_id: str, channel_id: str, limit: int = 20) -> Sequence[Assessment]:
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if team is None:
                return []
            return repo.closed_assessments(s, workspace_id, team.id, limit)

    def result_of(self, workspace_id: str, assessment_id: int) -> Result:
        """A closed assessment's result (scored now, with the team's targets). Raises NoOpenAssessment
        for an unknown id."""
        with self.db.session() as s:
            assessment = self._get(s, workspace_id, assessment_id)
            return self._result(s, assessment, assessment.member_count)

    def latest_result(self, workspace_id: str, channel_id: str) -> Result | None:
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if team is None:
                return None
            closed = repo.closed_assessments(s, workspace_id, team.id, 1)
            if not closed:
                return None
            return self._result(s, closed[0], closed[0].member_count)

    # -- internals ---------------------------------------------------------------------------------

    def _get(self, s: Session, workspace_id: str, assessment_id: int) -> Assessment:
        assessment = repo.get_assessment(s, workspace_id, assessment_id)
        if assessment is None:
            raise NoOpenAssessment()
        return assessment

    def _score(self, s: Session, assessment: Assessment, member_count: int | None) -> AssessmentScore:
        spec = spec_from_json(assessment.spec_json)
        answers = [
            Answer(r.user_id, r.question_id, r.level)
            for r in repo.list_responses(s, assessment.workspace_id, assessment.id)
        ]
        return score(spec, answers, member_count=member_count)

    def _result(self, s: Session, assessment: Assessment, member_count: int | None) -> Result:
        from conversations.frameworks import get_roadmaps

        spec = spec_from_json(assessment.spec_json)
        framework = get_framework(assessment.framework_id, assessment.framework_version)
        current = self._score(s, assessment, member_count)
        targets, target = progress_for(s, assessment, current, framework)
        if targets is not None and targets.level is not None:
            current = retarget(current, targets.level)  # the weakest ranked against the level the team set
        roadmap = None
        if current.level is not None and framework.roadmaps:  # a framework without roadmaps shows none
            roadmap = select_roadmap(get_roadmaps(), reference_level(spec, current.level))
        previous_assessment = repo.previous_closed_assessment(s, assessment)
        previous = None
        comparison = None
        done: tuple[RoadmapItem, ...] = ()
        if previous_assessment is not None:
            previous = self._score(s, previous_assessment, previous_assessment.member_count)
            comparison = comparable(spec_from_json(previous_assessment.spec_json), spec)
            done = tuple(
                done_between(
                    s,
                    assessment.workspace_id,
                    assessment.team_id,
                    previous_assessment.closed_at,
                    assessment.closed_at or utcnow(),
                )
            )
        return Result(
            assessment=assessment,
            framework=framework,
            spec=spec,
            score=current,
            roadmap=roadmap,
            previous=previous,
            previous_assessment=previous_assessment,
            comments=tuple(repo.list_comments(s, assessment.workspace_id, assessment.id)),
            comparison=comparison,
            targets=targets,
            target=target,
            done_items=done,
        )


def _just_ended(s: Session, workspace_id: str, channel_id: str) -> EndedAssessment | None:
    ended = repo.last_ended_assessment(s, workspace_id, channel_id)
    if ended is None or ended.closed_at is None:
        return None
    closed_at = ended.closed_at if ended.closed_at.tzinfo else ended.closed_at.replace(tzinfo=UTC)
    if utcnow() - closed_at > JUST_ENDED:
        return None
    return EndedAssessment(ended.id, ended.status, ended.closed_by)
