"""A SQLite file removed (or replaced) under a running ``maturity serve``: ``/healthz`` says so
(503), and nothing is acknowledged as recorded into a file nobody will open again — the answer is
refused with a 500, so Slack delivers it again once the database is back."""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path

import pytest

from tests.conftest import CHANNEL, MEMBERS, TEAM
from tests.reliability.conftest import _NO_PROXY, Served
from tests.reliability.helpers import CONFIRMATION, DIMENSIONS, QUESTIONS, open_assessment, reply_event, settle


def _health(served: Served) -> tuple[int, dict[str, str]]:
    try:
        with _NO_PROXY.open(served.process.url + "/healthz", timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("served", ["sqlite"], indirect=True)
def test_a_removed_sqlite_file_is_unhealthy_and_confirms_nothing(served: Served) -> None:
    opened = open_assessment(served.driver, served.slack, served.db, team=TEAM, channel=CHANNEL, user=MEMBERS[0])
    assert _health(served)[0] == 200
    path = Path(served.database_url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

    status, body = _health(served)
    assert status == 503 and "was removed" in body["status"], body

    _, event = reply_event(
        served.slack,
        team=TEAM,
        channel=CHANNEL,
        user=MEMBERS[1],
        thread_ts=opened.threads[DIMENSIONS[0]],
        text=" ".join("2" for _ in QUESTIONS[DIMENSIONS[0]]),
    )
    response = served.driver.event(event)
    assert response.status >= 500, "not acknowledged: Slack will deliver it again"
    settle(served.slack)
    confirmed = [e for e in served.slack.ephemerals(MEMBERS[1]) if e.text.startswith(CONFIRMATION)]
    assert not confirmed, "nothing is confirmed into a removed file"
    assert not served.slack.calls_to("reactions.add")
    assert not [r for r in served.process.log_records() if "Traceback" in str(r.get("msg"))]
