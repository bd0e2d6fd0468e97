"""The questionnaire files and their loader (conversations.frameworks)."""

from __future__ import annotations

import copy
import difflib
import math
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from conversations import frameworks as fw
from conversations.frameworks import (
    DATA_DIR,
    Framework,
    FrameworkFileError,
    UnknownFrameworkError,
    default_framework,
    get_framework,
    get_frameworks,
    get_roadmaps,
    load_framework_file,
    load_frameworks,
    load_roadmaps,
)
from scoring.types import DimensionSpec, FrameworkSpec, Roadmap, Scale

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
MATURITY_FILE = DATA_DIR / "maturity-levels.yml"
DISCOVERY_FILE = DATA_DIR / "discovery.yml"
ROADMAPS_PATH = DATA_DIR / "roadmaps.yml"

MATURITY_DIMENSIONS = [
    ("People & Process", 0.30, 3),
    ("Model Development", 0.25, 4),
    ("Deployment & Serving", 0.25, 4),
    ("Monitoring & Operations", 0.20, 5),
]
DISCOVERY_DIMENSIONS = [
    ("Feature Engineering", 0.15),
    ("Model Development", 0.20),
    ("Deployment & Serving", 0.20),
    ("Monitoring & Observability", 0.15),
    ("Automation & Workflows", 0.10),
    ("Governance & Compliance", 0.10),
    ("Business Value", 0.10),
]
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def raw(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any, name: str = "broken.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(FrameworkFileError) as info:
        load_framework_file(path)
    message = str(info.value)
    assert message.splitlines()[0].startswith(str(path)) or path.name in message.splitlines()[0]
    return message


# --- the shipped frameworks ------------------------------------------------------------------------


def test_both_frameworks_load_default_first() -> None:
    frameworks = load_frameworks()
    assert list(frameworks) == ["maturity-levels", "discovery"]
    assert frameworks["maturity-levels"].default is True
    assert frameworks["discovery"].default is False
    assert default_framework().id == "maturity-levels"
    assert list(get_frameworks()) == ["maturity-levels", "discovery"]
    assert get_frameworks() is get_frameworks()  # cached


def test_maturity_levels_matches_the_interface() -> None:
    f = get_framework("maturity-levels")
    assert f.version >= 1
    assert (f.scale.min, f.scale.max) == (0, 4)
    assert f.levels_range == range(0, 5)
    assert [level.name for level in f.levels] == [
        "Manual",
        "DevOps no MLOps",
        "Automated Training",
        "Automated Deployment",
        "Full MLOps",
    ]
    assert [(d.name, d.weight, len(d.questions)) for d in f.dimensions] == MATURITY_DIMENSIONS
    assert len(f.questions) == 16
    assert f.level_name(0) == "Manual"
    assert f.level_name(4) == "Full MLOps"


def test_discovery_matches_the_interface() -> None:
    f = get_framework("discovery")
    assert (f.scale.min, f.scale.max) == (1, 5)
    assert f.levels_range == range(1, 6)
    assert [level.name for level in f.levels] == ["Ad Hoc", "Developing", "Defined", "Measured", "Optimizing"]
    assert [(d.name, d.weight) for d in f.dimensions] == DISCOVERY_DIMENSIONS
    assert all(3 <= len(d.questions) <= 5 for d in f.dimensions)
    assert f.level_name(1) == "Ad Hoc"
    with pytest.raises(ValueError):
        f.level_name(0)


@pytest.mark.parametrize("framework_id", ["maturity-levels", "discovery"])
def test_every_question_is_fully_anchored(framework_id: str) -> None:
    f = get_framework(framework_id)
    assert math.isclose(sum(d.weight for d in f.dimensions), 1.0)
    ids = [q.id for q in f.questions]
    assert len(ids) == len(set(ids))
    assert len({d.id for d in f.dimensions}) == len(f.dimensions)
    for dim in f.dimensions:
        assert KEBAB.match(dim.id)
        assert dim.description
        assert 3 <= len(dim.opportunities) <= 5
        for q in dim.questions:
            assert KEBAB.match(q.id)
            assert q.prompt.endswith("?") and len(q.prompt) <= 150
            assert sorted(q.anchors) == list(f.levels_range), q.id
            assert all(0 < len(text) <= 110 for text in q.anchors.values())
            assert len({text.lower() for text in q.anchors.values()}) == len(q.anchors), q.id
            assert f.question(q.id) is q
            assert f.dimension_of(q.id) is dim
        assert f.dimension(dim.id) is dim


def test_question_ids_are_not_shared_between_shipped_frameworks() -> None:
    # a CSV scored against the wrong framework then fails loudly instead of half-matching
    maturity, discovery = (set(get_framework(i).question_ids) for i in ("maturity-levels", "discovery"))
    assert not maturity & discovery


def test_question_ids_in_order() -> None:
    assert get_framework("maturity-levels").question_ids == (
        "pp-collaboration",
        "pp-handoff",
        "pp-incidents",
        "md-reproducibility",
        "md-tracking",
        "md-training-automation",
        "md-data-management",
        "ds-frequency",
        "ds-testing",
        "ds-rollback",
        "ds-ab-testing",
        "mo-metrics",
        "mo-alerting",
        "mo-drift",
        "mo-retraining",
        "mo-cost",
    )


@pytest.mark.parametrize("framework_id", ["maturity-levels", "discovery"])
def test_spec_round_trip(framework_id: str) -> None:
    f = get_framework(framework_id)
    spec = f.spec()
    assert isinstance(spec, FrameworkSpec)
    assert (spec.id, spec.version) == (f.id, f.version)
    assert spec.scale == Scale(f.scale.min, f.scale.max)
    assert spec.level_names == tuple(level.name for level in f.levels)
    assert spec.question_ids == tuple(q.id for q in f.questions)
    for dim, dim_spec in zip(f.dimensions, spec.dimensions, strict=True):
        assert dim_spec == DimensionSpec(dim.id, dim.name, dim.weight, tuple(q.id for q in dim.questions))
    for level in f.levels_range:
        assert spec.level_name(level) == f.level_name(level)
    for q in f.questions:
        assert spec.dimension_of(q.id).id == f.dimension_of(q.id).id
    # through plain data and back: equal, and equal to a fresh spec
    data = asdict(spec)
    rebuilt = FrameworkSpec(
        id=data["id"],
        version=data["version"],
        scale=Scale(**data["scale"]),
        level_names=tuple(data["level_names"]),
        dimensions=tuple(
            DimensionSpec(d["id"], d["name"], d["weight"], tuple(d["question_ids"])) for d in data["dimensions"]
        ),
    )
    assert rebuilt == spec == f.spec()


def test_unknown_framework_lists_the_known_ids() -> None:
    with pytest.raises(UnknownFrameworkError) as info:
        get_framework("nope")
    assert "nope" in str(info.value)
    assert "maturity-levels" in str(info.value) and "discovery" in str(info.value)
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert get_framework(" Discovery ").id == "discovery"


def test_lookups_of_unknown_ids_raise_key_error() -> None:
    f = default_framework()
    with pytest.raises(KeyError):
        f.dimension("nope")
    with pytest.raises(KeyError):
        f.question("nope")


def test_models_are_immutable() -> None:
    f = default_framework()
    with pytest.raises(ValueError):
        f.version = 2  # type: ignore[misc]


# --- broken files ----------------------------------------------------------------------------------


def test_weights_not_summing_to_one(tmp_path: Path) -> None:
    data = raw(DISCOVERY_FILE)
    data["dimensions"][1]["weight"] = 0.15
    message = load_error(write(tmp_path, data))
    assert "broken.yml: dimensions: weights sum to 0.95, expected 1" in message


def test_weight_out_of_range(tmp_path: Path) -> None:
    data = raw(DISCOVERY_FILE)
    data["dimensions"][2]["weight"] = 0
    message = load_error(write(tmp_path, data))
    assert "broken.yml: dimensions[2].weight: Input should be greater than 0" in message


def test_duplicate_question_id(tmp_path: Path) -> None:
    data = raw(MATURITY_FILE)
    data["dimensions"][2]["questions"][1]["id"] = "pp-handoff"
    message = load_error(write(tmp_path, data))
    assert "dimensions[2].questions[1].id: duplicate question id 'pp-handoff'" in message
    assert "dimensions[0].questions[1]" in message


def test_duplicate_dimension_id(tmp_path: Path) -> None:
    data = raw(MATURITY_FILE)
    data["dimensions"][3]["id"] = "people-process"
    message = load_error(write(tmp_path, data))
    assert "dimensions[3].id: duplicate dimension id 'people-process'" in message


def test_missing_anchor_names_question_and_level(tmp_path: Path) -> None:
    data = raw(MATURITY_FILE)
    del data["dimensions"][1]["questions"][1]["anchors"][3]
    message = load_error(write(tmp_path, data))
    assert "dimensions[1].questions[1].anchors: question 'md-tracking' has no anchor for level 3" in message


def test_anchor_outside_the_scale(tmp_path: Path) -> None:
    data = raw(DISCOVERY_FILE)
    data["dimensions"][0]["questions"][0]["anchors"][0] = "A level the scale does not have"
    message = load_error(write(tmp_path, data))
    assert "dimensions[0].questions[0].anchors[0]: question 'fe-pipelines' anchors level 0" in message


def test_unknown_key_is_a_typo(tmp_path: Path) -> None:
    data = raw(MATURITY_FILE)
    question = data["dimensions"][0]["questions"][2]
    question["promt"] = question.pop("prompt")
    message = load_error(write(tmp_path, data))
    assert "dimensions[0].questions[2].promt: unknown key 'promt' (did you mean 'prompt'?)" in message
    assert "dimensions[0].questions[2].prompt: required key is missing" in message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    data = raw(MATURITY_FILE)
    data["defualt"] = data.pop("default")
    message = load_error(write(tmp_path, data))
    assert "broken.yml: defualt: unknown key 'defualt' (did you mean 'default'?)" in message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["dimensions"][0].__setitem__("weight", "heavy"),
            "dimensions[0].weight: Input should be a valid number",
        ),
        (lambda d: d.__setitem__("version", "1"), "version: Input should be a valid integer"),
        (lambda d: d.__setitem__("version", 0), "version: Input should be greater than or equal to 1"),
        (lambda d: d.__setitem__("default", "yes"), "default: Input should be a valid boolean"),
        (
            lambda d: d["levels"][1].__setitem__("name", False),
            "levels[1].name: Input should be a valid string",
        ),
        (
            lambda d: d["dimensions"][1].__setitem__("questions", []),
            "dimensions[1].questions: Tuple should have at least 1",
        ),
        (lambda d: d.__setitem__("dimensions", []), "dimensions: Tuple should have at least 1"),
        (
            lambda d: d["dimensions"][1]["questions"][0]["anchors"].__setitem__("2", "text"),
            "dimensions[1].questions[0].anchors.2 (key): Input should be a valid integer",
        ),
    ],
)
def test_wrong_type(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = raw(MATURITY_FILE)
    mutate(data)
    assert expected in load_error(write(tmp_path, data))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["dimensions"][0]["questions"][0].__setitem__("prompt", "Tell me about collaboration."),
            "dimensions[0].questions[0].prompt: a prompt must be a question ending in '?'",
        ),
        (
            lambda d: d["dimensions"][0]["questions"][0].__setitem__("prompt", "Why? " * 40),
            "dimensions[0].questions[0].prompt: String should have at most 150 characters",
        ),
        (
            lambda d: d["dimensions"][0]["questions"][0]["anchors"].__setitem__(2, "x" * 111),
            "dimensions[0].questions[0].anchors[2]: String should have at most 110 characters",
        ),
        (
            lambda d: d["dimensions"][0]["questions"][0]["anchors"].__setitem__(2, "line one\nline two"),
            "dimensions[0].questions[0].anchors[2]: must be a single line",
        ),
        (
            lambda d: d["dimensions"][0]["questions"][0]["anchors"].__setitem__(
                2, d["dimensions"][0]["questions"][0]["anchors"][1]
            ),
            "dimensions[0].questions[0].anchors: levels 1 and 2 have the same anchor",
        ),
        (
            lambda d: d["dimensions"][0]["questions"][0].__setitem__("id", "PP Collab"),
            "is not a kebab-case id",
        ),
        (
            lambda d: d["dimensions"][0].__setitem__("opportunities", ["only one"]),
            "dimensions[0].opportunities",
        ),
        (lambda d: d["levels"].pop(), "levels: level values are [0, 1, 2, 3], expected [0, 1, 2, 3, 4]"),
        (
            lambda d: d["levels"][2].__setitem__("name", "manual"),
            "levels[2].name: duplicate level name 'manual'",
        ),
        (
            lambda d: d.__setitem__("scale", {"min": 4, "max": 0}),
            "scale: max (0) must be greater than min (4)",
        ),
    ],
)
def test_other_rules(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = raw(MATURITY_FILE)
    mutate(data)
    assert expected in load_error(write(tmp_path, data))


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    lines = MATURITY_FILE.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip() == "weight: 0.30")
    lines[number] = lines[number].replace("weight: 0.30", "weight: [0.30")
    path = tmp_path / "syntax.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = load_error(path)
    assert re.search(r"syntax\.yml: line \d+, column \d+: invalid YAML: ", message), message
    assert f"from line {number + 1}" in message  # where the broken flow sequence starts


def test_yaml_duplicate_key_is_an_error(tmp_path: Path) -> None:
    text = MATURITY_FILE.read_text(encoding="utf-8").replace("weight: 0.30\n", "weight: 0.30\n    weight: 0.35\n", 1)
    path = tmp_path / "dup.yml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    weight: 0.35") + 1
    assert f"dup.yml: line {line}, column 5: invalid YAML: found duplicate key 'weight'" in load_error(path)


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yml"
    path.write_text(text, encoding="utf-8")
    assert load_error(path).endswith("empty.yml: the file is empty; expected a framework mapping")


def test_non_mapping_top_level(tmp_path: Path) -> None:
    path = tmp_path / "list.yml"
    path.write_text("- id: maturity-levels\n", encoding="utf-8")
    assert "list.yml: the top level must be a mapping of framework fields, not a list" in load_error(path)


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot read the file" in load_error(tmp_path / "absent.yml")


def test_error_is_a_value_error_with_one_line_per_problem(tmp_path: Path) -> None:
    data = raw(MATURITY_FILE)
    data["dimensions"][0]["weight"] = "heavy"
    data["dimensions"][1]["nmae"] = "x"
    path = write(tmp_path, data)
    with pytest.raises(ValueError) as info:
        load_framework_file(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{path}: dimensions[") for line in lines)
    assert info.value.path == path  # type: ignore[attr-defined]
    assert [field for field, _ in info.value.problems] == ["dimensions[0].weight", "dimensions[1].nmae"]  # type: ignore[attr-defined]


def test_relative_path_is_shown_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    data = raw(DISCOVERY_FILE)
    data["dimensions"][2]["weight"] = 0
    write(tmp_path / "data", data, "discovery.yml")
    with pytest.raises(FrameworkFileError) as info:
        load_framework_file(tmp_path / "data" / "discovery.yml")
    assert str(info.value).startswith("data/discovery.yml: dimensions[2].weight: Input should be greater than 0")


# --- directories -----------------------------------------------------------------------------------


def copy_shipped(tmp_path: Path) -> Path:
    for path in DATA_DIR.glob("*.yml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_load_frameworks_from_a_directory_skips_roadmaps(tmp_path: Path) -> None:
    directory = copy_shipped(tmp_path)
    frameworks = load_frameworks(directory)
    assert list(frameworks) == ["maturity-levels", "discovery"]
    assert frameworks["discovery"] == get_framework("discovery")


def test_duplicate_framework_id_across_files(tmp_path: Path) -> None:
    directory = copy_shipped(tmp_path)
    data = raw(DISCOVERY_FILE)
    write(directory, data, "zz-copy.yml")
    with pytest.raises(FrameworkFileError) as info:
        load_frameworks(directory)
    message = str(info.value)
    assert "zz-copy.yml: id: framework id 'discovery' is already used by" in message
    assert "discovery.yml" in message


def test_exactly_one_default(tmp_path: Path) -> None:
    directory = copy_shipped(tmp_path)
    data = raw(DISCOVERY_FILE)
    data["default"] = True
    write(directory, data, "discovery.yml")
    with pytest.raises(FrameworkFileError, match="exactly one framework must have default: true; found 2"):
        load_frameworks(directory)


def test_broken_file_in_directory_names_that_file(tmp_path: Path) -> None:
    directory = copy_shipped(tmp_path)
    data = raw(DISCOVERY_FILE)
    data["dimensions"][6]["weight"] = 0.2
    path = write(directory, data, "discovery.yml")
    with pytest.raises(FrameworkFileError) as info:
        load_frameworks(directory)
    assert str(info.value) == f"{path}: dimensions: weights sum to 1.1, expected 1"


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(FrameworkFileError, match="no framework files"):
        load_frameworks(tmp_path)


def test_model_can_be_built_from_data() -> None:
    assert Framework.model_validate(raw(DISCOVERY_FILE)) == get_framework("discovery")


# --- roadmaps --------------------------------------------------------------------------------------

SEED_ROADMAPS = [
    # number, from, to, duration, cost, accelerated
    (1, 0, 1, "3-6 months", "$50K-$100K", False),
    (2, 1, 2, "6-9 months", "$150K-$300K", False),
    (3, 2, 3, "9-12 months", "$300K-$500K", False),
    (4, 3, 4, "12-18 months", "$500K-$1M+", False),
    (5, 0, 3, "12 months", "$600K-$1M", True),
]


def test_roadmaps_match_seed_000() -> None:
    roadmaps = load_roadmaps()
    assert all(isinstance(r, Roadmap) for r in roadmaps)
    assert [(r.number, r.from_level, r.to_level, r.duration, r.cost, r.accelerated) for r in roadmaps] == SEED_ROADMAPS
    for r in roadmaps:
        assert r.title and r.team and r.focus
    assert get_roadmaps() == roadmaps


def test_roadmap_numbers_agree_with_the_seed_text() -> None:
    seed = SEEDS / "000_3f6198ddf9d84cd3.txt"
    if not seed.is_file():
        pytest.skip("seed documents not found next to the repository")
    found = re.findall(r"\*\*Roadmap (\d) \(([^)]*)\)\*\*: ([^,]+), (\S+)", seed.read_text(encoding="utf-8"))
    assert [(int(n), duration, cost) for n, _, duration, cost in found] == [
        (n, duration, cost) for n, _, _, duration, cost, _ in SEED_ROADMAPS
    ]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["roadmaps"][1].__setitem__("number", 1),
            "roadmaps: roadmap numbers are [1, 1, 3, 4, 5]",
        ),
        (
            lambda d: d["roadmaps"][1].__setitem__("to_level", 3),
            "roadmaps[1].to_level: must be from_level + 1 (2)",
        ),
        (
            lambda d: d["roadmaps"][4].__setitem__("accelerated", False),
            "roadmaps[4].to_level: must be from_level + 1",
        ),
        (lambda d: d["roadmaps"].pop(2), "no (non-accelerated) roadmap starts at level 2"),
        (
            lambda d: d["roadmaps"][0].__setitem__("costs", "x"),
            "roadmaps[0].costs: unknown key 'costs' (did you mean 'cost'?)",
        ),
        (
            lambda d: d["roadmaps"][3].__setitem__("to_level", 5),
            "roadmaps[3].to_level: 5 is not on the scale 0–4",
        ),
    ],
)
def test_broken_roadmaps(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = raw(ROADMAPS_PATH)
    mutate(data)
    path = write(tmp_path, data, "roadmaps.yml")
    with pytest.raises(FrameworkFileError) as info:
        load_roadmaps(path)
    assert str(info.value).startswith(f"{path}: ")
    assert expected in str(info.value)


# --- no verbatim copy from the seeds -----------------------------------------------------------------


NEAR_COPY = 0.88


def _similar(a: str, b: str) -> float:
    """difflib's similarity ratio, or 0.0 when a cheap upper bound already rules out a near-copy."""
    if 2 * min(len(a), len(b)) < NEAR_COPY * (len(a) + len(b)):
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio() if matcher.quick_ratio() >= NEAR_COPY else 0.0


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _seed_lines() -> set[str]:
    """Every bullet, table cell, heading and sentence-ish line of the seed documents, normalised."""
    pieces: set[str] = set()
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line:
                continue
            parts = [cell for cell in line.split("|")] if line.startswith("|") else [line]
            for part in parts:
                part = re.sub(r"^([-*]|\d+\.)\s+", "", part.strip())
                part = part.strip("*\"' ")
                normalised = _normalise(part)
                if len(normalised.split()) >= 3:
                    pieces.add(normalised)
                # "**Label**: rest" bullets: the rest on its own too
                if ":" in part:
                    rest = _normalise(part.split(":", 1)[1])
                    if len(rest.split()) >= 3:
                        pieces.add(rest)
    return pieces


def _our_texts() -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    for f in load_frameworks().values():
        texts += [(f"{f.id} level {lv.value} summary", lv.summary) for lv in f.levels]
        for d in f.dimensions:
            texts.append((f"{f.id}/{d.id} description", d.description))
            texts += [(f"{f.id}/{d.id} opportunity", o) for o in d.opportunities]
            texts += [(f"{f.id}/{d.id} pain point", p) for p in d.pain_points]
            for q in d.questions:
                texts.append((f"{f.id}/{q.id} prompt", q.prompt))
                texts += [(f"{f.id}/{q.id} anchor {lv}", a) for lv, a in q.anchors.items()]
    for r in load_roadmaps():
        texts += [(f"roadmap {r.number} focus", item) for item in r.focus]
    return texts


def test_no_prompt_or_anchor_is_pasted_from_the_seeds() -> None:
    if not SEEDS.is_dir() or not any(SEEDS.glob("*.txt")):
        pytest.skip("seed documents not found next to the repository")
    seed = _seed_lines()
    assert len(seed) > 100  # the seeds were read
    pasted = []
    for where, text in _our_texts():
        ours = _normalise(text)
        if ours in seed:
            pasted.append(f"{where}: {text!r} equals a seed line")
            continue
        # a whole seed bullet of 5+ words inside one of our lines is a paste too
        for line in seed:
            if len(line.split()) >= 5 and f" {line} " in f" {ours} ":
                pasted.append(f"{where}: {text!r} contains the seed line {line!r}")
            # and so is a near-copy with a word or two swapped
            elif len(ours.split()) >= 5 and _similar(ours, line) >= NEAR_COPY:
                pasted.append(f"{where}: {text!r} is a near-copy of the seed line {line!r}")
    assert not pasted, "\n".join(pasted)


def test_the_verbatim_check_would_catch_a_paste(tmp_path: Path) -> None:
    if not SEEDS.is_dir() or not any(SEEDS.glob("*.txt")):
        pytest.skip("seed documents not found next to the repository")
    seed = _seed_lines()
    assert _normalise("- **Manual feature engineering in notebooks**") in seed
    assert _normalise("How do you track and compare ML experiments?") in seed
    assert _normalise("Git version control, automated data pipelines, basic CI/CD") in seed
    near = _normalise("Detect 95% of model issues before they hit business metrics")
    assert max(_similar(near, line) for line in seed) >= NEAR_COPY


# --- the cache -------------------------------------------------------------------------------------


def test_registry_cache_can_be_cleared() -> None:
    before = get_frameworks()
    fw.get_frameworks.cache_clear()
    after = get_frameworks()
    assert after is not before and after == before
    copy.deepcopy(after)  # plain, copyable values
