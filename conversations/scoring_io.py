"""Scoring from and to files: a CSV of responses read into answers (``maturity score``, the demo's
re-check), and a scored assessment as the JSON ``maturity score --json`` prints and the demo writes.

ResponsesFileError names the file, the line and the field at fault, in one line."""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import Any

from conversations.frameworks import Framework, UnknownFrameworkError, get_framework
from conversations.text import clip
from scoring import AssessmentScore, RoadmapChoice
from scoring.types import Answer, Scale

__all__ = ["RESPONSE_COLUMNS", "ResponsesFileError", "read_responses_csv", "score_json"]

RESPONSE_COLUMNS = ("respondent", "question_id", "level")  # then, optionally, comment


class ResponsesFileError(ValueError):
    """A responses CSV that cannot be scored (or an unknown framework): one line saying where."""


def read_responses_csv(path: Path, framework_id: str) -> tuple[Framework, list[Answer]]:
    """The framework and the answers of a responses CSV (``respondent,question_id,level[,comment]``;
    ``?`` or empty for "don't know"). Raises ResponsesFileError naming the file, line and field."""
    try:
        framework = get_framework(framework_id)
    except UnknownFrameworkError as exc:
        raise ResponsesFileError(str(exc).strip("'\"")) from None
    spec = framework.spec()
    known = set(spec.question_ids)
    if not path.is_file():
        raise ResponsesFileError(f"{path}: no such file")
    # Read row by row, keeping one answer per (respondent, question): a later row replaces an
    # earlier one, as a later answer does in Slack. Memory grows with respondents × questions,
    # never with the file (a 1 GB export of repeated answers reads in a few megabytes).
    answers: dict[tuple[str, str], Answer] = {}
    respondents: dict[str, str] = {}  # one string per respondent, however many rows name them
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in RESPONSE_COLUMNS if c not in header]
            if missing:
                raise ResponsesFileError(
                    f"{path}: header must be respondent,question_id,level[,comment] (missing {', '.join(missing)})"
                )
            reader.fieldnames = header
            for row in reader:
                line = reader.line_num
                respondent = (row.get("respondent") or "").strip()
                question_id = (row.get("question_id") or "").strip()
                raw = (row.get("level") or "").strip()
                if not respondent:
                    raise ResponsesFileError(f"{path}:{line}: respondent is empty")
                if question_id not in known:
                    raise ResponsesFileError(
                        f"{path}:{line}: unknown question_id {clip(question_id)!r} for {framework.id}"
                    )
                level = _level(raw, spec.scale, f"{path}:{line}")
                respondent = respondents.setdefault(respondent, respondent)
                answers.pop((respondent, question_id), None)  # re-inserted last: the latest answer
                answers[(respondent, question_id)] = Answer(respondent, question_id, level)
    except UnicodeDecodeError:
        raise ResponsesFileError(f"{path}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise ResponsesFileError(f"{path}: not a readable CSV ({exc})") from None
    return framework, list(answers.values())


def _level(raw: str, scale: Scale, where: str) -> int | None:
    """A ``level`` cell: None for "don't know" (``?`` or empty), else a whole number on the scale."""
    if raw in ("", "?"):
        return None
    try:
        level = int(raw)
    except ValueError:
        problem = f"level {clip(raw)!r} is not a whole number (or ? / empty)"
        raise ResponsesFileError(f"{where}: {problem}") from None
    if not scale.contains(level):
        raise ResponsesFileError(f"{where}: level {clip(str(level))} is outside {scale.min}–{scale.max}")
    return level


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def score_json(framework: Framework, result: AssessmentScore, roadmap: RoadmapChoice | None) -> dict[str, Any]:
    """The scored assessment as plain JSON values (scores rounded to 4 decimals)."""
    return {
        "framework": framework.id,
        "framework_version": framework.version,
        "respondents": result.respondents,
        "overall": _rounded(result.overall),
        "level": result.level,
        "level_name": framework.level_name(result.level) if result.level is not None else None,
        "dimensions": [
            {
                "id": d.id,
                "name": d.name,
                "weight": d.weight,
                "score": _rounded(d.score),
                "level": d.level,
                "answered_questions": d.answered_questions,
            }
            for d in result.dimensions
        ],
        "questions": [
            {
                "id": q.question_id,
                "mean": _rounded(q.mean),
                "answered": q.answered,
                "dont_know": q.dont_know,
                "spread": q.spread,
                "flagged": q.flagged,
            }
            for q in result.questions
        ],
        "disagreements": [q.question_id for q in result.disagreements],
        "target_level": result.target_level,
        "weakest": [
            {
                "id": w.dimension_id,
                "score": _rounded(w.score),
                "target_level": w.target_level,
                "next_level": w.target_level,  # the older name of the same level
                "gap": _rounded(w.gap),
                "priority": _rounded(w.priority),
            }
            for w in result.weakest
        ],
        "roadmap": asdict(roadmap.next) if roadmap is not None and roadmap.next is not None else None,
    }
