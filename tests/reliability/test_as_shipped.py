"""The product started exactly as it ships: the Dockerfile's ``CMD``, the README's "Running it"
commands, ``serve --workers 2`` and ``maturity socket`` — with only the variables they require and
every default left alone (the scheduler on, the default log level, one worker, the default tick).

Each must stay up, answer ``/healthz`` (HTTP mode) and log that the scheduler started. A setting
the product reads at start that crashes only when the scheduler is on (as ``extra={"process": …}``
once did) fails here, where every other test switches the scheduler off.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from standin.web_api import StandInSlack
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.processes import operator_env
from tests.reliability.conftest import _NO_PROXY, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
APP_TOKEN = "xapp-1-shipped"
STAYS_UP = 3.0  # seconds a started process must keep running (the crash was within one)


def dockerfile_cmd() -> list[str]:
    """The image's CMD, as the exec-form JSON array the Dockerfile declares."""
    match = re.search(r"^CMD (\[.*\])\s*$", (ROOT / "Dockerfile").read_text(), re.M)
    assert match, "the Dockerfile has an exec-form CMD"
    return list(json.loads(match.group(1)))


def dockerfile_env() -> dict[str, str]:
    """The ENV the image sets (``ENV A=1 \\ B=2``)."""
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^ENV ((?:.*\\\n)*.*)$", text, re.M)
    assert match
    words = shlex.split(match.group(1).replace("\\\n", " "))
    return dict(word.split("=", 1) for word in words)


def shipped_env(tmp_path: Path, slack: StandInSlack, **required: str) -> dict[str, str]:
    """Only what an operator sets (the tokens) and what the image sets (its ENV), pointed at this
    test's database, port and stand-in Slack (there is no network here). Nothing else is inherited
    but PATH (with the venv's ``maturity`` first, as in the image) and the locale."""
    return operator_env(BIN, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.url, **required)


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int | None

    def records(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"level": "raw", "msg": line})
        return out

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def healthy(self) -> bool:
        try:
            with _NO_PROXY.open(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def logged(self, message: str) -> list[dict[str, Any]]:
        return [r for r in self.records() if r.get("msg") == message]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    started: list[Started] = []

    def run(command: list[str], env: dict[str, str], port: int | None = None) -> Started:
        log_path = tmp_path / f"run-{len(started) + 1}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        one = Started(process, log_path, port)
        started.append(one)
        return one

    yield run
    for one in started:
        if one.process.poll() is None:
            one.process.send_signal(signal.SIGTERM)
            try:
                one.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                one.process.kill()
                one.process.wait(timeout=5)
        print(f"--- {one.process.args} (exit {one.process.returncode}) ---\n{one.log()}")


def _up_and_scheduling(one: Started, *, http: bool = True, schedulers: int = 1) -> None:
    """Healthy (HTTP mode), the scheduler's start logged, and still running STAYS_UP seconds later."""
    deadline = time.monotonic() + 60
    while True:
        ready = (not http or one.healthy()) and len(one.logged("scheduler started")) >= schedulers
        if ready:
            break
        if one.process.poll() is not None:
            raise AssertionError(f"exited with {one.process.returncode}:\n{one.log()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not up and scheduling after 60 s:\n{one.log()}")
        time.sleep(0.1)
    time.sleep(STAYS_UP)
    assert one.process.poll() is None, f"died after starting:\n{one.log()}"
    if http:
        assert one.healthy()
    started = one.logged("scheduler started")
    assert len(started) == schedulers, started
    assert all(r.get("tick_seconds") == 60 and r.get("process_id") for r in started), started
    problems = [
        r
        for r in one.records()
        if r.get("level") in ("error", "critical") or "exc" in r or "Traceback" in str(r.get("msg"))
    ]
    assert not problems, problems


def test_the_docker_image_command_with_its_defaults(tmp_path: Path, slack: StandInSlack, start: Any) -> None:
    image_env = dockerfile_env()
    assert image_env["PORT"] == "3000" and image_env["DATABASE_URL"].startswith("sqlite:")
    assert "SCHEDULER_ENABLED" not in image_env and "LOG_LEVEL" not in image_env  # defaults left alone
    port = free_port()
    env = shipped_env(
        tmp_path,
        slack,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        **{**image_env, "PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'maturity.db'}"},
    )
    (tmp_path / "data").mkdir()
    command = dockerfile_cmd()
    assert command[:2] == ["sh", "-c"] and "maturity serve" in command[2]
    _up_and_scheduling(start(command, env, port))


def test_the_readme_commands_with_their_defaults(tmp_path: Path, slack: StandInSlack, start: Any) -> None:
    readme = (ROOT / "README.md").read_text()
    running = readme[readme.index("## Running it") :]
    block = re.search(r"```sh\n(.+?)\n```", running, re.S)
    assert block
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.startswith(".venv/bin/")]
    assert commands == [".venv/bin/maturity migrate", ".venv/bin/maturity serve --port 3000"], commands
    port = free_port()
    env = shipped_env(tmp_path, slack, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'maturity.db'}"  # the default's file, in this test's folder
    migrate = [str(BIN / "maturity"), *shlex.split(commands[0])[1:]]
    done = subprocess.run(migrate, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    serve = [str(BIN / "maturity"), *shlex.split(commands[1].replace("3000", str(port)))[1:]]
    _up_and_scheduling(start(serve, env, port))


def test_two_workers_with_the_defaults(tmp_path: Path, slack: StandInSlack, start: Any) -> None:
    port = free_port()
    env = shipped_env(tmp_path, slack, SLACK_SIGNING_SECRET=SIGNING_SECRET, PORT=str(port))
    done = subprocess.run(
        [str(BIN / "maturity"), "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # Only the first worker runs the scheduler (every run is claimed in the database anyway).
    _up_and_scheduling(start([str(BIN / "maturity"), "serve", "--workers", "2"], env, port), schedulers=1)


def test_socket_mode_with_the_defaults(tmp_path: Path, slack: StandInSlack, start: Any) -> None:
    env = shipped_env(tmp_path, slack, SLACK_APP_TOKEN=APP_TOKEN)
    done = subprocess.run(
        [str(BIN / "maturity"), "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    one = start([str(BIN / "maturity"), "socket"], env)
    _up_and_scheduling(one, http=False)
    assert slack.socket_mode.connected.is_set()
    assert TEAM  # the stand-in's workspace answers the connection
