"""Event claims (the processed-events table) are kept only for what the bot acts on, and not for
ever: ordinary channel messages and replies in other threads write nothing; a claim older than
Slack's redelivery window is pruned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from storage.models import ProcessedEvent, utcnow
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running
from tests.reliability.helpers import DIMENSIONS, QUESTIONS, open_assessment, settle


def _claims(running: Running) -> int:
    with running.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(ProcessedEvent)) or 0)


def test_only_what_the_bot_acts_on_is_claimed_and_old_claims_go(running: Running) -> None:
    slack, driver, db = running.slack, running.driver, running.db
    with db.session() as s:  # a claim from long ago (past any redelivery)
        s.execute(
            insert(ProcessedEvent).values(
                event_id="Ev0OLD", workspace_id=TEAM, received_at=utcnow() - timedelta(hours=3)
            )
        )
    opened = open_assessment(driver, slack, db, team=TEAM, channel=CHANNEL, user=MEMBERS[0])  # type: ignore[arg-type]
    for n in range(5):  # the channel's ordinary chatter
        _, response = driver.message(user_id=MEMBERS[1], channel_id=CHANNEL, text=f"lunch at {n}?")  # type: ignore[attr-defined]
        assert response.status == 200
    chatter_ts = slack.messages(CHANNEL)[-1].ts  # type: ignore[attr-defined]
    _, response = driver.reply(user_id=MEMBERS[2], channel_id=CHANNEL, thread_ts=chatter_ts, text="1 2 3")  # type: ignore[attr-defined]
    assert response.status == 200  # a reply in a thread that is not a dimension's
    settle(slack)  # type: ignore[arg-type]
    with db.session() as s:
        ids = set(s.scalars(select(ProcessedEvent.event_id)))
    assert ids <= {"Ev0OLD"}, f"nothing acted on, nothing claimed: {ids}"

    dimension = DIMENSIONS[0]
    _, response = driver.reply(  # type: ignore[attr-defined]
        user_id=MEMBERS[1],
        channel_id=CHANNEL,
        thread_ts=opened.threads[dimension],
        text=" ".join("2" for _ in QUESTIONS[dimension]),
    )
    assert response.status == 200
    with db.session() as s:  # the answer is claimed (a redelivery is recognised); the old claim pruned
        assert s.get(ProcessedEvent, "Ev0OLD") is None
    assert _claims(running) == 1
