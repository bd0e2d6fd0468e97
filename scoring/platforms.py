"""Weighted platform comparison (seed 004's platform evaluation criteria), pure.

Each member scores a candidate platform 1–5 on every sub-criterion. Then, for one member's
scores of one platform:

* criterion score   = mean of that criterion's sub-criterion scores;
* weighted total    = Σ criterion weight × criterion score (weights sum to 1, so 1–5 as well).

A platform's score is the mean, over the members who scored it, of their weighted totals. Because
the total is linear, that equals Σ weight × (mean over members of the criterion score), and the
per-criterion means shown beside it add up to it.

A sub-criterion where the members' scores for one platform are 2 or more apart is a disagreement
worth talking about. Platforms are ranked by score (highest first), then by name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "DISAGREEMENT_SPREAD",
    "SCORE_MAX",
    "SCORE_MIN",
    "Comparison",
    "CriterionSpec",
    "CriteriaSpec",
    "Disagreement",
    "PlatformResult",
    "SubCriterionSpec",
    "Submission",
    "compare_platforms",
    "criterion_scores",
    "platform_key",
    "weighted_total",
]

SCORE_MIN = 1
SCORE_MAX = 5
DISAGREEMENT_SPREAD = 2
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SubCriterionSpec:
    id: str
    name: str


@dataclass(frozen=True)
class CriterionSpec:
    id: str
    name: str
    weight: float
    sub_criteria: tuple[SubCriterionSpec, ...]

    @property
    def sub_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sub_criteria)


@dataclass(frozen=True)
class CriteriaSpec:
    version: int
    criteria: tuple[CriterionSpec, ...]

    def __post_init__(self) -> None:
        total = math.fsum(c.weight for c in self.criteria)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(f"criterion weights sum to {total}, not 1")
        ids = [s for c in self.criteria for s in c.sub_ids]
        if len(set(ids)) != len(ids) or any(not c.sub_criteria for c in self.criteria):
            raise ValueError("every criterion needs sub-criteria, with ids unique across criteria")

    @property
    def sub_ids(self) -> tuple[str, ...]:
        return tuple(s for c in self.criteria for s in c.sub_ids)

    def sub_name(self, sub_id: str) -> str:
        for c in self.criteria:
            for s in c.sub_criteria:
                if s.id == sub_id:
                    return s.name
        raise KeyError(sub_id)

    def criterion_of(self, sub_id: str) -> CriterionSpec:
        for c in self.criteria:
            if sub_id in c.sub_ids:
                return c
        raise KeyError(sub_id)


@dataclass(frozen=True)
class Submission:
    """One member's scores for one platform: sub-criterion id -> 1..5."""

    user_id: str
    platform: str  # as the member typed it (the display name)
    scores: Mapping[str, int]

    @property
    def key(self) -> str:
        return platform_key(self.platform)


@dataclass(frozen=True)
class Disagreement:
    sub_id: str
    sub_name: str
    criterion: str
    low: int
    high: int

    @property
    def spread(self) -> int:
        return self.high - self.low


@dataclass(frozen=True)
class PlatformResult:
    name: str
    key: str
    score: float  # mean over members of their weighted totals
    criterion_scores: dict[str, float]  # criterion id -> mean over members of the criterion score
    member_totals: dict[str, float]  # user id -> that member's weighted total
    disagreements: tuple[Disagreement, ...]  # spread desc, then spec order

    @property
    def members(self) -> int:
        return len(self.member_totals)


@dataclass(frozen=True)
class Comparison:
    spec: CriteriaSpec
    ranked: tuple[PlatformResult, ...]  # best first

    @property
    def members(self) -> frozenset[str]:
        return frozenset(u for p in self.ranked for u in p.member_totals)

    @property
    def leader(self) -> PlatformResult | None:
        return self.ranked[0] if self.ranked else None


def platform_key(name: str) -> str:
    """Names that differ only in case or spacing are one platform ("Vertex  AI" = "vertex ai")."""
    return " ".join(name.split()).casefold()


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _check_scores(spec: CriteriaSpec, scores: Mapping[str, int]) -> None:
    missing = [s for s in spec.sub_ids if s not in scores]
    unknown = [s for s in scores if s not in spec.sub_ids]
    if missing or unknown:
        raise ValueError(f"scores must cover exactly the sub-criteria (missing {missing}, unknown {unknown})")
    for sub_id, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
            raise ValueError(f"score for {sub_id!r} must be an integer {SCORE_MIN}–{SCORE_MAX}, got {value!r}")


def criterion_scores(spec: CriteriaSpec, scores: Mapping[str, int]) -> dict[str, float]:
    """Criterion id -> mean of its sub-criterion scores, for one member's scores of one platform."""
    _check_scores(spec, scores)
    return {c.id: _mean([scores[s] for s in c.sub_ids]) for c in spec.criteria}


def weighted_total(spec: CriteriaSpec, scores: Mapping[str, int]) -> float:
    """Σ weight × criterion score, for one member's scores of one platform (1–5)."""
    by_criterion = criterion_scores(spec, scores)
    return math.fsum(c.weight * by_criterion[c.id] for c in spec.criteria)


def compare_platforms(spec: CriteriaSpec, submissions: Iterable[Submission]) -> Comparison:
    """Rank the platforms. A member's later submission for the same platform replaces the earlier;
    a platform is shown with the first spelling of its name in ``submissions``."""
    by_platform: dict[str, dict[str, Submission]] = {}
    names: dict[str, str] = {}
    for sub in submissions:
        _check_scores(spec, sub.scores)
        by_platform.setdefault(sub.key, {})[sub.user_id] = sub
        names.setdefault(sub.key, " ".join(sub.platform.split()))  # the first spelling seen
    results = []
    for key, members in by_platform.items():
        per_member = {user: criterion_scores(spec, s.scores) for user, s in members.items()}
        totals = {
            user: math.fsum(c.weight * crit[c.id] for c in spec.criteria) for user, crit in sorted(per_member.items())
        }
        crit_means = {c.id: _mean([crit[c.id] for crit in per_member.values()]) for c in spec.criteria}
        disagreements = []
        for position, sub_id in enumerate(spec.sub_ids):
            given = [s.scores[sub_id] for s in members.values()]
            low, high = min(given), max(given)
            if high - low >= DISAGREEMENT_SPREAD:
                d = Disagreement(sub_id, spec.sub_name(sub_id), spec.criterion_of(sub_id).name, low, high)
                disagreements.append((-(high - low), position, d))
        disagreements.sort(key=lambda item: item[:2])
        results.append(
            PlatformResult(
                name=names[key],
                key=key,
                score=_mean(list(totals.values())),
                criterion_scores=crit_means,
                member_totals=totals,
                disagreements=tuple(d for _, _, d in disagreements),
            )
        )
    results.sort(key=lambda p: (-round(p.score, 9), p.key))
    return Comparison(spec, tuple(results))
