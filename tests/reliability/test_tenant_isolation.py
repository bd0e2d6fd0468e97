"""Tenant isolation: a request signed for workspace A (team_id A) never reads or changes workspace B's
data, even when it names B's channel, B's thread and B's assessment id.

B (the stand-in's workspace) has a finished assessment and an open one in channel C, with answers
and comments. A then replies in B's thread, clicks a button carrying B's assessment id, and runs
every read and write subcommand in the same channel id. B's rows are unchanged; nothing A is shown
carries B's assessment, people, answers or comments.
"""

from __future__ import annotations

import json
from typing import Any

from standin.driver import SlackDriver
from storage import repo
from storage.models import Assessment, Comment, DimensionThread, Response, Team
from tests.conftest import CHANNEL, MEMBERS, SIGNING_SECRET, TEAM, Running
from tests.reliability.conftest import describe
from tests.reliability.helpers import (
    QUESTIONS,
    acknowledgements,
    checks,
    click,
    eventually,
    open_assessment,
    reply_event,
    settle,
)

ANA, BEN, CAT, DAN = MEMBERS
TEAM_A = "T0OTHER99"
EVE = "U0EVE0009"  # a member of workspace A


def _snapshot(r: Running) -> dict[str, Any]:
    """Every row of workspace B, as plain values."""
    from sqlalchemy import select

    def rows(model: Any) -> list[tuple]:
        columns = [c.key for c in model.__table__.columns]
        with r.db.session() as s:
            found = s.scalars(select(model).where(model.workspace_id == TEAM).order_by(model.id)).all()
            return [tuple(str(getattr(x, c)) for c in columns) for x in found]

    return {m.__tablename__: rows(m) for m in (Team, Assessment, DimensionThread, Response, Comment)}


def _b_answers(r: Running, threads: dict[str, str], assessment_id: int) -> None:
    _, event = reply_event(
        r.slack,
        team=TEAM,
        channel=CHANNEL,
        user=ANA,
        thread_ts=threads["people-process"],
        text="3 3 2 secret-evidence-of-B",
    )
    r.driver.event(event)
    click(
        r.driver,
        user=BEN,
        channel=CHANNEL,
        thread_ts=threads["model-development"],
        assessment_id=assessment_id,
        question="md-tracking",
        level=4,
    )
    eventually(lambda: len(acknowledgements(r.slack, [ANA, BEN])) >= 2, what="B's ✅ and confirmation")


def test_a_request_for_workspace_a_never_reads_or_changes_workspace_b(running: Running, errors_logged: list) -> None:
    r = running
    r.slack.add_user(EVE, "eve")
    r.slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, EVE])

    # workspace B: one finished assessment, one open, with answers and evidence
    first = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    _b_answers(r, first.threads, first.assessment_id)
    r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    eventually(lambda: _closed(r, first.assessment_id), what="B's first assessment to close")
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    _b_answers(r, opened.threads, opened.assessment_id)
    settle(r.slack)
    before = _snapshot(r)
    updates_before = _updates_of(r, opened.threads)
    calls_before = len(r.slack.calls)
    response_posts_before = len(r.slack.response_url_posts)

    a = SlackDriver(r.driver.request_url, SIGNING_SECRET, slack=r.slack, team_id=TEAM_A)
    seen_by_a: list[str] = []

    # A replies in B's dimension thread (same channel id, same thread ts)
    _, event = reply_event(
        r.slack, team=TEAM_A, channel=CHANNEL, user=EVE, thread_ts=opened.threads["people-process"], text="0 0 0 x"
    )
    assert a.event(event).status == 200
    # A clicks buttons carrying B's assessment id (one per dimension)
    for dimension, thread in opened.threads.items():
        response = click(
            a,
            user=EVE,
            channel=CHANNEL,
            thread_ts=thread,
            assessment_id=opened.assessment_id,
            question=QUESTIONS[dimension][0],
            level=0,
        )
        assert response.status == 200
        seen_by_a.append(response.body)
    # A runs every subcommand that reads or closes, in B's channel id
    through_url = 0
    for text in ("status", "history", "roadmap", "finish", "cancel"):
        response = a.slash(text, user_id=EVE, channel_id=CHANNEL)
        assert response.status == 200
        seen_by_a.append(response.body)
        if response.body:  # answered in the ack itself (status, when the member list is fresh)
            continue
        # the others answer through their response_url; wait for it before the next one
        through_url += 1
        eventually(lambda n=through_url: len(r.slack.response_url_posts) >= response_posts_before + n, what=f"`{text}`")
    settle(r.slack)

    assert _snapshot(r) == before  # not one row of B's changed
    assert _updates_of(r, opened.threads) == updates_before  # B's dimension messages untouched
    new_calls = r.slack.calls[calls_before:]
    posted = [c for c in new_calls if c.method in ("chat.postMessage", "chat.update", "reactions.add")]
    assert posted == [], [(c.method, c.params.get("text")) for c in posted]
    seen_by_a += [json.dumps(p) for p in r.slack.response_url_posts[response_posts_before:]]
    seen_by_a += [json.dumps(c.params) for c in new_calls if c.method == "chat.postEphemeral"]
    said = "\n".join(seen_by_a)
    for secret in (
        f"#{first.assessment_id}",
        f"#{opened.assessment_id}",
        ANA,
        BEN,
        "secret-evidence-of-B",
        "Overall",
        "overall",
    ):
        assert secret not in said, f"{secret!r} leaked to workspace A: {said}"
    assert said.count("No assessment is open") == 3  # status, finish, cancel
    assert "No finished assessment" in said and "No finished assessments" in said  # roadmap, history
    assert not errors_logged, describe(errors_logged)


def test_workspace_a_opening_its_own_assessment_in_the_same_channel_id_leaves_b_alone(running: Running) -> None:
    r = running
    r.slack.add_user(EVE, "eve")
    r.slack.add_channel(CHANNEL, "ml-platform", members=[*MEMBERS, EVE])
    opened = open_assessment(r.driver, r.slack, r.db, team=TEAM, channel=CHANNEL, user=ANA)
    _b_answers(r, opened.threads, opened.assessment_id)
    settle(r.slack)
    before = _snapshot(r)

    a = SlackDriver(r.driver.request_url, SIGNING_SECRET, slack=r.slack, team_id=TEAM_A)
    theirs = open_assessment(a, r.slack, r.db, team=TEAM_A, channel=CHANNEL, user=EVE)
    assert theirs.assessment_id != opened.assessment_id
    _, event = reply_event(
        r.slack, team=TEAM_A, channel=CHANNEL, user=EVE, thread_ts=theirs.threads["people-process"], text="1 1 1"
    )
    a.event(event)
    eventually(lambda: checks(r.slack, [EVE]), what="A's ✅")
    assert a.slash("finish", user_id=EVE, channel_id=CHANNEL).status == 200
    summary = r.slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.ok and "closed: overall" in str(c.params.get("text"))
    )[-1]
    settle(r.slack)

    assert "1 of" in summary.params["text"] and f"#{theirs.assessment_id}" in summary.params["text"]
    assert _snapshot(r) == before  # B's open assessment, answers and threads are as they were
    with r.db.session() as s:
        assert repo.get_open_assessment(s, TEAM, CHANNEL).id == opened.assessment_id  # type: ignore[union-attr]
        assert repo.count_responses(s, TEAM_A, theirs.assessment_id) == 3
        assert repo.count_responses(s, TEAM_A, opened.assessment_id) == 0  # B's id read as A: nothing


def _closed(r: Running, assessment_id: int) -> bool:
    with r.db.session() as s:
        found = repo.get_assessment(s, TEAM, assessment_id)
        return found is not None and found.status == "closed" and found.summary_ts is not None


def _updates_of(r: Running, threads: dict[str, str]) -> int:
    return len([c for c in r.slack.calls_to("chat.update") if c.params.get("ts") in set(threads.values())])
