"""``maturity serve`` and ``maturity socket`` when Slack cannot be used at start: unreachable
(SLACK_API_URL on a closed port) or refusing the bot token (``auth.test`` says the token is revoked).
Either is one line naming the problem and exit 2 — no traceback, no server left half-started — as
the README's "Running it" says."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from standin.web_api import StandInSlack
from tests.conftest import BOT_TOKEN
from tests.reliability.conftest import free_port, maturity_command, migrate, serve_env

COMMANDS = {
    "serve": lambda port: ["serve", "--host", "127.0.0.1", "--port", str(port)],
    "socket": lambda port: ["socket"],
}


def _start(env: dict[str, str], cwd: Path, command: str) -> tuple[subprocess.CompletedProcess[str], float, int]:
    port = free_port()
    started = time.monotonic()
    done = subprocess.run(
        [*maturity_command(), *COMMANDS[command](port)], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    return done, time.monotonic() - started, port


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("maturity: error: "), lines[0]
    return lines[0]


@pytest.fixture
def database(tmp_path: Path, slack: StandInSlack) -> dict[str, str]:
    env = serve_env(f"sqlite:///{tmp_path / 'maturity.db'}", slack.url, SLACK_APP_TOKEN="xapp-1-test")
    migrate(env, tmp_path)
    return env


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_slack_unreachable_at_start_is_one_line_and_exit_2(
    database: dict[str, str], tmp_path: Path, command: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    done, took, _ = _start({**database, "SLACK_API_URL": closed}, tmp_path, command)
    line = _one_line(done)
    assert "cannot reach Slack" in line and closed in line, line
    assert took < 30, f"took {took:.1f} s to give up"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_revoked_bot_token_at_start_is_one_line_and_exit_2(
    database: dict[str, str], tmp_path: Path, slack: StandInSlack, command: str
) -> None:
    slack.revoke_token(BOT_TOKEN)
    done, _, _ = _start(database, tmp_path, command)
    line = _one_line(done)
    assert "SLACK_BOT_TOKEN" in line and "token_revoked" in line, line
    assert BOT_TOKEN not in line


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_bot_token_slack_does_not_know_is_one_line_and_exit_2(
    database: dict[str, str], tmp_path: Path, slack: StandInSlack, command: str
) -> None:
    """``auth.test`` says ``invalid_auth`` (a mistyped token, the case issue 13 names)."""
    slack.fail("auth.test", "invalid_auth", times=None)
    done, _, _ = _start(database, tmp_path, command)
    line = _one_line(done)
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line, line
    assert BOT_TOKEN not in line
    assert slack.calls_to("auth.test"), "the token was checked with Slack"


def test_a_good_token_still_starts(database: dict[str, str], tmp_path: Path) -> None:
    from tests.reliability.conftest import ServeProcess

    process = ServeProcess(database, tmp_path).start()
    try:
        assert process.healthy()
    finally:
        process.stop()
