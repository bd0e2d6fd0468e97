"""Hostile input through the real HTTP app (issue 13): what a member types, or a forged interaction,
never gets a 5xx or a traceback, is never echoed whole, and changes nothing it should not.

Runs on SQLite and PostgreSQL (the ``db`` fixture behind ``running``), against the stand-in Slack.
"""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest

from bot.csv_cells import csv_writer
from conversations.business_case import BusinessService
from storage import repo
from tests.bot.test_business_flow import ANA_VERTEX, _open_modal, _scores, _submit
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.conftest import describe
from tests.reliability.helpers import UNREADABLE, eventually, open_assessment, settle, stored_answers

ANA, BEN, CAT = MEMBERS[:3]
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


# --- item 11: tampered interaction values -----------------------------------------------------------


def _click(r: Running, *, channel: str, thread_ts: str, value: str) -> int:
    return r.driver.click(
        user_id=BEN,
        channel_id=channel,
        message_ts=thread_ts,
        action_id="answer:pp-collaboration:1",
        value=value,
        block_id="q:pp-collaboration",
    ).status


def _ignored(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [rec for rec in caplog.records if rec.name == "maturity.actions" and rec.levelno == logging.WARNING]


@pytest.mark.parametrize(
    "value",
    [
        {"a": "AID", "q": "pp-collaboration", "l": True},
        {"a": "AID", "q": "pp-collaboration", "l": False},
        {"a": "AID", "q": "pp-collaboration", "l": 10**30},
        {"a": 10**30, "q": "pp-collaboration", "l": 1},
        {"a": 2**31, "q": "pp-collaboration", "l": 1},  # past PostgreSQL's integer
        {"a": -(10**30), "q": "pp-collaboration", "l": 1},
        {"a": True, "q": "pp-collaboration", "l": 1},
    ],
    ids=["level-true", "level-false", "huge-level", "huge-id", "id-past-int4", "huge-negative-id", "id-true"],
)
def test_a_tampered_button_value_is_ignored_with_one_log_line(
    running: Running, errors_logged: list[logging.LogRecord], caplog: pytest.LogCaptureFixture, value: dict
) -> None:
    r = running
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    value = {k: (opened.assessment_id if v == "AID" and k == "a" else v) for k, v in value.items()}
    caplog.set_level(logging.WARNING, logger="maturity.actions")
    raw = json.dumps(value)
    assert _click(r, channel=CHANNEL, thread_ts=opened.threads["people-process"], value=raw) == 200
    settle(r.slack)
    assert stored_answers(r.db, TEAM, opened.assessment_id) == {}
    assert r.slack.calls_to("chat.postEphemeral") == []
    assert len(_ignored(caplog)) == 1, [rec.getMessage() for rec in caplog.records]
    assert errors_logged == [], describe(errors_logged)


def test_a_click_from_another_channel_than_its_assessments_is_refused(
    running: Running, errors_logged: list[logging.LogRecord], caplog: pytest.LogCaptureFixture
) -> None:
    r = running
    other = "C0OTHER01"
    r.slack.add_channel(other, "elsewhere", members=list(MEMBERS))
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    caplog.set_level(logging.WARNING, logger="maturity.actions")
    value = json.dumps({"a": opened.assessment_id, "q": "pp-collaboration", "l": 1})
    assert _click(r, channel=other, thread_ts=opened.threads["people-process"], value=value) == 200
    settle(r.slack)
    assert stored_answers(r.db, TEAM, opened.assessment_id) == {}
    assert len(_ignored(caplog)) == 1
    # the same click in the assessment's own channel is recorded
    assert _click(r, channel=CHANNEL, thread_ts=opened.threads["people-process"], value=value) == 200
    eventually(lambda: stored_answers(r.db, TEAM, opened.assessment_id) == {(BEN, "pp-collaboration"): 1})
    assert errors_logged == [], describe(errors_logged)


# --- item 13: NUL in a name (PostgreSQL cannot store it in text) -------------------------------------


def test_a_nul_in_a_platform_name_is_dropped_and_the_scores_saved(
    running: Running, errors_logged: list[logging.LogRecord]
) -> None:
    r = running
    view = _open_modal(r, "platforms", ANA, 1)
    assert _submit(r, ANA, view, _scores("Vertex\x00 AI", *ANA_VERTEX)) is None
    posted = r.slack.wait_for("chat.postMessage")[0].params
    assert "Vertex AI" in posted["text"]
    latest = BusinessService(r.db).latest_comparison(TEAM, CHANNEL)
    assert latest is not None and [p.name for p in latest.comparison.ranked] == ["Vertex AI"]
    assert errors_logged == [], describe(errors_logged)


def test_a_nul_in_a_business_case_name_is_dropped_and_the_case_saved(
    running: Running, errors_logged: list[logging.LogRecord]
) -> None:
    r = running
    view = _open_modal(r, "roi", CAT, 1)
    form = {"case_name": "Feature\x00 store", "investment": "100k", "y1_revenue": "200k", "rate": "10"}
    assert _submit(r, CAT, view, form) is None
    posted = r.slack.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == CHANNEL and "Feature store" in posted["text"]
    case = eventually(lambda: BusinessService(r.db).latest_business_case(TEAM, CHANNEL))
    assert case.inputs.name == "Feature store"
    assert errors_logged == [], describe(errors_logged)


# --- item 7: what a member types never becomes a mention or a link ---------------------------------

HOSTILE = "<!channel> <!here> <http://evil.example|click> &"


def _mrkdwn(blocks: object) -> list[str]:
    """Every text of a mrkdwn text object in ``blocks`` (what Slack parses for mentions and links)."""
    found: list[str] = []
    if isinstance(blocks, dict):
        if blocks.get("type") == "mrkdwn":
            found.append(str(blocks.get("text")))
        for value in blocks.values():
            found += _mrkdwn(value)
    elif isinstance(blocks, list):
        for value in blocks:
            found += _mrkdwn(value)
    return found


def _no_markup(text: str, blocks: object = None, *, typed: str = "<!channel>") -> None:
    """No mention or link markup in the text or any mrkdwn of the blocks; the text shows what was typed."""
    for shown in [text, *_mrkdwn(blocks)]:
        assert "<!channel>" not in shown and "<!here>" not in shown and "<http://evil" not in shown, shown
    assert typed.replace("<", "&lt;").replace(">", "&gt;") in text, text


def test_a_platform_name_is_escaped_in_the_fallback_text_and_the_confirmation(running: Running) -> None:
    r = running
    view = _open_modal(r, "platforms", ANA, 1)
    assert _submit(r, ANA, view, _scores(HOSTILE, *ANA_VERTEX)) is None
    posted = r.slack.wait_for("chat.postMessage")[0].params
    _no_markup(posted["text"], posted["blocks"])
    (confirmation,) = r.slack.wait_for("chat.postEphemeral", count=1)
    _no_markup(confirmation.params["text"])


def test_a_business_case_name_is_escaped_in_the_fallback_text(running: Running) -> None:
    r = running
    view = _open_modal(r, "roi", CAT, 1)
    form = {"case_name": HOSTILE, "investment": "100k", "y1_revenue": "200k", "rate": "10"}
    assert _submit(r, CAT, view, form) is None
    posted = r.slack.wait_for("chat.postMessage")[0].params
    _no_markup(posted["text"], posted["blocks"])


@pytest.mark.parametrize("typed", ["<!channel>", "<http://evil.example|click>"])
@pytest.mark.parametrize("command", ["assess {}", "roi {}", "session {}", "{}", "finish {}", "schedule {}"])
def test_a_command_echoing_what_was_typed_escapes_it(running: Running, command: str, typed: str) -> None:
    r = running
    response = r.driver.slash(command.format(typed), user_id=ANA, channel_id=CHANNEL)
    assert response.status == 200
    # Bolt answers an ack that has only text with the text itself, not JSON
    body = response.json() if response.body.lstrip().startswith("{") else {"text": response.body}
    _no_markup(body["text"], body.get("blocks"), typed=typed)


# --- item 8: no CSV cell runs as a spreadsheet formula -----------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+SUM(1,2)", "@cmd|' /C calc'!A0"]


def test_exported_comments_that_look_like_formulas_are_neutralised(running: Running) -> None:
    r = running
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    thread = opened.threads["people-process"]
    for user, formula in zip([BEN, CAT, ANA], FORMULAS, strict=True):
        r.driver.reply(user_id=user, channel_id=CHANNEL, thread_ts=thread, text=f"2 1 3 {formula}")
    r.slack.wait_for("reactions.add", count=3)
    r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    eventually(lambda: _summary_stored(r))
    r.driver.slash("export", user_id=ANA, channel_id=CHANNEL)
    upload = eventually(lambda: next((f for f in r.slack.files if f.completed and f.name.endswith(".csv")), None))
    rows = list(csv.DictReader(io.StringIO(upload.content.decode())))
    assert {row["comment"] for row in rows} == {"'" + f for f in FORMULAS}
    assert {row["level"] for row in rows} == {"1", "2", "3"}  # numbers stay numbers
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


def _summary_stored(r: Running) -> bool:
    with r.db.session() as s:
        team = repo.get_team(s, TEAM, CHANNEL)
        closed = repo.closed_assessments(s, TEAM, team.id) if team else []
        return bool(closed and closed[0].summary_ts)


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_every_formula_lead_is_neutralised_and_numbers_stay_numbers(lead: str) -> None:
    out = io.StringIO(newline="")
    csv_writer(out, lineterminator="\n").writerow([f"{lead}1+1", -3, 2.5, "plain", None, "a\rb"])
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    shown = "\n" if lead == "\r" else lead  # a lone CR is written as a line break, inside the quoted cell
    assert rows == [[f"'{shown}1+1", "-3", "2.5", "plain", "", "a\nb"]]


# --- item 19: long input is never echoed whole -------------------------------------------------------

LONG = "x" * 5000


@pytest.mark.parametrize(
    "command",
    [
        "assess {}",
        "{}",
        "finish {}",
        "roi {}",
        "session {}",
        "schedule {}",
        "schedule tz {}",
        "schedule weekly tz={}",
        "schedule 0 9 * * {}",
        "schedule reminders {}",
    ],
)
def test_a_long_argument_is_clipped_in_the_answer(
    running: Running, errors_logged: list[logging.LogRecord], command: str
) -> None:
    r = running
    response = r.driver.slash(command.format(LONG), user_id=ANA, channel_id=CHANNEL)
    assert response.status == 200
    if response.body.lstrip().startswith("{"):
        answer = json.dumps(response.json(), ensure_ascii=False)
    elif response.body.strip():
        answer = response.body
    else:  # answered after the ack, through the response_url
        posted = eventually(lambda: r.slack.response_url_posts[-1] if r.slack.response_url_posts else None)
        answer = json.dumps(posted, ensure_ascii=False)
    assert "x" * 100 not in answer and "…" in answer, answer[:300]
    assert errors_logged == [], describe(errors_logged)


def test_a_roadmap_item_title_is_escaped_in_the_change_summary(running: Running) -> None:
    """A roadmap item's title is typed by a member (the plan's "Add" modal); the change summary names
    the items done beside their dimension's delta, in its blocks and in its notification text."""
    from datetime import timedelta

    from storage import clock
    from tests.bot.test_plan import _button, _command, _finish_assessment, _items, _said, _view
    from tests.bot.test_targets import ANSWERS

    r = running
    _finish_assessment(r, 0)
    add = _button(json.loads(_command(r, "plan"))["blocks"], "plan:add")
    r.driver.click(user_id=ANA, channel_id=CHANNEL, message_ts="0", action_id="plan:add", value=add["value"])
    view = _view(r.slack.wait_for("views.open")[-1])
    state = {
        "values": {
            "title": {"v": {"type": "plain_text_input", "value": HOSTILE}},
            "dim": {"v": {"type": "static_select", "selected_option": {"value": "monitoring-operations"}}},
            "owner": {"v": {"type": "users_select", "selected_user": BEN}},
            "due": {"v": {"type": "datepicker", "selected_date": None}},
            "link": {"v": {"type": "plain_text_input", "value": None}},
            "notes": {"v": {"type": "plain_text_input", "value": None}},
        }
    }
    submitted = r.driver.view_submission(
        user_id=ANA,
        view={"callback_id": view["callback_id"], "private_metadata": view["private_metadata"], "state": state},
    )
    assert submitted.status == 200 and not submitted.body.strip().startswith('{"response_action"'), submitted.body
    _no_markup(_said(r, "added a roadmap item"))
    (item,) = _items(r)
    plan = json.loads(_command(r, "plan", user=BEN))
    done = next(
        e
        for b in plan["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "plan:status:done" and json.loads(e["value"])["i"] == item.id
    )
    r.driver.click(user_id=BEN, channel_id=CHANNEL, message_ts="0", action_id=done["action_id"], value=done["value"])
    _no_markup(_said(r, "moved the roadmap item"))

    clock.advance(timedelta(days=92))
    try:
        better = {**ANSWERS, "monitoring-operations": "3 3 3 3 3"}
        _finish_assessment(r, len(r.slack.calls_to("chat.postMessage")), better)
        (change,) = r.slack.wait_for("chat.postMessage", predicate=lambda c: "Maturity change" in c.params["text"])
        assert "— done: " in change.params["text"], change.params["text"]
        _no_markup(change.params["text"], change.params["blocks"])
        r.slack.wait_for("chat.update", predicate=lambda c: "this assessment is closed" in c.params["text"], count=8)
    finally:
        clock.reset()
