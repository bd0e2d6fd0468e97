"""A team's target: ``/maturity target …`` read and checked against the team's framework, stored per
team and framework, and measured (gap, pace needed, pace achieved) whenever a result is shown.

Slack-free. The command forms (pinned): ``target <level> [by YYYY-MM-DD]``, ``target <dimension-id>
<level>``, ``target off``; and ``target`` alone shows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.frameworks import Framework, UnknownFrameworkError, default_framework, get_framework
from conversations.text import clip
from scoring import AssessmentScore
from scoring.targets import HistoryPoint, TargetProgress, target_progress
from scoring.types import Scale
from storage import repo
from storage import targets as store
from storage.db import Database
from storage.models import CLOSED, Assessment, Team, utcnow

__all__ = [
    "TargetError",
    "TargetRequest",
    "TargetService",
    "TeamTargets",
    "parse_target",
    "progress_for",
]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class TargetError(ValueError):
    """The target command can't be used as typed; ``str()`` names the problem (nothing was stored)."""


@dataclass(frozen=True)
class TargetRequest:
    action: str  # show | off | overall | dimension
    level: int | None = None
    due_on: date | None = None
    dimension_id: str | None = None


@dataclass(frozen=True)
class DimensionTarget:
    dimension_id: str
    name: str
    level: int


@dataclass(frozen=True)
class TeamTargets:
    """What is set for a team and framework: the overall target (level None when only dimensions
    have one) and the dimensions' own targets."""

    framework_id: str
    level: int | None
    due_on: date | None
    set_by: str | None
    set_at: datetime | None
    dimensions: tuple[DimensionTarget, ...] = field(default_factory=tuple)

    @property
    def dimension_levels(self) -> dict[str, int]:
        return {d.dimension_id: d.level for d in self.dimensions}


def _scale(framework: Framework) -> Scale:
    return Scale(framework.scale.min, framework.scale.max)


def _level(word: str, framework: Framework) -> int:
    scale = _scale(framework)
    names = ", ".join(f"{lv} {framework.level_name(lv)}" for lv in scale.levels)
    text = word.lower().removeprefix("level").removeprefix("l")
    if not text.lstrip("-").isdigit():
        raise TargetError(
            f"`{clip(word)}` is not a level: give a whole number from {scale.min} to {scale.max} ({names})."
        )
    level = int(text) if len(text) <= 6 else scale.max + 1  # thousands of digits: off the scale, not int()'s error
    if not scale.contains(level):
        raise TargetError(
            f"Level {clip(text)} is not on the scale of {framework.name}: "
            f"levels run from {scale.min} to {scale.max} ({names})."
        )
    return level


def _date(word: str, today: date) -> date:
    try:
        if not _DATE.match(word):
            raise ValueError(word)
        due = date.fromisoformat(word)
    except ValueError:
        raise TargetError(
            f"`{clip(word)}` is not a date: write it as YYYY-MM-DD, e.g. {today.year + 1}-06-30."
        ) from None
    if due <= today:
        raise TargetError(f"{due.isoformat()} is not in the future: the target date must be after today ({today}).")
    return due


def parse_target(args: Sequence[str], framework: Framework, today: date) -> TargetRequest:
    """Read the words after ``target`` against the team's framework. Raises TargetError."""
    words = list(args)
    if not words:
        return TargetRequest("show")
    if len(words) == 1 and words[0].lower() in ("off", "none", "clear"):
        return TargetRequest("off")
    dimensions = {d.id: d for d in framework.dimensions}
    first = words[0].lower()
    if first in dimensions:
        if len(words) != 2:
            raise TargetError(
                f"A dimension's target is `/maturity target {first} <level>` (no date: the team's applies)."
            )
        return TargetRequest("dimension", level=_level(words[1], framework), dimension_id=first)
    if not first.removeprefix("level").removeprefix("l").lstrip("-").isdigit() and len(words) == 2:
        ids = ", ".join(f"`{d}`" for d in dimensions)
        raise TargetError(f"`{clip(words[0])}` is not a dimension of {framework.name}: use one of {ids}.")
    level = _level(words[0], framework)
    if len(words) == 1:
        return TargetRequest("overall", level=level)
    if len(words) == 3 and words[1].lower() == "by":
        return TargetRequest("overall", level=level, due_on=_date(words[2], today))
    if len(words) == 2 and words[1].lower() == "by":
        raise TargetError("`by` needs a date after it, as YYYY-MM-DD.")
    raise TargetError(
        "I can't read that target. Use `/maturity target <level> [by YYYY-MM-DD]`, "
        "`/maturity target <dimension-id> <level>` or `/maturity target off`."
    )


def team_framework(team: Team | None) -> Framework:
    """The framework a team assesses with: its latest one, else the default."""
    if team is not None:
        try:
            return get_framework(team.framework_id)
        except UnknownFrameworkError:
            pass
    return default_framework()


def channel_framework(db: Database, workspace_id: str, channel_id: str) -> Framework:
    """The framework the channel's team assesses with (``team_framework``; the default without a team)."""
    with db.read() as s:
        return team_framework(repo.get_team(s, workspace_id, channel_id))


def load_targets(s: Session, workspace_id: str, team_id: int, framework: Framework) -> TeamTargets | None:
    rows = store.targets_of(s, workspace_id, team_id, framework.id)
    if not rows:
        return None
    names = {d.id: d.name for d in framework.dimensions}
    overall = next((r for r in rows if r.dimension_id == store.OVERALL), None)
    dims = tuple(
        DimensionTarget(r.dimension_id, names[r.dimension_id], r.level)
        for d in framework.dimensions
        for r in rows
        if r.dimension_id == d.id and _scale(framework).contains(r.level)
    )
    level = overall.level if overall is not None and _scale(framework).contains(overall.level) else None
    latest = max(rows, key=lambda r: r.set_at)
    return TeamTargets(
        framework_id=framework.id,
        level=level,
        due_on=overall.due_on if overall is not None else None,
        set_by=(overall or latest).set_by,
        set_at=(overall or latest).set_at,
        dimensions=dims,
    )


def _history(s: Session, assessment: Assessment, overall: float | None) -> list[HistoryPoint]:
    """The team's closed assessments of this framework up to this one (it included, closed now when
    it is being closed)."""
    reference = assessment.closed_at or utcnow()
    rows = s.execute(
        select(Assessment.closed_at, Assessment.overall).where(
            Assessment.workspace_id == assessment.workspace_id,
            Assessment.team_id == assessment.team_id,
            Assessment.framework_id == assessment.framework_id,
            Assessment.status == CLOSED,
            Assessment.id != assessment.id,
            Assessment.overall.is_not(None),
            Assessment.closed_at.is_not(None),
            Assessment.closed_at <= reference,
        )
    ).all()
    # The query asks for both is_not(None); the columns are nullable, so say so to the type checker.
    points = [HistoryPoint(at, value) for at, value in rows if at is not None and value is not None]
    if overall is not None:
        points.append(HistoryPoint(reference, overall))
    return points


def progress_for(
    s: Session, assessment: Assessment, current: AssessmentScore, framework: Framework
) -> tuple[TeamTargets | None, TargetProgress | None]:
    """The team's targets and where ``current`` (the score of ``assessment``) stands against them."""
    targets = load_targets(s, assessment.workspace_id, assessment.team_id, framework)
    progress = target_progress(
        current,
        level=targets.level if targets is not None else None,
        due_on=targets.due_on if targets is not None else None,
        dimension_levels=targets.dimension_levels if targets is not None else {},
        history=_history(s, assessment, current.overall),
        today=utcnow().date(),
    )
    return targets, progress


@dataclass(frozen=True)
class TargetChange:
    request: TargetRequest
    framework: Framework
    targets: TeamTargets | None  # as stored after the change
    removed: int = 0


class TargetService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def framework_of(self, workspace_id: str, channel_id: str) -> Framework:
        with self.db.read() as s:
            return team_framework(repo.get_team(s, workspace_id, channel_id))

    def current(self, workspace_id: str, channel_id: str) -> tuple[Framework, TeamTargets | None]:
        with self.db.read() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            framework = team_framework(team)
            if team is None:
                return framework, None
            return framework, load_targets(s, workspace_id, team.id, framework)

    def apply(
        self,
        workspace_id: str,
        channel_id: str,
        channel_name: str | None,
        user_id: str | None,
        args: Sequence[str],
    ) -> TargetChange:
        """Read, check and store ``/maturity target …``. Raises TargetError (nothing stored)."""
        today = utcnow().date()
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            framework = team_framework(team)
            request = parse_target(args, framework, today)
            if request.action == "show":
                return TargetChange(
                    request, framework, load_targets(s, workspace_id, team.id, framework) if team else None
                )
            if request.action == "off":
                removed = store.clear_targets(s, workspace_id, team.id, framework.id) if team is not None else 0
                return TargetChange(request, framework, None, removed)
            if team is None:
                team = repo.ensure_team(
                    s, workspace_id, channel_id, channel_name=channel_name, framework_id=framework.id
                )
            assert request.level is not None
            store.set_target(
                s,
                workspace_id,
                team.id,
                framework.id,
                dimension_id=request.dimension_id or store.OVERALL,
                level=request.level,
                due_on=request.due_on,
                set_by=user_id,
            )
            s.flush()
            return TargetChange(request, framework, load_targets(s, workspace_id, team.id, framework))
