"""`maturity report --org`: every team of a workspace as Markdown, one self-contained HTML file
(checked in headless Chromium) and CSV, from data made through the product's own service."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot.test_org_view import ANON_PEOPLE, TEAM_A, people, seed
from tests.bot.test_reports import CHROMIUM, assert_self_contained, run_chromium
from tests.conftest import MEMBERS, TEAM, Running
from tests.org_seed import seed_assessment
from tests.reliability.helpers import eventually

RISKY = '=cmd|"/c calc"!A1'


def cli(*argv: str) -> int:
    return main(["report", *argv])


@pytest.fixture
def env(running: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Running:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", running.db.url.render_as_string(hide_password=False))
    people(running)
    seed(running)
    seed_assessment(running.db, TEAM, "C0RISKY01", RISKY, {"U0R1": 1, "U0R2": 2, "U0R3": 1})
    return running


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_org_report_in_every_format(env: Running, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--org", "--format", "md", "--out", str(tmp_path / "org.md")) == 0
    md = (tmp_path / "org.md").read_text()
    for name in ("ml-platform", "vision", "tiny-team", "secret-team"):
        assert name in md
    tiny = next(line for line in md.splitlines() if "tiny-team" in line)
    assert "too few answers" in tiny and "4.00" not in tiny
    assert not any(u in md for u in [*MEMBERS, *ANON_PEOPLE])  # aggregates only, no user ids

    assert cli("--org", "--format", "html", "--workspace", TEAM, "--out", str(tmp_path / "org.html")) == 0
    html = (tmp_path / "org.html").read_text()
    assert_self_contained(html)
    assert len(re.findall(r"<img\b", html)) == 2  # the heat map and the trend
    assert 'id="team-count">5<' in html and "too few answers" in html
    assert RISKY not in html  # escaped in HTML (its quotes)

    assert cli("--org", "--format", "csv", "--out", str(tmp_path / "org.csv")) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "org.csv").read_text())))
    teams = {r["channel_id"] for r in rows}
    assert len(teams) == 5
    per_team = {t: [r for r in rows if r["channel_id"] == t] for t in teams}
    assert len(per_team["C0VISION1"]) == 7 and len(per_team["C0TEAM001"]) == 4  # one row per dimension
    risky = per_team["C0RISKY01"][0]
    assert risky["team"] == "'" + RISKY  # neutralised: never a formula
    tiny_rows = per_team["C0SMALL01"]
    assert {r["status"] for r in tiny_rows} == {"too few answers"}
    assert {r["dimension_score"] for r in tiny_rows} == {""} and {r["overall"] for r in tiny_rows} == {""}
    platform = per_team["C0TEAM001"][0]
    assert platform["overall"] == "3.33" and platform["change"] == "1.00" and platform["percentile"]
    capsys.readouterr()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_org_report_shows_each_teams_target(env: Running, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A target set over signed HTTP in one team's channel is in every format of the org report,
    and every other team shows none ("—", empty CSV cells)."""
    before = len(env.slack.response_url_posts)
    assert env.driver.slash("target 4 by 2027-06-30", user_id=MEMBERS[0], channel_id="C0TEAM001").status == 200
    eventually(lambda: env.slack.response_url_posts[before:], what="the target's answer")

    assert cli("--org", "--format", "csv", "--out", str(tmp_path / "org.csv")) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "org.csv").read_text())))
    targets = {
        (r["channel_id"], r["target"], r["target_level_name"], r["target_due_on"], r["target_gap"]) for r in rows
    }
    assert ("C0TEAM001", "4", "Full MLOps", "2027-06-30", "0.17") in targets  # 3.50 - 3.33
    assert {t[1:] for t in targets if t[0] != "C0TEAM001"} == {("", "", "", "")}

    assert cli("--org", "--format", "md", "--out", str(tmp_path / "org.md")) == 0
    md = (tmp_path / "org.md").read_text()
    platform = next(line for line in md.splitlines() if "ml-platform" in line and line.startswith("|"))
    assert "| Level 4 (Full MLOps) by 2027-06-30, gap 0.17 |" in platform
    vision = next(line for line in md.splitlines() if "vision" in line and line.startswith("|"))
    assert "| no | — |" in vision

    assert cli("--org", "--format", "html", "--out", str(tmp_path / "org.html")) == 0
    html = (tmp_path / "org.html").read_text()
    assert "<td>Level 4 (Full MLOps) by 2027-06-30, gap 0.17</td>" in html
    capsys.readouterr()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_org_report_says_what_is_wrong_in_one_line(env: Running, capsys: pytest.CaptureFixture[str]) -> None:
    seed_assessment(env.db, TEAM_A, "C0AONLY01", "a-only", {"U0A1": 2, "U0A2": 2, "U0A3": 3})
    capsys.readouterr()
    assert cli("--org", "--format", "md") == 2
    assert "several workspaces" in capsys.readouterr().err
    assert cli("--org", "--format", "md", "--workspace", "T0NOPE001") == 2
    assert "unknown workspace T0NOPE001" in capsys.readouterr().err
    assert cli("--org", "--team", "C0TEAM001", "--format", "md") == 2
    assert "--team and --org" in capsys.readouterr().err
    assert cli("--format", "md") == 2
    assert "--org" in capsys.readouterr().err
    assert cli("--team", "C0TEAM001", "--format", "csv") == 2  # csv is for --org
    assert "--format must be md or html" in capsys.readouterr().err
    assert cli("--org", "--format", "md", "--workspace", TEAM_A) == 0
    out = capsys.readouterr().out
    assert "a-only" in out and "ml-platform" not in out  # one workspace only


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)")
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_org_html_report_renders_in_headless_chromium(env: Running, tmp_path: Path) -> None:
    import numpy as np
    from matplotlib.image import imread

    page = tmp_path / "org.html"
    assert cli("--org", "--format", "html", "--out", str(page)) == 0
    dom = run_chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert re.search(r'id="team-count"[^>]*>5<', dom.stdout)
    images = re.findall(r"<img\b[^>]*>", dom.stdout)
    assert len(images) == 2 and all('src="data:image/png;base64,' in tag for tag in images)
    shot = tmp_path / "org.png"
    result = run_chromium(
        f"--screenshot={shot}", "--window-size=1300,1800", page.as_uri(), profile=tmp_path / "profile"
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    rgb = (imread(shot)[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    assert len(np.unique(rgb, axis=0)) > 50, "the screenshot is blank"
    # the heat map was decoded and drawn: level 3 cells (#91bfdb) of ml-platform are on the page
    assert np.count_nonzero(np.all(np.abs(rgb.astype(int) - [0x91, 0xBF, 0xDB]) <= 3, axis=1)) > 1000
