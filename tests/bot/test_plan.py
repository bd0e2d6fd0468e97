"""The tracked roadmap: proposed when an assessment closes, accepted in a modal, moved with buttons,
listed by ``/maturity plan`` — through signed clicks, view submissions and slash commands."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage import clock
from storage.models import RoadmapItem, RoadmapItemChange
from tests.bot.test_targets import ANSWERS, _command, _finish_assessment
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA, BEN, CAT, DAN = MEMBERS


def _view(call: Any) -> dict:
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else view


def _button(blocks: list[dict], action_id: str) -> dict:
    return next(
        e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"].startswith(action_id)
    )


def _items(r: Running) -> list[RoadmapItem]:
    with r.db.session() as s:
        return list(s.scalars(select(RoadmapItem).order_by(RoadmapItem.id)).all())


def _said(r: Running, needle: str, count: int = 1) -> str:
    calls = r.slack.wait_for("chat.postMessage", predicate=lambda c: needle in c.params.get("text", ""), count=count)
    return calls[-1].params["text"]


def _state(view: dict, keep: dict[int, dict[str, Any]]) -> dict:
    """The modal's state as Slack submits it: ``keep`` maps an item's number to its changed inputs."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block["type"] != "input" or ":" not in block_id:
            continue
        n, field = int(block_id.split(":")[0][1:]), block_id.split(":")[1]
        element = block["element"]
        changed = keep.get(n)
        if field == "keep":
            kept = element["initial_options"] if changed is not None else []
            value = {"type": "checkboxes", "selected_options": kept}
        elif field == "title":
            value = {"type": "plain_text_input", "value": (changed or {}).get("title", element.get("initial_value"))}
        elif field == "dim":
            chosen = (changed or {}).get("dim")
            option = element.get("initial_option")
            if chosen:
                option = next(o for o in element["options"] if o["value"] == chosen)
            value = {"type": "static_select", "selected_option": option}
        elif field == "owner":
            value = {"type": "users_select", "selected_user": (changed or {}).get("owner")}
        else:
            value = {"type": "datepicker", "selected_date": (changed or {}).get("due")}
        values[block_id] = {"v": value}
    return {"values": values}


def _submit(r: Running, user: str, view: dict, state: dict) -> dict | None:
    response = r.driver.view_submission(
        user_id=user,
        view={"callback_id": view["callback_id"], "private_metadata": view["private_metadata"], "state": state},
    )
    assert response.status == 200
    return response.json()


def test_proposed_items_are_accepted_moved_by_their_owner_and_listed(running: Running) -> None:
    """The whole loop of issue 15: set a target, finish an assessment, accept proposed items, move one
    to done, assess again a quarter later, and read the change summary."""
    r = running
    target_due = (clock.now().date() + timedelta(days=365)).isoformat()
    assert "Target set: Level 3" in _command(r, f"target 3 by {target_due}")
    summary = _finish_assessment(r, 0)
    assert "*Target: Level 3 (Automated Deployment)*" in json.dumps(summary["blocks"])
    review = _button(summary["blocks"], "plan:review")
    summary_ts = next(c for c in r.slack.calls_to("chat.postMessage") if "closed: overall" in c.params["text"])
    ts = summary_ts.response["ts"]  # type: ignore[attr-defined]

    # Ben did not open the assessment: he is told who can accept
    r.driver.click(user_id=BEN, channel_id=CHANNEL, message_ts=ts, action_id="plan:review", value=review["value"])
    deadline = time.time() + 10
    while not any("can accept" in p.get("text", "") for p in r.slack.response_url_posts) and time.time() < deadline:
        time.sleep(0.05)
    assert any(f"Only <@{ANA}>" in p.get("text", "") for p in r.slack.response_url_posts)
    assert r.slack.calls_to("views.open") == []

    # Ana opens the proposals: seed 000's focus for Roadmap 3, then opportunities of the top priorities
    r.driver.click(user_id=ANA, channel_id=CHANNEL, message_ts=ts, action_id="plan:review", value=review["value"])
    view = _view(r.slack.wait_for("views.open")[-1])
    assert view["callback_id"] == "plan:accept" and len(view["blocks"]) <= 100
    titles = [b["element"].get("initial_value") for b in view["blocks"] if b.get("block_id", "").endswith(":title")]
    assert titles[0] == "Stand up a model serving platform" and len(titles) >= 5

    # a due date in the past is refused in the modal, nothing stored
    past = (clock.now().date() - timedelta(days=1)).isoformat()
    answer = _submit(r, ANA, view, _state(view, {0: {"due": past}}))
    assert answer == {"response_action": "errors", "errors": {"p0:due": f"The due date {past} is in the past."}}
    assert _items(r) == []

    # keep two (the first edited, owned by Ben, with a due date), drop the rest
    due = (clock.now().date() + timedelta(days=60)).isoformat()
    edits = {
        0: {"title": "Drift alerts on all models", "dim": "monitoring-operations", "owner": BEN, "due": due},
        2: {"owner": CAT},
    }
    assert _submit(r, ANA, view, _state(view, edits)) is None
    assert f"<@{ANA}> accepted 2 roadmap items" in _said(r, "accepted 2 roadmap items")
    items = _items(r)
    assert [(i.title, i.dimension_id, i.owner_id, i.status) for i in items] == [
        ("Drift alerts on all models", "monitoring-operations", BEN, "todo"),
        (titles[2], items[1].dimension_id, CAT, "todo"),
    ]
    assert items[0].due_on is not None and items[0].due_on.isoformat() == due

    # /maturity plan lists them, with owners, due dates and buttons
    plan = json.loads(_command(r, "plan", user=DAN))
    rendered = json.dumps(plan, ensure_ascii=False)
    assert "2 open items, 0 done" in plan["text"]
    assert f"*Drift alerts on all models* · Monitoring &amp; Operations · <@{BEN}> · due {due} · _to do_" in rendered
    assert f"added by <@{ANA}>" in rendered
    done = next(
        e
        for b in plan["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "plan:status:done" and json.loads(e["value"])["i"] == items[0].id
    )

    # Cat neither owns it nor opened the assessment: refused, nothing changes
    posts = len(r.slack.response_url_posts)
    r.driver.click(user_id=CAT, channel_id=CHANNEL, message_ts=ts, action_id=done["action_id"], value=done["value"])
    deadline = time.time() + 10
    while len(r.slack.response_url_posts) == posts and time.time() < deadline:
        time.sleep(0.05)
    assert "Only the item's owner or the person who opened the assessment" in r.slack.response_url_posts[-1]["text"]
    assert _items(r)[0].status == "todo"

    # Ben, its owner, marks it done: the channel is told, and the plan shows who changed what and when
    r.driver.click(user_id=BEN, channel_id=CHANNEL, message_ts=ts, action_id=done["action_id"], value=done["value"])
    said = _said(r, "moved the roadmap item")
    assert said == f"<@{BEN}> moved the roadmap item “Drift alerts on all models” from to do to done."
    item = _items(r)[0]
    assert item.status == "done" and item.done_at is not None and item.updated_by == BEN
    with r.db.session() as s:
        log = [(c.user_id, c.field, c.old_value, c.new_value) for c in s.scalars(select(RoadmapItemChange))]
    assert (BEN, "status", "todo", "done") in log
    rendered = _command(r, "plan", user=DAN)
    assert "1 open item, 1 done" in rendered
    assert f"<@{BEN}> moved it from to do to done on {clock.now().date().isoformat()}" in rendered

    # A quarter later the check-in finds Monitoring up 1.60 -> 2.20: the change summary puts the item done
    # in that dimension since the previous assessment beside its delta
    clock.advance(timedelta(days=91.3125))
    try:
        better = {**ANSWERS, "monitoring-operations": "2 2 2 2 3"}
        second = _finish_assessment(r, len(r.slack.calls_to("chat.postMessage")), better)
        assert "pace so far +0.12 a quarter over 1.0 quarters" in json.dumps(second["blocks"])  # 1.845 -> 1.965
        change = r.slack.wait_for("chat.postMessage", predicate=lambda c: "Maturity change since" in c.params["text"])
        blocks = json.dumps(change[-1].params["blocks"], ensure_ascii=False)
        assert (
            f"*Monitoring &amp; Operations* 1.60 → 2.20 (+0.60) — done: Drift alerts on all models (<@{BEN}>)" in blocks
        )
        assert "*People &amp; Process* 1.33 → 1.33 (0.00)\\n" in blocks  # nothing done there: nothing beside it
        # let the closed dimension messages of both assessments be re-rendered before the test ends
        r.slack.wait_for("chat.update", predicate=lambda c: "this assessment is closed" in c.params["text"], count=8)
    finally:
        clock.reset()


def test_an_item_added_by_hand_needs_a_title_and_an_http_link(running: Running) -> None:
    r = running
    plan = json.loads(_command(r, "plan"))
    assert "No roadmap items yet" in json.dumps(plan)
    add = _button(plan["blocks"], "plan:add")
    r.driver.click(user_id=ANA, channel_id=CHANNEL, message_ts="0", action_id="plan:add", value=add["value"])
    view = _view(r.slack.wait_for("views.open")[-1])
    assert view["callback_id"] == "plan:add"

    def state(title: str, link: str) -> dict:
        return {
            "values": {
                "title": {"v": {"type": "plain_text_input", "value": title}},
                "dim": {"v": {"type": "static_select", "selected_option": {"value": "deployment-serving"}}},
                "owner": {"v": {"type": "users_select", "selected_user": DAN}},
                "due": {"v": {"type": "datepicker", "selected_date": None}},
                "link": {"v": {"type": "plain_text_input", "value": link}},
                "notes": {"v": {"type": "plain_text_input", "value": "ask <!channel> & the platform team"}},
            }
        }

    bad = _submit(r, ANA, view, state("Canary releases", "javascript:alert(1)"))
    assert bad is not None and "http:// or https://" in bad["errors"]["link"]
    assert _submit(r, ANA, view, state("  ", "https://tracker.example.com/ML-12"))["errors"]["title"]  # type: ignore[index]
    assert _items(r) == []
    assert _submit(r, ANA, view, state("Canary releases", "https://tracker.example.com/ML-12")) is None
    _said(r, "added a roadmap item")
    rendered = _command(r, "plan")
    assert "<https://tracker.example.com/ML-12|" in rendered
    assert "ask &lt;!channel&gt; &amp; the platform team" in rendered  # escaped: no @channel ping


def test_digest_mentions_are_switched_off_and_on_with_plan_mentions(running: Running) -> None:
    from storage import repo

    def mentions() -> bool:
        with running.db.session() as s:
            team = repo.get_team(s, TEAM, CHANNEL)
            assert team is not None
            return team.plan_mentions

    assert "without mentioning them" in _command(running, "plan mentions off")
    assert mentions() is False
    answer = _command(running, "plan mentions loudly")
    assert "`plan` takes nothing, or `mentions on` / `mentions off`." in answer
    assert mentions() is False  # unchanged
    assert "mention the owners of overdue roadmap items" in _command(running, "plan mentions on")
    assert mentions() is True


def test_tampered_plan_buttons_are_ignored(running: Running) -> None:
    r = running
    for action_id, value in [
        ("plan:review", json.dumps({"a": 10**30})),
        ("plan:review", json.dumps({"a": True})),
        ("plan:status:done", json.dumps({"i": 2**31, "s": "done"})),
        ("plan:status:done", json.dumps({"i": "1", "s": "done"})),
        ("plan:status:done", "not json"),
    ]:
        response = r.driver.click(user_id=ANA, channel_id=CHANNEL, message_ts="1", action_id=action_id, value=value)
        assert response.status == 200
    response = r.driver.view_submission(
        user_id=ANA, view={"callback_id": "plan:accept", "private_metadata": json.dumps({"c": CHANNEL, "a": 10**30})}
    )
    assert response.status == 200
    time.sleep(0.3)
    assert r.slack.calls_to("views.open") == [] and _items(r) == []
