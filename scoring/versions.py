"""Comparing assessments of two versions of one framework: what the version mapping makes comparable.

A new version says how each question (and dimension) of the version before maps onto it
(:class:`scoring.types.VersionMap`): kept (``same``), renamed or reworded (``replaces``), ``new``,
or ``retired``. :func:`comparability` follows those maps from one version to another and tells
which question of one answers which of the other; :func:`restrict` re-scores both assessments on
those questions alone (the pinned rules, on the current version's dimensions and weights), so
that their delta compares like with like; :attr:`Comparability.note` says in one line what was
left out ("2 questions new since v1, not in the delta").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scoring.deltas import AssessmentDelta, DimensionDelta, compare
from scoring.engine import AssessmentScore, DimensionScore, QuestionScore, default_target
from scoring.types import FrameworkSpec, VersionMap

__all__ = ["Comparability", "comparability", "compare_versions", "restrict"]


@dataclass(frozen=True)
class Comparability:
    """Which questions of ``previous`` (a version) and ``current`` (another) answer the same thing."""

    framework_id: str
    previous_version: int
    current_version: int
    pairs: tuple[tuple[str, str], ...]  # (question id in current, question id in previous), current order
    new: tuple[str, ...]  # questions of current with nothing comparable in previous
    retired: tuple[str, ...]  # questions of previous with nothing comparable in current
    new_dimensions: tuple[str, ...]  # dimensions of current none of whose questions are comparable
    scale_changed: bool = False
    mapped: bool = True  # False: no mapping between the versions was known; questions matched by id

    @property
    def complete(self) -> bool:
        """Everything is comparable: the delta needs no restriction and no note."""
        return not (self.new or self.retired or self.scale_changed) and all(a == b for a, b in self.pairs)

    @property
    def note(self) -> str | None:
        """One line saying what the delta leaves out, or None when nothing is."""
        if self.scale_changed:
            return f"v{self.current_version} and v{self.previous_version} use different scales: scores are not compared"
        if self.new or self.retired:
            parts = []
            if self.new:
                parts.append(f"{_count(len(self.new), 'question')} new since v{self.previous_version}")
            if self.retired:
                parts.append(f"{_count(len(self.retired), 'question')} of v{self.previous_version} retired")
            how = "" if self.mapped else f" (no mapping from v{self.previous_version}: matched by question id)"
            return " and ".join(parts) + ", not in the delta" + how
        if not self.mapped and self.previous_version != self.current_version:
            return f"no mapping from v{self.previous_version}: questions matched by id"
        return None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _origins(low: FrameworkSpec, steps: Sequence[VersionMap]) -> dict[str, str | None] | None:
    """Each question id after ``steps`` -> the id in ``low`` it answers (None: new since). None when a
    step does not follow from the one before."""
    origin: dict[str, str | None] = {q: q for q in low.question_ids}
    version = low.version
    for step in steps:
        if step.from_version != version:
            return None
        origin = {new: origin.get(old) if old is not None else None for new, old in step.questions}
        version += 1
    return origin


def comparability(
    previous: FrameworkSpec, current: FrameworkSpec, maps: Mapping[int, VersionMap] | None = None
) -> Comparability:
    """What of ``previous`` is comparable with ``current`` (two versions of one framework, either order).

    ``maps[v]``: how version v - 1 maps onto version v (each version's ``changes``; the specs'
    own are used too). Without a map for every step between the two, questions are matched by id
    and ``mapped`` is False. Raises ValueError for two different frameworks."""
    if previous.id != current.id:
        raise ValueError(f"cannot compare assessments of different frameworks: {previous.id!r} and {current.id!r}")
    known: dict[int, VersionMap] = dict(maps or {})
    for spec in (previous, current):
        if spec.changes is not None:
            known.setdefault(spec.version, spec.changes)
    low, high = sorted((previous, current), key=lambda s: s.version)
    steps = [known.get(v) for v in range(low.version + 1, high.version + 1)]
    origin = None
    if all(
        step is not None and step.from_version == v - 1
        for v, step in zip(range(low.version + 1, high.version + 1), steps, strict=True)
    ):
        origin = _origins(low, [s for s in steps if s is not None])
    mapped = origin is not None
    if origin is None or set(origin) != set(high.question_ids):
        mapped = low.version == high.version
        origin = {q: q if q in set(low.question_ids) else None for q in high.question_ids}
    # high id -> low id; oriented as (current id, previous id)
    if high is current:
        pairs = tuple((q, old) for q in current.question_ids if (old := origin.get(q)) is not None)
    else:
        back = {old: new for new, old in origin.items() if old is not None}
        pairs = tuple((q, back[q]) for q in current.question_ids if q in back)
    paired_current = {c for c, _ in pairs}
    paired_previous = {p for _, p in pairs}
    new = tuple(q for q in current.question_ids if q not in paired_current)
    retired = tuple(q for q in previous.question_ids if q not in paired_previous)
    new_dimensions = tuple(d.id for d in current.dimensions if not any(q in paired_current for q in d.question_ids))
    return Comparability(
        framework_id=current.id,
        previous_version=previous.version,
        current_version=current.version,
        pairs=pairs,
        new=new,
        retired=retired,
        new_dimensions=new_dimensions,
        scale_changed=previous.scale != current.scale,
        mapped=mapped,
    )


def _mean(values: Sequence[float]) -> float:
    m = sum(values) / len(values)
    return min(max(m, min(values)), max(values))


def restrict(
    result: AssessmentScore, current: FrameworkSpec, questions: Mapping[str, str], *, side: str
) -> AssessmentScore:
    """``result`` re-scored on the comparable questions only, grouped as ``current``'s dimensions and
    weighted by them. ``questions``: current question id -> the id in ``result`` that answers it
    (the identity for the current assessment itself). ``side`` names the assessment in errors."""
    by_id = {q.question_id: q for q in result.questions}
    scale = result.scale
    dims: list[DimensionScore] = []
    kept: list[QuestionScore] = []
    for dim in current.dimensions:
        means: list[float] = []
        total = 0
        for qid in dim.question_ids:
            source = questions.get(qid)
            if source is None:
                continue
            total += 1
            q = by_id.get(source)
            if q is None:
                raise ValueError(f"the {side} assessment has no question {source!r}")
            kept.append(dataclasses.replace(q, question_id=qid, dimension_id=dim.id))
            if q.mean is not None:
                means.append(q.mean)
        score = _mean(means) if means else None
        dim_level = scale.level_of(score) if score is not None else None
        dims.append(
            DimensionScore(
                id=dim.id,
                name=dim.name,
                weight=dim.weight,
                effective_weight=0.0,
                score=score,
                level=dim_level,
                level_name=current.level_name(dim_level) if dim_level is not None else None,
                answered_questions=len(means),
                total_questions=total,
                respondents=0,
            )
        )
    scored = [d for d in dims if d.score is not None]
    overall: float | None = None
    level: int | None = None
    if scored:
        weight_sum = sum(d.weight for d in scored)
        overall = sum(d.weight * d.score for d in scored if d.score is not None) / weight_sum
        overall = min(
            max(overall, min(d.score for d in scored if d.score is not None)),
            max(d.score for d in scored if d.score is not None),
        )
        level = scale.level_of(overall)
        dims = [
            dataclasses.replace(d, effective_weight=d.weight / weight_sum if d.score is not None else 0.0) for d in dims
        ]
    return dataclasses.replace(
        result,
        overall=overall,
        level=level,
        level_name=current.level_name(level) if level is not None else None,
        dimensions=tuple(dims),
        questions=tuple(kept),
        disagreements=(),
        weakest=(),
        target_level=default_target(scale, level),
    )


def compare_versions(
    previous: AssessmentScore, current: AssessmentScore, current_spec: FrameworkSpec, comparison: Comparability
) -> AssessmentDelta:
    """The delta from ``previous`` to ``current`` on what ``comparison`` makes comparable, with its
    note. Complete comparability is the plain :func:`scoring.deltas.compare`."""
    if comparison.complete:
        return compare(previous, current)
    if comparison.scale_changed:
        plain = compare(previous, current)
        unmatched = tuple(
            dataclasses.replace(d, previous=None, delta=None, previous_level=None, level_changed=False)
            for d in plain.dimensions
            if d.current is not None or d.id in {x.id for x in current.dimensions}
        )
        return dataclasses.replace(
            plain,
            previous_overall=None,
            overall_delta=None,
            previous_level=None,
            level_changed=False,
            dimensions=unmatched,
            biggest_gain=None,
            biggest_drop=None,
            note=comparison.note,
        )
    before = restrict(previous, current_spec, dict(comparison.pairs), side="previous")
    after = restrict(current, current_spec, {c: c for c, _ in comparison.pairs}, side="current")
    delta = compare(before, after)
    full = {d.id: d for d in current.dimensions}
    dims: list[DimensionDelta] = []
    for d in delta.dimensions:
        if d.id in comparison.new_dimensions and d.id in full:  # nothing to compare: shown as new
            whole = full[d.id]
            d = dataclasses.replace(d, current=whole.score, current_level=whole.level, previous=None, delta=None)
        dims.append(d)
    return dataclasses.replace(delta, dimensions=tuple(dims), note=comparison.note)
