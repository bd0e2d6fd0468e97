"""Conversations as Slack delivers them (issue 14, items 1–3, 5–7): edited and deleted replies,
Slack's escaping, who counts as a member, a screenshot alone in a thread, a failed export upload.

Each test drives the real app over signed HTTP against the stand-in Slack, on SQLite and PostgreSQL.
Events are built like Slack's documented samples (``message_changed``, ``message_deleted``,
``file_share``)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA, BEN, CAT, DAN = MEMBERS
DIMENSIONS = ["people-process", "model-development", "deployment-serving", "monitoring-operations"]


def _assess(r: Running) -> tuple[int, dict[str, str]]:
    assert r.driver.slash("assess", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=5)
    deadline = time.time() + 10
    while time.time() < deadline:
        with r.db.session() as s:
            a = repo.get_open_assessment(s, TEAM, CHANNEL)
            threads = {t.dimension_id: t.message_ts for t in a.threads} if a is not None else {}
        if len(threads) == 4:
            return a.id, threads
        time.sleep(0.05)
    raise AssertionError("the assessment's threads were not stored")


def _answers(r: Running, aid: int, user: str = ANA) -> dict[str, tuple[int | None, str | None]]:
    with r.db.session() as s:
        return {x.question_id: (x.level, x.message_ts) for x in repo.list_responses(s, TEAM, aid) if x.user_id == user}


def _comments(r: Running, aid: int) -> dict[str, str]:
    with r.db.session() as s:
        return {c.message_ts: c.text for c in repo.list_comments(s, TEAM, aid)}


def _now_ts() -> str:
    return f"{time.time():.6f}"


def _edited(user: str, thread_ts: str, ts: str, text: str, previous: str, *, edited: bool = True) -> dict[str, Any]:
    """A ``message_changed`` event as Slack sends it when a member edits a thread reply (or, with
    ``edited=False``, when Slack unfurls a link in it)."""
    event_ts = _now_ts()
    message: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "team": TEAM,
        "client_msg_id": str(uuid.uuid4()),
    }
    if edited:
        message["edited"] = {"user": user, "ts": event_ts}
    else:
        message["attachments"] = [{"from_url": "https://example.com/", "title": "Example", "id": 1}]
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": message,
        "channel": CHANNEL,
        "previous_message": {"type": "message", "user": user, "text": previous, "ts": ts, "thread_ts": thread_ts},
        "event_ts": event_ts,
        "ts": event_ts,
        "channel_type": "channel",
    }


def _deleted(user: str, thread_ts: str, ts: str, previous: str) -> dict[str, Any]:
    """A ``message_deleted`` event as Slack sends it when a member deletes a thread reply."""
    event_ts = _now_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": ts,
        "channel": CHANNEL,
        "previous_message": {"type": "message", "user": user, "text": previous, "ts": ts, "thread_ts": thread_ts},
        "event_ts": event_ts,
        "ts": event_ts,
        "channel_type": "channel",
    }


def _ephemeral_to(r: Running, user: str, contains: str, timeout: float = 10) -> str:
    calls = r.slack.wait_for(
        "chat.postEphemeral",
        timeout=timeout,
        predicate=lambda c: c.params.get("user") == user and contains in (c.params.get("text") or ""),
    )
    return str(calls[-1].params["text"])


# --- 1. edited replies ------------------------------------------------------------------------------


def test_an_edited_reply_replaces_what_that_message_gave(running: Running) -> None:
    r = running
    aid, threads = _assess(r)
    thread = threads["people-process"]
    ts, _ = r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=thread, text="2 2 1 we pair")
    r.slack.wait_for("reactions.add", count=1)
    assert _answers(r, aid) == {"pp-collaboration": (2, ts), "pp-handoff": (2, ts), "pp-incidents": (1, ts)}

    # edited to answer only question 2, with another comment: Q1 and Q3 from that message are withdrawn
    response = r.driver.event(_edited(ANA, thread, ts, "2=4 we pair and review", "2 2 1 we pair"))
    assert response.status == 200
    text = _ephemeral_to(r, ANA, "edited reply")
    assert "Q2 4" in text and "Withdrawn: Q1, Q3" in text
    assert _answers(r, aid) == {"pp-handoff": (4, ts)}
    assert _comments(r, aid) == {ts: "we pair and review"}
    r.slack.wait_for("chat.update", predicate=lambda c: c.params.get("ts") == thread)

    # a link unfurl arrives as message_changed without `edited`: nothing changes, nothing is said
    r.slack.reset_calls()
    assert r.driver.event(_edited(ANA, thread, ts, "1 1 1 https://x", "2=4", edited=False)).status == 200
    time.sleep(0.5)
    assert _answers(r, aid) == {"pp-handoff": (4, ts)}
    assert not r.slack.calls_to("chat.postEphemeral")


def test_an_edit_that_makes_an_unreadable_reply_readable_records_it(running: Running) -> None:
    r = running
    aid, threads = _assess(r)
    thread = threads["model-development"]
    ts, _ = r.driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=thread, text="two one three")
    _ephemeral_to(r, BEN, "couldn't record that reply")
    assert _answers(r, aid, BEN) == {}
    assert not r.slack.calls_to("reactions.add")

    r.driver.event(_edited(BEN, thread, ts, "2 1 3 1", "two one three"))
    r.slack.wait_for("reactions.add", predicate=lambda c: c.params.get("timestamp") == ts)
    _ephemeral_to(r, BEN, "edited reply")
    assert {q: level for q, (level, _) in _answers(r, aid, BEN).items()} == {
        "md-reproducibility": 2,
        "md-tracking": 1,
        "md-training-automation": 3,
        "md-data-management": 1,
    }

    # an edit that cannot be read changes nothing and says so
    r.driver.event(_edited(BEN, thread, ts, "lots", "2 1 3 1"))
    _ephemeral_to(r, BEN, "couldn't read your edited reply")
    assert len(_answers(r, aid, BEN)) == 4


def test_an_edit_leaves_a_later_answer_alone(running: Running) -> None:
    r = running
    aid, threads = _assess(r)
    thread = threads["people-process"]
    first, _ = r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=thread, text="1 1 1")
    second, _ = r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=thread, text="2=3")
    r.slack.wait_for("reactions.add", count=2)
    r.driver.event(_edited(CAT, thread, first, "0 0 0", "1 1 1"))
    text = _ephemeral_to(r, CAT, "edited reply")
    assert "later answer stands for Q2" in text
    assert _answers(r, aid, CAT) == {
        "pp-collaboration": (0, first),
        "pp-handoff": (3, second),
        "pp-incidents": (0, first),
    }


# --- 2. deleted replies -----------------------------------------------------------------------------


def test_a_deleted_reply_withdraws_its_answers_and_comment_unless_replaced(running: Running) -> None:
    r = running
    aid, threads = _assess(r)
    thread = threads["people-process"]
    first, _ = r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=thread, text="2 2 1 we pair on notebooks")
    second, _ = r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=thread, text="3=4 after the postmortem")
    r.slack.wait_for("reactions.add", count=2)
    r.slack.wait_for("chat.update", predicate=lambda c: c.params.get("ts") == thread)
    updates = len(r.slack.calls_to("chat.update"))

    assert r.driver.event(_deleted(ANA, thread, first, "2 2 1 we pair on notebooks")).status == 200
    text = _ephemeral_to(r, ANA, "deleted your reply")
    assert "Withdrawn: Q1, Q2" in text
    assert _answers(r, aid) == {"pp-incidents": (4, second)}  # the later answer stands
    assert _comments(r, aid) == {second: "after the postmortem"}
    # the dimension's progress is refreshed
    r.slack.wait_for("chat.update", count=updates + 1, predicate=lambda c: c.params.get("ts") == thread)

    # deleting the second one too leaves nothing of Ana's
    r.driver.event(_deleted(ANA, thread, second, "3=4 after the postmortem"))
    _ephemeral_to(r, ANA, "Withdrawn: Q3")
    assert _answers(r, aid) == {}
    assert _comments(r, aid) == {}


# --- 6. a screenshot alone --------------------------------------------------------------------------


def test_a_screenshot_shared_alone_in_a_thread_is_not_an_unreadable_reply(running: Running) -> None:
    r = running
    aid, threads = _assess(r)
    thread = threads["deployment-serving"]
    ts = _now_ts()
    event = {
        "type": "message",
        "subtype": "file_share",
        "text": "",
        "user": DAN,
        "ts": ts,
        "thread_ts": thread,
        "channel": CHANNEL,
        "event_ts": ts,
        "channel_type": "channel",
        "upload": False,
        "display_as_bot": False,
        "files": [{"id": "F0SCREEN1", "name": "pipeline.png", "mimetype": "image/png", "filetype": "png"}],
    }
    assert r.driver.event(event).status == 200
    # a typed reply afterwards is answered, and nothing was said about the screenshot
    r.driver.reply(user_id=DAN, channel_id=CHANNEL, thread_ts=thread, text="x")
    _ephemeral_to(r, DAN, "couldn't read levels")
    said = [c.params["text"] for c in r.slack.calls_to("chat.postEphemeral")]
    assert len(said) == 1 and "couldn't read levels" in said[0], said
    assert _answers(r, aid, DAN) == {}


# --- 7. a failed export upload ----------------------------------------------------------------------


def test_an_export_whose_byte_upload_fails_tells_the_member(running: Running) -> None:
    from tests.bot.test_assessment_flow import _wait_for_response_url
    from tests.bot.test_export import _finished_assessment

    r = running
    _finished_assessment(r)
    r.slack.server_error("file_upload", status=503, times=None)  # the upload URL answers 5xx, every retry
    assert r.driver.slash("export", user_id=ANA, channel_id=CHANNEL).status == 200
    said = _wait_for_response_url(r)
    assert "couldn't upload the export" in said["text"]
    assert said.get("response_type") == "ephemeral"
    assert not [f for f in r.slack.files if f.completed and not f.name.endswith(".png")]  # the charts came at finish


# --- 5. who is a member -----------------------------------------------------------------------------


def test_other_bots_and_deactivated_users_are_not_team_members(running: Running) -> None:
    r = running
    r.slack.add_user("U0OTHERBOT", "standup-bot", "Standup Bot", is_bot=True)
    r.slack.add_user("U0GONE0001", "eve", "Eve", deleted=True)
    r.slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, "U0OTHERBOT", "U0GONE0001"])
    aid, threads = _assess(r)
    r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=threads["people-process"], text="2 2 2")
    r.driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=threads["people-process"], text="3 3 3")
    r.slack.wait_for("reactions.add", count=2)
    # /maturity status waits for Cat and Dan only
    from tests.bot.test_targets import _command

    status = _command(r, "status")
    assert f"Not answered yet (2): <@{CAT}> <@{DAN}>" in status, status
    assert "U0OTHERBOT" not in status and "U0GONE0001" not in status
    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=6, timeout=15)  # the summary
    deadline = time.time() + 10
    while time.time() < deadline:
        with r.db.session() as s:
            closed = repo.closed_assessments(s, TEAM, repo.get_team(s, TEAM, CHANNEL).id)
            if closed:
                break
        time.sleep(0.05)
    assert closed and closed[0].id == aid
    assert closed[0].member_count == 4  # the four people, not the other app's bot or Eve
    # users.info is asked once per user and process, not on every count
    asked = [c.params.get("user") for c in r.slack.calls_to("users.info")]
    assert asked.count("U0OTHERBOT") <= 1 and asked.count("U0GONE0001") <= 1


# --- 3. Slack's escaping ----------------------------------------------------------------------------


def test_comments_are_stored_as_typed_and_shown_with_links_and_names(running: Running) -> None:
    import csv
    import io

    from bot.reports import build_report, render_html
    from tests.bot.test_export import _uploads

    r = running
    aid, threads = _assess(r)
    thread = threads["people-process"]
    # what Slack delivers when Ana types: R&D <-> ops, see [the runbook](https://wiki/x?a=1&b=2), ask @Ben
    escaped = "2 2 1 R&amp;D &lt;-&gt; ops, see <https://wiki.example/x?a=1&amp;b=2|the runbook>, ask <@U0BEN0002>"
    ts, _ = r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=thread, text=escaped)
    r.slack.wait_for("reactions.add", count=1)
    stored = _comments(r, aid)[ts]
    assert stored.startswith("R&D <-> ops, see ")
    assert "&amp;" not in stored.replace("a=1&amp;b=2", "") and "&lt;" not in stored

    r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    r.slack.wait_for("chat.postMessage", count=6, timeout=15)
    deadline = time.time() + 10
    while time.time() < deadline and build_report(r.db, TEAM, CHANNEL) is None:
        time.sleep(0.05)
    r.driver.slash("export", user_id=ANA, channel_id=CHANNEL)
    files = {f.name.rsplit("-", 1)[-1]: f.content.decode() for f in _uploads(r, 2)}
    rows = list(csv.DictReader(io.StringIO(files["responses.csv"])))
    comment = next(row["comment"] for row in rows if row["comment"])
    # the export names people as Slack's users.info does: the mention is shown as Ben's name
    assert comment == "R&D <-> ops, see the runbook (https://wiki.example/x?a=1&b=2), ask @Ben"
    report_md = files["report.md"]
    assert r"R&D \<-\> ops, see [the runbook](https://wiki.example/x?a=1&b=2), ask @Ben" in report_md
    assert "U0BEN0002" not in report_md and "U0BEN0002" not in comment

    report = build_report(r.db, TEAM, CHANNEL, names={"U0BEN0002": "Ben"})
    assert report is not None
    html = render_html(report)
    assert "R&amp;D &lt;-&gt; ops" in html and "&amp;amp;" not in html
    assert '<a href="https://wiki.example/x?a=1&amp;b=2" rel="noopener noreferrer">the runbook</a>' in html
    assert "ask @Ben" in html
