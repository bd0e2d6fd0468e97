"""Teams' own questionnaires: FRAMEWORKS_DIR, `maturity frameworks validate`, the JSON Schema."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from conversations import frameworks as fw
from tests.processes import child_env

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "example-framework.yml"
SCHEMA = REPO / "docs" / "framework.schema.json"


def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def write(folder: Path, data: Any, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def shipped_only_afterwards() -> Iterator[None]:
    yield
    fw.use_frameworks_dir(None)


def validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["frameworks", "validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.err.splitlines()


# --- the README's example --------------------------------------------------------------------------


def test_the_readme_example_validates(capsys: pytest.CaptureFixture[str]) -> None:
    code, errors = validate(EXAMPLE, capsys)
    assert (code, errors) == (0, [])
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    # The README shows the example file as it is.
    assert EXAMPLE.read_text(encoding="utf-8").split("\nid: ", 1)[1] in readme


def test_the_committed_schema_is_the_generated_one() -> None:
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import framework_schema
    finally:
        sys.path.pop(0)
    assert SCHEMA.read_text(encoding="utf-8") == framework_schema.render()


def test_the_schema_accepts_the_example_and_the_shipped_files_and_rejects_an_unknown_key() -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))

    def as_json(value: Any) -> Any:  # what an editor sees: YAML keys as JSON strings
        if isinstance(value, dict):
            return {str(k): as_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [as_json(v) for v in value]
        return value

    for path in [EXAMPLE, *sorted((REPO / "conversations" / "data").glob("[dm]*.yml"))]:
        jsonschema.validate(as_json(yaml.safe_load(path.read_text(encoding="utf-8"))), schema)
    broken = example()
    broken["dimensions"][0]["wieght"] = broken["dimensions"][0].pop("weight")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(as_json(broken), schema)


# --- every class of error, named with the file and the field ---------------------------------------


def _weights(data: dict[str, Any]) -> None:
    data["dimensions"][0]["weight"] = 0.5


def _ids(data: dict[str, Any]) -> None:
    data["dimensions"][1]["questions"][0]["id"] = "prompt-versioning"


def _anchors(data: dict[str, Any]) -> None:
    del data["dimensions"][0]["questions"][1]["anchors"][2]


def _no_levels(data: dict[str, Any]) -> None:
    data["scale"] = {"min": 1, "max": 1}
    data["levels"] = []


def _unknown_mapping(data: dict[str, Any]) -> None:
    data["version"] = 2
    data["previous"] = {
        "version": 1,
        "questions": {
            "prompt-versioning": "same",
            "llm-evaluation": "same",
            "llm-cost": "same",
            "llm-latency": "same",
            "llm-tracing": "retired",
            "no-such-question": "same",
        },
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_weights, ["broken.yml: dimensions: weights sum to 0.9, expected 1"]),
        (
            _ids,
            [
                "broken.yml: dimensions[1].questions[0].id: duplicate question id 'prompt-versioning' "
                "(also dimensions[0].questions[0])"
            ],
        ),
        (
            _anchors,
            ["broken.yml: dimensions[0].questions[1].anchors: question 'llm-evaluation' has no anchor for level 2"],
        ),
        (
            _no_levels,
            [
                "broken.yml: scale: max (1) must be greater than min (1)",
                "broken.yml: levels: Tuple should have at least 2 items after validation, not 0",
            ],
        ),
        (
            _unknown_mapping,
            [
                "broken.yml: previous.questions.no-such-question: unknown question id 'no-such-question': "
                "this version has no question 'no-such-question'"
            ],
        ),
    ],
    ids=["weights", "ids", "anchors", "scale-without-levels", "mapping-to-unknown-id"],
)
def test_validate_names_the_file_and_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any, expected: list[str]
) -> None:
    data = example()
    change(data)
    path = write(tmp_path, data, "broken.yml")
    code, errors = validate(path, capsys)
    assert code == 2
    assert [line.replace(str(path), "broken.yml") for line in errors] == expected


def test_validate_checks_a_mapping_against_the_version_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, example(), "v1.yml")
    v2 = example()
    v2["version"] = 2
    v2["dimensions"][1]["questions"][0]["id"] = "llm-cost-budget"
    v2["previous"] = {
        "version": 1,
        "questions": {
            "prompt-versioning": "same",
            "llm-evaluation": "same",
            "llm-cost-budget": "replaces: llm-spend",
            "llm-latency": "same",
        },
    }
    path = write(tmp_path, v2, "v2.yml")
    code, errors = validate(path, capsys)
    assert code == 2
    assert [line.replace(str(path), "v2.yml") for line in errors] == [
        "v2.yml: previous.questions.llm-cost-budget: unknown question id 'llm-spend': "
        "v1 of 'llm-serving' has no question 'llm-spend'",
        "v2.yml: previous.questions: question 'llm-cost' of v1 is not mapped; say same, retired or replace it",
    ]
    v2["previous"]["questions"]["llm-cost-budget"] = "replaces: llm-cost"
    write(tmp_path, v2, "v2.yml")
    assert validate(path, capsys) == (0, [])


def test_validate_collects_every_problem_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = example()
    data["dimensions"][0]["weight"] = "heavy"
    data["dimensions"][1]["questions"][0]["prompt"] = "no question mark"
    data["levels"][0]["nmae"] = "typo"
    path = write(tmp_path, data, "many.yml")
    code, errors = validate(path, capsys)
    assert code == 2
    assert len(errors) == 3
    assert all(line.startswith(f"{path}: ") for line in errors)
    fields = sorted(line.split(": ")[1] for line in errors)
    assert fields == ["dimensions[0].weight", "dimensions[1].questions[0].prompt", "levels[0].nmae"]


def test_validate_a_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frameworks", "validate", str(tmp_path / "nope.yml")]) == 2
    assert capsys.readouterr().err.strip() == f"maturity: error: {tmp_path / 'nope.yml'}: no such file"


# --- FRAMEWORKS_DIR -----------------------------------------------------------------------------------


def test_frameworks_dir_adds_a_framework_beside_the_shipped_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, example(), "llm.yml")
    monkeypatch.setenv("FRAMEWORKS_DIR", str(tmp_path))
    assert main(["frameworks", "--json"]) == 0
    listed = {f["id"]: f for f in json.loads(capsys.readouterr().out)}
    assert list(listed) == ["maturity-levels", "discovery", "llm-serving"]
    assert listed["llm-serving"]["scale"] == {"min": 1, "max": 3}
    assert fw.get_framework("llm-serving").spec().scale.max == 3


def test_a_broken_file_stops_the_start_with_one_line_naming_file_and_field(tmp_path: Path) -> None:
    data = example()
    data["dimensions"][1]["weight"] = 0.3
    del data["dimensions"][0]["questions"][0]["anchors"][3]
    path = write(tmp_path, data, "llm.yml")
    env = child_env(FRAMEWORKS_DIR=str(tmp_path), SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "39999"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"maturity: error: FRAMEWORKS_DIR: {path}: dimensions: weights sum to 0.9, expected 1 "
        "(and 1 more: run `maturity frameworks validate FILE`)"
    ]
    assert "Traceback" not in done.stderr


def test_a_file_overrides_a_shipped_framework_by_declaring_a_new_version(tmp_path: Path) -> None:
    shipped = yaml.safe_load((fw.DATA_DIR / "discovery.yml").read_text(encoding="utf-8"))
    override = copy.deepcopy(shipped)
    override["version"] = 2
    override["dimensions"][0]["name"] = "Features"
    override["previous"] = {"version": 1, "questions": {q: "same" for q in fw.get_framework("discovery").question_ids}}
    write(tmp_path, override, "discovery.yml")
    fw.use_frameworks_dir(tmp_path)
    assert fw.get_framework("discovery").version == 2
    assert fw.get_framework("discovery").dimensions[0].name == "Features"
    # An assessment opened with v1 keeps v1's texts.
    assert fw.get_framework("discovery", 1).dimensions[0].name == "Feature Engineering"
    assert fw.default_framework().id == "maturity-levels"

    same_version = copy.deepcopy(shipped)
    same_version["name"] = "Discovery, our way"
    path = write(tmp_path, same_version, "discovery.yml")
    with pytest.raises(fw.FrameworkFileError) as info:
        fw.use_frameworks_dir(tmp_path)
    assert str(info.value).startswith(f"{path}: version: 'discovery' v1 is already loaded from ")
    assert str(info.value).endswith("declare a new version to override it")
    assert fw.get_framework("discovery").version == 2  # the set in use stays


def test_frameworks_dir_must_be_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FRAMEWORKS_DIR", str(tmp_path / "missing"))
    assert main(["frameworks"]) == 2
    assert (
        capsys.readouterr().err.strip() == f"maturity: error: FRAMEWORKS_DIR: {tmp_path / 'missing'} is not a directory"
    )
