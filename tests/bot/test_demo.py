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
