"""Targets and roadmap items in the exports and reports (Markdown, HTML, CSV) and in App Home; the
owners of items are shown in anonymity mode (assignments, not answers) — through the real app."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from bot.reports import build_report, render_html, render_markdown
from storage import clock
from tests.bot.test_export import _uploads
from tests.bot.test_plan import _button, _said, _state, _submit, _view
from tests.bot.test_targets import _command, _finish_assessment
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running, open_home

ANA, BEN, CAT, DAN = MEMBERS


def _accept(r: Running, summary: dict, edits: dict) -> None:
    review = _button(summary["blocks"], "plan:review")
    r.driver.click(user_id=ANA, channel_id=CHANNEL, message_ts="1", action_id="plan:review", value=review["value"])
    view = _view(r.slack.wait_for("views.open")[-1])
    assert _submit(r, ANA, view, _state(view, edits)) is None
    _said(r, "accepted")


def test_reports_exports_and_home_show_the_target_and_the_items_with_their_owners(running: Running) -> None:
    r = running
    assert "Anonymity mode" in _command(r, "settings anonymous on")
    summary = _finish_assessment(r, 0)
    due = (clock.now().date() + timedelta(days=365)).isoformat()
    _command(r, f"target 4 by {due}")
    soon = (clock.now().date() + timedelta(days=30)).isoformat()
    _accept(
        r,
        summary,
        {
            0: {"title": '=HYPERLINK("http://evil")', "owner": BEN, "due": soon},
            1: {"title": "Drift alerts on all models", "dim": "monitoring-operations", "owner": ANA},
        },
    )

    report = build_report(r.db, TEAM, CHANNEL)
    assert report is not None and report.anonymous
    md = render_markdown(report)
    assert "## Target" in md and f"Level 4 (Full MLOps) by {due}" in md
    assert "| Deployment & Serving | 2.50 | Level 4 | 1.00 | +0.25 |" in md
    assert "## Roadmap items" in md
    assert f"| Drift alerts on all models | Monitoring & Operations | {ANA} | — | todo |" in md  # owner shown
    html = render_html(report)
    assert '<section id="target">' in html and "Drift alerts on all models" in html and BEN in html
    assert "=HYPERLINK(&#34;http://evil&#34;)" in html or "=HYPERLINK(&quot;http://evil&quot;)" in html

    # /maturity export adds the items as CSV, owners included, formulas neutralised
    r.driver.slash("export", user_id=ANA, channel_id=CHANNEL)
    files = {f.name.rsplit("-", 2)[-2] + "-" + f.name.rsplit("-", 1)[-1]: f for f in _uploads(r, 4)}
    # ...and the target as CSV: the overall and each dimension, with its gap and the pace needed
    targets = list(csv.DictReader(io.StringIO(files["1-targets.csv"].content.decode())))
    assert [(t["scope"], t["target_level"], t["due_on"]) for t in targets][:2] == [
        ("overall", "4", due),
        ("people-process", "4", due),
    ]
    deployment = next(t for t in targets if t["scope"] == "deployment-serving")
    assert (deployment["name"], deployment["score"], deployment["gap"]) == ("Deployment & Serving", "2.5", "1.0")
    assert float(deployment["pace_needed"]) == pytest.approx(0.25, abs=0.01)
    items = list(csv.DictReader(io.StringIO(files["roadmap-items.csv"].content.decode())))
    assert [(i["title"], i["owner"], i["status"], i["due_on"]) for i in items] == [
        ('\'=HYPERLINK("http://evil")', "Ben", "todo", soon),  # owners named as Slack names them
        ("Drift alerts on all models", "Ana", "todo", ""),
    ]
    responses = next(f for name, f in files.items() if name.endswith("responses.csv")).content.decode()
    assert "respondent" not in responses.splitlines()[0]  # anonymity still hides who answered what

    # App Home: the team's target, its three top priorities, and Ana's own open items
    home = json.dumps(open_home(r, ANA), ensure_ascii=False)
    assert f"Target: Level 4 (Full MLOps) by {due}" in home
    assert "Top priorities (weighted gap to Level 4): 1. People &amp; Process 1.33 (gap 2.17)" in home
    assert "*Your open roadmap items* (1): Drift alerts on all models (no due date)" in home
    assert "HYPERLINK" not in home  # Ben's item, not Ana's
    # Ben never answered here, so the channel is not among his teams: his own item is shown all the same
    home = json.dumps(open_home(r, BEN), ensure_ascii=False)  # published for Ben
    assert f"<#{CHANNEL}> · *Your open roadmap items* (1): =HYPERLINK" in home and f"due {soon}" in home
