"""The whole assessment conversation, driven only by signed HTTP requests to the real app.

Runs on SQLite and PostgreSQL (the ``db`` fixture behind ``running``), against the stand-in Slack.
"""

from __future__ import annotations

import json
import time

import pytest

from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA, BEN, CAT, DAN = MEMBERS
DIMENSIONS = ["people-process", "model-development", "deployment-serving", "monitoring-operations"]


def _assess(r: Running, text: str = "assess", user: str = ANA) -> list:
    response = r.driver.slash(text, user_id=user, channel_id=CHANNEL)
    assert response.status == 200
    return r.slack.wait_for("chat.postMessage", count=5)


def _threads(r: Running) -> dict[str, str]:
    """dimension id -> thread ts: the intro comes first, then one message per dimension in order."""
    posted = [m for m in r.slack.messages(CHANNEL) if m.is_bot and not m.thread_ts]
    return {dim: message.ts for dim, message in zip(DIMENSIONS, posted[1:5], strict=True)}


def _wait_for_response_url(r: Running, count: int = 1) -> dict:
    deadline = time.time() + 10
    while len(r.slack.response_url_posts) < count and time.time() < deadline:
        time.sleep(0.05)
    assert len(r.slack.response_url_posts) >= count, "no response_url post arrived"
    return r.slack.response_url_posts[-1]


def _settle(r: Running, method: str, count: int) -> None:
    r.slack.wait_for(method, count=count, timeout=30)


def _click(r: Running, user: str, thread_ts: str, question: str, level: int | None, assessment_id: int) -> None:
    action_id = f"answer:{question}:{'dk' if level is None else level}"
    value = json.dumps({"a": assessment_id, "q": question, "l": level})
    response = r.driver.click(
        user_id=user,
        channel_id=CHANNEL,
        message_ts=thread_ts,
        action_id=action_id,
        value=value,
        block_id=f"q:{question}",
    )
    assert response.status == 200


def _open_assessment_id(r: Running) -> int:
    with r.db.session() as s:
        a = repo.get_open_assessment(s, TEAM, CHANNEL)
        assert a is not None
        return a.id


def test_full_assessment_with_three_members(running: Running) -> None:
    r = running
    posts = _assess(r)
    assert len(posts) == 5
    intro, *dimension_posts = posts
    assert "MLOps maturity" in intro.params["text"]
    for call, name in zip(
        dimension_posts,
        ["People & Process", "Model Development", "Deployment & Serving", "Monitoring & Operations"],
        strict=True,
    ):
        assert name in call.params["text"]  # the fallback text names the dimension
    threads = _threads(r)
    aid = _open_assessment_id(r)

    # Ana types her answers, with a comment on People & Process
    replies = {
        "people-process": "2 2 1 we pair on notebooks",
        "model-development": "1 1 2 1",
        "deployment-serving": "0 1 0 0",
        "monitoring-operations": "1 1 0 0 1",
    }
    for dim, text in replies.items():
        _, response = r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=threads[dim], text=text)
        assert response.status == 200, response.body
    _settle(r, "reactions.add", 4)

    # Ben clicks buttons for all 16 questions
    clicks = {
        "people-process": [("pp-collaboration", 3), ("pp-handoff", 2), ("pp-incidents", 1)],
        "model-development": [
            ("md-reproducibility", 2),
            ("md-tracking", 1),
            ("md-training-automation", 2),
            ("md-data-management", 1),
        ],
        "deployment-serving": [("ds-frequency", 1), ("ds-testing", 1), ("ds-rollback", 0), ("ds-ab-testing", 0)],
        "monitoring-operations": [
            ("mo-metrics", 1),
            ("mo-alerting", 2),
            ("mo-drift", 0),
            ("mo-retraining", 0),
            ("mo-cost", 1),
        ],
    }
    for dim, answers in clicks.items():
        for question, level in answers:
            _click(r, BEN, threads[dim], question, level, aid)
    _settle(r, "chat.postEphemeral", 4 + 16)

    # Cat: don't know on PP Q1, answers MD then changes Q2 with N=L, skips Monitoring entirely
    r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=threads["people-process"], text="? 2 3")
    r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=threads["model-development"], text="1 1 1 1")
    r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=threads["deployment-serving"], text="0,0,0,0")
    _settle(r, "reactions.add", 7)
    r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=threads["model-development"], text="2=3 on reflection")
    _settle(r, "reactions.add", 8)

    with r.db.session() as s:
        stored = {(x.user_id, x.question_id): x.level for x in repo.list_responses(s, TEAM, aid)}
    assert len(stored) == 16 + 16 + 11
    assert stored[(CAT, "pp-collaboration")] is None
    assert stored[(CAT, "md-tracking")] == 3

    # the dimension messages show progress: the last update of Model Development counts three people
    r.slack.wait_for(
        "chat.update",
        predicate=lambda c: (
            c.params["ts"] == threads["model-development"]
            and "*3* people have answered (Q1 3 · Q2 3 · Q3 3 · Q4 3)"
            in json.dumps(c.params["blocks"], ensure_ascii=False)
        ),
    )
    time.sleep(0.3)  # let any refresh still in flight land; the last one must not be stale
    updates = [c for c in r.slack.calls_to("chat.update") if c.params["ts"] == threads["model-development"]]
    assert "*3* people have answered" in json.dumps(updates[-1].params["blocks"])

    response = r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    assert response.status == 200
    summary = r.slack.wait_for("chat.postMessage", count=6)[-1]
    text = summary.params["text"]

    # By hand, from the seed formula (question mean -> dimension mean -> weighted overall):
    pp = ((2 + 3) / 2 + (2 + 2 + 2) / 3 + (1 + 1 + 3) / 3) / 3  # Cat's "?" left out of Q1
    md = ((1 + 2 + 1) / 3 + (1 + 1 + 3) / 3 + (2 + 2 + 1) / 3 + (1 + 1 + 1) / 3) / 4
    ds = ((0 + 1 + 0) / 3 + (1 + 1 + 0) / 3 + 0 + 0) / 4
    mo = ((1 + 1) / 2 + (1 + 2) / 2 + 0 + 0 + (1 + 1) / 2) / 5  # Cat did not answer
    overall = 0.30 * pp + 0.25 * md + 0.25 * ds + 0.20 * mo
    assert f"{overall:.2f}" == "1.17"
    assert "overall 1.17" in text
    assert "Level 1 (DevOps no MLOps)" in text
    for name, value in [
        ("People & Process", pp),
        ("Model Development", md),
        ("Deployment & Serving", ds),
        ("Monitoring & Operations", mo),
    ]:
        assert f"{name} {value:.2f}" in text
    assert "3 of 4 members answered" in text

    blocks = json.dumps(summary.params["blocks"])
    assert "Weakest dimensions" in blocks
    # Ranked against the team's target, Level 2 (lower bound 1.5): Deployment (1.5 - 0.25) x 0.25 = 0.3125,
    # Monitoring (1.5 - 0.7) x 0.20 = 0.16, Development (1.5 - 1.4167) x 0.25 = 0.02; People at 2.06 is
    # above it. (Each against its own next band, Monitoring 0.16 led and People 0.13 came second.)
    shown = "\n".join(b["text"]["text"] for b in summary.params["blocks"] if isinstance(b.get("text"), dict))
    assert "*Weakest dimensions* (ranked by weighted gap to Level 2)" in shown
    assert "1. *Deployment &amp; Serving* 0.25 — 1.25 short of Level 2 (weight 25%)" in shown
    assert "2. *Monitoring &amp; Operations* 0.70 — 0.80 short of Level 2 (weight 20%)" in shown
    assert "3. *Model Development* 1.42 — 0.08 short of Level 2 (weight 25%)" in shown
    assert "People &amp; Process* 2.06 —" not in shown
    assert "Where members disagree" in blocks  # pp-incidents and md-tracking: 1 vs 3
    assert "Roadmap 2" in blocks  # level 1 -> Roadmap 2 (1->2)
    assert "6-9 months" in blocks and "$150K-$300K" in blocks

    # the last dimension message is closed after the summary's ts is stored
    r.slack.wait_for(
        "chat.update",
        predicate=lambda c: (
            c.params["ts"] == threads["monitoring-operations"] and '"actions"' not in json.dumps(c.params["blocks"])
        ),
    )
    with r.db.session() as s:
        a = repo.get_assessment(s, TEAM, aid)
        assert a.status == "closed" and a.overall == pytest.approx(overall)
        assert a.summary_ts == summary.response["ts"]
        comments = repo.list_comments(s, TEAM, aid)
    assert sorted(c.text for c in comments) == ["on reflection", "we pair on notebooks"]

    # buttons are gone from the dimension messages once closed
    last = [c for c in r.slack.calls_to("chat.update") if c.params["ts"] == threads["people-process"]][-1]
    assert '"actions"' not in json.dumps(last.params["blocks"])


def test_unreadable_reply_explains_with_an_example_and_changes_nothing(running: Running) -> None:
    r = running
    _assess(r)
    threads = _threads(r)
    aid = _open_assessment_id(r)
    for text in ["we are mostly a 2", "3 2 9", "1 2 3 4 5"]:
        r.driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=threads["people-process"], text=text)
    ephemerals = r.slack.wait_for("chat.postEphemeral", count=3)
    for call in ephemerals:
        assert call.params["user"] == BEN
        assert call.params["thread_ts"] == threads["people-process"]
        assert "nothing changed" in call.params["text"] and "e.g. `" in call.params["text"]
    # replies are handled concurrently: the explanations may arrive in any order
    assert any("9 is not a level" in call.params["text"] for call in ephemerals)
    assert any("has 3 questions, but that reply gives more levels" in call.params["text"] for call in ephemerals)
    with r.db.session() as s:
        assert repo.count_responses(s, TEAM, aid) == 0
    assert r.slack.calls_to("reactions.add") == []


def test_a_second_assess_while_one_is_open_says_so(running: Running) -> None:
    r = running
    _assess(r)
    r.driver.slash("assess discovery", user_id=BEN, channel_id=CHANNEL)
    assert "already open" in _wait_for_response_url(r)["text"]
    assert len(r.slack.calls_to("chat.postMessage")) == 5  # nothing new was posted


def test_unknown_subcommand_and_unknown_framework_answer_with_usage(running: Running) -> None:
    r = running
    for text, problem in [("", "Tell me what to do"), ("launch", "launch"), ("assess nope", "unknown framework")]:
        response = r.driver.slash(text, user_id=ANA, channel_id=CHANNEL)
        assert response.status == 200
        body = response.json()
        assert problem in body["text"] and "/maturity assess" in body["text"]
        assert body.get("response_type", "ephemeral") == "ephemeral"
    time.sleep(0.3)
    assert r.slack.calls_to("chat.postMessage") == []
    with r.db.session() as s:
        assert repo.get_open_assessment(s, TEAM, CHANNEL) is None


def test_help_is_ephemeral_and_says_replies_are_visible(running: Running) -> None:
    body = running.driver.slash("help", user_id=ANA, channel_id=CHANNEL).json()
    blocks = json.dumps(body["blocks"])
    assert "typed thread replies are visible" in blocks and "maturity-levels" in blocks and "discovery" in blocks


def test_forged_and_stale_signatures_are_rejected(running: Running) -> None:
    r = running
    body = "command=%2Fmaturity&text=assess&team_id=T0000001&channel_id=C0TEAM001&user_id=U0ANA0001"
    headers = r.driver.sign(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert r.driver.post_raw(body, headers).status == 401
    stale = r.driver.sign(body, timestamp=int(time.time()) - 60 * 10)
    assert r.driver.post_raw(body, stale).status == 401
    good = r.driver.sign(body)
    assert r.driver.post_raw(body + "&x=1", good).status == 401  # body changed after signing
    time.sleep(0.3)
    assert r.slack.calls_to("chat.postMessage") == []


def test_a_retried_event_is_counted_once(running: Running) -> None:
    r = running
    _assess(r)
    threads = _threads(r)
    aid = _open_assessment_id(r)
    ts = r.slack.record_user_message(CHANNEL, DAN, "3 3 3 retried", thread_ts=threads["people-process"])
    event = {
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": DAN,
        "text": "3 3 3 retried",
        "ts": ts,
        "thread_ts": threads["people-process"],
        "event_ts": ts,
    }
    first = r.driver.event(event, event_id="Ev0RETRY01")
    again = r.driver.event(event, event_id="Ev0RETRY01", retry_num=1, retry_reason="http_timeout")
    third = r.driver.event(event, event_id="Ev0RETRY01", retry_num=2, retry_reason="http_timeout")
    assert (first.status, again.status, third.status) == (200, 200, 200)
    r.slack.wait_for("reactions.add", count=1)
    time.sleep(0.5)
    assert len(r.slack.calls_to("reactions.add")) == 1
    with r.db.session() as s:
        assert repo.count_responses(s, TEAM, aid) == 3
        assert len(repo.list_comments(s, TEAM, aid)) == 1


def test_cancel_closes_without_a_summary_and_answers_are_refused_after(running: Running) -> None:
    r = running
    _assess(r)
    threads = _threads(r)
    aid = _open_assessment_id(r)
    r.driver.slash("cancel", user_id=ANA, channel_id=CHANNEL)
    assert "cancelled" in _wait_for_response_url(r)["text"]
    _click(r, BEN, threads["people-process"], "pp-handoff", 2, aid)
    ephemeral = r.slack.wait_for("chat.postEphemeral", count=1)[-1]
    assert "cancelled" in ephemeral.params["text"] and "not recorded" in ephemeral.params["text"]
    with r.db.session() as s:
        assert repo.count_responses(s, TEAM, aid) == 0
    assert len(r.slack.calls_to("chat.postMessage")) == 5  # no summary


def test_finish_without_an_open_assessment(running: Running) -> None:
    r = running
    r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    assert "No assessment is open" in _wait_for_response_url(r)["text"]


def test_replies_outside_dimension_threads_are_ignored(running: Running) -> None:
    r = running
    _assess(r)
    r.driver.message(user_id=ANA, channel_id=CHANNEL, text="3 3 3")  # top-level, not in a thread
    other = r.slack.record_user_message(CHANNEL, ANA, "lunch?")
    r.driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=other, text="2 2 2")
    time.sleep(0.5)
    assert r.slack.calls_to("reactions.add") == []
    assert r.slack.calls_to("chat.postEphemeral") == []


def test_healthz(running: Running) -> None:
    import urllib.request

    with urllib.request.urlopen(running.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"status": "ok"}


def test_the_command_is_acknowledged_before_the_slow_work(running: Running) -> None:
    r = running
    r.slack.delay("chat.postMessage", seconds=2.0, times=1)  # Slack's Web API is slow today
    response = r.driver.slash("assess", user_id=ANA, channel_id=CHANNEL)
    assert response.status == 200
    # the ack came back while the first post was still in flight
    assert r.slack.calls_to("chat.postMessage") == []
    assert len(r.slack.wait_for("chat.postMessage", count=5, timeout=15)) == 5


def test_an_acknowledged_click_is_already_stored(running: Running) -> None:
    # Slack never redelivers an interaction: the click must be in the database when Slack gets the ack.
    r = running
    _assess(r)
    threads = _threads(r)
    aid = _open_assessment_id(r)
    for i, level in enumerate([0, 3, 2, 4, 1]):
        _click(r, BEN, threads["people-process"], "pp-handoff", level, aid)
        with r.db.session() as s:  # no waiting: read straight after the 200
            stored = {(x.user_id, x.question_id): x.level for x in repo.list_responses(s, TEAM, aid)}
        assert stored == {(BEN, "pp-handoff"): level}, i


def test_a_burst_of_answers_updates_a_dimension_message_a_few_times_and_ends_on_the_last_count(
    running: Running,
) -> None:
    r = running
    r.services.refresher.interval = 0.5  # type: ignore[union-attr]  # DIMENSION_REFRESH_SECONDS
    _assess(r)
    threads = _threads(r)
    people = [f"U0BURST{i:03d}" for i in range(12)]
    for user in people:
        r.slack.add_user(user, user.lower())
    r.slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, *people])
    ts = threads["model-development"]
    for user in people:
        assert r.driver.reply(user_id=user, channel_id=CHANNEL, thread_ts=ts, text="2 2 2 2")[1].status == 200
    _settle(r, "reactions.add", len(people))
    final = r.slack.wait_for(
        "chat.update",
        predicate=lambda c: c.params["ts"] == ts and "*12* people have answered" in json.dumps(c.params["blocks"]),
    )
    time.sleep(0.7)  # nothing stale may land after it
    updates = [c for c in r.slack.calls_to("chat.update") if c.params["ts"] == ts]
    assert updates[-1] is final[-1]
    assert len(updates) < len(people)  # throttled: not one chat.update per answer
