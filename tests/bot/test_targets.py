"""``/maturity target``: set, shown and used, through signed slash commands to the real app."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from storage import clock
from storage.models import Target
from tests.bot.test_assessment_flow import _settle, _wait_for_response_url
from tests.conftest import CHANNEL, MEMBERS, Running

ANA, BEN, CAT, DAN = MEMBERS

# People 1.33, Model Development 2.00, Deployment & Serving 2.50, Monitoring 1.60: overall 1.85, Level 2.
ANSWERS = {
    "people-process": "1 2 1",
    "model-development": "2 2 2 2",
    "deployment-serving": "2 3 2 3",
    "monitoring-operations": "1 1 2 2 2",
}


def _targets(r: Running) -> list[tuple[str, int, str | None]]:
    with r.db.session() as s:
        rows = s.scalars(select(Target).order_by(Target.dimension_id)).all()
        return [(t.dimension_id, t.level, t.due_on.isoformat() if t.due_on else None) for t in rows]


def _command(r: Running, text: str, user: str = ANA) -> str:
    """The ephemeral answer to a slash command: in the ack's body, or posted to the response_url."""
    before = len(r.slack.response_url_posts)
    response = r.driver.slash(text, user_id=user, channel_id=CHANNEL)
    assert response.status == 200
    if response.body.strip():  # answered in the ack: JSON, or the bare text of a text-only answer
        return response.body if not response.body.startswith("{") else json.dumps(response.json(), ensure_ascii=False)
    return json.dumps(_wait_for_response_url(r, before + 1), ensure_ascii=False)


def _finish_assessment(r: Running, posts_before: int, answers: dict[str, str] = ANSWERS) -> dict:
    """Open an assessment, Ana answers every dimension, finish; the summary's chat.postMessage call."""
    assert r.driver.slash("assess", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=posts_before + 5)
    posted = [m for m in r.slack.messages(CHANNEL) if m.is_bot and not m.thread_ts]
    threads = dict(zip(answers, [m.ts for m in posted[-4:]], strict=True))
    reactions = len(r.slack.calls_to("reactions.add"))
    for dim, text in answers.items():
        r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=threads[dim], text=text)
    _settle(r, "reactions.add", reactions + 4)
    summaries = len([c for c in r.slack.calls_to("chat.postMessage") if "closed: overall" in c.params.get("text", "")])
    r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    return r.slack.wait_for(
        "chat.postMessage", predicate=lambda c: "closed: overall" in c.params.get("text", ""), count=summaries + 1
    )[-1].params


def test_a_target_that_cannot_be_used_is_explained_and_nothing_is_stored(running: Running) -> None:
    r = running
    today = clock.now().date()
    cases = [
        ("target 9", "Level 9 is not on the scale of MLOps maturity levels (0-4): levels run from 0 to 4 (0 Manual"),
        ("target three", "`three` is not a level: give a whole number from 0 to 4"),
        ("target banana 3", "`banana` is not a dimension of MLOps maturity levels (0-4): use one of `people-process`"),
        ("target monitoring-operations 7", "Level 7 is not on the"),
        ("target 3 by 2020-01-01", "2020-01-01 is not in the future: the target date must be after today"),
        (f"target 3 by {today.isoformat()}", "is not in the future"),
        ("target 3 by 2027-13-40", "`2027-13-40` is not a date: write it as YYYY-MM-DD"),
        ("target 3 by", "`by` needs a date"),
        ("target 3 2027-06-30", "I can't read that target"),
        ("target " + "9" * 5000, "Level " + "9" * 39 + "… is not on the scale"),  # clipped, not int()'s error
        ("target <!channel> 3", "`&lt;!channel&gt;` is not a dimension"),  # escaped: no @channel
    ]
    for text, problem in cases:
        answer = _command(r, text)
        assert problem in answer, (text, answer)
        assert "Nothing was changed." in answer
        assert r.slack.response_url_posts[-1].get("response_type") == "ephemeral"
    assert _targets(r) == []


def test_target_is_stored_shown_and_ranks_the_weakest(running: Running) -> None:
    r = running
    first = _finish_assessment(r, 0)
    assert "Target" not in json.dumps(first["blocks"])  # none set: the summary has no target section
    assert "ranked by weighted gap to Level 3" in json.dumps(first["blocks"])
    assert "Deployment & Serving* 2.50" not in json.dumps(first["blocks"], ensure_ascii=False)  # at Level 3's bound

    due = (clock.now().date() + timedelta(days=365)).isoformat()
    answer = _command(r, f"target 4 by {due}")
    assert f"Target set: Level 4 (Full MLOps) by {due}, for MLOps maturity levels (0-4)." in answer
    # the gap per dimension to Level 4 (lower bound 3.5) and the pace needed over the ~4 quarters left
    assert "Deployment &amp; Serving: 2.50, gap 1.00 (+0.25 a quarter)" in answer
    assert "People &amp; Process: 1.33, gap 2.17" in answer
    assert "pace so far not enough history (fewer than 2 assessments)" in answer
    assert _targets(r) == [("", 4, due)]

    status = _command(r, "status", user=BEN)
    # overall 1.845, shown 1.85: 3.50 - 1.85 (round(3.5 - 1.845) would say 1.66)
    assert "Target: Level 4 (Full MLOps)" in status and "gap 1.65" in status

    assert "Monitoring & Operations's target is now Level 3" in _command(r, "target monitoring-operations 3")
    assert _targets(r) == [("", 4, due), ("monitoring-operations", 3, None)]
    assert "own target: Level 3" in _command(r, "target")

    # A quarter later, Deployment & Serving at 3.00 (+0.5 x 0.25 overall): the next summary ranks the weakest
    # against Level 4 and shows the target, with the pace so far over that quarter.
    clock.advance(timedelta(days=91.3125))
    try:
        better = {**ANSWERS, "deployment-serving": "3 3 3 3"}
        second = _finish_assessment(r, len(r.slack.calls_to("chat.postMessage")), better)
        blocks = json.dumps(second["blocks"], ensure_ascii=False)
        assert "ranked by weighted gap to Level 4" in blocks
        assert "*Model Development* 2.00 — 1.50 short of Level 4" in blocks  # would not be listed against Level 3
        assert "*Target: Level 4 (Full MLOps)*" in blocks and f"<@{ANA}>" in blocks
        assert "pace so far +0.12 a quarter over 1.0 quarters — behind pace" in blocks  # 1.845 -> 1.97
        assert "Monitoring &amp; Operations (own target: Level 3): 1.60, gap 0.90" in blocks
    finally:
        clock.reset()

    answer = _command(r, "target off")
    assert "Target cleared" in answer and _targets(r) == []
    assert "Nothing was changed" not in answer
    assert "No target was set" in _command(r, "target off")


def test_a_target_is_kept_per_framework(running: Running) -> None:
    """Stored per team and framework (issue 15 item 2): a team that moves to another framework has
    no target there until it sets one, and finds its first framework's target again on coming back."""
    r = running
    assert "Target set: Level 3" in _command(r, "target 3")
    assert r.driver.slash("assess discovery", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=8)  # the intro and the discovery framework's 7 dimensions
    assert "cancelled" in _command(r, "cancel")
    shown = _command(r, "target")
    assert "No target set for" in shown, shown
    assert "Target set: Level 5" in _command(r, "target 5")  # discovery's scale is 1-5
    assert sorted(_targets(r)) == [("", 3, None), ("", 5, None)]  # one per framework
    assert r.driver.slash("assess maturity-levels", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=8 + 5)
    assert "target: Level 3 (Automated Deployment)" in _command(r, "target")
