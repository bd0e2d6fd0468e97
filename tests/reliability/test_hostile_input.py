"""Hostile input through the real HTTP app (issue 13): what a member types, or a forged interaction,
never gets a 5xx or a traceback, is never echoed whole, and changes nothing it should not.

Runs on SQLite and PostgreSQL (the ``db`` fixture behind ``running``), against the stand-in Slack.
"""

from __future__ import annotations

import logging

import pytest

from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.conftest import describe
from tests.reliability.helpers import UNREADABLE, open_assessment, settle, stored_answers

ANA, BEN = MEMBERS[:2]
HUGE = "9" * 5000  # past int()'s 4,300-digit limit


# --- item 12: a number of thousands of digits is not a level ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [HUGE, f"1={HUGE}", f"{HUGE}=1", f"2 {HUGE} 1", f"{HUGE}.5", f"0000{HUGE}"],
    ids=["levels", "pair-level", "pair-number", "second-level", "decimal", "leading-zeros"],
)
def test_a_number_of_thousands_of_digits_is_explained_not_a_500(
    running: Running, errors_logged: list[logging.LogRecord], text: str
) -> None:
    r = running
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    thread = opened.threads["people-process"]
    _, response = r.driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=thread, text=text)
    assert response.status == 200, response.body
    (call,) = r.slack.wait_for("chat.postEphemeral", count=1)
    assert call.params["user"] == BEN and call.params["thread_ts"] == thread
    explanation = call.params["text"]
    assert UNREADABLE in explanation and "e.g. `" in explanation
    assert "9" * 100 not in explanation and len(explanation) < 1000  # the number is clipped, not echoed
    settle(r.slack)
    assert stored_answers(r.db, TEAM, opened.assessment_id) == {}
    assert r.slack.calls_to("reactions.add") == []
    assert errors_logged == [], describe(errors_logged)
