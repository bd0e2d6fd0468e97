"""App Home and anonymity mode, through signed requests to the real app."""

from __future__ import annotations

import json
import re
import time

import bot.messages as messages
from conversations.assessments import TeamOverview
from conversations.frameworks import get_frameworks
from storage import repo
from tests.bot.test_assessment_flow import _assess, _threads, _wait_for_response_url
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running, open_home

ANA, BEN, CAT, DAN = MEMBERS


def test_anonymity_mode_hides_who_has_not_answered(running: Running) -> None:
    r = running
    body = r.driver.slash("settings anonymous on", user_id=ANA, channel_id=CHANNEL)
    assert body.status == 200
    assert "Anonymity mode for" in _wait_for_response_url(r)["text"]
    _assess(r)
    threads = _threads(r)
    r.driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=threads["people-process"], text="2 2 2")
    r.slack.wait_for("reactions.add")
    r.driver.slash("status", user_id=ANA, channel_id=CHANNEL)
    status = _wait_for_response_url(r, 2)
    rendered = json.dumps(status)
    assert "3 of 4 members have not answered" in rendered
    assert CAT not in rendered and DAN not in rendered

    r.driver.slash("settings anonymous off", user_id=ANA, channel_id=CHANNEL)
    _wait_for_response_url(r, 3)
    # the channel's members were fetched moments ago: this status is answered in the ack itself
    answer = r.driver.slash("status", user_id=ANA, channel_id=CHANNEL)
    assert CAT in json.dumps(answer.json()) and "Not answered yet" in json.dumps(answer.json())
    assert len(r.slack.response_url_posts) == 3


def test_settings_rejects_what_it_cannot_read(running: Running) -> None:
    body = running.driver.slash("settings loud on", user_id=ANA, channel_id=CHANNEL).json()
    assert "`settings` takes `anonymous on`" in body["text"]
    with running.db.session() as s:
        assert repo.get_team(s, TEAM, CHANNEL) is None  # nothing changed


def test_app_home_lists_the_members_teams_and_starts_an_assessment(running: Running) -> None:
    r = running
    empty = open_home(r, ANA, 1)
    assert "not taken part" in json.dumps(empty)

    _assess(r)
    r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    r.slack.wait_for("chat.postMessage", count=6)
    time.sleep(0.3)
    view = open_home(r, ANA, 2)
    text = json.dumps(view)
    assert f"<#{CHANNEL}>" in text and "History:" in text
    assert len(view["blocks"]) <= 100
    start = next(
        e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "home:assess"
    )
    r.driver.click(user_id=ANA, channel_id=CHANNEL, message_ts="0", action_id="home:assess", value=start["value"])
    r.slack.wait_for("chat.postMessage", count=11)  # a new intro and four dimension threads
    with r.db.session() as s:
        assert repo.get_open_assessment(s, TEAM, CHANNEL) is not None
    after = r.slack.wait_for("views.publish", count=3)[-1]
    assert "is open since" in json.dumps(after.params["view"])

    toggle = next(
        e
        for b in (after.params["view"] if isinstance(after.params["view"], dict) else json.loads(after.params["view"]))[
            "blocks"
        ]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "home:anonymous"
    )
    r.driver.click(user_id=ANA, channel_id=CHANNEL, message_ts="0", action_id="home:anonymous", value=toggle["value"])
    r.slack.wait_for("views.publish", count=4)
    with r.db.session() as s:
        assert repo.get_team(s, TEAM, CHANNEL).anonymous is True


def test_a_member_who_never_answered_sees_no_teams(running: Running) -> None:
    r = running
    _assess(r, user=ANA)
    view = open_home(r, DAN, 1)
    assert "not taken part" in json.dumps(view)


def _home_channels(view: dict) -> tuple[list[str], str]:
    """The channels shown in full (their buttons' block ids) and the closing context line."""
    shown = [b["block_id"].removeprefix("home:") for b in view["blocks"] if b["type"] == "actions"]
    contexts = [e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]]
    return shown, " ".join(contexts)


def test_app_home_names_the_teams_it_has_no_room_for(running: Running) -> None:
    """A member of 30 teams sees 10 in full and is told of the other 20, each linked, and where to
    see them — not 10 with no word about the rest."""
    r = running
    channels = [f"C0MANY{i:03d}" for i in range(30)]
    for channel in channels:
        r.services.assessments.open(workspace_id=TEAM, channel_id=channel, channel_name=None, user_id=ANA)
    for channel in channels[:5]:
        r.services.assessments.finish(workspace_id=TEAM, channel_id=channel, user_id=ANA, member_count=4)
    view = open_home(r, ANA, 1)
    shown, note = _home_channels(view)
    assert len(shown) == 10
    assert "20 more teams: " in note and "run `/maturity status` in their channel" in note
    linked = re.findall(r"<#(C0MANY\d{3})>", note)
    assert len(linked) == 20 and sorted(shown + linked) == channels  # every team, once
    assert len(view["blocks"]) <= 100
    assert all(len(e["text"]) <= 3000 for b in view["blocks"] if b["type"] == "context" for e in b["elements"])


def test_app_home_keeps_slack_limits_for_hundreds_of_teams() -> None:
    """Hundreds of other teams: as many links as fit in one text (3,000 characters), then how many
    others; a team whose blocks do not fit the view joins them instead of being cut mid-way."""
    frameworks = get_frameworks()
    overviews = [TeamOverview(f"C0SHOWN{i:02d}", None, "maturity-levels", False, (), None) for i in range(10)]
    more = [f"C0MORE{i:04d}" for i in range(500)]
    long_extra = {t.channel_id: "x" * 2900 for t in overviews}
    view = messages.home_view(overviews, frameworks, long_extra, more)
    shown, note = _home_channels(view)
    assert 0 < len(shown) < 10  # whole teams only: ~3 kB each, within ~12k characters
    assert all(b["type"] != "actions" or b["elements"] for b in view["blocks"])
    texts = [e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert len(texts) == 1 and len(texts[0]) <= 3000 and "more in the full report" not in note
    total = 500 + 10 - len(shown)
    linked = re.findall(r"<#(C0\w+)>", note)
    assert note.startswith(f"{total} more teams: ") and f" and {total - len(linked)} others — run" in note
    assert linked == [t.channel_id for t in overviews[len(shown) :]] + more[: len(linked) - 10 + len(shown)]
    assert len(view["blocks"]) <= 100 and len(json.dumps(view["blocks"])) <= 13_000

    one = messages.home_view(overviews[:1], frameworks, None, ["C0OTHER01"])
    assert _home_channels(one)[1] == "1 more team: <#C0OTHER01> — run `/maturity status` in their channel to see them."
    assert _home_channels(messages.home_view(overviews, frameworks))[1] == ""


def _schedule_submission(cadence: str, cron: str = "", tz: str = "") -> dict:
    return {
        "callback_id": "home:schedule_modal",
        "private_metadata": CHANNEL,
        "state": {
            "values": {
                "cadence": {"value": {"type": "static_select", "selected_option": {"value": cadence}}},
                "cron": {"value": {"type": "plain_text_input", "value": cron or None}},
                "tz": {"value": {"type": "plain_text_input", "value": tz or None}},
            }
        },
    }


def test_app_home_changes_the_schedule_in_a_modal(running: Running) -> None:
    from conversations.schedules import get_schedule

    r = running
    _assess(r)
    view = open_home(r, ANA, 1)
    button = next(
        e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "home:schedule"
    )
    r.driver.click(user_id=ANA, channel_id=CHANNEL, message_ts="0", action_id="home:schedule", value=button["value"])
    opened = r.slack.wait_for("views.open")[-1]
    modal = opened.params["view"] if isinstance(opened.params["view"], dict) else json.loads(opened.params["view"])
    assert modal["callback_id"] == "home:schedule_modal" and modal["private_metadata"] == CHANNEL

    bad = r.driver.view_submission(user_id=ANA, view=_schedule_submission("monthly", cron="* * * * *")).json()
    assert bad["response_action"] == "errors" and "cron" in bad["errors"]
    bad_tz = r.driver.view_submission(user_id=ANA, view=_schedule_submission("monthly", tz="Mars/Olympus")).json()
    assert bad_tz["response_action"] == "errors" and "tz" in bad_tz["errors"]
    assert get_schedule(r.db, TEAM, CHANNEL) is None  # nothing changed

    ok = r.driver.view_submission(user_id=ANA, view=_schedule_submission("monthly", tz="Europe/Berlin"))
    assert ok.status == 200 and not ok.body
    snapshot = get_schedule(r.db, TEAM, CHANNEL)
    assert snapshot is not None and snapshot.checkin_label == "monthly" and snapshot.timezone == "Europe/Berlin"
    republished = r.slack.wait_for("views.publish", count=2)[-1]
    home = (
        republished.params["view"]
        if isinstance(republished.params["view"], dict)
        else json.loads(republished.params["view"])
    )
    assert "monthly" in json.dumps(home).lower()
