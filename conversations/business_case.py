"""The business case of seed 004, Slack-free: platform comparison, ROI business case, discovery
session agendas.

* ``business_data/platform-criteria.yml`` — the weighted criteria candidate platforms are scored on;
* ``business_data/sessions.yml`` — the discovery session agendas, with the discovery dimensions
  each session covers.

Both are validated when loaded (unknown keys, weights that do not sum to 1, section minutes that do
not add up to the session's, unknown dimension ids ...); a broken file raises
:class:`~conversations.frameworks.FrameworkFileError` naming the file and the field, e.g.::

    conversations/business_data/platform-criteria.yml: criteria: weights sum to 0.95, expected 1

The forms' checks live here too (:func:`validate_platform_form`, :func:`parse_roi_form`): they raise
:class:`FormErrors` mapping each bad field to a message, which the bot returns on the modal.
:class:`BusinessService` is the database side, one unit of work per method, scoped by workspace.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from conversations.assessments import AssessmentService
from conversations.frameworks import (
    _SINGLE_LINE,
    FrameworkFileError,
    Id,
    _Problems,
    _read_yaml_mapping,
    _text,
    _validate,
    default_framework,
    get_framework,
)
from conversations.text import clip
from scoring.finance import RoiSummary, roi_summary
from scoring.platforms import (
    SCORE_MAX,
    SCORE_MIN,
    Comparison,
    CriteriaSpec,
    CriterionSpec,
    SubCriterionSpec,
    Submission,
    compare_platforms,
    platform_key,
)
from storage import evaluations as store
from storage import repo
from storage.db import Database
from storage.models import Team, utcnow

__all__ = [
    "BUSINESS_DATA_DIR",
    "DISCOVERY_FRAMEWORK",
    "MATURITY_TO_DISCOVERY",
    "MAX_PLATFORMS",
    "SESSION_KINDS",
    "BusinessCaseView",
    "BusinessService",
    "ComparisonView",
    "CriteriaFile",
    "FormErrors",
    "PlatformForm",
    "RoiInputs",
    "SessionPlan",
    "SessionTemplate",
    "SessionsFile",
    "UnknownSessionKind",
    "criteria_from_json",
    "criteria_to_json",
    "discovery_focus",
    "get_criteria",
    "get_criteria_file",
    "get_sessions",
    "load_criteria",
    "load_sessions",
    "parse_amount",
    "parse_rate",
    "parse_roi_form",
    "validate_platform_form",
]

BUSINESS_DATA_DIR = Path(__file__).parent / "business_data"
CRITERIA_FILE = BUSINESS_DATA_DIR / "platform-criteria.yml"
SESSIONS_FILE = BUSINESS_DATA_DIR / "sessions.yml"
DISCOVERY_FRAMEWORK = "discovery"
WEIGHT_TOLERANCE = 1e-6
MAX_PLATFORMS = 10  # per comparison round: keeps the ranked message readable and within Slack's limits
MAX_PLATFORM_NAME = store.MAX_PLATFORM_NAME
MAX_CASE_NAME = 80
FOCUS_DIMENSIONS = 3  # discovery dimensions whose questions a session agenda carries

# --- discovery sessions: the kinds `/maturity session` takes ----------------------------------------

SESSION_KINDS = ("executive", "technical", "data-science", "ml-engineering", "platform")


# --- data files ------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Label = Annotated[str, _text(75), _SINGLE_LINE]  # a modal input label / option text
Hint = Annotated[str, _text(150), _SINGLE_LINE]
Title = Annotated[str, _text(60), _SINGLE_LINE]
Item = Annotated[str, _text(110), _SINGLE_LINE]
SourceText = Annotated[str, _text(300), _SINGLE_LINE]
StrictPositiveInt = Annotated[int, Field(strict=True, ge=1)]


class SubCriterion(_Model):
    id: Id
    name: Label
    hint: Hint | None = None


class Criterion(_Model):
    id: Id
    name: Label
    weight: Annotated[float, Field(strict=True, gt=0, le=1)]
    sub_criteria: Annotated[tuple[SubCriterion, ...], Field(min_length=1, max_length=10)]


class CriteriaFile(_Model):
    version: StrictPositiveInt
    source: SourceText
    scale: dict[Annotated[int, Field(strict=True)], Annotated[str, _text(20), _SINGLE_LINE]]
    criteria: Annotated[tuple[Criterion, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> CriteriaFile:
        problems: list[tuple[str, str]] = []
        expected = list(range(SCORE_MIN, SCORE_MAX + 1))
        if sorted(self.scale) != expected:
            problems.append(
                ("scale", f"needs one label for each score {SCORE_MIN}–{SCORE_MAX}, got {sorted(self.scale)}")
            )
        total = math.fsum(c.weight for c in self.criteria)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            problems.append(("criteria", f"weights sum to {total:.6g}, expected 1"))
        seen: dict[str, str] = {}
        for i, criterion in enumerate(self.criteria):
            where = f"criteria[{i}]"
            if criterion.id in seen:
                problems.append((f"{where}.id", f"duplicate id {criterion.id!r} (also {seen[criterion.id]})"))
            seen.setdefault(criterion.id, where)
            for j, sub in enumerate(criterion.sub_criteria):
                sub_where = f"{where}.sub_criteria[{j}]"
                if sub.id in seen:
                    problems.append((f"{sub_where}.id", f"duplicate id {sub.id!r} (also {seen[sub.id]})"))
                seen.setdefault(sub.id, sub_where)
        blocks = 2 + sum(1 + len(c.sub_criteria) for c in self.criteria)
        if blocks > 100:
            problems.append(("criteria", f"the form would need {blocks} blocks; a Slack modal holds 100"))
        if problems:
            raise _Problems(problems)
        return self

    def spec(self) -> CriteriaSpec:
        return CriteriaSpec(
            version=self.version,
            criteria=tuple(
                CriterionSpec(c.id, c.name, c.weight, tuple(SubCriterionSpec(s.id, s.name) for s in c.sub_criteria))
                for c in self.criteria
            ),
        )

    def hint(self, sub_id: str) -> str | None:
        return next((s.hint for c in self.criteria for s in c.sub_criteria if s.id == sub_id), None)


class Section(_Model):
    title: Title
    minutes: StrictPositiveInt
    items: Annotated[tuple[Item, ...], Field(min_length=1, max_length=8)]


class SessionTemplate(_Model):
    kind: Id
    name: Title
    minutes: StrictPositiveInt
    focus: Item
    covers: Annotated[tuple[Id, ...], Field(min_length=1, max_length=FOCUS_DIMENSIONS)]
    sections: Annotated[tuple[Section, ...], Field(min_length=1, max_length=8)]

    @model_validator(mode="after")
    def _minutes_add_up(self) -> SessionTemplate:
        total = sum(s.minutes for s in self.sections)
        if total != self.minutes:
            raise _Problems([("sections", f"section minutes add up to {total}, but the session lasts {self.minutes}")])
        return self


class SessionsFile(_Model):
    version: StrictPositiveInt
    source: SourceText
    sessions: Annotated[tuple[SessionTemplate, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique(self) -> SessionsFile:
        seen: dict[str, int] = {}
        problems = []
        for i, session in enumerate(self.sessions):
            if session.kind in seen:
                problems.append(
                    (f"sessions[{i}].kind", f"duplicate kind {session.kind!r} (also sessions[{seen[session.kind]}])")
                )
            seen.setdefault(session.kind, i)
        if problems:
            raise _Problems(problems)
        return self

    def get(self, kind: str) -> SessionTemplate:
        for session in self.sessions:
            if session.kind == kind:
                return session
        raise UnknownSessionKind(kind, [s.kind for s in self.sessions])


def load_criteria(path: Path | str | None = None) -> CriteriaFile:
    """Load and validate the platform criteria. Raises FrameworkFileError."""
    path = Path(path) if path is not None else CRITERIA_FILE
    return _validate(CriteriaFile, _read_yaml_mapping(path, "platform criteria"), path)


def load_sessions(path: Path | str | None = None, dimension_ids: Sequence[str] | None = None) -> SessionsFile:
    """Load and validate the session agendas. ``covers`` must name dimensions of ``dimension_ids``
    (default: the discovery framework's). Raises FrameworkFileError."""
    path = Path(path) if path is not None else SESSIONS_FILE
    sessions = _validate(SessionsFile, _read_yaml_mapping(path, "sessions"), path)
    known = tuple(dimension_ids) if dimension_ids is not None else _discovery_dimension_ids()
    problems = [
        (f"sessions[{i}].covers[{j}]", f"unknown discovery dimension {dim!r}; known: {', '.join(known)}")
        for i, session in enumerate(sessions.sessions)
        for j, dim in enumerate(session.covers)
        if dim not in known
    ]
    if problems:
        raise FrameworkFileError(path, problems)
    return sessions


def _discovery_dimension_ids() -> tuple[str, ...]:
    return tuple(d.id for d in get_framework(DISCOVERY_FRAMEWORK).dimensions)


@functools.cache
def get_criteria_file() -> CriteriaFile:
    return load_criteria()


def get_criteria() -> CriteriaSpec:
    """The shipped criteria as the pure scoring spec (loaded once)."""
    return get_criteria_file().spec()


@functools.cache
def get_sessions() -> SessionsFile:
    return load_sessions()


def criteria_to_json(spec: CriteriaSpec) -> str:
    return json.dumps(
        {
            "version": spec.version,
            "criteria": [
                {"id": c.id, "name": c.name, "weight": c.weight, "sub": [[s.id, s.name] for s in c.sub_criteria]}
                for c in spec.criteria
            ],
        },
        separators=(",", ":"),
    )


def criteria_from_json(raw: str) -> CriteriaSpec:
    data = json.loads(raw)
    return CriteriaSpec(
        version=data["version"],
        criteria=tuple(
            CriterionSpec(c["id"], c["name"], c["weight"], tuple(SubCriterionSpec(s, n) for s, n in c["sub"]))
            for c in data["criteria"]
        ),
    )


# --- forms -----------------------------------------------------------------------------------------


class FormErrors(ValueError):
    """A form that cannot be accepted: field -> message (one per field, shown on that field)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def validate_platform_form(
    spec: CriteriaSpec, platform: str | None, raw_scores: Mapping[str, str | None]
) -> tuple[str, dict[str, int]]:
    """The platform's display name and sub-criterion -> score. Raises FormErrors keyed by
    ``"platform"`` or the sub-criterion id."""
    errors: dict[str, str] = {}
    name = " ".join((platform or "").split())
    if not name:
        errors["platform"] = "Name the platform you are scoring."
    elif len(name) > MAX_PLATFORM_NAME:
        errors["platform"] = f"Keep the name to {MAX_PLATFORM_NAME} characters (this one has {len(name)})."
    scores: dict[str, int] = {}
    for sub_id in spec.sub_ids:
        raw = (raw_scores.get(sub_id) or "").strip()
        if not raw:
            errors[sub_id] = f"Pick a score from {SCORE_MIN} to {SCORE_MAX}."
            continue
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not SCORE_MIN <= value <= SCORE_MAX:
            errors[sub_id] = f"Pick a score from {SCORE_MIN} to {SCORE_MAX}."
            continue
        scores[sub_id] = value
    if errors:
        raise FormErrors(errors)
    return name, scores


_AMOUNT = re.compile(r"^(?P<sign>[-−+]?)(?P<number>\d+(?:\.\d*)?|\.\d+)(?P<suffix>[km]?)$")
_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:usd|eur|gbp|chf)\b", re.IGNORECASE)


def parse_amount(text: str | None, *, what: str = "amount", required: bool = False) -> float:
    """A money amount: ``250000``, ``250,000``, ``250 000``, ``$250k``, ``1.2m``; empty is 0 unless
    ``required``. Raises ValueError with a message for the form field."""
    raw = (text or "").strip()
    if not raw:
        if required:
            raise ValueError(f"Enter the {what}, e.g. 250000 or 250k.")
        return 0.0
    cleaned = _CURRENCY.sub("", raw.lower())
    cleaned = re.sub(r"[\s,_'\u00a0\u202f]", "", cleaned)
    match = _AMOUNT.match(cleaned)
    if not match:
        raise ValueError(f"{clip(raw, 30)!r} is not a number; write e.g. 250000, 250,000 or 250k.")
    value = float(match["number"]) * {"": 1, "k": 1e3, "m": 1e6}[match["suffix"]]
    if match["sign"] in ("-", "−"):
        value = -value
    if not math.isfinite(value) or abs(value) >= 1e15:
        raise ValueError(f"{clip(raw, 30)!r} is too large.")
    return value


def parse_rate(text: str | None) -> float:
    """A discount rate in percent (``10``, ``10%``, ``7.5``) as a fraction; 0–100 %. Raises ValueError."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("Enter a discount rate in percent, e.g. 10.")
    cleaned = raw.rstrip("%").strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{clip(raw, 30)!r} is not a number; write the rate in percent, e.g. 10.") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise ValueError("The discount rate must be between 0 and 100 (percent).")
    return value / 100


BENEFIT_KINDS = (
    ("productivity", "Productivity gains"),
    ("infrastructure", "Infrastructure savings"),
    ("revenue", "New revenue"),
)
YEARS = 3


def benefit_field(year: int, kind: str) -> str:
    return f"y{year}_{kind}"


@dataclass(frozen=True)
class YearBenefits:
    productivity: float = 0.0
    infrastructure: float = 0.0
    revenue: float = 0.0

    @property
    def total(self) -> float:
        return self.productivity + self.infrastructure + self.revenue


@dataclass(frozen=True)
class RoiInputs:
    """What the ROI form asked: a one-off investment, three years of benefits, an optional yearly
    running cost, and the discount rate (a fraction)."""

    investment: float
    benefits: tuple[YearBenefits, ...]
    running_cost: float
    rate: float
    name: str | None = None

    @property
    def net_benefits(self) -> tuple[float, ...]:
        return tuple(b.total - self.running_cost for b in self.benefits)

    def summary(self) -> RoiSummary:
        return roi_summary(self.investment, self.net_benefits, self.rate)

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "investment": self.investment,
                "benefits": [[b.productivity, b.infrastructure, b.revenue] for b in self.benefits],
                "running_cost": self.running_cost,
                "rate": self.rate,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str) -> RoiInputs:
        data = json.loads(raw)
        return cls(
            investment=data["investment"],
            benefits=tuple(YearBenefits(*b) for b in data["benefits"]),
            running_cost=data["running_cost"],
            rate=data["rate"],
            name=data.get("name"),
        )


def parse_roi_form(values: Mapping[str, str | None]) -> RoiInputs:
    """Read the ROI form's fields (``investment``, ``y1_productivity`` … ``y3_revenue``,
    ``running_cost``, ``rate``, ``case_name``). Raises FormErrors naming each bad field."""
    errors: dict[str, str] = {}

    def amount(key: str, what: str, *, required: bool = False) -> float:
        try:
            value = parse_amount(values.get(key), what=what, required=required)
        except ValueError as exc:
            errors[key] = str(exc)
            return 0.0
        if value < 0:
            errors[key] = f"The {what} cannot be negative."
        return value

    investment = amount("investment", "investment", required=True)
    if "investment" not in errors and investment == 0:
        errors["investment"] = "The investment must be more than 0."
    benefits = []
    for year in range(1, YEARS + 1):
        parts = {
            kind: amount(benefit_field(year, kind), f"{label.lower()} for year {year}") for kind, label in BENEFIT_KINDS
        }
        benefits.append(YearBenefits(**parts))
    running = amount("running_cost", "running cost")
    try:
        rate = parse_rate(values.get("rate"))
    except ValueError as exc:
        errors["rate"] = str(exc)
        rate = 0.0
    name = " ".join((values.get("case_name") or "").split()) or None
    if name is not None and len(name) > MAX_CASE_NAME:
        errors["case_name"] = f"Keep the name to {MAX_CASE_NAME} characters."
    if errors:
        raise FormErrors(errors)
    return RoiInputs(investment=investment, benefits=tuple(benefits), running_cost=running, rate=rate, name=name)


# --- discovery sessions ----------------------------------------------------------------------------


class UnknownSessionKind(KeyError, ValueError):
    def __init__(self, kind: str, known: Sequence[str]) -> None:
        self.kind = kind
        self.known = tuple(known)
        self.message = f"unknown session kind {clip(kind)!r}; kinds: {', '.join(self.known)}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


# A maturity-levels dimension -> the discovery dimensions whose questions probe the same ground.
MATURITY_TO_DISCOVERY: dict[str, tuple[str, ...]] = {
    "people-process": ("automation-workflows", "governance-compliance"),  # hand-offs, ownership, incidents
    "model-development": ("model-development", "feature-engineering"),  # tracking, reproducibility, data
    "deployment-serving": ("deployment-serving",),
    "monitoring-operations": ("monitoring-observability", "automation-workflows"),  # incl. retraining
}


def _focus_sources(framework_id: str, weakest: Sequence[str], limit: int) -> list[tuple[str, str]]:
    """(discovery dimension, the weak dimension it came from), in order, duplicates dropped."""
    known = set(_discovery_dimension_ids())
    out: list[tuple[str, str]] = []
    for dim in weakest:
        targets = (dim,) if framework_id == DISCOVERY_FRAMEWORK else MATURITY_TO_DISCOVERY.get(dim, (dim,))
        for target in targets:
            if len(out) < limit and target in known and all(target != t for t, _ in out):
                out.append((target, dim))
    return out


def discovery_focus(framework_id: str, weakest: Sequence[str], limit: int = FOCUS_DIMENSIONS) -> tuple[str, ...]:
    """The discovery dimensions to ask about for a team whose weakest dimensions are ``weakest``
    (ids in ``framework_id``, weakest first): the same ids for the discovery framework, the
    :data:`MATURITY_TO_DISCOVERY` mapping for maturity-levels; at most ``limit``, duplicates dropped."""
    return tuple(target for target, _ in _focus_sources(framework_id, weakest, limit))


@dataclass(frozen=True)
class FocusDimension:
    id: str
    name: str
    questions: tuple[str, ...]  # the discovery framework's prompts


@dataclass(frozen=True)
class SessionPlan:
    session: SessionTemplate
    focus: tuple[FocusDimension, ...]
    basis: str  # "weakest" (from the team's latest finished assessment) or "coverage" (the session's own)
    assessment_id: int | None = None
    framework_name: str | None = None
    weakest_names: tuple[str, ...] = ()  # the weakest dimensions the focus comes from, in the assessment's names
    closed_at: datetime | None = None


# --- the service -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformForm:
    """What the platform modal needs: the round, its criteria, and the member's earlier scores for
    the platform named in the command (if any)."""

    evaluation_id: int
    spec: CriteriaSpec
    platform: str | None
    previous: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ComparisonView:
    evaluation_id: int
    channel_id: str
    comparison: Comparison
    submissions: int
    started_at: datetime
    updated_at: datetime | None
    message_ts: str | None


@dataclass(frozen=True)
class SavedScores:
    evaluation_id: int
    platform: str
    scores: dict[str, int]
    replaced: bool  # the member had scored this platform before


@dataclass(frozen=True)
class BusinessCaseView:
    id: int
    inputs: RoiInputs
    summary: RoiSummary
    created_by: str | None
    created_at: datetime


Publisher = Callable[[ComparisonView], tuple[str, str] | None]


class BusinessService:
    def __init__(self, db: Database, assessments: AssessmentService | None = None) -> None:
        self.db = db
        self.assessments = assessments or AssessmentService(db)

    @staticmethod
    def _team(s: Any, workspace_id: str, channel_id: str, channel_name: str | None) -> Team:
        team = repo.get_team(s, workspace_id, channel_id)
        if team is not None:
            return team
        return repo.ensure_team(
            s, workspace_id, channel_id, channel_name=channel_name, framework_id=default_framework().id
        )

    # -- platform comparison -----------------------------------------------------------------------

    def platform_form(
        self, *, workspace_id: str, channel_id: str, channel_name: str | None, user_id: str, platform: str | None
    ) -> PlatformForm:
        """The current round (started now if the team has none) and the member's earlier scores for
        ``platform``."""
        with self.db.session() as s:
            team = self._team(s, workspace_id, channel_id, channel_name)
            evaluation = store.current_evaluation(s, workspace_id, team.id)
            if evaluation is None:
                evaluation = store.create_evaluation(
                    s, team, criteria_json=criteria_to_json(get_criteria()), started_by=user_id
                )
            spec = criteria_from_json(evaluation.criteria_json)
            name = " ".join((platform or "").split())[:MAX_PLATFORM_NAME] or None
            previous: dict[str, int] = {}
            if name:
                key = platform_key(name)
                for row in store.list_platform_scores(s, workspace_id, evaluation.id):
                    if row.platform_key == key and row.user_id == user_id:
                        previous = {k: v for k, v in json.loads(row.scores_json).items() if k in spec.sub_ids}
                        name = row.platform_name
            return PlatformForm(evaluation.id, spec, name, previous)

    def new_comparison(self, *, workspace_id: str, channel_id: str, channel_name: str | None, user_id: str) -> int:
        """Start a new round for the team (earlier rounds are kept). Returns its id."""
        with self.db.session() as s:
            team = self._team(s, workspace_id, channel_id, channel_name)
            return store.create_evaluation(
                s, team, criteria_json=criteria_to_json(get_criteria()), started_by=user_id
            ).id

    def criteria_of(self, workspace_id: str, evaluation_id: int) -> CriteriaSpec:
        with self.db.session() as s:
            evaluation = store.get_evaluation(s, workspace_id, evaluation_id)
            if evaluation is None:
                raise LookupError(f"no platform comparison {evaluation_id} in this workspace")
            return criteria_from_json(evaluation.criteria_json)

    def submit_platform_scores(
        self,
        *,
        workspace_id: str,
        evaluation_id: int,
        user_id: str,
        platform: str | None,
        raw_scores: Mapping[str, str | None],
    ) -> SavedScores:
        """Validate and store one member's scores for one platform (replacing their earlier ones
        for it). Raises FormErrors (nothing stored) or LookupError (no such round)."""
        with self.db.session() as s:
            evaluation = store.get_evaluation(s, workspace_id, evaluation_id)
            if evaluation is None:
                raise LookupError(f"no platform comparison {evaluation_id} in this workspace")
            spec = criteria_from_json(evaluation.criteria_json)
            name, scores = validate_platform_form(spec, platform, raw_scores)
            key = platform_key(name)
            rows = store.list_platform_scores(s, workspace_id, evaluation.id)
            keys = {r.platform_key for r in rows}
            if key not in keys and len(keys) >= MAX_PLATFORMS:
                raise FormErrors(
                    {
                        "platform": f"This comparison already has {MAX_PLATFORMS} platforms; score one of those, "
                        "or start a new comparison with `/maturity platforms new`."
                    }
                )
            replaced = any(r.platform_key == key and r.user_id == user_id for r in rows)
            store.upsert_platform_score(
                s,
                evaluation,
                platform_key=key,
                platform_name=name,
                user_id=user_id,
                scores_json=json.dumps(scores, separators=(",", ":"), sort_keys=True),
            )
            return SavedScores(evaluation.id, name, scores, replaced)

    def _view(self, s: Any, evaluation: store.PlatformEvaluation) -> ComparisonView:
        spec = criteria_from_json(evaluation.criteria_json)
        rows = store.list_platform_scores(s, evaluation.workspace_id, evaluation.id)
        submissions = [
            Submission(
                r.user_id, r.platform_name, {k: v for k, v in json.loads(r.scores_json).items() if k in spec.sub_ids}
            )
            for r in rows
        ]
        team = s.get(Team, evaluation.team_id)
        return ComparisonView(
            evaluation_id=evaluation.id,
            channel_id=team.channel_id,
            comparison=compare_platforms(spec, [x for x in submissions if len(x.scores) == len(spec.sub_ids)]),
            submissions=len(rows),
            started_at=evaluation.started_at,
            updated_at=evaluation.updated_at,
            message_ts=evaluation.message_ts,
        )

    def comparison(self, workspace_id: str, evaluation_id: int) -> ComparisonView:
        with self.db.session() as s:
            evaluation = store.get_evaluation(s, workspace_id, evaluation_id)
            if evaluation is None:
                raise LookupError(f"no platform comparison {evaluation_id} in this workspace")
            return self._view(s, evaluation)

    def latest_comparison(self, workspace_id: str, channel_id: str) -> ComparisonView | None:
        """The team's newest comparison with any scores (for App Home and the report); None if none."""
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if team is None:
                return None
            evaluation = store.latest_scored_evaluation(s, workspace_id, team.id)
            return self._view(s, evaluation) if evaluation is not None else None

    def publish_comparison(
        self, workspace_id: str, evaluation_id: int, publish: Publisher, *, fresh: bool = False
    ) -> ComparisonView:
        """Render the round under a row lock and hand it to ``publish`` (which posts or updates the
        channel message and returns its ``(channel, ts)``, or None when it could not), so that the
        message always ends with the newest scores. ``fresh`` forgets the old message (post anew)."""
        with self.db.session() as s:
            evaluation = store.lock_evaluation(s, workspace_id, evaluation_id)
            if evaluation is None:
                raise LookupError(f"no platform comparison {evaluation_id} in this workspace")
            if fresh:
                evaluation.message_ts = None
            view = self._view(s, evaluation)
            where = publish(view)
            if where is not None:
                evaluation.message_channel_id, evaluation.message_ts = where
            evaluation.updated_at = utcnow()
            return view

    # -- ROI ---------------------------------------------------------------------------------------

    def save_business_case(
        self, *, workspace_id: str, channel_id: str, channel_name: str | None, user_id: str, inputs: RoiInputs
    ) -> BusinessCaseView:
        with self.db.session() as s:
            team = self._team(s, workspace_id, channel_id, channel_name)
            case = store.add_business_case(s, team, name=inputs.name, inputs_json=inputs.to_json(), created_by=user_id)
            inputs = dataclasses.replace(inputs, name=case.name)  # the name as stored (storage drops NUL)
            return BusinessCaseView(case.id, inputs, inputs.summary(), user_id, case.created_at)

    def latest_business_case(self, workspace_id: str, channel_id: str) -> BusinessCaseView | None:
        """The team's newest ROI business case (for App Home and the report); None if none."""
        with self.db.session() as s:
            team = repo.get_team(s, workspace_id, channel_id)
            if team is None:
                return None
            case = store.latest_business_case(s, workspace_id, team.id)
            if case is None:
                return None
            inputs = dataclasses.replace(RoiInputs.from_json(case.inputs_json), name=case.name)
            return BusinessCaseView(case.id, inputs, inputs.summary(), case.created_by, case.created_at)

    # -- discovery sessions ------------------------------------------------------------------------

    def session_plan(self, workspace_id: str, channel_id: str, kind: str) -> SessionPlan:
        """The agenda for ``kind`` with the discovery questions for the team's weakest dimensions
        (from its latest finished assessment), or for the session's own dimensions when the team
        has none. Raises UnknownSessionKind."""
        session = get_sessions().get(kind.strip().lower())
        discovery = get_framework(DISCOVERY_FRAMEWORK)
        result = self.assessments.latest_result(workspace_id, channel_id)
        focus_ids: tuple[str, ...] = ()
        sources: list[str] = []
        if result is not None:
            pairs = _focus_sources(
                result.framework.id, [w.dimension_id for w in result.score.weakest], FOCUS_DIMENSIONS
            )
            focus_ids = tuple(target for target, _ in pairs)
            sources = list(dict.fromkeys(source for _, source in pairs))
        focus = tuple(
            FocusDimension(d.id, d.name, tuple(q.prompt for q in d.questions))
            for d in (discovery.dimension(i) for i in (focus_ids or session.covers))
        )
        if result is None or not focus_ids:
            return SessionPlan(
                session,
                focus,
                "coverage",
                assessment_id=result.assessment.id if result else None,
                framework_name=result.framework.name if result else None,
                closed_at=result.assessment.closed_at if result else None,
            )
        return SessionPlan(
            session,
            focus,
            "weakest",
            assessment_id=result.assessment.id,
            framework_name=result.framework.name,
            weakest_names=tuple(w.name for w in result.score.weakest if w.dimension_id in sources),
            closed_at=result.assessment.closed_at,
        )
