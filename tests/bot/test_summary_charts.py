"""Charts where people look (issue 14 item 8): when an assessment closes, its radar (against the
previous assessment) and the trend are uploaded as PNGs into the summary's thread with files upload
v2, and the change summary carries the radar of the two. Through real HTTP against the stand-in."""

from __future__ import annotations

import logging
import struct
import time

import pytest

from tests.bot.test_assessment_flow import _assess, _threads, _wait_for_response_url
from tests.bot.test_export import _charts, _finished_assessment
from tests.conftest import CHANNEL, MEMBERS, Running

ANA, BEN, CAT, DAN = MEMBERS
PNG = b"\x89PNG\r\n\x1a\n"


def _size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG
    return struct.unpack(">II", data[16:24])


def _threads_stored(r: Running, assessments: int) -> None:
    from storage import repo
    from tests.conftest import TEAM

    deadline = time.time() + 10
    while time.time() < deadline:
        with r.db.session() as s:
            a = repo.get_open_assessment(s, TEAM, CHANNEL)
            if a is not None and len(a.threads) == 4:
                return
        time.sleep(0.05)
    raise AssertionError("the assessment's threads were not stored")


def test_finish_uploads_the_radar_and_the_trend_into_the_summary_thread(running: Running) -> None:
    r = running
    summary_ts = _finished_assessment(r)
    charts = _charts(r, 2)
    assert sorted(f.name.rsplit("-", 1)[-1] for f in charts) == ["radar.png", "trend.png"]
    for chart in charts:
        assert chart.channel_id == CHANNEL and chart.thread_ts == summary_ts  # in the summary's thread
        width, height = _size(chart.content)
        assert 500 <= width <= 900 and 400 <= height <= 900  # ~6 in at 110 dpi: legible at 360 px
    assert "Charts of assessment" in (charts[0].initial_comment or "")
    assert r.slack.calls_to("files.getUploadURLExternal") and r.slack.calls_to("files.completeUploadExternal")


def test_the_change_summary_carries_the_radar_of_the_two(running: Running) -> None:
    r = running
    _finished_assessment(r)
    _charts(r, 2)
    # a second assessment: the summary compares, and the change summary posts with the radar in its thread
    r.slack.reset_calls()
    assert r.driver.slash("assess", user_id=ANA, channel_id=CHANNEL).status == 200
    posts = r.slack.wait_for("chat.postMessage", count=5, predicate=lambda c: c.ok)
    people_process = posts[1].response["ts"]  # the intro, then the dimensions in order
    _threads_stored(r, 2)
    r.driver.reply(user_id=DAN, channel_id=CHANNEL, thread_ts=people_process, text="4 4 4")
    r.slack.wait_for("reactions.add", count=1)
    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    charts = _charts(r, 5)  # 2 of the first, radar + trend of the second, the change summary's radar
    compared = [f for f in charts if "-vs-" in f.name]
    assert len(compared) == 1
    change = next(c for c in r.slack.calls_to("chat.postMessage") if c.ok and c.response["ts"] == compared[0].thread_ts)
    assert "Since" in change.params["text"] or "since" in change.params["text"] or change.params.get("blocks")
    assert compared[0].content[:8] == PNG


def test_a_failed_chart_upload_is_told_and_logged_never_a_traceback(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    r = running
    caplog.set_level(logging.WARNING)
    _assess(r)
    threads = _threads(r)
    r.driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=threads["people-process"], text="2 1 3")
    r.slack.wait_for("reactions.add", count=1)
    r.slack.server_error("file_upload", status=503, times=None)  # the upload URL answers 5xx, every retry
    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    said = _wait_for_response_url(r)
    assert "couldn't upload its charts" in said["text"] and said.get("response_type") == "ephemeral"
    assert any("closed: overall" in str(c.params.get("text")) for c in r.slack.calls_to("chat.postMessage"))
    assert not [f for f in r.slack.files if f.completed]
    assert any(x.getMessage() == "files.upload_v2 failed" for x in caplog.records)
    assert not [x for x in caplog.records if x.exc_info], "no traceback"
