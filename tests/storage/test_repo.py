"""Storage on SQLite and PostgreSQL: every test here runs on both (the ``db`` fixture)."""

from __future__ import annotations

import threading
from datetime import UTC

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import repo
from storage.db import Database
from storage.migrate import current_revision, head_revision, is_up_to_date
from storage.models import CANCELLED, CLOSED, Base

WS = "T0000001"
OTHER_WS = "T0000002"


def _open(db: Database, workspace: str = WS, channel: str = "C1") -> int:
    with db.session() as s:
        team = repo.ensure_team(s, workspace, channel, channel_name="ml", framework_id="maturity-levels")
        a = repo.create_assessment(
            s, team, framework_id="maturity-levels", framework_version=1, spec_json="{}", opened_by="U1"
        )
        s.flush()
        return a.id


def test_schema_is_at_head_and_matches_the_models(db: Database) -> None:
    assert current_revision(db) == head_revision()
    assert is_up_to_date(db)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_a_later_answer_replaces_the_earlier_one(db: Database) -> None:
    aid = _open(db)
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        repo.upsert_responses(s, a, user_id="U1", answers={"q1": 1, "q2": 3}, source="reply", message_ts="1.1")
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        repo.upsert_responses(s, a, user_id="U1", answers={"q1": None}, source="button")
        repo.upsert_responses(s, a, user_id="U2", answers={"q1": 4}, source="button")
    with db.session() as s:
        rows = {(r.user_id, r.question_id): (r.level, r.source) for r in repo.list_responses(s, WS, aid)}
        assert repo.count_responses(s, WS, aid) == 3
    assert rows == {("U1", "q1"): (None, "button"), ("U1", "q2"): (3, "reply"), ("U2", "q1"): (4, "button")}


def test_one_open_assessment_per_channel(db: Database) -> None:
    aid = _open(db)
    with pytest.raises(repo.AssessmentAlreadyOpen) as info:
        _open(db)
    assert info.value.assessment_id == aid
    # another channel, and the same channel id in another workspace, are separate teams
    assert _open(db, channel="C2") != aid
    assert _open(db, workspace=OTHER_WS) != aid
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        repo.close_assessment(s, a, status=CLOSED, closed_by="U1", member_count=3, overall=1.5, level=2)
    assert _open(db) != aid  # closed: a new one may open


def test_concurrent_opens_leave_exactly_one_open(db: Database) -> None:
    with db.session() as s:
        repo.ensure_team(s, WS, "C9", channel_name="ml", framework_id="maturity-levels")
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        try:
            _open(db, channel="C9")
            outcomes.append("opened")
        except repo.AssessmentAlreadyOpen:
            outcomes.append("already")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already"] * 3 + ["opened"]


def test_queries_are_scoped_by_workspace(db: Database) -> None:
    aid = _open(db)
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        repo.add_thread(s, a, dimension_id="d1", position=1, channel_id="C1", message_ts="100.1")
        repo.upsert_responses(s, a, user_id="U1", answers={"q1": 2}, source="button")
    with db.session() as s:
        assert repo.get_assessment(s, OTHER_WS, aid) is None
        assert repo.answer_target_by_thread(s, OTHER_WS, "C1", "100.1") is None
        assert repo.answer_target_by_thread(s, WS, "C1", "100.1") is not None
        assert repo.list_responses(s, OTHER_WS, aid) == []
        assert repo.get_open_assessment(s, OTHER_WS, "C1") is None


def test_events_are_claimed_once(db: Database) -> None:
    with db.session() as s:
        assert repo.claim_event(s, "Ev1", WS) is True
    with db.session() as s:
        assert repo.claim_event(s, "Ev1", WS) is False
        assert repo.claim_event(s, "Ev2", WS) is True


def test_comments_are_kept_once_per_message(db: Database) -> None:
    aid = _open(db)
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        for _ in range(2):
            repo.add_comment(s, a, dimension_id="d1", user_id="U1", text="we use MLflow", message_ts="5.5")
    with db.session() as s:
        comments = repo.list_comments(s, WS, aid)
    assert [(c.text, c.user_id) for c in comments] == [("we use MLflow", "U1")]


def test_timestamps_come_back_timezone_aware(db: Database) -> None:
    aid = _open(db)
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        assert a.opened_at.tzinfo is not None
        assert a.opened_at.utcoffset() == UTC.utcoffset(None)


def test_previous_closed_assessment_is_the_last_one_of_the_same_framework(db: Database) -> None:
    first = _open(db)
    with db.session() as s:
        repo.close_assessment(s, repo.get_assessment(s, WS, first), closed_by="U1", overall=1.0, level=1)
    second = _open(db)
    with db.session() as s:
        repo.close_assessment(s, repo.get_assessment(s, WS, second), status=CANCELLED, closed_by="U1")
    third = _open(db)
    with db.session() as s:
        previous = repo.previous_closed_assessment(s, repo.get_assessment(s, WS, third))
        assert previous is not None and previous.id == first
        history = repo.closed_assessments(s, WS, previous.team_id)
        assert [a.id for a in history] == [first]


def test_sqlite_concurrent_writers_do_not_lose_answers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage.migrate import upgrade

    db = Database(f"sqlite:///{tmp_path / 'busy.db'}")
    upgrade(db)
    aid = _open(db)
    errors: list[BaseException] = []

    def writer(user: str) -> None:
        try:
            for i in range(25):
                with db.session() as s:
                    a = repo.get_assessment(s, WS, aid)
                    repo.upsert_responses(s, a, user_id=user, answers={f"q{i}": i % 5}, source="button")
        except BaseException as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"U{n}",)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.session() as s:
        assert repo.count_responses(s, WS, aid) == 8 * 25
    db.dispose()


def test_progress_is_counted_by_the_database_and_scoped_to_the_workspace(db: Database) -> None:
    aid = _open(db)
    other = _open(db, workspace=OTHER_WS)
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        repo.upsert_responses(s, a, user_id="U1", answers={"q1": 1, "q2": None, "q3": 2}, source="reply")
        repo.upsert_responses(s, a, user_id="U2", answers={"q1": 4}, source="button")
        repo.upsert_responses(s, a, user_id="U3", answers={"q3": 0}, source="button")
        o = repo.get_assessment(s, OTHER_WS, other)
        repo.upsert_responses(s, o, user_id="U9", answers={"q1": 1, "q3": 1}, source="button")
    groups = {"q1": "first", "q2": "first", "q3": "second"}
    with db.session() as s:
        counts = repo.progress(s, WS, aid, groups, respondents=True)
        assert counts.per_question == {"q1": 2, "q2": 1, "q3": 2}  # "don't know" counts
        assert counts.per_group == {"first": 2, "second": 2}
        assert counts.respondents == {"U1", "U2", "U3"}
        assert counts.threads == {}  # not asked for
        only = repo.progress(s, WS, aid, {"q2": "first", "q3": "second"})
        assert (only.per_question, only.per_group) == ({"q2": 1, "q3": 2}, {"first": 1, "second": 2})
        assert only.respondents == frozenset()  # not asked for
        assert repo.progress(s, WS, aid, {}, respondents=True).respondents == {"U1", "U2", "U3"}
        # another workspace's rows never count, even asked with this assessment's id
        foreign = repo.progress(s, OTHER_WS, aid, groups, respondents=True)
        assert (foreign.per_question, foreign.per_group, foreign.respondents) == ({}, {}, frozenset())
        theirs = repo.progress(s, OTHER_WS, other, groups, respondents=True)
        assert theirs.per_group == {"first": 1, "second": 1} and theirs.respondents == {"U9"}


def test_the_answer_path_reads_its_target_in_one_query_and_never_across_workspaces(db: Database) -> None:
    aid = _open(db)
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        repo.add_thread(s, a, dimension_id="d1", position=1, channel_id="C1", message_ts="100.1")
    with db.session() as s:
        target = repo.answer_target_by_thread(s, WS, "C1", "100.1")
        assert target is not None
        assert (target.id, target.workspace_id, target.status, target.dimension_id) == (aid, WS, "open", "d1")
        assert repo.answer_target_by_thread(s, OTHER_WS, "C1", "100.1") is None
        assert repo.answer_target(s, WS, "C1", aid) is not None
        assert repo.answer_target(s, OTHER_WS, "C1", aid) is None
        assert repo.answer_target(s, WS, "C2", aid) is None  # another channel's click
        message = repo.dimension_message(s, WS, aid, "d1")
        assert message is not None and (message.channel_id, message.message_ts, message.position) == ("C1", "100.1", 1)
        assert repo.dimension_message(s, OTHER_WS, aid, "d1") is None


def test_a_read_only_unit_of_work_is_not_held_up_by_a_writer(db: Database) -> None:
    aid = _open(db)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.session() as s:  # holds the write lock (SQLite: BEGIN IMMEDIATE) until released
            a = repo.get_assessment(s, WS, aid)
            repo.upsert_responses(s, a, user_id="U1", answers={"q1": 2}, source="button")
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(5)
        done = threading.Event()

        def reader() -> None:
            with db.read() as s:
                assert repo.progress(s, WS, aid, {"q1": "d1"}).per_question == {}  # the writer has not committed
            done.set()

        threading.Thread(target=reader, daemon=True).start()
        assert done.wait(3), "the read waited for the writer"
    finally:
        release.set()
        thread.join()
    with db.read() as s:
        assert repo.progress(s, WS, aid, {"q1": "d1"}).per_question == {"q1": 1}


def test_postgresql_records_a_reply_with_its_claim_in_one_statement(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the one-statement reply path is PostgreSQL's (SQLite takes the step-by-step one)")
    aid = _open(db)

    def record(event_id: str, answers: dict, comment: str | None = None) -> repo.RecordedReply:
        with db.autocommit() as conn:
            return repo.record_reply_pg(
                conn,
                event_id=event_id,
                workspace_id=WS,
                assessment_id=aid,
                dimension_id="d1",
                user_id="U1",
                answers=answers,
                message_ts=f"{event_id}.1",
                comment=comment,
            )

    first = record("Ev1", {"q1": 3, "q2": None}, "we use MLflow")
    assert (first.claimed, first.status, first.answers) == (True, "open", 2)
    again = record("Ev1", {"q1": 0})  # Slack's retry of the same event: nothing changes
    assert (again.claimed, again.answers) == (False, 0)
    assert record("Ev2", {"q1": 1}).answers == 1  # a later answer replaces the earlier one
    assert record("Ev3", {}).claimed  # an unreadable reply: claimed, nothing stored
    with db.session() as s:
        stored = {(r.question_id, r.level, r.source) for r in repo.list_responses(s, WS, aid)}
        comments = [c.text for c in repo.list_comments(s, WS, aid)]
        repo.close_assessment(s, repo.get_assessment(s, WS, aid), status=CLOSED, closed_by="U1")
    assert stored == {("q1", 1, "reply"), ("q2", None, "reply")}
    assert comments == ["we use MLflow"]
    late = record("Ev4", {"q1": 4}, "too late")
    assert (late.claimed, late.status, late.answers) == (True, CLOSED, 0)
    with db.session() as s:
        assert {r.level for r in repo.list_responses(s, WS, aid) if r.question_id == "q1"} == {1}
        assert len(repo.list_comments(s, WS, aid)) == 1


def test_record_reply_claims_and_stores_all_or_nothing_on_either_dialect(db: Database) -> None:
    """``record_reply`` is the one entry of the typed-reply write (the dialect's path is chosen in
    storage): one statement on PostgreSQL, one transaction on SQLite, the same outcomes."""
    aid = _open(db)

    def record(event_id: str | None, answers: dict, comment: str | None = None, ts: str = "") -> repo.RecordedReply:
        return repo.record_reply(
            db,
            event_id=event_id,
            workspace_id=WS,
            assessment_id=aid,
            dimension_id="d1",
            user_id="U1",
            answers=answers,
            message_ts=ts or f"{event_id}.1",
            comment=comment,
        )

    first = record("Ev1", {"q1": 3, "q2": None}, "we use MLflow")
    assert (first.claimed, first.status, first.answers, first.replaced) == (True, "open", 2, ())
    again = record("Ev1", {"q1": 0})  # Slack's retry of the same event: nothing changes
    assert (again.claimed, again.answers) == (False, 0)
    later = record("Ev2", {"q1": 1})  # a later answer replaces the earlier one
    assert (later.answers, later.replaced) == (1, ("q1",))
    assert record("Ev3", {}).claimed  # an unreadable reply: claimed, nothing stored
    assert record(None, {"q2": 2}, ts="9.1").answers == 1  # no event id: nothing to claim
    assert repo.record_reply(
        db,
        event_id="Ev5",
        workspace_id="T-other",  # another workspace's assessment: claimed, nothing found, nothing stored
        assessment_id=aid,
        dimension_id="d1",
        user_id="U1",
        answers={"q1": 4},
        message_ts="Ev5.1",
        comment=None,
    ) == repo.RecordedReply(True, None, 0)
    with db.session() as s:
        stored = {(r.question_id, r.level, r.source) for r in repo.list_responses(s, WS, aid)}
        comments = [c.text for c in repo.list_comments(s, WS, aid)]
        repo.close_assessment(s, repo.get_assessment(s, WS, aid), status=CLOSED, closed_by="U1")
    assert stored == {("q1", 1, "reply"), ("q2", 2, "reply")}
    assert comments == ["we use MLflow"]
    late = record("Ev4", {"q1": 4}, "too late")
    assert (late.claimed, late.status, late.answers) == (True, CLOSED, 0)
    with db.session() as s:
        assert {r.level for r in repo.list_responses(s, WS, aid) if r.question_id == "q1"} == {1}
        assert len(repo.list_comments(s, WS, aid)) == 1


def test_a_channel_status_is_read_in_two_statements_with_its_schedule_and_never_across_workspaces(
    db: Database,
) -> None:
    from sqlalchemy import event

    from storage import schedules as store

    groups_of = {"{}": {"q1": "d1", "q2": "d1", "q3": "d2"}}.__getitem__
    with db.read() as s:
        assert repo.channel_status(s, WS, "C1", groups_of) == (None, None)  # no team yet
    aid = _open(db)
    with db.session() as s:
        a = repo.get_assessment(s, WS, aid)
        repo.add_thread(s, a, dimension_id="d2", position=1, channel_id="C1", message_ts="200.1")
        repo.add_thread(s, a, dimension_id="d1", position=0, channel_id="C1", message_ts="100.1")
        repo.upsert_responses(s, a, user_id="U1", answers={"q1": 2, "q3": 1}, source="reply")
        repo.upsert_responses(s, a, user_id="U2", answers={"q2": None}, source="button")
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 (before_cursor_execute's statement)
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        with db.read() as s:
            assessment, schedule = repo.channel_status(s, WS, "C1", groups_of)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len([q for q in statements if q.lstrip().upper().startswith(("SELECT", "WITH"))]) == 2
    assert schedule is None
    assert assessment is not None and assessment.id == aid
    assert assessment.threads == {"d1": "100.1", "d2": "200.1"} and list(assessment.threads) == ["d1", "d2"]
    assert assessment.progress.per_question == {"q1": 1, "q2": 1, "q3": 1}
    assert assessment.progress.per_group == {"d1": 2, "d2": 1}
    assert assessment.progress.respondents == {"U1", "U2"}

    with db.session() as s:
        store.upsert_schedule(s, repo.get_team(s, WS, "C1"), checkin_cron="0 9 1 */3 *", checkin_label="quarterly")
    with db.read() as s:
        assessment, schedule = repo.channel_status(s, WS, "C1", groups_of)
        assert schedule == store.schedule_row_for_channel(s, WS, "C1")
    assert assessment is not None and schedule is not None and schedule["checkin_label"] == "quarterly"

    with db.session() as s:
        repo.close_assessment(s, repo.get_assessment(s, WS, aid), closed_by="U1")
    with db.read() as s:
        assessment, schedule = repo.channel_status(s, WS, "C1", groups_of)
        assert assessment is None and schedule is not None  # the schedule outlives the assessment
        assert repo.channel_status(s, OTHER_WS, "C1", groups_of) == (None, None)
