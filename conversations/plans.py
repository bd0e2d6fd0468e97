"""The tracked roadmap: items a team owns (what, which dimension, who, by when, status), proposed when
an assessment closes and accepted, edited or dropped by a lead; status moved by owners and the
assessment's opener; every change logged with who and when.

Slack-free: the bot layer renders what these return.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.frameworks import Framework, get_framework
from conversations.targets import team_framework
from conversations.text import clip
from storage import repo
from storage.db import Database
from storage.models import ITEM_STATUSES, Assessment, JobRun, RoadmapItem, RoadmapItemChange, Team, utcnow

__all__ = [
    "ITEM_STATUSES",
    "MAX_PROPOSALS",
    "Draft",
    "PlanError",
    "PlanService",
    "PlanView",
    "Proposal",
    "check_draft",
    "propose",
]

MAX_PROPOSALS = 8
MAX_TITLE = 150
MAX_LINK = 500
MAX_NOTES = 2000
OPEN_STATUSES = ("todo", "doing")


class PlanError(ValueError):
    """A draft or a change that can't be stored; ``field`` names the input (for a modal's errors)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(PlanError):
    """The member may not change this item."""


@dataclass(frozen=True)
class Proposal:
    title: str
    dimension_id: str
    source: str  # roadmap | opportunity


@dataclass(frozen=True)
class Draft:
    title: str
    dimension_id: str
    owner_id: str | None = None
    due_on: date | None = None
    link: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ItemView:
    item: RoadmapItem
    dimension_name: str
    last_change: RoadmapItemChange | None
    overdue: bool


@dataclass(frozen=True)
class PlanView:
    channel_id: str
    framework: Framework
    items: tuple[ItemView, ...]  # open first (by due date), then done, then dropped

    @property
    def open(self) -> tuple[ItemView, ...]:
        return tuple(i for i in self.items if i.item.status in OPEN_STATUSES)


@dataclass(frozen=True)
class DigestPlan:
    """The roadmap part of a digest: open items, the overdue ones (with whom to mention), and the
    items done since the previous digest."""

    open: tuple[ItemView, ...]
    overdue: tuple[ItemView, ...]
    done_since: tuple[ItemView, ...]
    since: datetime | None  # the previous digest (None: the first)
    mention: frozenset[int]  # ids of overdue items whose owner is mentioned this time (once per item)
    mentions_on: bool

    @property
    def empty(self) -> bool:
        return not (self.open or self.done_since)


_WORD = re.compile(r"[a-z][a-z/&-]{3,}")
_COMMON = frozenset(
    {"with", "that", "this", "from", "into", "your", "team", "teams", "model", "models", "have", "when"}
)


def _words(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _COMMON}  # a crude stem: "monitor(ing)"


def _dimension_for(framework: Framework, text: str, priorities: Sequence[str]) -> str:
    """The dimension a roadmap bullet most likely moves: most words shared with the dimension's
    name (three times over), description, questions, anchors and opportunities; ties (and no
    overlap) go to the higher-priority dimension. The lead corrects it in the modal."""
    words = _words(text)
    rank = {d: i for i, d in enumerate(priorities)}
    best, best_key = priorities[0], (0, -rank.get(priorities[0], 0))
    for d in framework.dimensions:
        corpus = " ".join(
            [d.description, *d.opportunities]
            + [q.prompt for q in d.questions]
            + [a for q in d.questions for a in q.anchors.values()]
        )
        overlap = 3 * len(words & _words(d.name)) + len(words & _words(corpus))  # the name counts most
        key = (overlap, -rank.get(d.id, len(rank)))
        if key > best_key:
            best, best_key = d.id, key
    return best


def propose(
    framework: Framework,
    roadmap_focus: Sequence[str],
    priorities: Sequence[str],
    existing_titles: Sequence[str] = (),
) -> list[Proposal]:
    """What to propose after an assessment: seed 000's roadmap focus bullets for the next level
    (each attributed to the dimension it shares most words with, else the top priority), then
    seed 004's transformation opportunities of the top two priority dimensions; none already on
    the team's roadmap; at most MAX_PROPOSALS."""
    known = {d.id: d for d in framework.dimensions}
    order = [p for p in priorities if p in known] or [framework.dimensions[0].id]
    seen = {t.strip().lower() for t in existing_titles}
    out: list[Proposal] = []

    def add(title: str, dimension_id: str, source: str) -> None:
        key = title.strip().lower()
        if key and key not in seen and len(out) < MAX_PROPOSALS:
            seen.add(key)
            out.append(Proposal(title.strip()[:MAX_TITLE], dimension_id, source))

    for focus in roadmap_focus[:4]:
        add(focus, _dimension_for(framework, focus, order), "roadmap")
    for dimension_id in order[:2]:
        for opportunity in known[dimension_id].opportunities[:2]:
            add(opportunity, dimension_id, "opportunity")
    return out


def check_draft(
    framework: Framework,
    *,
    title: str | None,
    dimension_id: str | None,
    owner_id: str | None,
    due_on: str | None,
    link: str | None,
    notes: str | None,
    today: date,
    prefix: str = "",
) -> Draft:
    """A draft from a modal's inputs, or PlanError naming the field (``prefix`` + field name)."""
    title = " ".join((title or "").split())
    if not title:
        raise PlanError("Give the item a title.", prefix + "title")
    if len(title) > MAX_TITLE:
        raise PlanError(f"Keep the title to {MAX_TITLE} characters.", prefix + "title")
    if dimension_id not in {d.id for d in framework.dimensions}:
        raise PlanError("Choose the dimension this item should move.", prefix + "dim")
    due: date | None = None
    if due_on:
        try:
            due = date.fromisoformat(due_on)
        except ValueError:
            raise PlanError("That is not a date.", prefix + "due") from None
        if due < today:
            raise PlanError(f"The due date {due} is in the past.", prefix + "due")
    link = (link or "").strip() or None
    if link is not None:
        parts = urlsplit(link)
        unsafe = any(c in link for c in ' <>|"') or any(ord(c) < 32 for c in link)  # Slack's link markup
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > MAX_LINK or unsafe:
            raise PlanError("The link must be an http:// or https:// address (an issue tracker URL).", prefix + "link")
    notes = (notes or "").strip() or None
    if notes is not None and len(notes) > MAX_NOTES:
        raise PlanError(f"Keep the notes to {MAX_NOTES} characters.", prefix + "notes")
    owner = owner_id if owner_id and owner_id[:1] in ("U", "W") else None
    return Draft(title, dimension_id, owner, due, link, notes)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _log(s: Session, item: RoadmapItem, user_id: str | None, field: str, old: object, new: object) -> None:
    s.add(
        RoadmapItemChange(
            workspace_id=item.workspace_id,
            item_id=item.id,
            user_id=user_id,
            field=field,
            old_value=None if old is None else str(old)[:500],
            new_value=None if new is None else str(new)[:500],
            changed_at=utcnow(),
        )
    )


class PlanService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading -----------------------------------------------------------------------------------

    def plan(self, workspace_id: str, channel_id: str) -> PlanView:
        with self.db.read() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            framework = team_framework(team)
            if team is None:
                return PlanView(channel_id, framework, ())
            return PlanView(channel_id, framework, tuple(self._views(s, team, framework)))

    def _views(self, s: Session, team: Team, framework: Framework, today: date | None = None) -> list[ItemView]:
        items = s.scalars(
            select(RoadmapItem).where(RoadmapItem.workspace_id == team.workspace_id, RoadmapItem.team_id == team.id)
        ).all()
        changes: dict[int, RoadmapItemChange] = {}
        if items:
            for change in s.scalars(
                select(RoadmapItemChange)
                .where(
                    RoadmapItemChange.workspace_id == team.workspace_id,
                    RoadmapItemChange.item_id.in_([i.id for i in items]),
                )
                .order_by(RoadmapItemChange.changed_at, RoadmapItemChange.id)
            ):
                changes[change.item_id] = change
        names = {d.id: d.name for d in framework.dimensions}
        today = today or utcnow().date()
        rank = {"doing": 0, "todo": 1, "done": 2, "dropped": 3}
        views = [
            ItemView(
                item=i,
                dimension_name=names.get(i.dimension_id, i.dimension_id),
                last_change=changes.get(i.id),
                overdue=i.status in OPEN_STATUSES and i.due_on is not None and i.due_on < today,
            )
            for i in items
        ]
        views.sort(key=lambda v: (rank.get(v.item.status, 9), v.item.due_on or date.max, v.item.id))
        return views

    def digest(self, workspace_id: str, channel_id: str, now: datetime) -> DigestPlan | None:
        """The roadmap part of the digest posted now; None when the team has no items."""
        with self.db.read() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if team is None:
                return None
            framework = team_framework(team)
            views = self._views(s, team, framework, now.date())
            if not views:
                return None
            since = s.scalar(
                select(func.max(JobRun.finished_at)).where(
                    JobRun.workspace_id == workspace_id,
                    JobRun.team_id == team.id,
                    JobRun.job == "digest",
                    JobRun.outcome == "posted",
                    JobRun.finished_at < now,
                )
            )
            if since is not None and since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            open_items = tuple(v for v in views if v.item.status in OPEN_STATUSES)
            overdue = tuple(v for v in open_items if v.overdue)
            done = tuple(
                v
                for v in views
                if v.item.status == "done"
                and v.item.done_at is not None
                and (since is None or _aware(v.item.done_at) > since)
            )
            mention = frozenset(v.item.id for v in overdue if v.item.owner_id and v.item.overdue_notified_at is None)
            return DigestPlan(
                open_items, overdue, done, since, mention if team.plan_mentions else frozenset(), team.plan_mentions
            )

    def mark_mentioned(self, workspace_id: str, item_ids: Sequence[int]) -> None:
        """The digest mentioning these items' owners was posted: never mention them again for it."""
        if not item_ids:
            return
        with self.db.session() as s:
            for item in s.scalars(
                select(RoadmapItem).where(RoadmapItem.workspace_id == workspace_id, RoadmapItem.id.in_(item_ids))
            ):
                item.overdue_notified_at = utcnow()

    def set_mentions(self, workspace_id: str, channel_id: str, channel_name: str | None, on: bool) -> None:
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if team is None:
                team = repo.ensure_team(
                    s, workspace_id, channel_id, channel_name=channel_name, framework_id=team_framework(None).id
                )
            team.plan_mentions = on

    def open_items_of(self, workspace_id: str, user_id: str) -> dict[str, list[RoadmapItem]]:
        """The member's own open items, by channel, soonest due first (App Home)."""
        with self.db.read() as s:
            rows = s.execute(
                select(RoadmapItem, Team.channel_id)
                .join(Team, RoadmapItem.team_id == Team.id)
                .where(
                    RoadmapItem.workspace_id == workspace_id,
                    Team.workspace_id == workspace_id,
                    RoadmapItem.owner_id == user_id,
                    RoadmapItem.status.in_(OPEN_STATUSES),
                )
                .order_by(RoadmapItem.due_on.is_(None), RoadmapItem.due_on, RoadmapItem.id)
            ).all()
        out: dict[str, list[RoadmapItem]] = {}
        for item, channel_id in rows:
            out.setdefault(channel_id, []).append(item)
        return out

    def titles(self, workspace_id: str, channel_id: str) -> list[str]:
        return [v.item.title for v in self.plan(workspace_id, channel_id).items if v.item.status != "dropped"]

    def assessment(self, workspace_id: str, assessment_id: int) -> Assessment | None:
        with self.db.read() as s:
            return repo.get_assessment(s, workspace_id, assessment_id)

    # -- writing -----------------------------------------------------------------------------------

    def may_accept(self, assessment: Assessment, user_id: str) -> bool:
        """A lead: who opened or closed the assessment (anyone, for a scheduled check-in nobody opened)."""
        leads = {assessment.opened_by, assessment.closed_by} - {None}
        return not leads or user_id in leads

    def add_items(
        self,
        workspace_id: str,
        channel_id: str,
        user_id: str,
        drafts: Sequence[Draft],
        assessment_id: int | None = None,
    ) -> list[int]:
        """Store accepted or added items (status todo); returns their ids."""
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if team is None:
                framework = team_framework(None)
                team = repo.ensure_team(s, workspace_id, channel_id, channel_name=None, framework_id=framework.id)
            framework_id = team.framework_id
            if assessment_id is not None:
                assessment = repo.get_assessment(s, workspace_id, assessment_id)
                if assessment is None or assessment.team_id != team.id:
                    raise PlanError("That assessment is not this channel's.")
                framework_id = assessment.framework_id
            now = utcnow()
            ids = []
            for draft in drafts:
                item = RoadmapItem(
                    workspace_id=workspace_id,
                    team_id=team.id,
                    framework_id=framework_id,
                    assessment_id=assessment_id,
                    dimension_id=draft.dimension_id,
                    title=draft.title,
                    owner_id=draft.owner_id,
                    due_on=draft.due_on,
                    status="todo",
                    link=draft.link,
                    notes=draft.notes,
                    created_by=user_id,
                    created_at=now,
                    updated_by=user_id,
                    updated_at=now,
                )
                s.add(item)
                s.flush()
                _log(s, item, user_id, "created", None, "todo")
                ids.append(item.id)
            return ids

    def set_status(self, workspace_id: str, item_id: int, user_id: str, status: str) -> tuple[RoadmapItem, str, str]:
        """Move an item to ``status``; returns (the item, its channel id, its status before). Raises PlanError for an
        unknown item or status, NotAllowed for a member who is neither its owner nor the opener of
        its assessment (nor, for an item added by hand, the one who added it)."""
        if status not in ITEM_STATUSES:
            raise PlanError(f"`{clip(status)}` is not a status: use one of {', '.join(ITEM_STATUSES)}.")
        with self.db.session() as s:
            item = s.scalar(
                select(RoadmapItem).where(RoadmapItem.workspace_id == workspace_id, RoadmapItem.id == item_id)
            )
            if item is None:
                raise PlanError("That roadmap item no longer exists.")
            allowed = {item.owner_id}
            if item.assessment_id is not None:
                assessment = repo.get_assessment(s, workspace_id, item.assessment_id)
                allowed.add(assessment.opened_by if assessment is not None else None)
            else:
                allowed.add(item.created_by)
            allowed.discard(None)
            if user_id not in allowed:
                raise NotAllowed("Only the item's owner or the person who opened the assessment can change it.")
            team = s.get(Team, item.team_id)
            assert team is not None
            old = item.status
            if item.status != status:
                _log(s, item, user_id, "status", item.status, status)
                item.status = status
                item.updated_by, item.updated_at = user_id, utcnow()
                item.done_at = utcnow() if status == "done" else None
            return item, team.channel_id, old


def done_between(
    s: Session, workspace_id: str, team_id: int, start: datetime | None, end: datetime
) -> Sequence[RoadmapItem]:
    """The team's items done in (start, end], in the order they were done."""
    stmt = select(RoadmapItem).where(
        RoadmapItem.workspace_id == workspace_id,
        RoadmapItem.team_id == team_id,
        RoadmapItem.status == "done",
        RoadmapItem.done_at.is_not(None),
        RoadmapItem.done_at <= end,
    )
    if start is not None:
        stmt = stmt.where(RoadmapItem.done_at > start)
    return s.scalars(stmt.order_by(RoadmapItem.done_at, RoadmapItem.id)).all()


def framework_of_assessment(assessment: Assessment) -> Framework:
    return get_framework(assessment.framework_id)
