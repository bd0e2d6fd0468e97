"""Scoring an assessment: question, dimension and overall scores, disagreements, weakest dimensions.

Pinned rules:

* question score = mean of the respondents' numeric levels ("don't know" left out); when one
  respondent answered a question several times, the last answer in the input wins;
* dimension score = mean of its answered question scores; no answered question -> unscored (None);
* overall = sum(weight x dimension score) / sum(weight), both over scored dimensions only;
* levels are bands with inclusive lower bounds (``Scale.level_of``);
* priority (the ``weakest`` list): the team's target is the next overall level above its level
  (the top level itself for a team already there) unless a target level is given; every scored
  dimension below the target's lower bound gets priority = (lower bound - score) x weight, highest
  first; dimensions at or above the bound are not listed.

Floats are computed the straightforward way (sums of means, then one division) so that hand-worked
examples match; the only adjustment is that a mean is clamped into the range of the values it
averages, so float noise can never push it past them (e.g. above the top of the scale).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scoring.types import BAND_PRECISION, Answer, FrameworkSpec, Scale

__all__ = [
    "DISAGREEMENT_SPREAD",
    "AssessmentScore",
    "DimensionScore",
    "QuestionScore",
    "WeakDimension",
    "default_target",
    "retarget",
    "score",
    "weakest_dimensions",
]

# Members whose answers to one question differ by this many levels or more are flagged.
DISAGREEMENT_SPREAD = 2


@dataclass(frozen=True)
class QuestionScore:
    question_id: str
    dimension_id: str
    mean: float | None  # None when nobody gave a numeric level
    levels: tuple[int, ...]  # the numeric levels given, sorted
    answered: int  # number of numeric levels
    dont_know: int  # number of "don't know" answers
    spread: int | None  # max - min of the levels
    stdev: float | None  # population standard deviation of the levels
    flagged: bool  # spread >= DISAGREEMENT_SPREAD


@dataclass(frozen=True)
class DimensionScore:
    id: str
    name: str
    weight: float
    effective_weight: float  # weight renormalised over scored dimensions; 0 when unscored
    score: float | None
    level: int | None
    level_name: str | None
    answered_questions: int
    total_questions: int
    respondents: int  # distinct respondents with any answer (don't know included) in the dimension

    @property
    def scored(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class WeakDimension:
    dimension_id: str
    name: str
    score: float
    level: int
    target_level: int  # the team's target level (the same for every dimension of one ranking)
    gap: float  # lower bound of target_level minus score, > 0
    weight: float
    priority: float  # gap x weight

    @property
    def next_level(self) -> int:
        """The level this dimension is ranked against: the team's target (an older name)."""
        return self.target_level


@dataclass(frozen=True)
class AssessmentScore:
    framework_id: str
    framework_version: int
    scale: Scale
    overall: float | None
    level: int | None
    level_name: str | None
    dimensions: tuple[DimensionScore, ...]  # spec order
    questions: tuple[QuestionScore, ...]  # spec order
    respondents: int  # distinct people with any answer, don't know included
    member_count: int | None
    response_rate: float | None  # respondents / member_count, capped at 1.0
    completion: float | None  # answers given / (respondents x total questions)
    disagreements: tuple[QuestionScore, ...]  # flagged questions, spread desc then spec order
    weakest: tuple[WeakDimension, ...]  # scored dimensions below the target level, highest priority first
    target_level: int | None = None  # the level ``weakest`` is ranked against; None when nothing is scored

    def dimension(self, dimension_id: str) -> DimensionScore:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(dimension_id)

    def question(self, question_id: str) -> QuestionScore:
        for q in self.questions:
            if q.question_id == question_id:
                return q
        raise KeyError(question_id)

    def questions_of(self, dimension_id: str) -> tuple[QuestionScore, ...]:
        self.dimension(dimension_id)  # KeyError for an unknown dimension
        return tuple(q for q in self.questions if q.dimension_id == dimension_id)

    @property
    def scored_dimensions(self) -> tuple[DimensionScore, ...]:
        return tuple(d for d in self.dimensions if d.score is not None)

    @property
    def total_questions(self) -> int:
        return len(self.questions)


def _mean(values: Sequence[float]) -> float:
    """Plain mean (sum / count), clamped into [min(values), max(values)] against float noise."""
    m = sum(values) / len(values)
    return min(max(m, min(values)), max(values))


def _validate_spec(spec: FrameworkSpec) -> None:
    scale = spec.scale
    if len(spec.level_names) != len(scale.levels):
        raise ValueError(
            f"framework {spec.id!r}: {len(spec.level_names)} level names for the "
            f"{len(scale.levels)} levels of the scale {scale.min}–{scale.max}"
        )
    if not spec.dimensions:
        raise ValueError(f"framework {spec.id!r} has no dimensions")
    seen_dims: set[str] = set()
    seen_questions: set[str] = set()
    for dim in spec.dimensions:
        if dim.id in seen_dims:
            raise ValueError(f"framework {spec.id!r}: duplicate dimension id {dim.id!r}")
        seen_dims.add(dim.id)
        if not (math.isfinite(dim.weight) and dim.weight > 0):
            raise ValueError(f"framework {spec.id!r}: dimension {dim.id!r} has weight {dim.weight}, must be > 0")
        for qid in dim.question_ids:
            if qid in seen_questions:
                raise ValueError(f"framework {spec.id!r}: question id {qid!r} appears more than once")
            seen_questions.add(qid)


def _latest_answers(spec: FrameworkSpec, answers: Iterable[Answer]) -> dict[tuple[str, str], int | None]:
    """Validate the answers and keep the last one per (respondent, question)."""
    known = set(spec.question_ids)
    scale = spec.scale
    latest: dict[tuple[str, str], int | None] = {}
    for a in answers:
        if a.question_id not in known:
            raise ValueError(
                f"answer from {a.respondent!r} to unknown question {a.question_id!r} "
                f"(not in framework {spec.id!r} v{spec.version})"
            )
        if a.level is not None:
            if isinstance(a.level, bool) or not isinstance(a.level, int):
                raise ValueError(
                    f"answer from {a.respondent!r} to {a.question_id!r}: level {a.level!r} is not an integer"
                )
            if not scale.contains(a.level):
                raise ValueError(
                    f"answer from {a.respondent!r} to {a.question_id!r}: level {a.level} is outside "
                    f"the scale {scale.min}–{scale.max}"
                )
        latest[(a.respondent, a.question_id)] = a.level
    return latest


@functools.lru_cache(maxsize=4096)
def _pstdev(levels: tuple[int, ...]) -> float:
    """``statistics.pstdev`` of a question's sorted levels, remembered: it computes exactly, in
    fractions (~0.1 ms a call, most of the time scoring takes), and a team's answers repeat the
    same few tuples (a 500-team org view scores 8,600 questions with a few hundred distinct ones)."""
    return statistics.pstdev(levels)


def _question_score(question_id: str, dimension_id: str, given: list[int | None]) -> QuestionScore:
    levels = tuple(sorted(lv for lv in given if lv is not None))
    dont_know = sum(1 for lv in given if lv is None)
    if levels:
        mean: float | None = _mean(levels)
        spread: int | None = levels[-1] - levels[0]
        stdev: float | None = _pstdev(levels)
    else:
        mean = spread = stdev = None
    return QuestionScore(
        question_id=question_id,
        dimension_id=dimension_id,
        mean=mean,
        levels=levels,
        answered=len(levels),
        dont_know=dont_know,
        spread=spread,
        stdev=stdev,
        flagged=spread is not None and spread >= DISAGREEMENT_SPREAD,
    )


def default_target(scale: Scale, level: int | None) -> int | None:
    """The target of a team at overall ``level``: the next level, or the top level for a team already
    there; None for a team with no level (nothing scored)."""
    if level is None:
        return None
    return min(level + 1, scale.max)


def _check_target(scale: Scale, target: int | None) -> None:
    if target is not None and (isinstance(target, bool) or not isinstance(target, int) or not scale.contains(target)):
        raise ValueError(f"target level {target!r} is outside the scale {scale.min}–{scale.max}")


def score(
    spec: FrameworkSpec,
    answers: Iterable[Answer],
    member_count: int | None = None,
    target: int | None = None,
) -> AssessmentScore:
    """Score a set of answers against a framework spec.

    ``target`` is the level the weakest dimensions are ranked against; None means the next
    overall level (see :func:`default_target`).

    Raises ValueError for an answer to a question that is not in the spec, a level outside the
    scale, a negative member count, a target outside the scale or an inconsistent spec.
    """
    _validate_spec(spec)
    if member_count is not None and member_count < 0:
        raise ValueError(f"member_count must be >= 0, got {member_count}")
    scale = spec.scale
    _check_target(scale, target)
    latest = _latest_answers(spec, answers)

    by_question: dict[str, list[int | None]] = {qid: [] for qid in spec.question_ids}
    respondents_by_question: dict[str, set[str]] = {qid: set() for qid in spec.question_ids}
    for (respondent, qid), answered in latest.items():
        by_question[qid].append(answered)
        respondents_by_question[qid].add(respondent)

    questions: list[QuestionScore] = []
    raw_dims: list[tuple[float | None, int, int]] = []  # (score, answered questions, respondents)
    for dim in spec.dimensions:
        q_scores = [_question_score(qid, dim.id, by_question[qid]) for qid in dim.question_ids]
        questions.extend(q_scores)
        means = [q.mean for q in q_scores if q.mean is not None]
        dim_respondents: set[str] = set()
        for qid in dim.question_ids:
            dim_respondents |= respondents_by_question[qid]
        raw_dims.append((_mean(means) if means else None, len(means), len(dim_respondents)))

    scored = [(d, s) for d, (s, _, _) in zip(spec.dimensions, raw_dims, strict=True) if s is not None]
    overall: float | None = None
    level: int | None = None
    level_name: str | None = None
    weight_sum = 0.0
    if scored:
        weight_sum = sum(d.weight for d, _ in scored)
        mean = sum(d.weight * s for d, s in scored) / weight_sum
        # A weighted mean lies between its smallest and largest term; keep float noise from saying otherwise.
        mean = min(max(mean, min(s for _, s in scored)), max(s for _, s in scored))
        overall, level = mean, scale.level_of(mean)
        level_name = spec.level_name(level)

    dimensions: list[DimensionScore] = []
    for dim, (dim_score, answered_questions, dim_respondent_count) in zip(spec.dimensions, raw_dims, strict=True):
        dim_level = scale.level_of(dim_score) if dim_score is not None else None
        dimensions.append(
            DimensionScore(
                id=dim.id,
                name=dim.name,
                weight=dim.weight,
                effective_weight=dim.weight / weight_sum if dim_score is not None else 0.0,
                score=dim_score,
                level=dim_level,
                level_name=spec.level_name(dim_level) if dim_level is not None else None,
                answered_questions=answered_questions,
                total_questions=len(dim.question_ids),
                respondents=dim_respondent_count,
            )
        )

    respondents = len({respondent for respondent, _ in latest})
    total_questions = len(questions)
    completion = len(latest) / (respondents * total_questions) if respondents and total_questions else None
    if member_count:
        response_rate: float | None = min(1.0, respondents / member_count)
    else:
        response_rate = None

    order = {q.question_id: i for i, q in enumerate(questions)}
    disagreements = tuple(
        sorted(
            (q for q in questions if q.flagged),
            key=lambda q: (-(q.spread or 0), order[q.question_id]),
        )
    )

    target_level = target if target is not None else default_target(scale, level)
    return AssessmentScore(
        framework_id=spec.id,
        framework_version=spec.version,
        scale=scale,
        overall=overall,
        level=level,
        level_name=level_name,
        dimensions=tuple(dimensions),
        questions=tuple(questions),
        respondents=respondents,
        member_count=member_count,
        response_rate=response_rate,
        completion=completion,
        disagreements=disagreements,
        weakest=_rank_weakest(scale, dimensions, target_level),
        target_level=target_level,
    )


def retarget(result: AssessmentScore, target: int | None) -> AssessmentScore:
    """``result`` with its weakest dimensions ranked against ``target`` (None: the next overall level).

    Raises ValueError for a target outside the scale.
    """
    _check_target(result.scale, target)
    target_level = target if target is not None else default_target(result.scale, result.level)
    return dataclasses.replace(
        result,
        weakest=_rank_weakest(result.scale, result.dimensions, target_level),
        target_level=target_level,
    )


def _rank_weakest(scale: Scale, dimensions: Sequence[DimensionScore], target: int | None) -> tuple[WeakDimension, ...]:
    if target is None:
        return ()
    bound = scale.lower_bound(target)
    ranked: list[tuple[tuple[float, float, int], WeakDimension]] = []
    for index, dim in enumerate(dimensions):
        # Banded like Scale.level_of: float noise just under the bound counts as at it.
        if dim.score is None or dim.level is None or round(dim.score, BAND_PRECISION) >= bound:
            continue
        gap = bound - dim.score
        priority = gap * dim.weight
        weak = WeakDimension(
            dimension_id=dim.id,
            name=dim.name,
            score=dim.score,
            level=dim.level,
            target_level=target,
            gap=gap,
            weight=dim.weight,
            priority=priority,
        )
        ranked.append(((-priority, dim.score, index), weak))
    ranked.sort(key=lambda item: item[0])
    return tuple(weak for _, weak in ranked)


def weakest_dimensions(result: AssessmentScore, top: int = 3) -> tuple[WeakDimension, ...]:
    """The ``top`` dimensions to improve first: biggest (gap to the target level) x weight."""
    if top < 0:
        raise ValueError(f"top must be >= 0, got {top}")
    return result.weakest[:top]
