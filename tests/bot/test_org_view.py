"""The organisation view through the real app over HTTP: `/maturity teams` and `/maturity admins`
(signed slash commands, the stand-in Slack, a real database — SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from standin.driver import SlackDriver
from storage import clock
from tests.conftest import CHANNEL, MEMBERS, SIGNING_SECRET, TEAM, Running, open_home
from tests.org_seed import seed_assessment, set_anonymous
from tests.reliability.helpers import eventually

ANA, BEN, CAT, DAN = MEMBERS
LEAD = "U0LEAD0005"  # a workspace admin
BOSS = "U0BOSS0006"  # the workspace's owner
VISION, SMALL, ANON = "C0VISION1", "C0SMALL01", "C0ANON001"
ANON_PEOPLE = ["U0ANONA01", "U0ANONB02", "U0ANONC03"]
TEAM_A, EVE = "T0OTHER99", "U0EVE0009"


def seed(r: Running) -> None:
    now = clock.now()
    three = {ANA: 2, BEN: 3, CAT: 2}
    seed_assessment(r.db, TEAM, CHANNEL, "ml-platform", three, closed_at=now - timedelta(days=200), closed_by=ANA)
    seed_assessment(
        r.db, TEAM, CHANNEL, "ml-platform", {ANA: 3, BEN: 3, CAT: 4}, closed_at=now - timedelta(days=10), closed_by=ANA
    )
    seed_assessment(
        r.db,
        TEAM,
        VISION,
        "vision",
        {ANA: 1, BEN: 1, DAN: 1, CAT: 2},
        framework_id="discovery",
        closed_at=now - timedelta(days=5),
        closed_by=DAN,
    )
    seed_assessment(r.db, TEAM, SMALL, "tiny-team", {ANA: 4, BEN: 4}, closed_at=now - timedelta(days=3), closed_by=BEN)
    seed_assessment(
        r.db,
        TEAM,
        ANON,
        "secret-team",
        dict.fromkeys(ANON_PEOPLE, 3),
        closed_at=now - timedelta(days=1),
        closed_by=ANON_PEOPLE[0],
    )
    set_anonymous(r.db, TEAM, ANON)


def ask(r: Running, text: str, user: str, driver: SlackDriver | None = None) -> dict[str, Any]:
    """A slash command; the answer it got through its response_url (the handler runs after the ack)."""
    before = len(r.slack.response_url_posts)
    assert (driver or r.driver).slash(text, user_id=user, channel_id=CHANNEL).status == 200
    posts = eventually(lambda: r.slack.response_url_posts[before:], what=f"the answer to `{text}`")
    return posts[0]


def shown(post: dict[str, Any]) -> str:
    return post["text"] + json.dumps(post.get("blocks") or [], ensure_ascii=False)


def is_heat_map(f: Any) -> bool:
    return f.name.startswith("maturity-teams-") and "trend" not in f.name


def heat_maps(r: Running, count: int) -> list[Any]:
    """Wait for ``count`` heat maps uploaded (and no more)."""
    files = eventually(
        lambda: len(pngs := [f for f in r.slack.files if is_heat_map(f)]) >= count and pngs,
        what=f"{count} heat maps",
    )
    assert len(files) == count
    return files


def people(r: Running) -> None:
    r.slack.add_user(LEAD, "lead", "Lee Lead", is_admin=True)
    r.slack.add_user(BOSS, "boss", "Bo Boss", is_owner=True)
    for u in ANON_PEOPLE:
        r.slack.add_user(u, u.lower())


def test_admins_owners_and_named_members_see_every_team_and_others_are_refused(running: Running) -> None:
    r = running
    people(r)
    seed(r)

    for who in (LEAD, BOSS):
        post = ask(r, "teams", who)
        assert post.get("response_type") == "ephemeral"
        text = shown(post)
        for name in ("ml-platform", "vision", "tiny-team", "secret-team"):
            assert name in text, (name, text)
        assert "3.25" in text or "3.00" in text or "Level 3" in text
    # the heat map went to the admin's DM with the app, nobody else's channel
    files = eventually(lambda: [f for f in r.slack.files if is_heat_map(f)], what="the heat map")
    assert files[0].content.startswith(b"\x89PNG") and files[0].channel_id.startswith("D")

    refused = ask(r, "teams", BEN)
    assert "Only workspace admins and owners" in refused["text"]
    assert "ml-platform" not in shown(refused)

    assert "now sees every team" in ask(r, f"admins add <@{BEN}|ben>", LEAD)["text"]
    assert f"<@{BEN}>" in ask(r, "admins", BEN)["text"]  # a named member may list
    named = ask(r, "teams", BEN)
    assert "secret-team" in shown(named) and "vision" in shown(named)
    assert "Only workspace admins" in ask(r, "admins add @cat", BEN)["text"]  # but not name others
    assert "no longer sees" in ask(r, "admins remove @ben", LEAD)["text"]
    assert "Only workspace admins and owners" in ask(r, "teams", BEN)["text"]
    assert "can't find" in ask(r, "admins add @nobody", LEAD)["text"]
    heat_maps(r, 3)  # LEAD's, BOSS's and BEN's while named; none for a refusal


def test_too_few_answers_and_anonymity_mode_in_the_cross_team_view(running: Running) -> None:
    r = running
    people(r)
    seed(r)
    assert r.driver.slash("teams post", user_id=LEAD, channel_id=CHANNEL).status == 200
    message = eventually(
        lambda: [c for c in r.slack.calls_to("chat.postMessage") if "Every team" in json.dumps(c.params)],
        what="the posted view",
    )[0].params
    text = message["text"] + json.dumps(message["blocks"], ensure_ascii=False)
    tiny = next(b["text"]["text"] for b in message["blocks"] if "tiny-team" in json.dumps(b))
    assert "too few answers" in tiny and "4.00" not in tiny and "Level 4" not in tiny
    secret = next(b["text"]["text"] for b in message["blocks"] if "secret-team" in json.dumps(b))
    assert "3.00" in secret and "anonymity mode" in secret  # aggregates
    for u in ANON_PEOPLE:
        assert u not in text  # never who answered or closed it
    assert f"<@{ANA}>" in text  # a team not in anonymity mode says who closed its last assessment
    # posted: the heat map goes into the message's thread in the channel
    files = eventually(lambda: [f for f in r.slack.files if is_heat_map(f)], what="the heat map")
    assert files[0].channel_id == CHANNEL


def test_two_workspaces_never_see_each_others_teams(running: Running) -> None:
    r = running
    people(r)
    seed(r)
    r.slack.add_user(EVE, "eve", is_admin=True)
    seed_assessment(r.db, TEAM_A, "C0AONLY01", "a-only", {EVE: 2, "U0AAA0001": 2, "U0AAA0002": 3})
    a = SlackDriver(r.url + "/slack/events", SIGNING_SECRET, slack=r.slack, team_id=TEAM_A)
    seen_by_a = shown(ask(r, "teams", EVE, driver=a))
    assert "a-only" in seen_by_a
    for name in ("ml-platform", "vision", "tiny-team", "secret-team"):
        assert name not in seen_by_a
    seen_by_b = shown(ask(r, "teams", LEAD))
    assert "a-only" not in seen_by_b and "ml-platform" in seen_by_b
    # naming in one workspace names nobody in the other
    ask(r, f"admins add <@{BEN}>", LEAD)
    assert "Only workspace admins and owners" in ask(r, "teams", BEN, driver=a)["text"]
    heat_maps(r, 2)


def test_the_threshold_is_a_setting_and_counts_in_no_percentile(running: Running) -> None:
    import pytest

    from bot.config import ConfigError, load_settings
    from conversations.org import OrgService

    r = running
    people(r)
    seed(r)
    strict = OrgService(r.db).view(TEAM)
    tiny = next(t for t in strict.teams if t.channel_name == "tiny-team")
    assert tiny.too_few and tiny.overall is None and all(c.score is None for c in tiny.dimensions)
    platform = next(t for t in strict.teams if t.channel_name == "ml-platform")
    secret = next(t for t in strict.teams if t.channel_name == "secret-team")
    # two scored teams on maturity-levels: the better one at the 75th percentile, tiny-team not counted
    assert {c.percentile for c in platform.dimensions} == {75.0}
    assert {c.percentile for c in secret.dimensions} == {25.0}
    assert secret.closed_by is None and platform.closed_by == ANA
    lenient = OrgService(r.db, min_respondents=2).view(TEAM)
    tiny = next(t for t in lenient.teams if t.channel_name == "tiny-team")
    assert not tiny.too_few and tiny.overall == 4.0
    with pytest.raises(ConfigError, match="ORG_MIN_RESPONDENTS"):
        load_settings(org_min_respondents=0)
    help_text = r.driver.slash("help", user_id=ANA, channel_id=CHANNEL).json()
    assert "fewer than 3 respondents" in json.dumps(help_text) and "ORG_MIN_RESPONDENTS" in json.dumps(help_text)


def test_percentiles_within_a_framework_and_the_median_per_quarter(running: Running) -> None:
    from conversations.org import OrgService

    r = running
    people(r)
    seed(r)
    view = OrgService(r.db).view(TEAM)
    by_framework = {g.framework_id: g for g in view.groups}
    assert set(by_framework) == {"maturity-levels", "discovery"}
    (vision,) = by_framework["discovery"].teams  # alone on its framework: compared with nobody else
    assert {c.percentile for c in vision.dimensions} == {50.0}
    assert [d for d, _ in by_framework["discovery"].dimensions][:1] == ["feature-engineering"]
    levels = by_framework["maturity-levels"]
    assert [t.channel_name for t in levels.teams] == ["ml-platform", "secret-team", "tiny-team"]
    # the median per quarter counts each team's latest assessment with enough answers in that quarter
    from scoring.org import median, quarter_of

    now = clock.now()
    expected: dict[str, dict[str, float]] = {}
    for team, overall, days in (("ml-platform", 7 / 3, 200), ("ml-platform", 10 / 3, 10), ("secret-team", 3.0, 1)):
        expected.setdefault(quarter_of(now - timedelta(days=days)), {})[team] = overall
    quarters = {m.quarter: (round(m.median, 6), m.teams) for m in levels.medians}
    assert quarters == {
        q: (round(median(v.values()) or 0, 6), len(v)) for q, v in sorted(expected.items())
    }  # tiny-team never counts
    platform = next(t for t in levels.teams if t.channel_name == "ml-platform")
    assert platform.delta == 1.0 and not platform.overdue and platform.days_since == 10

    # in Slack: the trend chart follows the heat map, in the same upload
    ask(r, "teams", LEAD)
    trend = eventually(lambda: [f for f in r.slack.files if "trend" in f.name], what="the trend chart")
    assert trend[0].content.startswith(b"\x89PNG")
    heat_maps(r, 1)


def test_app_home_has_an_all_teams_section_for_an_admin_only(running: Running) -> None:
    r = running
    people(r)
    seed(r)
    for i in range(30):  # more teams than the section shows
        seed_assessment(r.db, TEAM, f"C0MANY{i:03d}", f"many-{i}", {"U0M1": i % 5, "U0M2": 2, "U0M3": 1})
    admin = open_home(r, LEAD, 1)["blocks"]
    assert len(admin) <= 100
    text = json.dumps(admin, ensure_ascii=False)
    assert "All teams" in text and "/maturity teams" in text and "more teams" in text
    sections = [b for b in admin if b["type"] == "section" and "many-" in json.dumps(b)]
    assert 0 < len(sections) <= 10
    assert "too few answers" in text or "tiny-team" not in text
    member = json.dumps(open_home(r, ANA, 2)["blocks"], ensure_ascii=False)
    assert "All teams" not in member and "many-" not in member


def test_each_teams_target_shows_in_the_org_view_and_the_home_section(running: Running) -> None:
    """`/maturity target 3 by 2027-06-30` in one team's channel (signed HTTP): an admin's `/maturity
    teams` shows it for that team, with its gap, and "—" for every other team; a target on a team
    with too few answers shows no gap (no score leaks through it)."""
    r = running
    people(r)
    seed(r)
    before = len(r.slack.response_url_posts)
    assert r.driver.slash("target 3 by 2027-06-30", user_id=ANA, channel_id=CHANNEL).status == 200
    set_reply = eventually(lambda: r.slack.response_url_posts[before:], what="the target's answer")[0]
    assert "Target set: Level 3 (Automated Deployment) by 2027-06-30" in set_reply["text"]
    before = len(r.slack.response_url_posts)
    assert r.driver.slash("target 4", user_id=ANA, channel_id=SMALL).status == 200
    eventually(lambda: r.slack.response_url_posts[before:], what="the second target's answer")

    post = ask(r, "teams", LEAD)
    blocks = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]

    def block_of(name: str) -> str:
        return next(b for b in blocks if f"#{name}*" in b)

    # ml-platform: 3.33 overall, Level 3's lower bound is 2.5: reached
    assert "target Level 3 (Automated Deployment) by 2027-06-30, reached" in block_of("ml-platform")
    assert "target Level 4 (Full MLOps)" in block_of("tiny-team")
    assert "gap" not in block_of("tiny-team") and "reached" not in block_of("tiny-team")
    for name in ("vision", "secret-team"):
        assert "target —" in block_of(name), block_of(name)
    heat_maps(r, 1)

    # a higher target on a scored team shows the gap to it
    before = len(r.slack.response_url_posts)
    assert r.driver.slash("target 4", user_id=ANA, channel_id=CHANNEL).status == 200
    eventually(lambda: r.slack.response_url_posts[before:], what="the changed target's answer")
    home = json.dumps(open_home(r, LEAD, 1)["blocks"], ensure_ascii=False)
    assert "target Level 4 (Full MLOps), gap 0.17" in home  # 3.5 - 3.33
    assert "target —" in home


def test_an_unchanged_view_uploads_the_same_pictures_and_a_new_assessment_redraws_them(
    running: Running, monkeypatch: Any
) -> None:
    """The heat map and trend PNGs are kept per content: asked again with nothing changed, the same
    bytes, drawn once; once another assessment closes, a new picture with it."""
    import bot.charts
    from bot import org

    drawn: list[int] = []
    real = bot.charts.heatmap_chart

    def counting(groups: Any, max_rows: int = bot.charts.HEATMAP_MAX_ROWS) -> bytes:
        drawn.append(len(groups))
        return real(groups, max_rows)

    monkeypatch.setattr(bot.charts, "heatmap_chart", counting)
    org._PICTURES.clear()
    r = running
    people(r)
    seed(r)
    ask(r, "teams", LEAD)
    heat_maps(r, 1)  # uploaded (and kept) before the next one asks
    ask(r, "teams", BOSS)
    first, second = heat_maps(r, 2)
    assert first.content == second.content and first.content.startswith(b"\x89PNG")
    assert len(drawn) == 1  # the second upload drew nothing
    seed_assessment(r.db, TEAM, "C0NEWTEAM", "new-team", {"U0N1": 1, "U0N2": 1, "U0N3": 0})
    ask(r, "teams", LEAD)
    third = heat_maps(r, 3)[2]
    assert third.content != first.content and third.content.startswith(b"\x89PNG")
    assert len(drawn) == 2
    trends = eventually(lambda: len(t := [f for f in r.slack.files if "trend" in f.name]) >= 3 and t, what="3 trends")
    assert trends[0].content == trends[1].content != trends[2].content
