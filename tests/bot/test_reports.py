"""Reports, built from data that went through the real path: signed requests to the real app, the
stand-in Slack, a real database (SQLite and PostgreSQL) — two assessments, so there is a previous.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from markupsafe import escape

from bot.cli_support import UsageError
from bot.reports import build_report, cmd_report, render_html, render_markdown, responses_csv
from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA, BEN, CAT, DAN = MEMBERS
NAMES = {ANA: "Ana", BEN: "Ben", CAT: "Cat", DAN: "Dan"}  # the stand-in's real names
DIMENSIONS = ["People & Process", "Model Development", "Deployment & Serving", "Monitoring & Operations"]
RISKY_COMMENT = "<b>bold</b> & co: MLflow everywhere"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

FIRST = {  # user -> dimension id -> typed reply
    ANA: {
        "people-process": "2 2 1 we pair on notebooks",
        "model-development": "1 1 2 1",
        "deployment-serving": "0 1 0 0",
        "monitoring-operations": "1 1 0 0 1",
    },
    BEN: {
        "people-process": "1 2 1",
        "model-development": "1 2 1 1",
        "deployment-serving": "0 0 1 0",
        "monitoring-operations": "0 1 0 0 0",
    },
}
SECOND = {
    ANA: {
        "people-process": f"3 2 2 {RISKY_COMMENT}",
        "model-development": "2 2 2 1",
        "deployment-serving": "1 1 1 0",
        "monitoring-operations": "1 2 1 0 1",
    },
    BEN: {
        "people-process": "1 2 2",
        "model-development": "2 ? 2 1 not sure who tracks runs",
        "deployment-serving": "1 1 0 0",
    },
    CAT: {"people-process": "? 2 3", "model-development": "2 2 2 2"},
}


@dataclass
class Summary:
    text: str
    blocks: str


def run_assessment(
    r: Running, replies: dict[str, dict[str, str]], *, posted_before: int, reacted_before: int
) -> Summary:
    """/maturity assess, the replies in each dimension's thread, /maturity finish: the posted summary."""
    assert r.driver.slash("assess", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=posted_before + 5, timeout=10)
    deadline = time.monotonic() + 10
    threads: dict[str, str] = {}
    while len(threads) < 4 and time.monotonic() < deadline:  # stored just after each post returns
        with r.db.session() as s:
            assessment = repo.get_open_assessment(s, TEAM, CHANNEL)
            threads = {t.dimension_id: t.message_ts for t in assessment.threads} if assessment else {}
        time.sleep(0.02)
    assert len(threads) == 4, threads
    sent = 0
    for user, by_dimension in replies.items():
        for dimension_id, text in by_dimension.items():
            r.driver.reply(user_id=user, channel_id=CHANNEL, thread_ts=threads[dimension_id], text=text)
            sent += 1
    r.slack.wait_for("reactions.add", count=reacted_before + sent, timeout=10)  # every reply was recorded
    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    summary = r.slack.wait_for("chat.postMessage", count=posted_before + 6, timeout=10)[-1]
    return Summary(summary.params["text"], json.dumps(summary.params["blocks"], ensure_ascii=False))


def two_assessments(r: Running) -> tuple[Summary, Summary]:
    first = run_assessment(r, FIRST, posted_before=0, reacted_before=0)
    second = run_assessment(r, SECOND, posted_before=6, reacted_before=sum(map(len, FIRST.values())))
    return first, second


def overall_of(summary: Summary) -> str:
    match = re.search(r"overall (\d+\.\d\d) — (Level \d \([^)]*\))", summary.text)
    assert match, summary.text
    return f"{match[1]} — {match[2]}"


def dimension_scores(summary: Summary) -> dict[str, str]:
    return {name: re.search(re.escape(name) + r" (\d+\.\d\d|—)", summary.text)[1] for name in DIMENSIONS}  # type: ignore[index]


def test_report_of_two_real_assessments(running: Running, tmp_path: Path) -> None:
    r = running
    first, second = two_assessments(r)
    report = build_report(r.db, TEAM, CHANNEL, names=NAMES)
    assert report is not None and not report.anonymous
    assert report.history[0].current and len(report.history) == 2

    md = render_markdown(report)
    overall, level = overall_of(second).split(" — ")
    assert f"## Overall: {overall} — {level}" in md
    scores = dimension_scores(second)
    weights = {"People & Process": "30%", "Model Development": "25%", "Deployment & Serving": "25%"}
    weights["Monitoring & Operations"] = "20%"
    for name, value in scores.items():
        assert f"| {name} | {weights[name]} | {value} |" in md
    assert "#ml-platform (C0TEAM001)" in md and "`maturity-levels` v1" in md

    # the deltas are the summary's
    since = re.search(r"Since #(\d+) \(([\d-]+)\): (.) ([+−]\d\.\d\d)", second.blocks)
    assert since, second.blocks
    assert f"Since #{since[1]} ({since[2]}, overall {overall_of(first).split(' — ')[0]}): {since[3]} {since[4]}" in md
    for name in DIMENSIONS:
        change = re.search(re.escape(name) + r"\*[^•]*?([▲▼▶]) ([+−]\d\.\d\d)", second.blocks)
        if change:
            assert re.search(rf"\| {re.escape(name)} \|.*\| {change[1]} {re.escape(change[2])} \|", md), name

    # history, weakest, disagreements, roadmap, evidence with names
    first_overall = overall_of(first).split(" — ")[0]
    assert re.search(rf"\| 1 \| [\d-]+ \| `maturity-levels` v1 \| {first_overall} \|", md)
    assert re.search(rf"\| 2 \(this\) \| [\d-]+ \| `maturity-levels` v1 \| {overall} \|", md)
    assert "## Weakest dimensions" in md and report.weakest
    top = report.weakest[0]
    assert f"| 1 | {top.name} | {top.score_text} | {top.next_level} " in md
    assert f"Ranked by weighted gap to Level {report.target_level} ({report.target_level_name})" in md
    assert f"Ranked by weighted gap to Level {report.target_level} ({report.target_level_name})" in render_html(report)
    assert re.search(r"\d\.\d\d short of Level", second.blocks)  # the summary ranks them too
    people_q1 = next(q for q in report.disagreements if q.question_id == "pp-collaboration")
    assert (people_q1.low, people_q1.high) == (1, 3)  # Ana 3, Ben 1, Cat don't know
    assert f"| People & Process | Q1. {people_q1.prompt} | 1 to 3 " in md.replace("\\", "")
    roadmap = report.roadmap
    assert roadmap is not None and f"Roadmap {roadmap.number}" in second.blocks
    assert f"**Roadmap {roadmap.number} — {roadmap.title}**" in md
    for item in (roadmap.duration, roadmap.cost, roadmap.team, *roadmap.focus):
        assert item in md
    assert "“not sure who tracks runs” — Ben" in md
    assert "we pair on notebooks" not in md  # the first assessment's evidence is not this one's
    assert r"\<b\>bold\</b\> & co" in md  # markup characters escaped

    # HTML: the same numbers, escaped user text, charts inline, nothing external
    html = render_html(report)
    assert f'<div class="score" id="overall-score">{overall}</div>' in html
    assert f"{level}</div>" in html
    for name, value in scores.items():
        assert re.search(
            rf"<td[^>]*>{re.escape(str(escape(name)))}</td>\s*<td[^>]*>[^<]*</td>\s*"
            rf"<td data-label=\"Score\" class=\"num\">{value}</td>",
            html,
        ), name
    assert f"{since[3]} {since[4]}" in html
    stored = next(c.text for c in report.result.comments if c.user_id == ANA)
    assert stored.startswith("<b>bold</b>")
    assert str(escape(stored)) in html and "<b>bold</b>" not in html
    assert "Ben" in html and "Ana" in html
    assert_self_contained(html)

    # CSV: every stored response, "?" for don't know
    rows = list(csv.DictReader(io.StringIO(responses_csv(report, anonymous=False))))
    with r.db.session() as s:
        stored_responses = repo.list_responses(s, TEAM, report.assessment_id)
    assert len(rows) == len(stored_responses) == 3 * 3 + 4 * 3 + 4 * 2 + 5
    assert list(rows[0]) == ["respondent", "question", "level", "comment", "time"]
    assert {row["respondent"] for row in rows} == {"Ana", "Ben", "Cat"}
    cat_q1 = next(row for row in rows if row["respondent"] == "Cat" and row["question"] == "pp-collaboration")
    assert cat_q1["level"] == "?"
    ben_md = [row for row in rows if row["respondent"] == "Ben" and row["question"].startswith("md-")]
    assert {row["comment"] for row in ben_md} == {"not sure who tracks runs"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row["time"]) for row in rows)

    # without names, the ids stand in
    plain = render_markdown(build_report(r.db, TEAM, CHANNEL))  # type: ignore[arg-type]
    assert f"— {BEN}" in plain


def assert_self_contained(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(?:src|href|action|poster)\s*=\s*["']?\s*(?!data:)[a-z]+:""", html, re.I)
    assert not re.search(r"<(?:link|script|iframe|object|embed)\b", html, re.I)
    assert "url(" not in html and "@import" not in html
    images = re.findall(r"<img\b[^>]*>", html)
    assert images
    for tag in images:
        src = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', tag)
        assert src, tag[:80]
        assert base64.b64decode(src[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_anonymous_report_shows_aggregates_only(running: Running) -> None:
    r = running
    two_assessments(r)
    report = build_report(r.db, TEAM, CHANNEL, anonymous=True, names=NAMES)
    assert report is not None and report.anonymous
    outputs = {
        "markdown": render_markdown(report),
        "html": render_html(report),
        "csv": responses_csv(report, anonymous=True),
        "csv asked for names": responses_csv(report, anonymous=False),  # an anonymous report has none to give
        "report": repr(report),
    }
    for what, text in outputs.items():
        for user in MEMBERS:
            assert user not in text, f"{user} in the {what}"
        for name in NAMES.values():
            assert not re.search(rf"\b{name}\b", text), f"{name} in the {what}"
    assert "Anonymous report" in outputs["markdown"] and "Anonymous report" in outputs["html"]
    assert "not sure who tracks runs" in outputs["markdown"]  # evidence, without its author
    rows = list(csv.reader(io.StringIO(outputs["csv"])))
    assert rows[0] == ["question", "level", "comment", "time"]
    assert len(rows) - 1 == len(report.responses)
    assert "?" in {row[1] for row in rows[1:]}
    assert list(csv.reader(io.StringIO(outputs["csv asked for names"])))[0][0] == "question"

    # a team in anonymity mode gets an anonymous report even when one is not asked for
    with r.db.session() as s:
        team = repo.get_team(s, TEAM, CHANNEL)
        assert team is not None
        team.anonymous = True
    forced = build_report(r.db, TEAM, CHANNEL, names=NAMES)
    assert forced is not None and forced.anonymous
    assert not any(user in render_markdown(forced) for user in MEMBERS)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_no_report_without_a_finished_assessment(running: Running) -> None:
    assert build_report(running.db, TEAM, CHANNEL) is None  # unknown channel
    running.driver.slash("assess", user_id=ANA, channel_id=CHANNEL)
    running.slack.wait_for("chat.postMessage", count=5, timeout=10)
    assert build_report(running.db, TEAM, CHANNEL) is None  # open, not finished


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_report_of_an_assessment_nobody_answered(running: Running) -> None:
    r = running
    summary = run_assessment(r, {}, posted_before=0, reacted_before=0)
    assert "overall — — no level yet" in summary.text
    report = build_report(r.db, TEAM, CHANNEL)
    assert report is not None and report.overall is None and report.trend_points == ()
    md = render_markdown(report)
    assert "## Overall: — — no level yet" in md
    assert "No level yet: nobody gave a numeric answer." in md
    assert "| People & Process | 30% | — | not scored |" in md
    html = render_html(report)
    assert_self_contained(html)
    assert html.count("<img") == 1  # the radar (empty); no trend without a score
    assert responses_csv(report, anonymous=False) == "respondent,question,level,comment,time\n"


# --- maturity report ---------------------------------------------------------------------------


def report_args(**kwargs: object) -> argparse.Namespace:
    values: dict[str, object] = {"team": CHANNEL, "format": "md", "workspace": None, "out": None}
    values.update(kwargs)
    return argparse.Namespace(**values)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_cli_report_writes_files_and_says_what_is_wrong_in_one_line(
    running: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    r = running
    _, second = two_assessments(r)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", r.db.url.render_as_string(hide_password=False))
    overall = overall_of(second)

    assert cmd_report(report_args(out=tmp_path / "r.md")) == 0
    md = (tmp_path / "r.md").read_text()
    assert f"## Overall: {overall}" in md
    assert f"— {BEN}" in md  # the database keeps user ids, not names
    assert "wrote" in capsys.readouterr().out

    assert cmd_report(report_args(anonymous=True, out=tmp_path / "anonymous.md")) == 0
    anonymous = (tmp_path / "anonymous.md").read_text()
    assert f"## Overall: {overall}" in anonymous and not any(user in anonymous for user in MEMBERS)

    assert cmd_report(report_args(format="html", workspace=TEAM, out=tmp_path / "r.html")) == 0
    assert_self_contained((tmp_path / "r.html").read_text())

    assert cmd_report(report_args()) == 0  # stdout
    assert f"## Overall: {overall}" in capsys.readouterr().out

    with pytest.raises(UsageError, match="unknown channel C0NOPE001"):
        cmd_report(report_args(team="C0NOPE001"))
    with pytest.raises(UsageError, match="in workspace T0OTHER01"):
        cmd_report(report_args(workspace="T0OTHER01"))
    with pytest.raises(UsageError, match="--format must be md or html"):
        cmd_report(report_args(format="pdf"))
    with r.db.session() as s:  # the same channel id in a second workspace
        repo.ensure_team(s, "T0OTHER01", CHANNEL, channel_name="elsewhere", framework_id="maturity-levels")
    with pytest.raises(UsageError, match="several workspaces .*--workspace") as excinfo:
        cmd_report(report_args())
    assert "\n" not in str(excinfo.value)
    with pytest.raises(UsageError, match="no finished assessment"):
        cmd_report(report_args(workspace="T0OTHER01"))
    assert cmd_report(report_args(workspace=TEAM, out=tmp_path / "again.md")) == 0


# --- the HTML in a real browser ------------------------------------------------------------------


def run_chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    command = [
        CHROMIUM or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the browser and every child it started
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)")
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_html_report_renders_in_headless_chromium(running: Running, tmp_path: Path) -> None:
    import numpy as np
    from matplotlib.image import imread

    _, second = two_assessments(running)
    report = build_report(running.db, TEAM, CHANNEL, names=NAMES)
    assert report is not None
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")

    dom = run_chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    overall = overall_of(second).split(" — ")[0]
    assert re.search(rf'id="overall-score"[^>]*>{overall}<', dom.stdout)
    images = re.findall(r"<img\b[^>]*>", dom.stdout)
    assert len(images) == 2 and all('src="data:image/png;base64,' in tag for tag in images)

    shot = tmp_path / "r.png"
    result = run_chromium(
        f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri(), profile=tmp_path / "profile"
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    pixels = imread(shot)
    assert pixels.shape[:2] == (2000, 1200)
    rgb = (pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    colours = np.unique(rgb, axis=0)
    assert len(colours) > 50, "the screenshot is blank"
    # The images were decoded and drawn: the trend chart's level-2 band (#fdf6c8) is on the page.
    assert np.count_nonzero(np.all(np.abs(rgb.astype(int) - [0xFD, 0xF6, 0xC8]) <= 3, axis=1)) > 1000


# Measures the laid-out page in the browser: the viewport, the document's scroll width, every
# element reaching past the viewport's edges (and whether a scrolling container holds it), and each
# table's width against its container's. The report's CSP allows no script: the measured copy drops it.
MEASURE = """<script>
const w = window.innerWidth, over = [];
for (const el of document.body.querySelectorAll("*")) {
  const box = el.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) continue;
  let p = el.parentElement, held = false;
  for (; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === "auto" || o === "scroll" || o === "hidden") { held = true; break; }
  }
  if (box.right > w + 0.5 || box.left < -0.5) over.push([el.tagName, el.className, Math.round(box.right), held]);
}
const tables = [...document.querySelectorAll("table")].map(t => [t.scrollWidth, t.parentElement.clientWidth]);
parent.postMessage(JSON.stringify({w, sw: document.documentElement.scrollWidth, over, tables}), "*");
</script>"""
# Headless Chromium's window is at least 500 px wide: the report is laid out in a frame of the width
# under test (its own viewport: media queries and innerWidth are the frame's), which reports back.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<script>addEventListener("message", e => document.body.setAttribute("data-measure", e.data));</script>
<iframe src="measured.html" style="border:0;width:{width}px;height:3000px"></iframe></body></html>"""
NARROW = {
    **SECOND,
    DAN: {
        "monitoring-operations": "1 1 0 0 1 runbook at https://wiki.example.com/ml-platform/monitoring/"
        "runbooks/model-serving-latency-and-drift-alerts-for-the-recommendation-service-v2",
    },
}


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)")
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_html_report_reads_on_a_narrow_screen(running: Running, tmp_path: Path) -> None:
    """At 400 px wide (a phone) as at 1200 px, nothing reaches past the viewport: the page never
    scrolls sideways, and every table fits its column (no right-hand column cut off or hidden)."""
    run_assessment(running, FIRST, posted_before=0, reacted_before=0)
    run_assessment(running, NARROW, posted_before=6, reacted_before=sum(map(len, FIRST.values())))
    report = build_report(running.db, TEAM, CHANNEL, names=NAMES)
    assert report is not None and report.weakest and report.disagreements and report.roadmap
    html = render_html(report)
    assert "runbooks/model-serving-latency" in html
    csp = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', html)
    assert csp is not None
    page = tmp_path / "measured.html"
    page.write_text(html.replace(csp[0], "").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    for width in (400, 1200):
        frame = tmp_path / f"frame-{width}.html"
        frame.write_text(FRAME.replace("{width}", str(width)), encoding="utf-8")
        dom = run_chromium(
            "--window-size=1400,3000",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            "--dump-dom",
            frame.as_uri(),
            profile=tmp_path / f"profile-{width}",
        )
        assert dom.returncode == 0, dom.stderr[-2000:]
        found = re.search(r'data-measure="([^"]*)"', dom.stdout)
        assert found is not None, dom.stdout[-2000:]
        measured = json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))
        assert measured["w"] == width
        assert measured["sw"] <= width, measured
        assert measured["over"] == [], measured
        assert all(inner <= outer for inner, outer in measured["tables"]), measured
