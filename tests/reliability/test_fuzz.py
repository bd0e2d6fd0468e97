"""Arbitrary text through the real HTTP app: as thread replies in a dimension thread, and as the text
of ``/maturity``. Never a 5xx, never an exception in the log; a reply either stores exactly what it
says or gets the ephemeral explanation (and stores nothing); a command that cannot be read gets the
usage, ephemerally, in the acknowledgement.

The server, the stand-in Slack and the open assessment are shared by a test's examples; each
example replies as a new member, so its effects can be told apart.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.listeners.commands.registry import parse, usage
from bot.templating import esc
from conversations.commands import CommandError
from conversations.replies import ReplyError, parse_reply
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.conftest import describe
from tests.reliability.helpers import (
    CONFIRMATION,
    DIMENSIONS,
    QUESTIONS,
    UNREADABLE,
    Opened,
    eventually,
    open_assessment,
    reply_event,
    settle,
    stored_answers,
)

# MATURITY_FUZZ_EXAMPLES=1000 for a deeper local run; CI keeps the suite fast.
FUZZ = settings(
    max_examples=int(os.environ.get("MATURITY_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
POOL = [f"U0FZ{i:05d}" for i in range(1500)]
COMMAND_CHANNEL = "C0FUZZCMD"

# Any character, NUL included (the storage layer drops NUL for every text column: storage/nul.py;
# test_a_nul_character_in_a_comment_does_not_lose_the_answer pins it down).
ANY_CHAR = st.characters(codec="utf-8")

# Text that looks like answers, nearly: the parser's edges (levels, pairs, don't know, decimals,
# out-of-range, mentions, separators, dashes) followed by free text.
_WORDS = st.sampled_from(
    ["0", "1", "2", "3", "4", "5", "9", "10", "-1", "?", "-", "—", "1=2", "2=?", "3=-", "0=1", "4=4", "2.5", "3.",
     "1,", ",", "<@U0ANA0001>", "<@U0BEN0002|ben>", "ok", "MLflow", ":)", "&amp;", "*bold*", "`x`"]
)  # fmt: skip
_SEPARATORS = st.sampled_from([" ", ",", ", ", "  ", "\n", "\t", " , "])
ANSWER_LIKE = st.builds(
    lambda words, seps, tail: "".join(w + s for w, s in zip(words, seps, strict=False)) + tail,
    st.lists(_WORDS, min_size=1, max_size=8),
    st.lists(_SEPARATORS, min_size=8, max_size=8),
    st.text(ANY_CHAR, max_size=40),
)
ANY_TEXT = st.text(ANY_CHAR, max_size=300)
REPLY_TEXT = st.one_of(ANY_TEXT, ANSWER_LIKE)


@dataclass
class Fuzzing:
    r: Running
    opened: Opened
    users: itertools.count


@pytest.fixture
def fuzzing(running: Running) -> Fuzzing:
    running.slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *POOL])
    running.slack.add_channel(COMMAND_CHANNEL, "fuzz-commands", members=[*MEMBERS, *POOL])
    opened = open_assessment(running.driver, running.slack, running.db, team=TEAM, channel=CHANNEL, user=MEMBERS[0])
    return Fuzzing(running, opened, itertools.count())


def _expected(text: str, dimension: str) -> dict[str, int | None] | None:
    """What the reply should store (question id -> level), or None when it cannot be read."""
    try:
        parsed = parse_reply(text, question_count=len(QUESTIONS[dimension]), scale_min=0, scale_max=4)
    except ReplyError:
        return None
    return {QUESTIONS[dimension][n - 1]: level for n, level in parsed.answers.items()}


@FUZZ
@given(text=REPLY_TEXT, dimension=st.sampled_from(DIMENSIONS))
def test_any_thread_reply_is_stored_or_explained(
    fuzzing: Fuzzing, errors_logged: list, text: str, dimension: str
) -> None:
    r, opened = fuzzing.r, fuzzing.opened
    user = POOL[next(fuzzing.users)]
    _, event = reply_event(
        r.slack, team=TEAM, channel=CHANNEL, user=user, thread_ts=opened.threads[dimension], text=text
    )
    response = r.driver.event(event)
    assert response.status == 200, response

    def answered() -> list:
        return [c for c in r.slack.calls_to("chat.postEphemeral") if c.params.get("user") == user]

    ephemerals = eventually(answered, what=f"an ephemeral answer to {text!r}")
    said = str(ephemerals[0].params["text"])
    stored = {q: lv for (u, q), lv in stored_answers(r.db, TEAM, opened.assessment_id).items() if u == user}
    expected = _expected(text, dimension)
    if expected is None:
        assert UNREADABLE in said and "e.g. `" in said, said
        assert stored == {}
    else:
        assert said.startswith(CONFIRMATION), said
        assert stored == expected
    assert len(ephemerals) == 1
    assert not errors_logged, describe(errors_logged)
    assert not r.slack.errors


# --- slash-command text ------------------------------------------------------------------------------

_SUBCOMMANDS = st.sampled_from(["assess", "status", "finish", "cancel", "history", "roadmap", "help", "schedule"])
# Text containing "payload" included: Bolt used to misread such a slash command
# (test_a_command_mentioning_payload_is_not_rejected pins that down).
COMMAND_TEXT = st.one_of(
    ANY_TEXT,
    # a known subcommand followed by arguments it does not take (or an unknown framework)
    st.builds(
        lambda name, sep, args: f"{name}{sep}{args}",
        _SUBCOMMANDS,
        st.sampled_from([" ", "  ", "\t", " \n"]),
        st.text(ANY_CHAR, min_size=1, max_size=80).filter(lambda s: s.strip()),
    ),
)


def _readable(text: str) -> bool:
    try:
        parse(text)
    except CommandError:
        return False
    return True


@FUZZ
@given(text=COMMAND_TEXT)
def test_any_command_text_is_answered_with_the_usage_or_handled(
    fuzzing: Fuzzing, errors_logged: list, text: str
) -> None:
    r = fuzzing.r
    user = POOL[next(fuzzing.users)]
    response = r.driver.slash(text, user_id=user, channel_id=COMMAND_CHANNEL)
    assert response.status == 200, response
    if not _readable(text):
        body = response.json()
        assert esc(usage()) in body["text"], body  # mrkdwn: a literal <cron> is written &lt;cron&gt;
        assert body.get("response_type", "ephemeral") == "ephemeral"
        assert "Usage" in json.dumps(body["blocks"])
    else:  # a command it understood (e.g. `schedule <anything>`): handled, one way or another
        settle(r.slack, quiet=0.2)
    assert not errors_logged, describe(errors_logged)
    assert not r.slack.errors


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_nul_character_in_a_comment_does_not_lose_the_answer(fuzzing: Fuzzing, errors_logged: list) -> None:
    r, opened = fuzzing.r, fuzzing.opened
    user = POOL[0]
    _, event = reply_event(
        r.slack, team=TEAM, channel=CHANNEL, user=user, thread_ts=opened.threads["people-process"], text="3 2 1 a\x00b"
    )
    assert r.driver.event(event).status == 200
    settle(r.slack)
    assert not errors_logged, describe(errors_logged)
    stored = {q: lv for (u, q), lv in stored_answers(r.db, TEAM, opened.assessment_id).items() if u == user}
    assert stored == {"pp-collaboration": 3, "pp-handoff": 2, "pp-incidents": 1}


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("text", "channel_name"),
    [("payload", "ml-platform"), ("assess payload-v2", "ml-platform"), ("help", "payload-team")],
)
def test_a_command_mentioning_payload_is_not_rejected(running: Running, text: str, channel_name: str) -> None:
    running.slack.add_channel("C0PAYLOAD1", channel_name, members=list(MEMBERS))
    response = running.driver.slash(text, user_id=MEMBERS[0], channel_id="C0PAYLOAD1", channel_name=channel_name)
    assert response.status == 200, response
