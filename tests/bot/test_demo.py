"""`maturity demo` — the README's first command — runs a whole assessment with no Slack account."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from tests.processes import child_env


def test_demo_runs_end_to_end_and_writes_its_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out), "--members", "4"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=child_env(),
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "#ml-platform" in text
    assert "MLOps maturity assessment #1 closed: overall" in text
    assert "Where members disagree" in text or "Weakest dimensions" in text
    assert "couldn't record that reply" in text  # the unreadable reply got its explanation
    assert "— match" in text
    for name in ("transcript.txt", "summary.json", "responses.csv", "report.md", "report.html", "demo.db"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert f"overall {summary['overall']:.2f}" in text
    with (out / "responses.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["respondent"] for r in rows} == {"Ana Lima", "Ben Okafor", "Chen Wei", "Dana Cruz"}
    assert len(rows) == 4 * 16  # every member answered every question once (re-answers replace)
    assert any(r["level"] == "?" for r in rows)
    assert "Traceback" not in result.stderr
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "Ana Lima" in html
    assert f"{summary['overall']:.2f}" in (out / "report.md").read_text()
    # it ends with the org view: three teams side by side, the one with two answers withheld
    org = text[text.index("runs /maturity teams post") :]
    assert "Every team at a glance" in org and "#vision" in org and "#data-eng — too few answers" in org
    # the demo team's check-in (three answered after the reminder) is scored, against the first
    assert "#ml-platform — too few answers" not in org and "Most improved: #ml-platform" in org
    assert "maturity-teams-" in org and (out / "teams-heatmap.png").read_bytes()[:4] == b"\x89PNG"
    for name in ("org-report.md", "org-report.html", "org-report.csv"):
        assert (out / name).is_file(), name


def test_the_demo_shows_the_quarterly_cycle_run_by_the_scheduler(tmp_path: Path) -> None:
    """The README's first command exercises the scheduler: with the clock moved a quarter ahead the
    transcript shows the check-in opening by itself, the monthly digest, the reminder naming only
    those who have not answered, the scheduled close's summary and the change summary.

    Run where an operator keeps the production server's ``.env``, with the scheduler switched off
    and OAuth installs configured: the demo (its own stand-in Slack, its own database) runs its
    scheduler and its bot token all the same."""
    out = tmp_path / "out"
    (tmp_path / ".env").write_text(
        "SCHEDULER_ENABLED=false\nSLACK_CLIENT_ID=123.456\nSLACK_CLIENT_SECRET=shh\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out), "--members", "4"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=child_env(),
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    cycle = text[text.index("the clock moves a quarter ahead") :]
    opened = cycle.index("Check-in time: a new MLOps maturity assessment")
    reminder = cycle.index("a reminder: the MLOps maturity check-in #2")
    closed = cycle.index("MLOps maturity assessment #2 closed: overall")
    change = cycle.index("Maturity change since assessment #1")
    assert opened < reminder < closed < change
    assert "MLOps maturity digest:" in cycle
    reminder_line = cycle[reminder - 60 : reminder]
    assert "@Chen Wei @Dana Cruz" in reminder_line and "Ana Lima" not in reminder_line
    # one of the two reminded answers after the reminder: three of four, enough for the org view
    assert "3 of 4 members answered" in cycle
    assert "the clock moves a quarter ahead" in (out / "transcript.txt").read_text()


def test_the_demo_sets_a_target_tracks_items_and_relates_them_to_the_change(tmp_path: Path) -> None:
    """Issue 15: after the first summary the lead sets a target and accepts proposed roadmap items,
    two owners mark theirs done, and the change summary a quarter later names them beside their
    dimensions' deltas."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out), "--members", "4"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=child_env(),
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    target = text.index("Target set: Level 3 (Automated Deployment) by ")
    accepted = text.index("@Ana Lima accepted 3 roadmap items")
    done = [text.index(f"@{who} moved the roadmap item") for who in ("Ben Okafor", "Chen Wei")]
    change = text.index("Maturity change since assessment #1")
    assert target < accepted < min(done) and max(done) < change
    assert "pace so far not enough history" in text
    assert "Roadmap of #ml-platform: 1 open item, 2 done." in text
    change_line = text[change:].splitlines()[0]
    assert change_line.count("— done: ") >= 1 and "(@Ben Okafor)" in change_line and "(@Chen Wei)" in change_line
    assert "accepted 3 roadmap items" in (out / "transcript.txt").read_text()
    report = (out / "report.md").read_text()
    assert "## Target" in report and "## Roadmap items" in report
