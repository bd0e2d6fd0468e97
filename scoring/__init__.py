"""The pure scoring engine: no Slack, no database, no file I/O."""

from scoring.deltas import AssessmentDelta, DimensionDelta, arrow, compare
from scoring.engine import (
    AssessmentScore,
    DimensionScore,
    QuestionScore,
    WeakDimension,
    default_target,
    retarget,
    score,
    weakest_dimensions,
)
from scoring.formatting import format_score
from scoring.roadmaps import RoadmapChoice, reference_level, select_roadmap
from scoring.types import Answer, DimensionSpec, FrameworkSpec, Roadmap, Scale, VersionMap
from scoring.versions import Comparability, comparability, compare_versions, restrict

__all__ = [
    "Answer",
    "AssessmentDelta",
    "AssessmentScore",
    "Comparability",
    "DimensionDelta",
    "DimensionScore",
    "DimensionSpec",
    "FrameworkSpec",
    "QuestionScore",
    "Roadmap",
    "RoadmapChoice",
    "Scale",
    "WeakDimension",
    "VersionMap",
    "arrow",
    "comparability",
    "compare",
    "compare_versions",
    "default_target",
    "format_score",
    "reference_level",
    "restrict",
    "retarget",
    "score",
    "select_roadmap",
    "weakest_dimensions",
]
