"""The roadmap digest lists open, overdue (their owners mentioned once, with an off switch) and
done-since-the-last-digest items; run by the scheduler on the real app against the stand-in Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import update

from conversations.plans import Draft, PlanService
from standin.web_api import StandInSlack
from storage.db import Database
from storage.models import RoadmapItem
from tests.bot.test_scheduler import JAN1, T0, Clock, _blocks, _closed_assessment, _digests, _scheduler
from tests.conftest import CHANNEL, MEMBERS, TEAM

ANA, BEN, CAT, DAN = MEMBERS
FEB1 = datetime(2031, 2, 1, 8, tzinfo=UTC)
MAR1 = datetime(2031, 3, 1, 8, tzinfo=UTC)


def test_the_digest_lists_items_and_mentions_overdue_owners_once(db: Database, slack: StandInSlack) -> None:
    from conversations.schedules import set_schedule

    levels = {"people-process": 2, "model-development": 1, "deployment-serving": 0, "monitoring-operations": 1}
    _closed_assessment(db, CHANNEL, levels, datetime(2030, 11, 15, 8, tzinfo=UTC))
    set_schedule(db, TEAM, CHANNEL, "ml-platform", ANA, "off", "Europe/Berlin", now=T0)  # monthly digests only
    from conversations.targets import TargetService

    TargetService(db).apply(TEAM, CHANNEL, "ml-platform", ANA, ["3", "by", "2031-12-31"])
    planner = PlanService(db)
    overdue, upcoming, done = planner.add_items(
        TEAM,
        CHANNEL,
        ANA,
        [
            Draft("Drift alerts on all models", "monitoring-operations", BEN, date(2030, 12, 24)),
            Draft("Canary releases", "deployment-serving", CAT, date(2031, 6, 30)),
            Draft("Model registry", "model-development", DAN),
        ],
    )
    with db.session() as s:
        s.execute(
            update(RoadmapItem)
            .where(RoadmapItem.id == done)
            .values(status="done", done_at=datetime(2030, 12, 28, tzinfo=UTC))
        )

    assert _scheduler(db, slack, Clock(JAN1)).run_due().digests == 1
    first = _blocks(_digests(slack, CHANNEL)[-1])
    assert _digests(slack, CHANNEL)[-1].params["text"].endswith("Roadmap items: 2 open, 1 overdue, 1 done so far.")
    assert "*Roadmap items*: 2 open, 1 overdue · done so far: 1" in first
    assert (
        f":warning: *Drift alerts on all models* (Monitoring &amp; Operations) was due 2030-12-24 — <@{BEN}>" in first
    )
    assert "• Canary releases · to do · due 2031-06-30 · Cat" in first and f"<@{CAT}>" not in first  # named, no ping
    assert ":white_check_mark: Model registry · Dan" in first
    # the team's target (issue 15 item 2): overall 1.05, 1.45 short of Level 3's 2.50, by the date set
    assert "*Target: Level 3 (Automated Deployment)* · by 2031-12-31" in first
    assert "Overall 1.05, gap 1.45 · pace needed" in first and "*Top gaps* (ranked by weighted gap to Level 3)" in first

    # a month later: Ben was mentioned once already; the registry was done before the last digest
    assert _scheduler(db, slack, Clock(FEB1)).run_due().digests == 1
    second = _blocks(_digests(slack, CHANNEL)[-1])
    assert "was due 2030-12-24 — Ben" in second and f"<@{BEN}>" not in second
    assert "done since the last digest (2031-01-01): 0" in second and "Model registry" not in second

    # mentions off: a newly overdue item's owner is named, not mentioned
    planner.set_mentions(TEAM, CHANNEL, None, False)
    planner.add_items(TEAM, CHANNEL, ANA, [Draft("Feature store", "model-development", DAN, date(2031, 2, 10))])
    assert _scheduler(db, slack, Clock(MAR1)).run_due().digests == 1
    third = _blocks(_digests(slack, CHANNEL)[-1])
    assert "*Feature store* (Model Development) was due 2031-02-10 — Dan" in third and f"<@{DAN}>" not in third
    assert overdue and upcoming
