"""Specs and answer builders shared by the scoring tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scoring.types import Answer, DimensionSpec, FrameworkSpec, Roadmap, Scale

# The seed formula: Total = People×0.30 + Development×0.25 + Deployment×0.25 + Monitoring×0.20,
# on a 0–4 scale with 3/4/4/5 questions per dimension.
SEED_SPEC = FrameworkSpec(
    id="mlops-seed",
    version=1,
    scale=Scale(0, 4),
    level_names=("Ad hoc", "Initial", "Repeatable", "Managed", "Optimised"),
    dimensions=(
        DimensionSpec("people", "People", 0.30, ("pp1", "pp2", "pp3")),
        DimensionSpec("development", "Development", 0.25, ("md1", "md2", "md3", "md4")),
        DimensionSpec("deployment", "Deployment", 0.25, ("ds1", "ds2", "ds3", "ds4")),
        DimensionSpec("monitoring", "Monitoring", 0.20, ("mo1", "mo2", "mo3", "mo4", "mo5")),
    ),
)

# A 1–5 framework with 7 dimensions of 2 questions each (d1a, d1b, ..., d7a, d7b).
WEIGHTS_1_5 = (0.15, 0.20, 0.20, 0.15, 0.10, 0.10, 0.10)
SPEC_1_5 = FrameworkSpec(
    id="seven",
    version=3,
    scale=Scale(1, 5),
    level_names=("Initial", "Developing", "Defined", "Managed", "Leading"),
    dimensions=tuple(
        DimensionSpec(f"d{i}", f"Dimension {i}", w, (f"d{i}a", f"d{i}b")) for i, w in enumerate(WEIGHTS_1_5, start=1)
    ),
)

# Seed 000 roadmaps: N takes level N-1 -> N, 5 is the accelerated 0 -> 3 path.
ROADMAPS = (
    Roadmap(1, "Foundations", 0, 1, "3 months", "low", "2 engineers", ("version control", "tracking")),
    Roadmap(2, "Automation", 1, 2, "4 months", "medium", "3 engineers", ("CI", "pipelines")),
    Roadmap(3, "Operations", 2, 3, "6 months", "medium", "4 engineers", ("CD", "monitoring")),
    Roadmap(4, "Optimisation", 3, 4, "6 months", "high", "platform team", ("auto-retraining",)),
    Roadmap(5, "Fast track", 0, 3, "9 months", "high", "platform team", ("platform",), accelerated=True),
)


def answers_from(table: Mapping[str, Sequence[int | None]], respondents: Sequence[str] = ()) -> list[Answer]:
    """{question_id: [level of respondent 0, level of respondent 1, ...]} -> answers.

    Respondents are named r0, r1, ... unless given; None is "don't know".
    """
    out: list[Answer] = []
    for qid, levels in table.items():
        for i, level in enumerate(levels):
            who = respondents[i] if respondents else f"r{i}"
            out.append(Answer(who, qid, level))
    return out


def single(spec: FrameworkSpec, per_dimension: Mapping[str, Sequence[int | None]]) -> list[Answer]:
    """One respondent: {dimension_id: [level per question in spec order]}."""
    out: list[Answer] = []
    for dim in spec.dimensions:
        levels = per_dimension.get(dim.id, ())
        assert len(levels) in (0, len(dim.question_ids)), dim.id
        out.extend(Answer("solo", qid, lv) for qid, lv in zip(dim.question_ids, levels, strict=False))
    return out
