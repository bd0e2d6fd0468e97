"""`/maturity export`: the answers (CSV) and the report (Markdown) uploaded into the summary's thread."""

from __future__ import annotations

import csv
import io
import time

from storage import repo
from tests.bot.test_assessment_flow import _assess, _threads, _wait_for_response_url
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA, BEN, CAT, DAN = MEMBERS


def _finished_assessment(r: Running) -> str:
    _assess(r)
    threads = _threads(r)
    r.driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=threads["people-process"], text="2 1 ? pagers only")
    r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=threads["people-process"], text="3 3 3")
    r.slack.wait_for("reactions.add", count=2)
    r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    summary = r.slack.wait_for("chat.postMessage", count=6)[-1]
    deadline = time.time() + 10
    while time.time() < deadline:
        with r.db.session() as s:
            a = repo.closed_assessments(s, TEAM, repo.get_team(s, TEAM, CHANNEL).id)
            if a and a[0].summary_ts:
                break
        time.sleep(0.05)
    _charts(r)  # uploaded by the finish (issue 14 item 8), before any export
    return summary.response["ts"]


def _charts(r: Running, count: int = 1) -> list:
    """The PNG charts uploaded when assessments closed."""
    deadline = time.time() + 30
    while time.time() < deadline:
        files = [f for f in r.slack.files if f.completed and f.name.endswith(".png")]
        if len(files) >= count:
            return files
        time.sleep(0.05)
    raise AssertionError(f"expected {count} charts, got {len(r.slack.files)} files")


def _uploads(r: Running, count: int) -> list:
    deadline = time.time() + 15
    while time.time() < deadline:
        files = [f for f in r.slack.files if f.completed and not f.name.endswith(".png")]  # not the charts
        if len(files) >= count:
            return files
        time.sleep(0.05)
    raise AssertionError(f"expected {count} uploaded files, got {len(r.slack.files)}")


def test_export_uploads_the_csv_and_the_report_into_the_summary_thread(running: Running) -> None:
    r = running
    summary_ts = _finished_assessment(r)
    r.driver.slash("export", user_id=ANA, channel_id=CHANNEL)
    files = _uploads(r, 2)
    by_name = {f.name.rsplit("-", 1)[-1]: f for f in files}
    assert set(by_name) == {"responses.csv", "report.md"}
    for f in files:
        assert f.channel_id == CHANNEL and f.thread_ts == summary_ts
    rows = list(csv.DictReader(io.StringIO(by_name["responses.csv"].content.decode())))
    assert {row["respondent"] for row in rows} == {"Ben", "Cat"}  # named as users.info names them, like the report
    assert len(rows) == 6 and any(row["level"] == "?" for row in rows)
    report = by_name["report.md"].content.decode()
    assert "pagers only" in report and "Roadmap" in report


def test_export_in_anonymity_mode_has_no_respondents(running: Running) -> None:
    r = running
    r.driver.slash("settings anonymous on", user_id=ANA, channel_id=CHANNEL)
    _wait_for_response_url(r)
    _finished_assessment(r)
    r.driver.slash("export", user_id=ANA, channel_id=CHANNEL)
    files = _uploads(r, 2)
    for f in files:
        content = f.content.decode()
        assert BEN not in content and CAT not in content
    csv_file = next(f for f in files if f.name.endswith(".csv"))
    header = csv_file.content.decode().splitlines()[0]
    assert "respondent" not in header


def test_export_before_any_finished_assessment_says_so(running: Running) -> None:
    r = running
    r.driver.slash("export", user_id=ANA, channel_id=CHANNEL)
    assert "No finished assessment" in _wait_for_response_url(r)["text"]
    assert r.slack.files == []
