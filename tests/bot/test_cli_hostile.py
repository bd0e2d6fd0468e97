"""Hostile input to the CLI, through the CLI process (issue 13).

* item 9: a DATABASE_URL's password never reaches stderr — for URLs SQLAlchemy cannot parse (a missing
  colon, a leading space, a port that is no number), for one it parses but cannot connect to, and for
  a password given as a query parameter;
* item 19: what a file or an argument holds is clipped when an error quotes it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import child_env

SECRET = "s3cretPW"
URLS = [
    f"postgresql//bob:{SECRET}@db:5432/maturity",
    f" postgresql://bob:{SECRET}@db:5432/maturity",
    f"postgresql://bob:{SECRET}@db:5432/maturity ",
    f"postgresql://bob:{SECRET}@db:port/maturity",
    f"postgresql://bob:p@ss{SECRET}@127.0.0.1:1/maturity",
    f"postgresql://bob:{SECRET}@127.0.0.1:1/maturity",
    f"postgresql://bob@127.0.0.1:1/maturity?password={SECRET}",
    f"mysql://bob:{SECRET}@db/maturity",
]


@pytest.mark.parametrize("command", ["migrate", "serve"])
@pytest.mark.parametrize("url", URLS)
def test_a_bad_database_url_is_named_in_one_line_without_its_password(command: str, url: str, tmp_path: Path) -> None:
    env = child_env(
        DATABASE_URL=url, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="secret", SCHEDULER_ENABLED="false"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", command, *(["--port", "3999"] if command == "serve" else [])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert SECRET not in result.stderr and SECRET not in result.stdout, result.stderr
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_log_line_quoting_a_database_url_masks_its_password() -> None:
    import logging

    from bot.logs import JsonFormatter

    url = f"postgresql://bob:{SECRET}@db/x"
    record = logging.LogRecord("maturity", logging.ERROR, __file__, 1, "lost %s", (url,), None)
    record.url = f"postgresql//bob:{SECRET}@db/x"
    line = JsonFormatter().format(record)
    assert SECRET not in line and "bob:***@db/x" in line


HUGE = "9" * 5000


@pytest.mark.parametrize(
    "row",
    [f"ana,pp-collaboration,{HUGE}", f"ana,pp-collaboration,{HUGE[:4000]}", f"ana,{'x' * 5000},1"],
    ids=["level-past-int-limit", "huge-level", "huge-question-id"],
)
def test_maturity_score_clips_what_it_quotes_from_the_file(row: str, tmp_path: Path) -> None:
    path = tmp_path / "responses.csv"
    path.write_text("respondent,question_id,level\n" + row + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "score", str(path), "--framework", "maturity-levels"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=child_env(),
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{path}:2:" in result.stderr and len(result.stderr) < 300 + len(str(path)), result.stderr


@pytest.mark.parametrize("args", [("--target", HUGE), ("--target", HUGE[:4000]), ("--framework", "x" * 5000)])
def test_maturity_score_clips_a_long_argument(args: tuple[str, str], tmp_path: Path) -> None:
    path = tmp_path / "responses.csv"
    path.write_text("respondent,question_id,level\nana,pp-collaboration,1\n", encoding="utf-8")
    extra = args if args[0] == "--target" else ()
    framework = args[1] if args[0] == "--framework" else "maturity-levels"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "score", str(path), "--framework", framework, *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=child_env(),
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr) < 300, result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("socket",),
        ("report", "--org", "--format", "md"),
        ("report", "--team", "T0000001", "--format", "md"),
        ("purge", "--team", "T0000001", "--yes"),
    ],
    ids=["socket", "report-org", "report-team", "purge"],
)
@pytest.mark.parametrize("url", [URLS[0], URLS[1], URLS[5]], ids=["no-colon", "leading-space", "unreachable"])
def test_every_command_that_opens_the_database_masks_its_password(command: tuple, url: str, tmp_path: Path) -> None:
    """Item 9 says every message: the other commands that open DATABASE_URL, not only migrate and serve."""
    env = child_env(
        DATABASE_URL=url, SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-1-test", SCHEDULER_ENABLED="false"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", *command], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert SECRET not in result.stderr and SECRET not in result.stdout, result.stderr
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
