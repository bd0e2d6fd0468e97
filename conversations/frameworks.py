"""Questionnaire frameworks and improvement roadmaps, loaded from the YAML files in ``data/``.

Each ``data/*.yml`` file except ``roadmaps.yml`` is one framework: a scale of named levels, weighted
dimensions, and questions whose every level has a one-line anchor saying what that level looks like.
Files are validated strictly when they are loaded (unknown keys, wrong types, weights that do not sum
to 1, duplicate ids, missing anchors ...); a broken file raises :class:`FrameworkFileError`, whose
message names the file and the field path, e.g.::

    conversations/data/discovery.yml: dimensions[2].weight: Input should be greater than 0

The scoring engine never sees these models: :meth:`Framework.spec` turns a framework into the plain
:class:`scoring.types.FrameworkSpec` it works on, and :func:`load_roadmaps` returns
:class:`scoring.types.Roadmap` values.

Question and dimension ids are stored with every answer, so an id must keep its meaning for good:
reword a prompt freely, but give a question with a new meaning a new id (and bump ``version``).
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from conversations.text import clip
from scoring.types import DimensionSpec, FrameworkSpec, Roadmap, Scale, VersionMap

__all__ = [
    "DATA_DIR",
    "Catalog",
    "VersionChanges",
    "build_catalog",
    "framework_json_schema",
    "framework_versions",
    "frameworks_dir_in_use",
    "use_frameworks_dir",
    "validate_file",
    "ROADMAPS_FILE",
    "Dimension",
    "Framework",
    "FrameworkFileError",
    "Level",
    "Question",
    "RoadmapEntry",
    "RoadmapFile",
    "ScaleBounds",
    "UnknownFrameworkError",
    "default_framework",
    "get_framework",
    "get_frameworks",
    "get_roadmaps",
    "load_framework_file",
    "load_frameworks",
    "load_roadmaps",
]

DATA_DIR = Path(__file__).parent / "data"
ROADMAPS_FILE = "roadmaps.yml"
WEIGHT_TOLERANCE = 1e-6

# Text limits: everything here ends up in a Slack message, so keep it short.
MAX_ID = 40
MAX_NAME = 80
MAX_PROMPT = 150
MAX_ANCHOR = 110
MAX_LINE = 160  # level summaries, dimension descriptions, opportunities, pain points, focus items
MAX_DESCRIPTION = 300

_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- errors ----------------------------------------------------------------------------------------


class FrameworkFileError(ValueError):
    """A framework or roadmap file that cannot be used.

    ``str()`` has one line per problem, each ``<file>: <field path>: <message>`` (the field path is
    left out for problems of the whole file, and is ``line N, column M`` for YAML syntax errors).
    """

    def __init__(self, path: Path | str, problems: Sequence[tuple[str, str]] | str) -> None:
        self.path = Path(path)
        self.problems: tuple[tuple[str, str], ...] = (
            (("", problems),) if isinstance(problems, str) else tuple(problems)
        ) or (("", "invalid file"),)
        shown = _display_path(self.path)
        lines = [f"{shown}: {field}: {message}" if field else f"{shown}: {message}" for field, message in self.problems]
        super().__init__("\n".join(lines))


class UnknownFrameworkError(KeyError, ValueError):
    """No framework has this id; the message lists the known ids.

    A ``KeyError`` (it is a failed lookup) and a ``ValueError`` (it is usually a bad user argument).
    """

    def __init__(self, framework_id: str, known: Iterable[str]) -> None:
        self.framework_id = framework_id
        self.known = tuple(known)
        shown = clip(framework_id)  # what was typed, never echoed whole
        self.message = f"unknown framework {shown!r}; known frameworks: {', '.join(self.known) or 'none'}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class _Problems(ValueError):
    """Raised by the cross-field validators: problems with their own field paths."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{field}: {message}" if field else message for field, message in problems))


def _display_path(path: Path) -> str:
    """The path relative to the working directory when it is below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


# --- field types -----------------------------------------------------------------------------------


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def _kebab(value: str) -> str:
    if not _KEBAB.match(value):
        raise ValueError(f"{value!r} is not a kebab-case id (lowercase letters, digits, single hyphens)")
    return value


def _question_mark(value: str) -> str:
    if not value.endswith("?"):
        raise ValueError("a prompt must be a question ending in '?'")
    return value


def _text(max_length: int) -> StringConstraints:
    """A stripped, non-empty string of at most ``max_length`` characters (with ``_SINGLE_LINE``: one line)."""
    return StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=max_length)


_SINGLE_LINE = AfterValidator(_single_line)

Id = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_ID), AfterValidator(_kebab)]
Name = Annotated[str, _text(MAX_NAME), _SINGLE_LINE]
Line = Annotated[str, _text(MAX_LINE), _SINGLE_LINE]
Description = Annotated[str, _text(MAX_DESCRIPTION), _SINGLE_LINE]
Prompt = Annotated[str, _text(MAX_PROMPT), _SINGLE_LINE, AfterValidator(_question_mark)]
Anchor = Annotated[str, _text(MAX_ANCHOR), _SINGLE_LINE]
StrictInt = Annotated[int, Field(strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_CHANGE = re.compile(r"^(same|new|retired|replaces: ?([a-z0-9]+(?:-[a-z0-9]+)*))$")


def _change(value: str) -> str:
    if not _CHANGE.match(value):
        raise ValueError(f"{value!r} is not a mapping; use same, new, retired or replaces: <old id>")
    return value


# How one id of the previous version maps onto this one: ``same``, ``new``, ``retired`` or ``replaces: <old id>``.
Change = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, pattern=_CHANGE.pattern),
    AfterValidator(_change),
]


def _replaced(change: str) -> str | None:
    """The old id of ``replaces: <old id>``, else None."""
    match = _CHANGE.match(change)
    return match.group(2) if match else None


# --- framework models ------------------------------------------------------------------------------


class ScaleBounds(_Model):
    """The integer answer scale, e.g. ``{min: 0, max: 4}``."""

    min: StrictInt
    max: StrictInt

    @model_validator(mode="after")
    def _ordered(self) -> ScaleBounds:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        return self

    @property
    def levels(self) -> range:
        return range(self.min, self.max + 1)

    def to_scale(self) -> Scale:
        return Scale(self.min, self.max)


class Level(_Model):
    value: StrictInt
    name: Name
    summary: Line


class Question(_Model):
    id: Id
    prompt: Prompt
    anchors: dict[StrictInt, Anchor]  # level -> what that level looks like for this question

    @field_validator("anchors")
    @classmethod
    def _distinct(cls, anchors: dict[int, str]) -> dict[int, str]:
        seen: dict[str, int] = {}
        for level, text in anchors.items():
            key = " ".join(text.lower().split())
            if key in seen:
                raise ValueError(f"levels {seen[key]} and {level} have the same anchor; each level needs its own")
            seen[key] = level
        return anchors

    def anchor(self, level: int) -> str:
        return self.anchors[level]


class Dimension(_Model):
    id: Id
    name: Name
    weight: Annotated[float, Field(strict=True, gt=0, le=1)]
    description: Line
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]
    opportunities: Annotated[tuple[Line, ...], Field(min_length=3, max_length=5)]
    pain_points: tuple[Line, ...] = ()

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def spec(self) -> DimensionSpec:
        return DimensionSpec(self.id, self.name, self.weight, self.question_ids)


class VersionChanges(_Model):
    """How the questions (and dimensions) of an earlier version map onto this one.

    Keys are ids: a question of this version maps as ``same`` (kept, same id), ``new`` (nothing
    before) or ``replaces: <old id>`` (renamed or reworded, still comparable); a question of the
    earlier version that is gone is listed as ``retired``. Dimensions not listed map by id.
    """

    version: Annotated[int, Field(strict=True, ge=1)]
    questions: dict[Id, Change]
    dimensions: dict[Id, Change] = Field(default_factory=dict)


class Framework(_Model):
    id: Id
    version: Annotated[int, Field(strict=True, ge=1)]
    name: Name
    description: Description
    source: Description
    default: Annotated[bool, Field(strict=True)] = False
    # Show seed 000's improvement roadmaps (mapped onto this scale); a framework without them shows none.
    roadmaps: Annotated[bool, Field(strict=True)] = False
    # The evidence after the levels in example replies (help, error messages), e.g. "prompts live in Git".
    example_comment: Line | None = None
    scale: ScaleBounds
    levels: Annotated[tuple[Level, ...], Field(min_length=2)]
    dimensions: Annotated[tuple[Dimension, ...], Field(min_length=1)]
    previous: VersionChanges | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        problems = [
            *self._level_problems(),
            *self._dimension_problems(),
            *self._question_problems(),
            *self._mapping_problems(),
        ]
        if problems:
            raise _Problems(problems)
        return self

    def _mapping_problems(self) -> list[tuple[str, str]]:
        """The mapping on its own: every id of this version listed, no unknown ids."""
        if self.previous is None:
            return []
        problems: list[tuple[str, str]] = []
        if self.previous.version >= self.version:
            problems.append(
                ("previous.version", f"must be below this file's version ({self.version}), got {self.previous.version}")
            )
        for kind, ids, mapping in (
            ("question", self.question_ids, self.previous.questions),
            ("dimension", tuple(d.id for d in self.dimensions), self.previous.dimensions),
        ):
            if kind == "dimension" and not mapping:
                continue
            where = f"previous.{kind}s"
            current = set(ids)
            replaced: dict[str, str] = {}
            for key, change in mapping.items():
                old = _replaced(change)
                if change in ("same", "new") or old is not None:
                    if key not in current:
                        problems.append(
                            (f"{where}.{key}", f"unknown {kind} id {key!r}: this version has no {kind} {key!r}")
                        )
                elif key in current:  # retired
                    problems.append((f"{where}.{key}", f"{kind} {key!r} is in this version, so it cannot be retired"))
                if old is not None:
                    if old in current:
                        problems.append(
                            (f"{where}.{key}", f"replaces {old!r}, which is still a {kind} of this version")
                        )
                    if old in replaced:
                        problems.append((f"{where}.{key}", f"{old!r} is already replaced by {replaced[old]!r}"))
                    replaced.setdefault(old, key)
                    if old in mapping:
                        problems.append((f"{where}.{key}", f"{old!r} is both replaced and listed as {mapping[old]!r}"))
            for qid in ids:
                if qid not in mapping:
                    problems.append((where, f"{kind} {qid!r} is not mapped; say same, new or replaces: <old id>"))
        return problems

    def mapping_problems_against(self, earlier: Framework) -> list[tuple[str, str]]:
        """The mapping checked against the earlier version it names: every id it names exists there,
        and every question of that version is kept, replaced or retired."""
        if self.previous is None:
            return []
        problems: list[tuple[str, str]] = []
        for kind, old_ids, mapping in (
            ("question", earlier.question_ids, self.previous.questions),
            ("dimension", tuple(d.id for d in earlier.dimensions), self.previous.dimensions),
        ):
            if kind == "dimension" and not mapping:
                continue
            where = f"previous.{kind}s"
            old = set(old_ids)
            covered: set[str] = set()
            for key, change in mapping.items():
                target = _replaced(change)
                name = target if target is not None else key
                if change == "new":
                    if key in old:
                        problems.append(
                            (f"{where}.{key}", f"{key!r} is a {kind} of v{earlier.version}: say same, not new")
                        )
                    continue
                if name not in old:
                    problems.append(
                        (
                            f"{where}.{key}",
                            f"unknown {kind} id {name!r}: v{earlier.version} of {earlier.id!r} has no {kind} {name!r}",
                        )
                    )
                covered.add(name)
            for qid in old_ids:
                if qid not in covered:
                    problems.append(
                        (where, f"{kind} {qid!r} of v{earlier.version} is not mapped; say same, retired or replace it")
                    )
        return problems

    def _level_problems(self) -> list[tuple[str, str]]:
        problems = []
        values = [level.value for level in self.levels]
        expected = list(self.scale.levels)
        if values != expected:
            problems.append(
                (
                    "levels",
                    f"level values are {values}, expected {expected} "
                    f"(one per scale step from {self.scale.min} to {self.scale.max}, in order)",
                )
            )
        seen: dict[str, int] = {}
        for i, level in enumerate(self.levels):
            key = level.name.casefold()
            if key in seen:
                problems.append(
                    (f"levels[{i}].name", f"duplicate level name {level.name!r} (also levels[{seen[key]}])")
                )
            seen.setdefault(key, i)
        return problems

    def _dimension_problems(self) -> list[tuple[str, str]]:
        problems = []
        total = math.fsum(d.weight for d in self.dimensions)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            problems.append(("dimensions", f"weights sum to {total:.6g}, expected 1"))
        seen: dict[str, int] = {}
        for i, dim in enumerate(self.dimensions):
            if dim.id in seen:
                problems.append(
                    (
                        f"dimensions[{i}].id",
                        f"duplicate dimension id {dim.id!r} (also dimensions[{seen[dim.id]}])",
                    )
                )
            seen.setdefault(dim.id, i)
        return problems

    def _question_problems(self) -> list[tuple[str, str]]:
        problems = []
        seen: dict[str, str] = {}
        scale = set(self.scale.levels)
        for i, dim in enumerate(self.dimensions):
            for j, question in enumerate(dim.questions):
                where = f"dimensions[{i}].questions[{j}]"
                if question.id in seen:
                    problems.append(
                        (f"{where}.id", f"duplicate question id {question.id!r} (also {seen[question.id]})")
                    )
                seen.setdefault(question.id, where)
                for level in sorted(scale - question.anchors.keys()):
                    problems.append((f"{where}.anchors", f"question {question.id!r} has no anchor for level {level}"))
                for level in sorted(question.anchors.keys() - scale):
                    problems.append(
                        (
                            f"{where}.anchors[{level}]",
                            f"question {question.id!r} anchors level {level}, "
                            f"which is not on the scale {self.scale.min}–{self.scale.max}",
                        )
                    )
        return problems

    # -- lookups -----------------------------------------------------------------------------------

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in dimension order."""
        return tuple(q for d in self.dimensions for q in d.questions)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @property
    def levels_range(self) -> range:
        """The answer levels, ``range(scale.min, scale.max + 1)``."""
        return self.scale.levels

    def dimension(self, dimension_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(f"framework {self.id!r} has no dimension {dimension_id!r}")

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"framework {self.id!r} has no question {question_id!r}")

    def dimension_of(self, question_id: str) -> Dimension:
        for dim in self.dimensions:
            if question_id in dim.question_ids:
                return dim
        raise KeyError(f"framework {self.id!r} has no question {question_id!r}")

    def level(self, value: int) -> Level:
        if value not in self.levels_range:
            raise ValueError(f"level {value} is outside the scale {self.scale.min}–{self.scale.max}")
        return self.levels[value - self.scale.min]

    def level_name(self, level: int) -> str:
        return self.level(level).name

    def example_reply(self, question_count: int) -> str:
        """A typed reply that reads on this framework's scale, with its own example evidence."""
        from conversations.replies import example_reply

        return example_reply(question_count, self.scale.min, self.scale.max, self.example_comment)

    def spec(self) -> FrameworkSpec:
        """The plain value the scoring engine works on."""
        return FrameworkSpec(
            id=self.id,
            version=self.version,
            scale=self.scale.to_scale(),
            level_names=tuple(level.name for level in self.levels),
            dimensions=tuple(d.spec() for d in self.dimensions),
            changes=self.version_map(),
        )

    def version_map(self) -> VersionMap | None:
        """The mapping from the previous version, as the scoring engine's plain value."""
        if self.previous is None:
            return None

        def pairs(ids: Sequence[str], mapping: dict[str, str], by_id: bool) -> tuple[tuple[str, str | None], ...]:
            out: list[tuple[str, str | None]] = []
            for new_id in ids:
                change = mapping.get(new_id, "same" if by_id else "new")
                old = _replaced(change)
                out.append((new_id, old if old is not None else new_id if change == "same" else None))
            return tuple(out)

        dims = self.previous.dimensions
        return VersionMap(
            from_version=self.previous.version,
            questions=pairs(self.question_ids, self.previous.questions, False),
            dimensions=pairs(tuple(d.id for d in self.dimensions), dims, not dims),
        )


# --- roadmap models --------------------------------------------------------------------------------


class RoadmapEntry(_Model):
    number: Annotated[int, Field(strict=True, ge=1, le=5)]
    title: Name
    from_level: StrictInt  # on the 0–4 reference scale of ``maturity-levels``
    to_level: StrictInt
    duration: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=40)]
    cost: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=40)]
    team: Line
    focus: Annotated[tuple[Line, ...], Field(min_length=1, max_length=6)]
    accelerated: Annotated[bool, Field(strict=True)] = False

    def to_roadmap(self) -> Roadmap:
        return Roadmap(
            number=self.number,
            title=self.title,
            from_level=self.from_level,
            to_level=self.to_level,
            duration=self.duration,
            cost=self.cost,
            team=self.team,
            focus=self.focus,
            accelerated=self.accelerated,
        )


class RoadmapFile(_Model):
    version: Annotated[int, Field(strict=True, ge=1)]
    source: Description
    scale: ScaleBounds  # the reference scale the roadmaps' levels are on
    roadmaps: Annotated[tuple[RoadmapEntry, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> RoadmapFile:
        problems: list[tuple[str, str]] = []
        numbers = [r.number for r in self.roadmaps]
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            problems.append(("roadmaps", f"roadmap numbers are {numbers}, expected each of 1..{len(numbers)} once"))
        steps: dict[int, int] = {}
        for i, r in enumerate(self.roadmaps):
            where = f"roadmaps[{i}]"
            for field in ("from_level", "to_level"):
                value = getattr(r, field)
                if not self.scale.min <= value <= self.scale.max:
                    problems.append(
                        (f"{where}.{field}", f"{value} is not on the scale {self.scale.min}–{self.scale.max}")
                    )
            if r.to_level <= r.from_level:
                problems.append((f"{where}.to_level", f"must be above from_level ({r.from_level})"))
            elif r.accelerated and r.to_level - r.from_level < 2:
                problems.append((f"{where}.to_level", "an accelerated roadmap must skip at least one level"))
            elif not r.accelerated and r.to_level != r.from_level + 1:
                problems.append(
                    (
                        f"{where}.to_level",
                        f"must be from_level + 1 ({r.from_level + 1}) unless accelerated: true",
                    )
                )
            if not r.accelerated:
                if r.from_level in steps:
                    problems.append(
                        (
                            f"{where}.from_level",
                            f"two roadmaps start at level {r.from_level} "
                            f"(also roadmaps[{steps[r.from_level]}]); only one may, besides accelerated ones",
                        )
                    )
                steps.setdefault(r.from_level, i)
        missing = [level for level in range(self.scale.min, self.scale.max) if level not in steps]
        if missing:
            problems.append(
                ("roadmaps", f"no (non-accelerated) roadmap starts at level {', '.join(map(str, missing))}")
            )
        if problems:
            raise _Problems(problems)
        return self

    def to_roadmaps(self) -> tuple[Roadmap, ...]:
        return tuple(r.to_roadmap() for r in sorted(self.roadmaps, key=lambda r: r.number))


# --- reading files ---------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # unhashable: the base constructor reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkFileError(path, f"cannot read the file: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        context_mark = getattr(exc, "context_mark", None)
        if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
            context += f" from line {context_mark.line + 1}"
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise FrameworkFileError(path, [(where, message)]) from exc
    if data is None:
        raise FrameworkFileError(path, f"the file is empty; expected a {what} mapping")
    if not isinstance(data, dict):
        raise FrameworkFileError(path, f"the top level must be a mapping of {what} fields, not a {type(data).__name__}")
    return data


def _field_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " (key)"
        else:
            out += f".{part}" if out else part
    return out


def _model_at(root: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class found by following field names ``loc`` from ``root`` (indexes skipped)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        model = _find_model(field.annotation)
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _find_model(arg)
        if found is not None:
            return found
    return None


def _describe(error: ErrorDetails, root: type[BaseModel]) -> list[tuple[str, str]]:
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, _Problems):
        prefix = _field_path(loc)
        return [(".".join(p for p in (prefix, field) if p), message) for field, message in cause.problems]
    kind = error["type"]
    message = error["msg"]
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        model = _model_at(root, loc[:-1])
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if close:
            message = f"unknown key {key!r} (did you mean {close[0]!r}?)"
        elif allowed:
            message = f"unknown key {key!r}; allowed keys: {', '.join(allowed)}"
        else:
            message = f"unknown key {key!r}"
    elif kind == "missing":
        message = "required key is missing"
    else:
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        value = error.get("input")
        if kind not in ("value_error", "assertion_error") and isinstance(value, str | int | float | bool):
            shown = repr(value)
            message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return [(_field_path(loc), message)]


_M = typing.TypeVar("_M", bound=BaseModel)


def _validate(model: type[_M], data: dict[str, Any], path: Path) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose items failed is also reported "too short" (the failed items are not counted): noise.
        inner = [tuple(e["loc"]) for e in errors]
        errors = [
            e
            for e in errors
            if not (
                e["type"] == "too_short"
                and any(len(loc) > len(e["loc"]) and loc[: len(e["loc"])] == tuple(e["loc"]) for loc in inner)
            )
        ]
        problems = [p for error in errors for p in _describe(error, model)]
        raise FrameworkFileError(path, problems) from exc


# --- public loading API ----------------------------------------------------------------------------


def load_framework_file(path: Path | str) -> Framework:
    """Load and validate one framework file. Raises FrameworkFileError."""
    path = Path(path)
    return _validate(Framework, _read_yaml_mapping(path, "framework"), path)


def load_frameworks(directory: Path | str | None = None) -> dict[str, Framework]:
    """Every framework file (``*.yml`` except ``roadmaps.yml``) in ``directory``, by id.

    The default framework comes first, then the others in file-name order. Exactly one framework
    must be marked ``default: true`` and ids must be unique across files (FrameworkFileError).
    """
    directory = Path(directory) if directory is not None else DATA_DIR
    files = sorted(p for p in directory.glob("*.yml") if p.name != ROADMAPS_FILE)
    if not files:
        raise FrameworkFileError(directory, "no framework files (*.yml) in this directory")
    loaded: dict[str, tuple[Path, Framework]] = {}
    for path in files:
        framework = load_framework_file(path)
        if framework.id in loaded:
            other = _display_path(loaded[framework.id][0])
            raise FrameworkFileError(path, [("id", f"framework id {framework.id!r} is already used by {other}")])
        loaded[framework.id] = (path, framework)
    defaults = [(path, fw) for path, fw in loaded.values() if fw.default]
    if len(defaults) != 1:
        names = ", ".join(f"{_display_path(p)} ({fw.id})" for p, fw in defaults) or "none"
        raise FrameworkFileError(
            directory, f"exactly one framework must have default: true; found {len(defaults)}: {names}"
        )
    ordered = sorted(loaded.values(), key=lambda item: not item[1].default)  # stable: file order otherwise
    return {fw.id: fw for _, fw in ordered}


def load_roadmaps(path: Path | str | None = None) -> tuple[Roadmap, ...]:
    """The improvement roadmaps (seed 000), ordered by number. Raises FrameworkFileError."""
    path = Path(path) if path is not None else DATA_DIR / ROADMAPS_FILE
    return _validate(RoadmapFile, _read_yaml_mapping(path, "roadmap file"), path).to_roadmaps()


# --- extra frameworks (FRAMEWORKS_DIR) ------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """Every loaded framework version: ``latest`` by id (the default first), ``versions`` by id then
    version, and the file each came from."""

    latest: dict[str, Framework]
    versions: dict[str, dict[int, Framework]]
    files: dict[tuple[str, int], Path]


def _extra_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())


def build_catalog(extra_dir: Path | str | None = None, *, shipped_dir: Path | str | None = None) -> Catalog:
    """The shipped frameworks plus every ``*.yml``/``*.yaml`` file of ``extra_dir``, validated the
    same way. A file whose id is a shipped (or another file's) framework must declare a higher
    version: that version is then the one new assessments use, older ones stay for the assessments
    opened with them. A ``previous:`` mapping is checked against the version it names. One file may
    say ``default: true``; it then takes over from the shipped default. Raises FrameworkFileError."""
    shipped = load_frameworks(shipped_dir)
    versions: dict[str, dict[int, Framework]] = {fid: {fw.version: fw} for fid, fw in shipped.items()}
    base = Path(shipped_dir) if shipped_dir is not None else DATA_DIR
    files: dict[tuple[str, int], Path] = {(fw.id, fw.version): base / f"{fw.id}.yml" for fw in shipped.values()}
    shipped_keys = set(files)
    extra = _load_extra(extra_dir)
    for path, framework in sorted(extra, key=lambda item: (item[1].id, item[1].version, item[0].name)):
        known = versions.setdefault(framework.id, {})
        _check_version(path, framework, known, files, shipped_keys)
        known[framework.version] = framework
        files[(framework.id, framework.version)] = path
    newest = {fid: by_version[max(by_version)] for fid, by_version in versions.items()}
    latest = _with_one_default(newest, extra, shipped)
    ordered = sorted(latest.values(), key=lambda fw: not fw.default)
    return Catalog({fw.id: fw for fw in ordered}, versions, files)


def _load_extra(extra_dir: Path | str | None) -> list[tuple[Path, Framework]]:
    """Every framework file of FRAMEWORKS_DIR, each loaded and validated on its own."""
    if extra_dir is None:
        return []
    directory = Path(extra_dir)
    if not directory.is_dir():
        raise FrameworkFileError(directory, "FRAMEWORKS_DIR is not a directory")
    return [(path, load_framework_file(path)) for path in _extra_files(directory)]


def _check_version(
    path: Path,
    framework: Framework,
    known: dict[int, Framework],
    files: dict[tuple[str, int], Path],
    shipped_keys: set[tuple[str, int]],
) -> None:
    """A file's version against the versions of its id loaded before it (``known``): new, higher
    than a shipped one, and mapped onto the version its ``previous:`` names. Raises FrameworkFileError."""
    if framework.version in known:
        other = _display_path(files[(framework.id, framework.version)])
        raise FrameworkFileError(
            path,
            [
                (
                    "version",
                    f"{framework.id!r} v{framework.version} is already loaded from {other}; "
                    "declare a new version to override it",
                )
            ],
        )
    if known and framework.version < max(known) and (framework.id, max(known)) in shipped_keys:
        raise FrameworkFileError(
            path,
            [("version", f"the shipped {framework.id!r} is v{max(known)}; an override must declare a higher version")],
        )
    if framework.previous is not None:
        earlier = known.get(framework.previous.version)
        if earlier is None:
            have = ", ".join(f"v{v}" for v in sorted(known)) or "none"
            raise FrameworkFileError(
                path,
                [
                    (
                        "previous.version",
                        f"{framework.id!r} has no v{framework.previous.version} loaded (loaded: {have})",
                    )
                ],
            )
        problems = framework.mapping_problems_against(earlier)
        if problems:
            raise FrameworkFileError(path, problems)
    elif known:
        raise FrameworkFileError(
            path,
            [
                (
                    "previous",
                    f"{framework.id!r} v{max(known)} is already loaded: say how its questions map "
                    "(previous: {version: N, questions: {id: same | new | retired | replaces: <old id>}})",
                )
            ],
        )


def _with_one_default(
    latest: dict[str, Framework], extra: list[tuple[Path, Framework]], shipped: dict[str, Framework]
) -> dict[str, Framework]:
    """The newest version of each framework, exactly one of them the default: the one file that says
    ``default: true`` (two files saying so is an error), else the shipped default."""
    extra_defaults = [(path, fw) for path, fw in extra if fw.default and latest[fw.id] is fw]
    if len(extra_defaults) > 1:
        names = ", ".join(_display_path(p) for p, _ in extra_defaults)
        raise FrameworkFileError(extra_defaults[1][0], [("default", f"only one file may say default: true ({names})")])
    if extra_defaults:
        chosen = extra_defaults[0][1].id
        return {
            fid: fw if fid == chosen or not fw.default else fw.model_copy(update={"default": False})
            for fid, fw in latest.items()
        }
    if not any(fw.default for fw in latest.values()):
        # An override of the shipped default keeps it the default.
        shipped_default = next(fw.id for fw in shipped.values() if fw.default)
        latest[shipped_default] = latest[shipped_default].model_copy(update={"default": True})
    return latest


def validate_file(path: Path | str) -> list[str]:
    """``maturity frameworks validate FILE``: the problems of one file, one ``FILE: field: message``
    line each (none: it loads). Checked as the loader would: on its own, then its ``previous:``
    mapping against the shipped frameworks and the other files in its folder that load."""
    path = Path(path)
    try:
        framework = load_framework_file(path)
    except FrameworkFileError as exc:
        return str(exc).splitlines()
    here = path.resolve()
    known: dict[tuple[str, int], Framework] = {}
    candidates = [p for p in sorted(DATA_DIR.glob("*.yml")) if p.name != ROADMAPS_FILE]
    if path.parent.is_dir():
        candidates += _extra_files(path.parent)
    for other in candidates:
        if other.resolve() == here:
            continue
        try:
            sibling = load_framework_file(other)
        except FrameworkFileError:
            continue
        known.setdefault((sibling.id, sibling.version), sibling)
    problems: list[tuple[str, str]] = []
    if framework.previous is not None:
        earlier = known.get((framework.id, framework.previous.version))
        if earlier is None:
            problems.append(
                (
                    "previous.version",
                    f"{framework.id!r} has no v{framework.previous.version} among the shipped "
                    "frameworks or the files beside this one",
                )
            )
        else:
            problems.extend(framework.mapping_problems_against(earlier))
    elif any(fid == framework.id and v < framework.version for fid, v in known):
        problems.append(("previous", f"an earlier version of {framework.id!r} is loaded: say how its questions map"))
    if (framework.id, framework.version) in known:
        problems.append(("version", f"{framework.id!r} v{framework.version} already exists; declare a new version"))
    return str(FrameworkFileError(path, problems)).splitlines() if problems else []


def framework_json_schema() -> dict[str, Any]:
    """The JSON Schema of a framework file (``docs/framework.schema.json`` is this, generated)."""
    schema = Framework.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "maturity framework (questionnaire) file"
    return schema


# --- cached registry -------------------------------------------------------------------------------

_extra_dir: Path | None = None
_loaded: list[Catalog] = []  # the catalog in use, once loaded


def use_frameworks_dir(directory: Path | str | None) -> Catalog:
    """Load the shipped frameworks and those of ``directory`` (``FRAMEWORKS_DIR``) now, and serve
    them from here on. Raises FrameworkFileError (and keeps the previous set) for a broken file."""
    global _extra_dir
    new_dir = Path(directory) if directory is not None else None
    catalog = build_catalog(new_dir)
    _extra_dir = new_dir
    _loaded[:] = [catalog]
    get_frameworks.cache_clear()
    return catalog


def frameworks_dir_in_use() -> Path | None:
    """The ``FRAMEWORKS_DIR`` the frameworks are served from (None: the shipped ones only)."""
    return _extra_dir


def _catalog() -> Catalog:
    if not _loaded:
        _loaded[:] = [build_catalog(_extra_dir)]
    return _loaded[0]


@functools.cache
def get_frameworks() -> dict[str, Framework]:
    """The frameworks by id (their newest version), the default first (loaded once;
    ``get_frameworks.cache_clear()``)."""
    return dict(_catalog().latest)


def get_framework(framework_id: str, version: int | None = None) -> Framework:
    """The framework with this id (case and surrounding spaces ignored): its newest version, or
    ``version`` exactly when given and loaded (else the newest, whose texts then stand in)."""
    frameworks = get_frameworks()
    key = framework_id.strip().lower()
    if key not in frameworks:
        raise UnknownFrameworkError(framework_id, frameworks)
    if version is not None and version != frameworks[key].version:
        found = _catalog().versions.get(key, {}).get(version)
        if found is not None:
            return found
    return frameworks[key]


def framework_versions(framework_id: str) -> dict[int, Framework]:
    """Every loaded version of a framework, by version (empty for an unknown id)."""
    return dict(_catalog().versions.get(framework_id, {}))


def default_framework() -> Framework:
    return next(fw for fw in get_frameworks().values() if fw.default)


@functools.cache
def get_roadmaps() -> tuple[Roadmap, ...]:
    """The shipped roadmaps, ordered by number (loaded once)."""
    return load_roadmaps()
