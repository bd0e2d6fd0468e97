"""``maturity serve`` SIGKILLed between an assessment's intro and its dimension posts leaves an open
assessment with none of its threads. The next ``/maturity assess`` in the channel repairs it — posts
the missing dimension threads — and says so, instead of "already open: answer in its threads"
(there were none to answer in)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import clock, repo
from tests.conftest import CHANNEL, MEMBERS, TEAM
from tests.reliability.conftest import Served, ServeProcess
from tests.reliability.helpers import DIMENSIONS, eventually, settle

LEAD = MEMBERS[0]


@pytest.mark.parametrize("served", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_an_assessment_killed_half_posted_is_repaired_by_the_next_assess(served: Served) -> None:
    slack = served.slack
    clock_file = served.process.cwd / "clock"
    clock.write_file(clock_file, clock.now())
    env = {**served.process.env, "MATURITY_CLOCK_FILE": str(clock_file)}
    served.process.stop()
    process = ServeProcess(env, served.process.cwd, port=served.process.port).start()
    try:
        slack.delay("chat.postMessage", 0, times=1)  # the intro goes through,
        slack.delay("chat.postMessage", 30, times=1)  # the first dimension's post hangs: kill then
        assert served.driver.slash("assess", user_id=LEAD, channel_id=CHANNEL).status == 200
        eventually(lambda: len(slack.calls_to("chat.postMessage")) == 1, what="the intro")
        eventually(lambda: _intro_stored(served), what="the open assessment with its intro")
        process.kill()
        slack.clear_faults()  # whether or not the hung post had reached Slack, it never landed
        assessment_id, threads = _open(served)  # type: ignore[misc]
        assert threads == 0, "half-posted: the intro, no dimension threads"

        clock.write_file(clock_file, clock.now() + timedelta(minutes=5))  # later: nobody is still posting it
        process.start()
        assert served.driver.slash("assess", user_id=LEAD, channel_id=CHANNEL).status == 200
        told = eventually(
            lambda: [e.text for e in slack.ephemerals(LEAD) if "missing" in e.text], what="the repair notice"
        )
        assert f"Assessment #{assessment_id} is open" in told[0] and "posted 4 missing messages" in told[0]
        settle(slack)
        assert _open(served) == (assessment_id, len(DIMENSIONS))
        dimension_posts = [c for c in slack.calls_to("chat.postMessage") if c.ok][1:]
        assert len(dimension_posts) == len(DIMENSIONS)  # posted once each (the hung one never landed)

        assert served.driver.slash("assess", user_id=LEAD, channel_id=CHANNEL).status == 200
        eventually(lambda: [e for e in slack.ephemerals(LEAD) if "already open" in e.text.lower()], what="usual")
        assert len([c for c in slack.calls_to("chat.postMessage") if c.ok]) == 1 + len(DIMENSIONS)
    finally:
        process.stop()


def _open(served: Served) -> tuple[int, int] | None:
    with served.db.session() as s:
        assessment = repo.get_open_assessment(s, TEAM, CHANNEL)
        return None if assessment is None else (assessment.id, len(assessment.threads))


def _intro_stored(served: Served) -> bool:
    with served.db.session() as s:
        assessment = repo.get_open_assessment(s, TEAM, CHANNEL)
        return assessment is not None and assessment.intro_ts is not None
