"""Numbers as a careful reader sees them (issue 19, items 1 and 4), on the real surfaces: the
summary and change summary posted through the real app and stand-in Slack, the Markdown and HTML
reports built from the same database, and the ROI answer to a submitted modal.

* a delta beside two-decimal scores is the difference of the scores as shown (0.00 → 1.63 is
  +1.63, never +1.62);
* negative numbers carry the minus sign U+2212 (deltas, NPV, IRR), and units agree with their
  number ("about 1 month").
"""

from __future__ import annotations

import json
import re

from bot.reports import build_report, render_html, render_markdown
from tests.bot.test_business_flow import _open_modal, _submit
from tests.bot.test_reports import DIMENSIONS, run_assessment
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running, open_home

ANA, BEN, _, _ = MEMBERS
MINUS = "\u2212"

ZEROS = {dim: " ".join(["0"] * n) for dim, n in [("people-process", 3), ("model-development", 4)]}
ZEROS |= {"deployment-serving": "0 0 0 0", "monitoring-operations": "0 0 0 0 0"}
# Deployment & Serving: question means 2, 2, 2 and (0 + 1) / 2 = 0.5 -> 6.5 / 4 = 1.625, shown 1.63.
FIRST = {ANA: ZEROS, BEN: ZEROS}
SECOND = {ANA: ZEROS | {"deployment-serving": "2 2 2 0"}, BEN: ZEROS | {"deployment-serving": "2 2 2 1"}}
# Overall 0.25 × 1.625 = 0.40625, shown 0.41 (from 0.00: +0.41).


def _texts(blocks: list[dict]) -> str:
    out = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            out.append(block["text"]["text"])
        for e in block.get("elements", ()):
            text = e.get("text", "") if isinstance(e, dict) else ""
            out.append(text.get("text", "") if isinstance(text, dict) else text)  # a button's label is an object
    return "\n".join(out)


def test_deltas_equal_the_difference_of_the_scores_shown(running: Running) -> None:
    r = running
    run_assessment(r, FIRST, posted_before=0, reacted_before=0)
    second = run_assessment(r, SECOND, posted_before=6, reacted_before=8)
    assert "Deployment & Serving 1.63" in second.text

    # the summary: "1.63 · ▲ +1.63" (it said +1.62: "%+.2f" of the float 1.625 rounds half to even)
    summary = _texts(json.loads(second.blocks))
    assert "*Deployment &amp; Serving* (25%): 1.63 · Level 2 (Automated Training) · ▲ +1.63" in summary
    assert "+1.62" not in summary
    assert "▲ +0.41" in summary

    # the change summary, posted after it
    change = next(
        c.params for c in r.slack.wait_for("chat.postMessage", count=13) if "Maturity change since" in c.params["text"]
    )
    assert "Deployment & Serving 0.00 → 1.63 ▲ +1.63" in change["text"]
    assert "overall 0.00 → 0.41 ▲ +0.41" in change["text"]
    change_blocks = _texts(change["blocks"])
    assert "*Deployment &amp; Serving* 0.00 → 1.63 (+1.63)" in change_blocks
    assert "+1.62" not in change["text"] + change_blocks

    # the reports: the dimension table and the biggest gain
    report = build_report(r.db, TEAM, CHANNEL)
    assert report is not None
    md, html = render_markdown(report), render_html(report)
    assert re.search(r"\| Deployment & Serving \| 25% \| 1\.63 \|.*\| ▲ \+1\.63 \|", md), md
    assert "Biggest gain: Deployment & Serving +1.63" in md
    assert "▲ +1.63</span>" in html and "Biggest gain: Deployment &amp; Serving +1.63" in html
    assert "+1.62" not in md + html
    assert set(DIMENSIONS) <= {d.name for d in report.dimensions}


def test_a_fall_is_written_with_the_minus_sign(running: Running) -> None:
    r = running
    run_assessment(r, SECOND, posted_before=0, reacted_before=0)
    second = run_assessment(r, FIRST, posted_before=6, reacted_before=8)
    summary = _texts(json.loads(second.blocks))
    assert f"▼ {MINUS}1.63" in summary and f"▼ {MINUS}0.41" in summary
    change = next(
        c.params for c in r.slack.wait_for("chat.postMessage", count=13) if "Maturity change since" in c.params["text"]
    )
    assert f"Deployment & Serving 1.63 → 0.00 ▼ {MINUS}1.63" in change["text"]
    report = build_report(r.db, TEAM, CHANNEL)
    assert report is not None
    md = render_markdown(report)
    assert f"▼ {MINUS}1.63 |" in md and f"Biggest drop: Deployment & Serving {MINUS}1.63" in md
    assert not re.search(r"-\d\.\d\d", md + summary + change["text"])  # no hyphen-minus before a number


def test_roi_answer_writes_signs_and_units_one_way(running: Running) -> None:
    r = running
    view = _open_modal(r, "roi", ANA, 1)
    # A loss: 1,000,000 for 20k a year. NPV at 10% = -1,000,000 + 20k × (1/1.1 + 1/1.21 + 1/1.331)
    # = -1,000,000 + 49,737.04 = -950,262.96; IRR well below zero; payback never.
    form = {"investment": "1m", "y1_revenue": "20k", "y2_revenue": "20k", "y3_revenue": "20k", "rate": "10"}
    assert _submit(r, ANA, view, form) is None
    posted = r.slack.wait_for("chat.postMessage")[0].params
    text, blocks = posted["text"], _texts(posted["blocks"])
    assert f"NPV {MINUS}950,263 at 10%" in text
    irr = re.search(r"IRR (\S+%)", text)
    assert irr and irr[1].startswith(MINUS), text
    assert f"*IRR* {irr[1]}" in blocks
    assert not re.search(r"-\d", text + blocks)  # NPV and IRR use the same minus sign

    # Paid back within about a month: 10,000 for 120,000 in year 1 -> 1/12 year = 0.08 years.
    view = _open_modal(r, "roi", ANA, 2)
    form = {"investment": "10k", "y1_revenue": "120k", "y2_revenue": "0", "y3_revenue": "0", "rate": "10"}
    assert _submit(r, ANA, view, form) is None
    posted = r.slack.wait_for("chat.postMessage", count=2)[-1].params
    blocks = _texts(posted["blocks"])
    assert "0.08 years (about 1 month)" in blocks, blocks
    assert "1 months" not in blocks


TWOS = {"people-process": "2 2 2", "model-development": "2 2 2 2", "monitoring-operations": "2 2 2 2 2"}
# Deployment & Serving 1.625 as in SECOND, every other dimension at 2.00: overall 1.90625, shown 1.91.
GAPPED = {ANA: TWOS | {"deployment-serving": "2 2 2 0"}, BEN: TWOS | {"deployment-serving": "2 2 2 1"}}


def test_a_gap_to_the_target_is_the_bound_minus_the_score_as_shown(running: Running) -> None:
    """A gap is a difference shown beside a two-decimal score, like a delta: Deployment & Serving at
    1.625 is shown 1.63, so against Level 3 (lower bound 2.50) it is 0.87 short — never 0.88, the
    rounding of 0.875 — in the summary, the target section, the report and App Home."""

    from tests.bot.test_targets import _command

    r = running
    assert "Target set: Level 3" in _command(r, "target 3")
    summary = run_assessment(r, GAPPED, posted_before=0, reacted_before=0)
    # ranked first: 0.875 x 0.25 against People & Process's 0.5 x 0.30
    assert "1. *Deployment &amp; Serving* 1.63 — 0.87 short of Level 3" in summary.blocks
    assert "Deployment &amp; Serving: 1.63, gap 0.87" in summary.blocks  # the target section
    assert "Overall 1.91, gap 0.59" in summary.blocks
    assert "0.88" not in summary.blocks

    report = build_report(r.db, TEAM, CHANNEL)
    assert report is not None
    md, html = render_markdown(report), render_html(report)
    assert re.search(r"\| Deployment & Serving \| 1\.63 \| 3 [^|]*\| 0\.87 \|", md), md  # the weakest
    assert "| Deployment & Serving | 1.63 | Level 3 | 0.87 |" in md  # the target table
    assert "0.88" not in md and ">0.88<" not in html and ">0.87<" in html

    home = json.dumps(open_home(r, ANA), ensure_ascii=False)
    assert "1. Deployment &amp; Serving 1.63 (gap 0.87)" in home
