"""The ``maturity`` command line: real processes for exit codes, in-process for output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.processes import child_env

HAND_WORKED = """respondent,question_id,level,comment
ana,pp-collaboration,2,
ana,pp-handoff,2,
ana,pp-incidents,1,pager only
ben,pp-collaboration,3,
ben,pp-handoff,?,
ben,pp-incidents,1,
ana,md-reproducibility,1,
ana,md-tracking,1,
ana,md-training-automation,1,
ana,md-data-management,1,
ben,md-reproducibility,1,
ben,md-tracking,3,we use MLflow
ben,md-training-automation,1,
ben,md-data-management,1,
ana,ds-frequency,0,
ana,ds-testing,0,
ana,ds-rollback,0,
ana,ds-ab-testing,0,
"""


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def test_frameworks_json_lists_the_pinned_frameworks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frameworks", "--json"]) == 0
    data = {f["id"]: f for f in json.loads(capsys.readouterr().out)}
    ml = data["maturity-levels"]
    assert (ml["scale"]["min"], ml["scale"]["max"]) == (0, 4)
    assert [lv["name"] for lv in ml["levels"]] == [
        "Manual",
        "DevOps no MLOps",
        "Automated Training",
        "Automated Deployment",
        "Full MLOps",
    ]
    assert [(d["name"], d["weight"], len(d["questions"])) for d in ml["dimensions"]] == [
        ("People & Process", 0.30, 3),
        ("Model Development", 0.25, 4),
        ("Deployment & Serving", 0.25, 4),
        ("Monitoring & Operations", 0.20, 5),
    ]
    disc = data["discovery"]
    assert (disc["scale"]["min"], disc["scale"]["max"]) == (1, 5)
    assert [lv["name"] for lv in disc["levels"]] == ["Ad Hoc", "Developing", "Defined", "Measured", "Optimizing"]
    assert [(d["name"], d["weight"]) for d in disc["dimensions"]] == [
        ("Feature Engineering", 0.15),
        ("Model Development", 0.20),
        ("Deployment & Serving", 0.20),
        ("Monitoring & Observability", 0.15),
        ("Automation & Workflows", 0.10),
        ("Governance & Compliance", 0.10),
        ("Business Value", 0.10),
    ]
    assert all(3 <= len(d["questions"]) <= 5 for d in disc["dimensions"])


def test_score_matches_the_seed_formula_by_hand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # People & Process: question means 2.5, 2 (ben: don't know), 1 -> 5.5/3 = 1.8333
    # Model Development: 1, 2, 1, 1 -> 1.25;  Deployment & Serving: 0;  Monitoring: unscored
    # Overall = (0.30*1.8333 + 0.25*1.25 + 0.25*0) / (0.30+0.25+0.25) = 0.8625/0.8 = 1.078125 -> Level 1
    csv_file = tmp_path / "responses.csv"
    csv_file.write_text(HAND_WORKED)
    assert main(["score", str(csv_file), "--framework", "maturity-levels", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"] == pytest.approx(1.078125, abs=1e-4)
    assert (out["level"], out["level_name"]) == (1, "DevOps no MLOps")
    dims = {d["id"]: d["score"] for d in out["dimensions"]}
    assert list(dims.values()) == [pytest.approx(1.8333, abs=1e-4), 1.25, 0.0, None]
    assert out["disagreements"] == ["md-tracking"]
    assert out["respondents"] == 2
    assert out["roadmap"]["number"] == 2

    assert main(["score", str(csv_file), "--framework", "maturity-levels"]) == 0
    text = capsys.readouterr().out
    assert "Overall: 1.08 — Level 1 (DevOps no MLOps)" in text
    assert "1.83" in text and "1.25" in text and "Roadmap 2" in text


def test_score_ranks_weakest_against_the_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The hand-worked team above is at Level 1, so its default target is Level 2 (lower bound 1.5):
    #   Deployment & Serving (1.5 - 0) × 0.25 = 0.375; Model Development (1.5 - 1.25) × 0.25 = 0.0625;
    #   People & Process 1.8333 is above 1.5: not listed.
    # --target 3 (lower bound 2.5): Deployment 2.5 × 0.25 = 0.625, Development 1.25 × 0.25 = 0.3125,
    #   People (2.5 - 1.8333) × 0.30 = 0.2.
    csv_file = tmp_path / "responses.csv"
    csv_file.write_text(HAND_WORKED)
    assert main(["score", str(csv_file), "--framework", "maturity-levels", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["target_level"] == 2
    assert [(w["id"], w["target_level"], w["priority"]) for w in out["weakest"]] == [
        ("deployment-serving", 2, 0.375),
        ("model-development", 2, 0.0625),
    ]
    assert main(["score", str(csv_file), "--framework", "maturity-levels", "--target", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["target_level"] == 3
    assert [(w["id"], w["priority"]) for w in out["weakest"]] == [
        ("deployment-serving", 0.625),
        ("model-development", 0.3125),
        ("people-process", pytest.approx(0.2, abs=1e-4)),
    ]
    assert main(["score", str(csv_file), "--framework", "maturity-levels", "--target", "3"]) == 0
    text = capsys.readouterr().out
    assert "Weakest, ranked by weighted gap to Level 3: Deployment & Serving (2.50 short)" in text


@pytest.mark.parametrize(
    ("target", "message"),
    [("5", "--target 5 is outside the framework's scale 0–4"), ("two", "--target must be a whole level number")],
)
def test_score_rejects_a_target_off_the_scale(tmp_path: Path, target: str, message: str) -> None:
    csv_file = tmp_path / "responses.csv"
    csv_file.write_text(HAND_WORKED)
    result = run("score", str(csv_file), "--framework", "maturity-levels", "--target", target)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("who,question_id,level\n", "missing respondent"),
        ("respondent,question_id,level\nana,nope,1\n", ":2: unknown question_id 'nope'"),
        ("respondent,question_id,level\nana,pp-handoff,7\n", ":2: level 7 is outside 0–4"),
        ("respondent,question_id,level\nana,pp-handoff,two\n", ":2: level 'two' is not a whole number"),
        ("respondent,question_id,level\n,pp-handoff,1\n", ":2: respondent is empty"),
    ],
)
def test_score_rejects_bad_files_with_one_line(tmp_path: Path, content: str, message: str) -> None:
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(content)
    result = run("score", str(csv_file), "--framework", "maturity-levels")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "required"),
        (("launch",), "invalid choice: 'launch'"),
        (("score", "x.csv"), "--framework"),
        (("score", "missing.csv", "--framework", "maturity-levels"), "missing.csv: no such file"),
        (("score", "missing.csv", "--framework", "nope"), "unknown framework 'nope'"),
        (("serve", "--port", "http"), "--port must be a number"),
        (("serve", "--port", "70000"), "between 1 and 65535"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return child_env(**extra)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "nope"}, "SLACK_BOT_TOKEN: must be a bot token"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "SCHEDULER_ENABLED": "maybe"}, "SCHEDULER_ENABLED"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "123"}, "SLACK_CLIENT_SECRET is not set"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "PORT": "0"}, "PORT"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}, "run `maturity migrate` first"),
    ],
)
def test_serve_names_the_missing_or_malformed_setting(tmp_path: Path, extra: dict, message: str) -> None:
    result = run("serve", cwd=tmp_path, env=_env(tmp_path, **extra))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_socket_needs_the_app_token(tmp_path: Path) -> None:
    result = run("socket", cwd=tmp_path, env=_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1"))
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN is not set" in result.stderr


def test_migrate_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    env = _env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'm.db'}")
    first = run("migrate", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "empty ->" in first.stdout
    second = run("migrate", cwd=tmp_path, env=env)
    assert second.returncode == 0
    assert "empty" not in second.stdout


def test_migrate_names_an_unreachable_database(tmp_path: Path) -> None:
    env = _env(tmp_path, DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
    result = run("migrate", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("maturity: error: DATABASE_URL: cannot migrate")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "command",
    [
        ("migrate",),
        ("serve",),
        ("socket",),
        ("report", "--team", "C0TEAM001", "--format", "md"),
        ("purge", "--team", "T0000001", "--yes"),
    ],
    ids=lambda c: c[0],
)
def test_a_sqlite_folder_that_cannot_be_created_is_one_line_and_exit_2(tmp_path: Path, command: tuple) -> None:
    in_the_way = tmp_path / "not-a-folder"
    in_the_way.write_text("a file where the database's folder should be")
    database = in_the_way / "data" / "maturity.db"
    env = _env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{database}",
        SLACK_SIGNING_SECRET="s",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_APP_TOKEN="xapp-1",
    )
    result = run(*command, cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("maturity: error: DATABASE_URL: cannot create the folder")
    assert str(in_the_way / "data") in lines[0] and "Not a directory" in lines[0]
