"""The Slack-types check (tools/slack_types/check.py) itself: it passes Slack-valid payloads and
fails wrong ones, so a green run over the suite's recorded payloads means something.

Needs ``npm ci`` in tools/slack_types (``.ci/run`` does it); without it these skip, except under CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import UNDER_CI

TOOL = Path(__file__).resolve().parents[2] / "tools" / "slack_types"
TSC = TOOL / "node_modules" / ".bin" / "tsc"

GOOD_BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*People & Process*"}},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "2"}, "value": "2", "action_id": "answer_2"}
        ],
    },
]


@pytest.fixture(autouse=True)
def _compiler() -> None:
    if not TSC.exists():
        message = f"{TSC} is missing (npm ci in {TOOL})"
        if UNDER_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def run_check(tmp_path: Path, *entries: dict[str, object]) -> subprocess.CompletedProcess[str]:
    payloads = tmp_path / "payloads.jsonl"
    payloads.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(TOOL / "check.py"), str(payloads), "--workdir", str(tmp_path / "build")],
        capture_output=True,
        text=True,
        timeout=300,
    )


def api(method: str, **params: object) -> dict[str, object]:
    return {"kind": "api", "method": method, "params": {"team_id": "T1", **params}, "test": "t::x"}


def test_slack_valid_payloads_pass(tmp_path: Path) -> None:
    done = run_check(
        tmp_path,
        api("chat.postMessage", channel="C1", text="People & Process", blocks=GOOD_BLOCKS, thread_ts="1.2"),
        api("conversations.members", channel="C1", limit="200"),  # form-encoded: the number arrives as text
        {
            "kind": "response_url",
            "method": "response_url",
            "params": {"response_type": "ephemeral", "text": "ok", "replace_original": "false"},
        },
        {"kind": "view_ack", "method": "view_ack", "params": {"response_action": "errors", "errors": {"b": "x"}}},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 distinct payloads" in done.stdout


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (api("chat.postMessage", chanel="C1", text="misspelt channel"), "chanel"),
        (
            api(
                "chat.update",
                channel="C1",
                ts="1.2",
                text="x",
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "acessory": {}}],
            ),
            "acessory",
        ),
        (
            api(
                "chat.postMessage",
                channel="C1",
                text="x",
                blocks=[{"type": "section", "text": {"type": "markdown", "text": "x"}}],
            ),
            "b1: chat.postMessage",
        ),
        (api("views.publish", user_id="U1", view={"type": "home", "blocks": [], "titel": "x"}), "titel"),
        (
            {"kind": "response_url", "method": "response_url", "params": {"text": "x", "response_type": "public"}},
            "p1: response_url",
        ),
    ],
    ids=["unknown-field", "misspelt-block-field", "wrong-text-type", "view-field", "response-type"],
)
def test_a_wrong_payload_fails_the_check(tmp_path: Path, entry: dict[str, object], expected: str) -> None:
    done = run_check(tmp_path, api("auth.test"), entry)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED" in done.stdout
    assert expected in done.stdout
    assert "<- " in done.stdout  # the failing line is traced to the test that made the payload


def test_an_unmapped_method_is_a_usage_error(tmp_path: Path) -> None:
    done = run_check(tmp_path, api("chat.explode", channel="C1"))
    assert done.returncode == 2
    assert "chat.explode" in done.stderr
