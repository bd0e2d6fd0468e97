"""The scheduler against the stand-in Slack and a real database (SQLite and PostgreSQL).

Time is moved, never waited for: every scheduler gets an injected clock and ``run_due`` is called
at the moment under test.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.config import load_settings
from bot.digests import next_run_line, post_change_summary, schedule_confirmation
from bot.messages import esc
from bot.scheduler import CheckInScheduler, TickReport, user_timezone
from bot.services import build_services, make_client
from conversations.assessments import AssessmentService
from conversations.frameworks import get_framework, get_roadmaps
from conversations.schedules import get_schedule, set_schedule
from standin.web_api import StandInSlack
from storage import repo
from storage import schedules as store
from storage.db import Database
from storage.models import Assessment, Team
from tests.conftest import BOT_TOKEN, CHANNEL, MEMBERS, SIGNING_SECRET, TEAM

ANA, BEN, CAT, DAN = MEMBERS
FW = get_framework("maturity-levels")
DIMS = [d.id for d in FW.dimensions]  # people-process, model-development, deployment-serving, monitoring-operations
T0 = datetime(2030, 12, 20, 12, tzinfo=UTC)  # when the schedules are set (a Friday)
JAN1 = datetime(2031, 1, 1, 8, tzinfo=UTC)  # 09:00 in Europe/Berlin (CET)
# The stand-in's members live in America/New_York (UTC−5 in winter): reminded within 09:00–17:00 there.
REMIND = JAN1 + timedelta(hours=54)  # Fri 2031-01-03 14:00 UTC, 09:00 in New York: 48 h and more after JAN1


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _settings(db: Database, slack: StandInSlack) -> Any:
    return load_settings(
        database_url=db.url.render_as_string(hide_password=False),
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        scheduler_enabled=False,
    )


def _scheduler(db: Database, slack: StandInSlack, clock: Clock, **kwargs: Any) -> CheckInScheduler:
    """A scheduler as ``maturity serve`` would run it: on the real Bolt app and its services."""
    services = build_services(_settings(db, slack), db)
    return CheckInScheduler(services.assessments, services.client_for, clock=clock, **kwargs)


def _closed_assessment(
    db: Database, channel: str, levels: dict[str, int], closed_at: datetime, users: tuple[str, ...] = (ANA, BEN)
) -> int:
    """A finished assessment: every user answers each dimension's questions with its level."""
    service = AssessmentService(db)
    assessment, _ = service.open(workspace_id=TEAM, channel_id=channel, channel_name=channel.lower(), user_id=ANA)
    _answer(db, assessment.id, levels, users)
    service.finish(workspace_id=TEAM, channel_id=channel, user_id=ANA, member_count=len(MEMBERS))
    with db.session() as s:
        s.execute(
            update(Assessment)
            .where(Assessment.id == assessment.id)
            .values(opened_at=closed_at - timedelta(days=7), closed_at=closed_at)
        )
    return assessment.id


def _answer(db: Database, assessment_id: int, levels: dict[str, int], users: tuple[str, ...]) -> None:
    with db.session() as s:
        assessment = repo.get_assessment(s, TEAM, assessment_id)
        assert assessment is not None
        for user in users:
            answers: dict[str, int | None] = {
                q.id: levels[d.id] for d in FW.dimensions if d.id in levels for q in d.questions
            }
            repo.upsert_responses(s, assessment, user_id=user, answers=answers, source="button")


def _open_assessment(db: Database, channel: str = CHANNEL) -> Assessment:
    with db.session() as s:
        assessment = repo.get_open_assessment(s, TEAM, channel)
        assert assessment is not None
        return assessment


def _posts(slack: StandInSlack, channel: str | None = None, prefix: str = "") -> list[Any]:
    return [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.ok and (channel is None or c.params["channel"] == channel) and c.params["text"].startswith(prefix)
    ]


def _intros(slack: StandInSlack, channel: str) -> list[Any]:
    return [c for c in _posts(slack, channel) if "Answer in each dimension's thread" in c.params["text"]]


def _digests(slack: StandInSlack, channel: str) -> list[Any]:
    return _posts(slack, channel, "MLOps maturity digest")


def _blocks(call: Any) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


# --- check-in, reminder, close ----------------------------------------------------------------------


def test_a_check_in_opens_an_assessment_and_posts_its_threads(db: Database, slack: StandInSlack) -> None:
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "quarterly", "Europe/Berlin", now=T0)
    clock = Clock(T0 + timedelta(hours=1))
    scheduler = _scheduler(db, slack, clock)
    assert scheduler.run_due().outcomes == []  # nothing due yet
    assert scheduler.run_due(JAN1 - timedelta(seconds=1)).outcomes == []

    clock.now = JAN1
    report = scheduler.run_due()
    assert report.checkins == 1 and report.errors == 0
    posts = _posts(slack, CHANNEL)
    assert len(posts) == 5  # the intro, then one thread per dimension
    assert "Check-in time: a new assessment" in _blocks(posts[0])
    for call, dimension in zip(posts[1:], FW.dimensions, strict=True):
        assert dimension.name in call.params["text"]
    assessment = _open_assessment(db)
    assert assessment.trigger == "scheduled" and assessment.opened_by is None
    assert assessment.opened_at == JAN1 and assessment.intro_ts == posts[0].response["ts"]
    assert [t.dimension_id for t in assessment.threads] == DIMS
    with db.session() as s:
        job = store.get_job(s, TEAM, assessment.team_id, "checkin", "2031-01-01T08:00:00+00:00")
        assert job is not None and job.outcome == "opened" and job.claimed_by == scheduler.process_id

    assert scheduler.run_due(JAN1 + timedelta(minutes=1)).outcomes == []  # the occurrence is done
    assert len(_posts(slack, CHANNEL)) == 5


def test_an_open_assessment_is_not_doubled(db: Database, slack: StandInSlack) -> None:
    AssessmentService(db).open(workspace_id=TEAM, channel_id=CHANNEL, channel_name="ml-platform", user_id=ANA)
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "quarterly digest=off", "Europe/Berlin", now=T0)
    report = _scheduler(db, slack, Clock(JAN1)).run_due()
    assert [o.outcome for o in report.outcomes] == ["skipped-open"]
    assert _posts(slack, CHANNEL) == []


def _checked_in(db: Database, slack: StandInSlack, arg: str = "quarterly") -> tuple[CheckInScheduler, Assessment]:
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, arg, "Europe/Berlin", now=T0)
    scheduler = _scheduler(db, slack, Clock(JAN1))
    assert scheduler.run_due().checkins == 1
    return scheduler, _open_assessment(db)


def _reminders(slack: StandInSlack) -> list[Any]:
    return [c for c in _posts(slack, CHANNEL) if c.params.get("thread_ts")]


def test_the_reminder_mentions_only_members_who_have_not_answered_once(db: Database, slack: StandInSlack) -> None:
    """Each member with a dimension left is reminded once, of exactly the dimensions they left, each
    linked to its thread: answering one dimension of four is not answering the check-in."""
    scheduler, assessment = _checked_in(db, slack)
    _answer(db, assessment.id, {"people-process": 2}, (ANA,))
    _answer(db, assessment.id, {"monitoring-operations": 1, "people-process": 1, "deployment-serving": 1}, (BEN,))
    with db.session() as s:  # and one question of four of Model Development
        opened = repo.get_assessment(s, TEAM, assessment.id)
        assert opened is not None
        repo.upsert_responses(s, opened, user_id=BEN, answers={FW.dimensions[1].questions[0].id: 2}, source="button")
    assert scheduler.run_due(JAN1 + timedelta(hours=47, minutes=59)).reminders == 0

    assert scheduler.run_due(REMIND - timedelta(minutes=1)).reminders == 0  # 08:59 in New York: not yet
    report = scheduler.run_due(REMIND)
    assert report.reminders == 4 and report.errors == 0  # each member, once
    reminders = _reminders(slack)
    assert all(c.params["thread_ts"] == assessment.intro_ts for c in reminders)  # in the check-in's thread
    by_mentions = {tuple(sorted(re.findall(r"<@(\w+)>", c.params["text"]))): c.params["text"] for c in reminders}
    assert sorted(by_mentions) == [(ANA,), (BEN,), (CAT, DAN)]  # one message per set of dimensions left
    for text in by_mentions.values():
        assert slack.bot_user_id not in text
        assert "<!channel>" not in text and "<!here>" not in text and "<!everyone>" not in text
        assert f"check-in #{assessment.id}" in text and "It closes Wed 2031-01-08 09:00 CET." in text
    links = {
        t.dimension_id: f"https://{slack.team_domain}.slack.com/archives/{CHANNEL}/p{t.message_ts.replace('.', '')}"
        for t in assessment.threads
    }
    people, model, deploy, monitor = (f"<{links[d.id]}|{esc(d.name)}>" for d in FW.dimensions)
    assert f"your answers on 4 dimensions: {people}, {model}, {deploy}, {monitor}." in by_mentions[(CAT, DAN)]
    assert f"your answers on 3 of 4 dimensions: {model}, {deploy}, {monitor}." in by_mentions[(ANA,)]
    assert f"your answers on 1 of 4 dimensions: {model} (3 of 4 questions left)." in by_mentions[(BEN,)]
    assert "a reply like `1 1 1 1`" in by_mentions[(BEN,)]

    assert scheduler.run_due(REMIND + timedelta(hours=6)).outcomes == []  # once per assessment
    assert scheduler.run_due(REMIND + timedelta(hours=24)).outcomes == []  # the next day too
    assert len(_reminders(slack)) == 3


@pytest.mark.parametrize("case", ["everyone-answered", "reminders-off"])
def test_no_reminder_when_nobody_is_missing_or_reminders_are_off(db: Database, slack: StandInSlack, case: str) -> None:
    scheduler, assessment = _checked_in(db, slack, "quarterly remind=off" if case == "reminders-off" else "quarterly")
    if case == "everyone-answered":
        _answer(db, assessment.id, dict.fromkeys(DIMS, 1), tuple(MEMBERS))
    report = scheduler.run_due(REMIND)
    assert report.outcomes == []
    assert [c for c in _posts(slack, CHANNEL) if c.params.get("thread_ts")] == []


def test_anonymous_teams_get_private_reminders(db: Database, slack: StandInSlack) -> None:
    scheduler, assessment = _checked_in(db, slack)
    with db.session() as s:
        s.execute(update(Team).where(Team.id == assessment.team_id).values(anonymous=True))
    _answer(db, assessment.id, dict.fromkeys(DIMS, 2), (ANA,))
    _answer(db, assessment.id, {"people-process": 2}, (BEN,))
    assert scheduler.run_due(REMIND).reminders == 3
    assert [c for c in _posts(slack, CHANNEL) if c.params.get("thread_ts")] == []  # nothing public
    notes = {c.params["user"]: c.params["text"] for c in slack.calls_to("chat.postEphemeral")}
    assert sorted(notes) == [BEN, CAT, DAN]  # Ana answered everything; Ben has three dimensions left
    assert all(text.count("<@") == 1 for text in notes.values())
    assert "on 3 of 4 dimensions" in notes[BEN] and "on 4 dimensions" in notes[CAT]


def test_auto_close_posts_the_summary_and_the_change_summary(db: Database, slack: StandInSlack) -> None:
    previous = _closed_assessment(db, CHANNEL, dict.fromkeys(DIMS, 1), datetime(2030, 10, 5, 12, tzinfo=UTC))
    scheduler, assessment = _checked_in(db, slack)
    _answer(
        db,
        assessment.id,
        {"people-process": 2, "model-development": 2, "deployment-serving": 0, "monitoring-operations": 2},
        (ANA, BEN),
    )
    assert scheduler.run_due(JAN1 + timedelta(hours=167, minutes=59)).closes == 0
    report = scheduler.run_due(JAN1 + timedelta(hours=168))
    assert report.closes == 1 and report.errors == 0

    (summary,) = _posts(slack, CHANNEL, f"MLOps maturity assessment #{assessment.id} closed")
    assert "overall 1.50 — Level 2 (Automated Training)" in summary.params["text"]
    (change,) = _posts(slack, CHANNEL, "Maturity change since")
    assert summary.at <= change.at
    text = change.params["text"]
    assert text.startswith(f"Maturity change since assessment #{previous} (2030-10-05): overall 1.00 → 1.50 ▲ +0.50")
    assert "level up: Level 1 (DevOps no MLOps) → Level 2 (Automated Training)" in text
    assert "Biggest gain: People & Process ▲ +1.00; biggest drop: Deployment & Serving ▼ \u22121.00" in text
    assert "Model Development 1.00 → 2.00 ▲ +1.00" in text
    roadmap = get_roadmaps()[2]  # Roadmap 3: from level 2
    assert f"Now: Roadmap 3 — {roadmap.title} ({roadmap.duration}, {roadmap.cost}, team: {roadmap.team})" in text
    blocks = _blocks(change)
    assert "▲ *People &amp; Process* 1.00 → 2.00 (+1.00) · *level up: 1 → 2*" in blocks  # mrkdwn-escaped
    assert "▼ *Deployment &amp; Serving* 1.00 → 0.00 (\u22121.00) · *level down: 1 → 0*" in blocks
    assert "*Level up*" in blocks and "Roadmap step now" in blocks

    with db.session() as s:
        closed = repo.get_assessment(s, TEAM, assessment.id)
        assert closed is not None and closed.status == "closed" and closed.closed_by is None
    # the change summary is posted once, whoever else asks (flows.finish_assessment, another replica)
    result = AssessmentService(db).latest_result(TEAM, CHANNEL)
    assert result is not None and result.previous is not None
    client = make_client(_settings(db, slack), BOT_TOKEN)
    assert post_change_summary(client, AssessmentService(db), result, CHANNEL) is None
    assert scheduler.run_due(JAN1 + timedelta(hours=200)).outcomes == []
    assert len(_posts(slack, CHANNEL, "Maturity change since")) == 1


def test_a_scheduled_close_uploads_the_charts_into_the_summary_thread(db: Database, slack: StandInSlack) -> None:
    """Issue 14 item 8, the scheduler's half: when the scheduler closes a check-in, the radar and the
    trend go into its summary's thread and the change summary carries the radar of the two, as after
    ``/maturity finish``; a failed upload is said in the summary's thread (nobody asked to be told)."""
    _closed_assessment(db, CHANNEL, dict.fromkeys(DIMS, 1), datetime(2030, 10, 5, 12, tzinfo=UTC))
    scheduler, assessment = _checked_in(db, slack)
    _answer(db, assessment.id, dict.fromkeys(DIMS, 2), (ANA, BEN))
    assert scheduler.run_due(JAN1 + timedelta(hours=168)).closes == 1
    (summary,) = _posts(slack, CHANNEL, f"MLOps maturity assessment #{assessment.id} closed")
    (change,) = _posts(slack, CHANNEL, "Maturity change since")
    charts = {f.name: f for f in slack.files}
    radar, trend = charts[f"maturity-{assessment.id}-radar.png"], charts[f"maturity-{assessment.id}-trend.png"]
    assert radar.thread_ts == trend.thread_ts == summary.response["ts"] and radar.channel_id == CHANNEL
    assert radar.content[:8] == trend.content[:8] == b"\x89PNG\r\n\x1a\n"
    (compared,) = [f for name, f in charts.items() if "-vs-" in name]
    assert compared.thread_ts == change.response["ts"]

    # the next quarter's close, with the upload URL failing: the summary's thread says so
    slack.server_error("file_upload", status=503, times=None)
    second = scheduler.run_due(datetime(2031, 4, 1, 8, tzinfo=UTC))
    assert second.checkins == 1
    nxt = _open_assessment(db)
    _answer(db, nxt.id, dict.fromkeys(DIMS, 3), (ANA,))
    assert scheduler.run_due(datetime(2031, 4, 8, 9, tzinfo=UTC)).closes == 1
    (summary,) = _posts(slack, CHANNEL, f"MLOps maturity assessment #{nxt.id} closed")
    told = [c for c in _posts(slack, CHANNEL) if c.params.get("thread_ts") == summary.response["ts"]]
    assert any("couldn't upload its charts" in c.params["text"] for c in told), [c.params["text"] for c in told]
    assert f"maturity-{nxt.id}-radar.png" not in {f.name for f in slack.files}


def test_other_apps_bots_and_deactivated_accounts_are_not_reminded(db: Database, slack: StandInSlack) -> None:
    """Issue 14 item 5, for reminders: conversations.members lists other apps' bots and deactivated
    accounts; users.info says so, and they are neither reminded nor counted."""
    slack.add_user("U0OTHERBOT", "standup-bot", "Standup Bot", is_bot=True)
    slack.add_user("U0GONE0001", "eve", "Eve", deleted=True, tz="America/New_York")
    slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, "U0OTHERBOT", "U0GONE0001"])
    scheduler, assessment = _checked_in(db, slack)
    _answer(db, assessment.id, dict.fromkeys(DIMS, 2), (ANA, BEN))
    report = scheduler.run_due(REMIND)
    assert report.reminders == 2 and report.errors == 0  # Cat and Dan
    mentioned = {u for c in _reminders(slack) for u in re.findall(r"<@(\w+)>", c.params["text"])}
    assert mentioned == {CAT, DAN}
    assert scheduler.run_due(JAN1 + timedelta(hours=168)).closes == 1
    with db.session() as s:
        closed = repo.get_assessment(s, TEAM, assessment.id)
        assert closed is not None and closed.member_count == 4


HOSTILE_TITLE = "<!channel> drift alerts & <https://evil.example|more>"


def test_a_done_items_title_is_escaped_in_the_change_summarys_fallback_text(db: Database, slack: StandInSlack) -> None:
    """Issue 14 item 4: what a member typed is escaped wherever Slack reads mrkdwn, the top-level
    ``text`` too (Slack's notification text): an item titled ``<!channel> …`` names no @channel."""
    from sqlalchemy import update as sql_update

    from conversations.plans import Draft, PlanService
    from storage import clock
    from storage.models import RoadmapItem

    # stored times come from the process clock (the scheduler's is injected): the item was done
    # between the previous assessment's close and this one's
    _closed_assessment(db, CHANNEL, dict.fromkeys(DIMS, 1), clock.now() - timedelta(days=90))
    scheduler, assessment = _checked_in(db, slack)
    (item,) = PlanService(db).add_items(TEAM, CHANNEL, ANA, [Draft(HOSTILE_TITLE, "monitoring-operations", BEN)])
    with db.session() as s:
        s.execute(
            sql_update(RoadmapItem)
            .where(RoadmapItem.id == item)
            .values(status="done", done_at=clock.now() - timedelta(days=1))
        )
    _answer(db, assessment.id, dict.fromkeys(DIMS, 2), (ANA, BEN))
    assert scheduler.run_due(JAN1 + timedelta(hours=168)).closes == 1
    (change,) = _posts(slack, CHANNEL, "Maturity change since")
    text, blocks = change.params["text"], _blocks(change)
    assert "done: &lt;!channel&gt; drift alerts &amp; &lt;https://evil.example|more&gt;" in text, text
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "<!channel>" not in blocks and "<https://evil" not in blocks


def test_auto_close_of_a_first_assessment_has_no_change_summary(db: Database, slack: StandInSlack) -> None:
    scheduler, assessment = _checked_in(db, slack, "quarterly close=3d remind=1d")
    _answer(db, assessment.id, dict.fromkeys(DIMS, 2), (ANA,))
    assert scheduler.run_due(JAN1 + timedelta(hours=72)).closes == 1
    assert len(_posts(slack, CHANNEL, f"MLOps maturity assessment #{assessment.id} closed")) == 1
    assert _posts(slack, CHANNEL, "Maturity change since") == []


# --- roadmap digest -------------------------------------------------------------------------------


def test_the_digest_shows_level_roadmap_top_gaps_and_days_since(db: Database, slack: StandInSlack) -> None:
    levels = {"people-process": 2, "model-development": 1, "deployment-serving": 0, "monitoring-operations": 1}
    aid = _closed_assessment(db, CHANNEL, levels, datetime(2030, 11, 15, 8, tzinfo=UTC))
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "off", "Europe/Berlin", now=T0)  # digests only
    report = _scheduler(db, slack, Clock(JAN1)).run_due()
    assert report.digests == 1 and report.checkins == 0

    (digest,) = _digests(slack, CHANNEL)
    text = digest.params["text"]
    assert text.startswith("MLOps maturity digest: Level 1 (DevOps no MLOps), overall 1.05.")
    r2 = get_roadmaps()[1]
    assert f"Next: Roadmap 2 — {r2.title} ({r2.duration}, {r2.cost}, team: {r2.team})." in text
    # Level 1 team, target Level 2 at 1.5: D&S (1.5 - 0) x 0.25 = 0.375, MD 0.5 x 0.25 = 0.125,
    # Monitoring 0.5 x 0.20 = 0.10; P&P at 2.00 is above the target and not listed
    assert "Top gaps: Deployment & Serving (0.00), Model Development (1.00), Monitoring & Operations (1.00)." in text
    assert f"47 days since the last assessment (#{aid}, 2030-11-15)" in text
    blocks = _blocks(digest)
    for dim_id in ("deployment-serving", "model-development", "monitoring-operations"):
        for opportunity in FW.dimension(dim_id).opportunities:
            assert esc(opportunity) in blocks
    assert esc(FW.dimension("people-process").opportunities[0]) not in blocks  # above the target
    assert esc(r2.duration) in blocks and esc(r2.cost) in blocks and esc(r2.team) in blocks
    assert "ranked by weighted gap to Level 2" in blocks
    assert "1.50 short of Level 2 (weight 25%)" in blocks


def test_no_digest_without_a_finished_assessment(db: Database, slack: StandInSlack) -> None:
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "off", "UTC", now=T0)
    report = _scheduler(db, slack, Clock(JAN1 + timedelta(hours=1))).run_due()
    assert [o.outcome for o in report.outcomes] == ["skipped-no-result"]
    assert _posts(slack) == []


# --- exactly once, misfires, failures -------------------------------------------------------------


@pytest.mark.postgres
def test_two_schedulers_on_one_postgresql_post_everything_once(db: Database, slack: StandInSlack) -> None:
    if db.dialect != "postgresql":
        pytest.skip("two processes sharing one database: PostgreSQL")
    channels = [CHANNEL, "C0TEAM002", "C0TEAM003", "C0TEAM004"]
    for channel in channels[1:]:
        slack.add_channel(channel, channel.lower(), members=list(MEMBERS))
    for channel in channels:
        _closed_assessment(db, channel, dict.fromkeys(DIMS, 1), datetime(2030, 10, 5, tzinfo=UTC))
        set_schedule(db, TEAM, channel, channel.lower(), ANA, "quarterly", "UTC", now=T0)
    other_db = Database(db.url)  # a second connection pool, as in a second replica
    try:
        clock = Clock(datetime(2031, 1, 1, 9, tzinfo=UTC))  # check-ins and digests both due
        replicas = [
            _scheduler(db, slack, clock, process_id="replica-1", max_workers=4),
            _scheduler(other_db, slack, clock, process_id="replica-2", max_workers=4),
        ]

        def together() -> list[TickReport]:
            barrier = threading.Barrier(len(replicas))
            reports: list[TickReport] = []

            def run(scheduler: CheckInScheduler) -> None:
                barrier.wait()
                reports.append(scheduler.run_due())

            threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert len(reports) == 2
            return reports

        reports = together()
        assert sum(r.checkins for r in reports) == len(channels)
        assert sum(r.digests for r in reports) == len(channels)
        for channel in channels:
            assert len(_intros(slack, channel)) == 1
            assert len(_digests(slack, channel)) == 1

        clock.now += timedelta(hours=53)  # 14:00 UTC: 09:00 in New York, where the members are
        reports = together()
        outcomes = [[o.outcome for o in r.outcomes] for r in reports]
        assert sum(r.reminders for r in reports) == len(channels) * len(MEMBERS), outcomes
        for channel in channels:
            assert len([c for c in _posts(slack, channel) if c.params.get("thread_ts")]) == 1
        with db.session() as s:
            team = repo.get_team(s, TEAM, CHANNEL)
            assert team is not None
            assert len(store.jobs_of_team(s, TEAM, team.id)) == 2 + len(MEMBERS)  # check-in, digest, a reminder each
    finally:
        other_db.dispose()


def test_a_restart_after_a_missed_quarter_fires_once(db: Database, slack: StandInSlack) -> None:
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "quarterly digest=off", "UTC", now=T0 - timedelta(days=100))
    before = _scheduler(db, slack, Clock(datetime(2030, 9, 20, tzinfo=UTC)))
    assert before.run_due().outcomes == []
    # ... the process is down over 1 October and 1 January ...
    clock = Clock(datetime(2031, 1, 3, 12, tzinfo=UTC))
    after = _scheduler(db, slack, clock)
    report = after.run_due()
    assert [(o.job, o.period_key, o.outcome) for o in report.outcomes] == [
        ("checkin", "2031-01-01T09:00:00+00:00", "opened")  # the latest missed one, once
    ]
    assert after.run_due().outcomes == []
    assert _scheduler(db, slack, clock).run_due().outcomes == []  # yet another restart
    assert len(_intros(slack, CHANNEL)) == 1


def test_start_runs_a_catch_up_pass_at_once(db: Database, slack: StandInSlack) -> None:
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "monthly digest=off", "UTC", now=T0)
    scheduler = _scheduler(db, slack, Clock(datetime(2031, 1, 2, tzinfo=UTC)), tick_seconds=3600)
    scheduler.start()
    try:
        assert scheduler.running
        slack.wait_for("chat.postMessage", count=5, timeout=15)
    finally:
        scheduler.shutdown()
    assert not scheduler.running
    assert len(_intros(slack, CHANNEL)) == 1


def test_a_team_whose_channel_is_gone_is_paused_and_the_others_get_theirs(
    db: Database, slack: StandInSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.add_channel("C0OTHER01", "data-eng", members=list(MEMBERS))
    slack.add_channel("C0NOBOT01", "no-bot", members=list(MEMBERS), bot_member=False)
    channels = [CHANNEL, "C0GONE001", "C0OTHER01", "C0NOBOT01"]
    for channel in channels:
        _closed_assessment(db, channel, dict.fromkeys(DIMS, 2), datetime(2030, 12, 1, tzinfo=UTC))
        set_schedule(db, TEAM, channel, channel.lower(), ANA, "off", "UTC", now=T0)
    scheduler = _scheduler(db, slack, Clock(JAN1 + timedelta(hours=1)))
    with caplog.at_level(logging.WARNING, logger="maturity.scheduler"):
        report = scheduler.run_due()
    assert report.digests == 2
    assert sorted(report.paused) == [(TEAM, "C0GONE001", "channel_not_found"), (TEAM, "C0NOBOT01", "not_in_channel")]
    assert len(_digests(slack, CHANNEL)) == 1 and len(_digests(slack, "C0OTHER01")) == 1
    paused_logs = [r for r in caplog.records if r.getMessage().startswith("schedule paused")]
    assert sorted(r.channel for r in paused_logs) == ["C0GONE001", "C0NOBOT01"]  # type: ignore[attr-defined]
    gone = get_schedule(db, TEAM, "C0GONE001")
    assert gone is not None and gone.paused and gone.paused_reason == "channel_not_found"
    assert "paused (channel_not_found)" in next_run_line(gone, JAN1)

    attempts = len(slack.calls_to("chat.postMessage"))
    report = scheduler.run_due(datetime(2031, 2, 1, 10, tzinfo=UTC))  # next month: the paused are left alone
    assert report.digests == 2 and report.paused == []
    assert len(slack.calls_to("chat.postMessage")) == attempts + 2


def test_a_revoked_token_pauses_the_whole_workspace(db: Database, slack: StandInSlack) -> None:
    slack.add_channel("C0OTHER01", "data-eng", members=list(MEMBERS))
    for channel in (CHANNEL, "C0OTHER01"):
        _closed_assessment(db, channel, dict.fromkeys(DIMS, 2), datetime(2030, 12, 1, tzinfo=UTC))
        set_schedule(db, TEAM, channel, channel.lower(), ANA, "off", "UTC", now=T0)
    scheduler = _scheduler(db, slack, Clock(JAN1 + timedelta(hours=1)), max_workers=1)
    slack.revoke_token(BOT_TOKEN)
    report = scheduler.run_due()
    assert [reason for _, _, reason in report.paused] == ["token_revoked"]
    assert len(slack.calls_to("chat.postMessage")) == 1  # the second team was not even tried
    for channel in (CHANNEL, "C0OTHER01"):
        snapshot = get_schedule(db, TEAM, channel)
        assert snapshot is not None and snapshot.paused_reason == "token_revoked"


def test_a_rate_limited_post_is_retried_after_retry_after(db: Database, slack: StandInSlack) -> None:
    _closed_assessment(db, CHANNEL, dict.fromkeys(DIMS, 2), datetime(2030, 12, 1, tzinfo=UTC))
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "off", "UTC", now=T0)
    slack.rate_limit("chat.postMessage", retry_after=0, times=1)
    report = _scheduler(db, slack, Clock(JAN1 + timedelta(hours=1))).run_due()
    assert report.digests == 1 and report.errors == 0 and report.paused == []
    assert [c.http_status for c in slack.calls_to("chat.postMessage")] == [429, 200]
    assert len([m for m in slack.messages(CHANNEL) if m.text.startswith("MLOps maturity digest")]) == 1


def test_oauth_installs_post_with_each_workspace_bot_token(db: Database, slack: StandInSlack) -> None:
    from slack_sdk.oauth.installation_store import Installation

    settings = load_settings(
        database_url=db.url.render_as_string(hide_password=False),
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
        slack_api_url=slack.url,
        scheduler_enabled=False,
    )
    services = build_services(settings, db)
    assert services.installation_store is not None
    services.installation_store.save(
        Installation(
            app_id=slack.app_id, team_id=TEAM, bot_token="xoxb-installed-token", bot_id=slack.bot_id,
            bot_user_id=slack.bot_user_id, user_id=ANA,
        )
    )  # fmt: skip
    _closed_assessment(db, CHANNEL, dict.fromkeys(DIMS, 2), datetime(2030, 12, 1, tzinfo=UTC))
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "off", "UTC", now=T0)
    set_schedule(db, "T0NOTINST", "C0ELSEWHERE", "elsewhere", ANA, "off", "UTC", now=T0)  # never installed
    scheduler = CheckInScheduler(services.assessments, services.client_for, clock=Clock(JAN1 + timedelta(hours=1)))
    report = scheduler.run_due()
    assert report.digests == 1
    (digest,) = _digests(slack, CHANNEL)
    assert digest.token == "xoxb-installed-token"
    assert report.paused == [("T0NOTINST", "C0ELSEWHERE", "no_installation")]
    elsewhere = get_schedule(db, "T0NOTINST", "C0ELSEWHERE")
    assert elsewhere is not None and elsewhere.paused_reason == "no_installation"


# --- the listener's helpers -----------------------------------------------------------------------


def test_user_timezone_and_status_lines(db: Database, slack: StandInSlack) -> None:
    client = make_client(_settings(db, slack), BOT_TOKEN)
    slack.add_user("U0EVE0005", "eve", "Eve", tz="Asia/Kolkata")
    assert user_timezone(client, "U0EVE0005") == "Asia/Kolkata"
    assert user_timezone(client, "U0NOBODY9") is None

    snapshot, nxt = set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "weekly tz=Europe/Berlin", None, now=T0)
    assert nxt == datetime(2030, 12, 23, 8, tzinfo=UTC)
    assert next_run_line(snapshot, T0) == (
        "Next weekly check-in Mon 2030-12-23 09:00 CET (reminder after 2 days, closes after 7 days); "
        "next roadmap digest Wed 2031-01-01 09:00 CET."
    )
    message = schedule_confirmation(snapshot, T0)
    assert message.text.startswith("Schedule set for #ml-platform: Check-ins: weekly (`0 9 * * mon`) in Europe/Berlin")
    assert message.blocks and len(message.text) < 3900
    assert next_run_line(None, T0).startswith("No recurring check-ins")


# --- reminders in each member's working hours, across daylight saving ---------------------------


def _reminded_when(scheduler: CheckInScheduler, slack: StandInSlack, start: datetime, end: datetime) -> dict:
    """Run the scheduler every 15 minutes from ``start`` to ``end``: member -> the instants their
    reminders were posted at."""
    when: dict[str, list[datetime]] = {}
    now = start
    while now <= end:
        before = len(_reminders(slack))
        report = scheduler.run_due(now)
        assert report.errors == 0, report.outcomes
        for call in _reminders(slack)[before:]:
            for user in re.findall(r"<@(\w+)>", call.params["text"]):
                when.setdefault(user, []).append(now)
        now += timedelta(minutes=15)
    return when


def test_each_member_is_reminded_within_their_own_hours_across_a_dst_switch(db: Database, slack: StandInSlack) -> None:
    """A team in Berlin with members in Berlin, New York and Tokyo (and one whose zone Slack does not
    say: the team's), reminder hours 10-17: each is reminded once, at the first pass inside 10:00-17:00
    of their own day — before and after Berlin's clocks go forward (30 March 2031), and while New York
    is already on summer time (since 9 March) — and the weekly check-in stays at 09:00 Berlin time."""
    for user, name, tz in [(ANA, "ana", "Europe/Berlin"), (BEN, "ben", "America/New_York"), (CAT, "cat", "Asia/Tokyo")]:
        slack.add_user(user, name, name.title(), tz=tz)
    slack.add_user(DAN, "dan", "Dan", tz="")
    set_at = datetime(2031, 3, 20, 12, tzinfo=UTC)
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "0 9 * * mon hours=10-17 remind=1d close=3d digest=off",
                 "Europe/Berlin", now=set_at)  # fmt: skip
    scheduler = _scheduler(db, slack, Clock(set_at))

    # Week 1, CET (UTC+1): the check-in at Mon 24 March 08:00 UTC, reminders due from Tue 08:00 UTC.
    assert scheduler.run_due(datetime(2031, 3, 24, 7, 59, tzinfo=UTC)).outcomes == []
    assert scheduler.run_due(datetime(2031, 3, 24, 8, tzinfo=UTC)).checkins == 1
    first = _open_assessment(db)
    when = _reminded_when(scheduler, slack, datetime(2031, 3, 25, 7, tzinfo=UTC), datetime(2031, 3, 26, 9, tzinfo=UTC))
    assert when == {
        ANA: [datetime(2031, 3, 25, 9, tzinfo=UTC)],  # 10:00 CET
        DAN: [datetime(2031, 3, 25, 9, tzinfo=UTC)],  # the team's zone: 10:00 CET
        BEN: [datetime(2031, 3, 25, 14, tzinfo=UTC)],  # 10:00 EDT (UTC−4 since 9 March), not 15:00
        CAT: [datetime(2031, 3, 26, 1, tzinfo=UTC)],  # 10:00 JST the next day (17:00 is past the hours)
    }
    assert len(_reminders(slack)) == 3  # Ana and Dan in one message: due in the same pass
    assert scheduler.run_due(datetime(2031, 3, 27, 8, tzinfo=UTC)).closes == 1

    # Berlin's clocks go forward on Sunday 30 March: 09:00 CEST is 07:00 UTC.
    assert scheduler.run_due(datetime(2031, 3, 31, 6, 59, tzinfo=UTC)).outcomes == []
    assert scheduler.run_due(datetime(2031, 3, 31, 7, tzinfo=UTC)).checkins == 1
    second = _open_assessment(db)
    assert second.id != first.id and second.opened_at == datetime(2031, 3, 31, 7, tzinfo=UTC)
    before = len(_reminders(slack))
    when = _reminded_when(scheduler, slack, datetime(2031, 4, 1, 6, tzinfo=UTC), datetime(2031, 4, 2, 9, tzinfo=UTC))
    assert when == {
        ANA: [datetime(2031, 4, 1, 8, tzinfo=UTC)],  # 10:00 CEST, an hour earlier in UTC than last week
        DAN: [datetime(2031, 4, 1, 8, tzinfo=UTC)],
        BEN: [datetime(2031, 4, 1, 14, tzinfo=UTC)],  # New York has not moved
        CAT: [datetime(2031, 4, 1, 7, tzinfo=UTC)],  # due at 16:00 JST: inside the hours this time
    }
    assert all(f"check-in #{second.id}" in c.params["text"] for c in _reminders(slack)[before:])
    assert "It closes Thu 2031-04-03 09:00 CEST." in _reminders(slack)[-1].params["text"]


def test_the_reminder_hours_are_set_with_the_schedule_command(db: Database, slack: StandInSlack) -> None:
    snapshot, _ = set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "weekly", "Europe/Berlin", now=T0)
    assert (snapshot.reminder_hours_start, snapshot.reminder_hours_end) == (9, 17)  # the default
    assert "within 09:00–17:00 in their own timezone" in schedule_confirmation(snapshot, T0).text
    snapshot, _ = set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "hours 8-16", None, now=T0)
    assert (snapshot.reminder_hours_start, snapshot.reminder_hours_end) == (8, 16)
    assert snapshot.checkin_label == "weekly" and snapshot.timezone == "Europe/Berlin"  # the rest is kept
    assert "within 08:00–16:00 in their own timezone" in schedule_confirmation(snapshot, T0).text


def test_a_check_in_reminded_as_a_whole_by_an_earlier_release_is_not_reminded_again(
    db: Database, slack: StandInSlack
) -> None:
    """Before reminders were per member, one claim keyed by the assessment id stood for everyone: a
    check-in open across the upgrade is not reminded a second time."""
    scheduler, assessment = _checked_in(db, slack)
    with db.session() as s:
        assert store.claim_job(s, TEAM, assessment.team_id, "reminder", str(assessment.id), process_id="old")
    assert scheduler.run_due(REMIND).outcomes == []
    assert _reminders(slack) == []
