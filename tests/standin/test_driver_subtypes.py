"""The driver sends what Slack sends (issue 14 item 10): typed text escaped as Slack escapes it,
``thread_broadcast``, ``file_share``, another integration's ``bot_message``, and edits and deletions
(``message_changed``/``message_deleted``) of what the stand-in holds — each through the real app."""

from __future__ import annotations

import time

from standin.driver import slack_escape
from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA, BEN, CAT, DAN = MEMBERS


def _assess(r: Running) -> tuple[int, str]:
    assert r.driver.slash("assess", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=5)
    deadline = time.time() + 10
    while time.time() < deadline:
        with r.db.session() as s:
            a = repo.get_open_assessment(s, TEAM, CHANNEL)
            threads = {t.dimension_id: t.message_ts for t in a.threads} if a is not None else {}
        if len(threads) == 4:
            return a.id, threads["people-process"]
        time.sleep(0.05)
    raise AssertionError("the assessment's threads were not stored")


def _answers(r: Running, aid: int, user: str) -> dict[str, int | None]:
    with r.db.session() as s:
        return {x.question_id: x.level for x in repo.list_responses(s, TEAM, aid) if x.user_id == user}


def test_typed_text_arrives_escaped_and_is_stored_as_typed(running: Running) -> None:
    r = running
    aid, thread = _assess(r)
    assert slack_escape("R&D <-> ops") == "R&amp;D &lt;-&gt; ops"
    ts, response = r.driver.reply(
        user_id=ANA, channel_id=CHANNEL, thread_ts=thread, text="2 2 1 R&D <-> ops", escape=True
    )
    assert response.status == 200
    message = r.slack.message(CHANNEL, ts)
    assert message is not None and message.text == "2 2 1 R&amp;D &lt;-&gt; ops"  # what Slack delivers
    r.slack.wait_for("reactions.add", count=1)
    with r.db.session() as s:
        assert [c.text for c in repo.list_comments(s, TEAM, aid)] == ["R&D <-> ops"]  # what the member typed


def test_a_reply_also_sent_to_the_channel_is_an_answer(running: Running) -> None:
    r = running
    aid, thread = _assess(r)
    ts, response = r.driver.broadcast_reply(user_id=BEN, channel_id=CHANNEL, thread_ts=thread, text="3 2 1")
    assert response.status == 200
    r.slack.wait_for("reactions.add", predicate=lambda c: c.params["timestamp"] == ts)
    assert _answers(r, aid, BEN) == {"pp-collaboration": 3, "pp-handoff": 2, "pp-incidents": 1}


def test_a_file_shared_with_levels_is_an_answer_and_alone_says_nothing(running: Running) -> None:
    r = running
    aid, thread = _assess(r)
    _, response = r.driver.share_file(user_id=CAT, channel_id=CHANNEL, thread_ts=thread, name="pipeline.png")
    assert response.status == 200
    ts, response = r.driver.share_file(user_id=CAT, channel_id=CHANNEL, thread_ts=thread, text="1 1 2 see the diagram")
    assert response.status == 200
    r.slack.wait_for("reactions.add", predicate=lambda c: c.params["timestamp"] == ts)
    time.sleep(0.3)
    assert _answers(r, aid, CAT) == {"pp-collaboration": 1, "pp-handoff": 1, "pp-incidents": 2}
    assert not r.slack.calls_to("chat.postEphemeral")  # the screenshot alone was no unreadable reply


def test_another_integrations_bot_message_in_a_thread_is_not_an_answer(running: Running) -> None:
    r = running
    aid, thread = _assess(r)
    _, response = r.driver.bot_message(bot_id="B0DEPLOY1", channel_id=CHANNEL, thread_ts=thread, text="1 1 1")
    assert response.status == 200
    time.sleep(0.5)
    assert not r.slack.calls_to("reactions.add") and not r.slack.calls_to("chat.postEphemeral")
    with r.db.session() as s:
        assert repo.count_responses(s, TEAM, aid) == 0


def test_an_edit_and_a_deletion_through_the_driver(running: Running) -> None:
    r = running
    aid, thread = _assess(r)
    ts, _ = r.driver.reply(user_id=DAN, channel_id=CHANNEL, thread_ts=thread, text="2 2 1")
    r.slack.wait_for("reactions.add", count=1)
    assert r.driver.edit(user_id=DAN, channel_id=CHANNEL, ts=ts, text="2=4").status == 200
    r.slack.wait_for("chat.postEphemeral", predicate=lambda c: "edited reply" in c.params["text"])
    assert _answers(r, aid, DAN) == {"pp-handoff": 4}
    message = r.slack.message(CHANNEL, ts)
    assert message is not None and message.text == "2=4" and message.edited
    # an unfurl (Slack's own change, no `edited`) changes nothing
    assert r.driver.edit(user_id=DAN, channel_id=CHANNEL, ts=ts, text="1 1 1", edited=False).status == 200
    assert r.driver.delete(user_id=DAN, channel_id=CHANNEL, ts=ts).status == 200
    r.slack.wait_for("chat.postEphemeral", predicate=lambda c: "deleted your reply" in c.params["text"])
    assert _answers(r, aid, DAN) == {}
    assert r.slack.message(CHANNEL, ts) is None
