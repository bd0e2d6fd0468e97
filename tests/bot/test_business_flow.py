"""The business-case surfaces (/maturity platforms, roi, session), driven only by signed HTTP
requests to the real app against the stand-in Slack, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.listeners.views import PLATFORM_CALLBACK, ROI_CALLBACK, business_home_text
from conversations.assessments import AssessmentService
from conversations.business_case import BusinessService, get_criteria
from storage import evaluations as store
from storage.db import Database
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA, BEN, CAT, DAN = MEMBERS
OTHER_CHANNEL = "C0OTHER01"


@pytest.fixture
def business(running: Running) -> Running:
    """The real app, as ``maturity serve`` builds it."""
    return running


def _state(values: dict[str, str | None]) -> dict[str, Any]:
    """A view's state as Slack sends it: text inputs by value, selects by selected option."""
    state: dict[str, Any] = {}
    for block_id, value in values.items():
        if block_id in get_criteria().sub_ids:
            option = {"text": {"type": "plain_text", "text": value or ""}, "value": value} if value else None
            state[block_id] = {"score": {"type": "static_select", "selected_option": option}}
        else:
            state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
    return {"values": state}


def _open_modal(r: Running, text: str, user: str, count: int) -> dict[str, Any]:
    trigger = r.slack.new_trigger_id(user)
    response = r.driver.slash(text, user_id=user, channel_id=CHANNEL, trigger_id=trigger)
    assert response.status == 200 and response.json() is None  # a bare ack: the modal follows
    call = r.slack.wait_for("views.open", count=count)[-1]
    assert call.params["trigger_id"] == trigger
    return call.params["view"]


def _submit(r: Running, user: str, view: dict[str, Any], values: dict[str, str | None]) -> Any:
    response = r.driver.view_submission(
        user_id=user,
        view={
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "blocks": view["blocks"],
            "state": _state(values),
        },
    )
    assert response.status == 200
    return response.json()


def _scores(platform: str, t: list[int], b: list[int], o: list[int], s: list[int]) -> dict[str, str | None]:
    ids = get_criteria().sub_ids
    return {"platform": platform} | {sub: str(v) for sub, v in zip(ids, [*t, *b, *o, *s], strict=True)}


# The scores worked by hand in tests/scoring/test_platforms.py:
# Vertex AI: Ana 3.725, Ben 3.44 -> 3.5825; SageMaker: Ana 3.0, Ben 3.1125 -> 3.05625.
ANA_VERTEX = ([4, 4, 5, 3, 4], [3, 4, 3, 4], [4, 3, 4, 5], [3, 3, 4, 2])
BEN_VERTEX = ([2, 4, 5, 3, 4], [3, 3, 3, 3], [4, 4, 4, 4], [3, 3, 3, 3])
ANA_SAGEMAKER = ([3] * 5, [3] * 4, [3] * 4, [3] * 4)
BEN_SAGEMAKER = ([3] * 5, [3] * 4, [3] * 4, [4, 3, 3, 5])


def _stored(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(store.PlatformScore)) or 0)


def test_platform_comparison_by_two_members(business: Running) -> None:
    r = business
    view = _open_modal(r, "platforms", ANA, 1)
    assert view["callback_id"] == PLATFORM_CALLBACK and view["type"] == "modal"
    assert len(view["blocks"]) <= 100
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["platform", *get_criteria().sub_ids]
    assert "Technical Capabilities · 40%" in json.dumps(view["blocks"], ensure_ascii=False)

    # an invalid submission: errors on the fields, nothing stored, nothing posted
    bad = _scores("   ", *ANA_VERTEX) | {"tech-serving": None}
    body = _submit(r, ANA, view, bad)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"platform", "tech-serving"}
    assert "Name the platform" in body["errors"]["platform"]
    assert _stored(r.db) == 0

    # Ana first scores Vertex AI all 1s, then changes her mind: the second replaces the first
    assert _submit(r, ANA, view, _scores("Vertex AI", [1] * 5, [1] * 4, [1] * 4, [1] * 4)) is None
    first = r.slack.wait_for("chat.postMessage")[0]
    assert first.params["channel"] == CHANNEL and "Vertex AI 1.00" in first.params["text"]
    assert _submit(r, ANA, view, _scores("Vertex AI", *ANA_VERTEX)) is None
    r.slack.wait_for("chat.update", count=1)

    ben_view = _open_modal(r, "platforms", BEN, 2)
    assert _submit(r, BEN, ben_view, _scores("vertex ai", *BEN_VERTEX)) is None
    r.slack.wait_for("chat.update", count=2)
    assert _submit(r, ANA, view, _scores("SageMaker", *ANA_SAGEMAKER)) is None
    r.slack.wait_for("chat.update", count=3)
    assert _submit(r, BEN, ben_view, _scores("SageMaker", *BEN_SAGEMAKER)) is None
    updates = r.slack.wait_for("chat.update", count=4)

    assert len(r.slack.calls_to("chat.postMessage")) == 1  # one comparison message, updated in place
    final = updates[-1].params
    assert final["ts"] == first.response["ts"]
    text, blocks = final["text"], json.dumps(final["blocks"], ensure_ascii=False)
    assert "2 members" in text
    assert "1. Vertex AI 3.58, 2. SageMaker 3.06" in text
    assert "disagree" in text
    assert "Feature engineering and data processing (Technical Capabilities): scores from 2 to 4" in blocks
    assert "Exit strategy and flexibility (Strategic Alignment): scores from 3 to 5" in blocks
    assert _stored(r.db) == 4

    confirmations = r.slack.wait_for("chat.postEphemeral", count=5)
    assert "Replaced your scores for Vertex AI" in confirmations[1].params["text"]
    assert "3.73" in confirmations[1].params["text"]  # Ana's own weighted total, 3.725

    latest = BusinessService(r.db).latest_comparison(TEAM, CHANNEL)
    assert latest is not None
    assert [(p.name, round(p.score, 4)) for p in latest.comparison.ranked] == [
        ("Vertex AI", 3.5825),
        ("SageMaker", 3.0563),
    ]
    home = business_home_text(BusinessService(r.db), TEAM, CHANNEL)
    assert home is not None and home.startswith("*Platform comparison*\n1. *Vertex AI* 3.58 (2 members)")

    # naming a platform opens the form with your earlier scores
    again = _open_modal(r, "platforms SAGEMAKER", BEN, 3)
    by_id = {b["block_id"]: b for b in again["blocks"] if b["type"] == "input"}
    assert by_id["platform"]["element"]["initial_value"] == "SageMaker"
    assert by_id["strat-exit"]["element"]["initial_option"]["value"] == "5"

    # `platforms results` posts the comparison anew; `platforms new` starts a round (the old one stays latest
    # until the new one has scores)
    assert r.driver.slash("platforms results", user_id=CAT, channel_id=CHANNEL).json() is None
    reposted = r.slack.wait_for("chat.postMessage", count=2)[-1].params
    assert "1. Vertex AI 3.58, 2. SageMaker 3.06" in reposted["text"]
    body = r.driver.slash("platforms new", user_id=CAT, channel_id=CHANNEL).json()
    assert body["response_type"] == "in_channel" and "new platform comparison" in body["text"]
    still = BusinessService(r.db).latest_comparison(TEAM, CHANNEL)
    assert still is not None and still.evaluation_id == latest.evaluation_id


def test_roi_modal_answers_with_payback_npv_and_irr(business: Running) -> None:
    r = business
    view = _open_modal(r, "roi", CAT, 1)
    assert view["callback_id"] == ROI_CALLBACK
    fields = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert fields[:2] == ["case_name", "investment"] and fields[-2:] == ["running_cost", "rate"]
    assert len(fields) == 2 + 9 + 2

    body = _submit(r, CAT, view, {"investment": "-100", "y1_revenue": "lots", "rate": "150"})
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"investment", "y1_revenue", "rate"}
    assert BusinessService(r.db).latest_business_case(TEAM, CHANNEL) is None

    # net 50k, 70k, 90k: by hand NPV at 10% = 70,924.12, payback 1 + 50/70 = 1.71 years, IRR 42.98%
    form = {
        "case_name": "Feature store",
        "investment": "100k",
        "y1_productivity": "30,000",
        "y1_infrastructure": "10000",
        "y1_revenue": "20k",
        "y2_productivity": "40k",
        "y2_infrastructure": "15k",
        "y2_revenue": "25k",
        "y3_productivity": "50k",
        "y3_infrastructure": "20k",
        "y3_revenue": "30k",
        "running_cost": "10k",
        "rate": "10%",
    }
    assert _submit(r, CAT, view, form) is None
    posted = r.slack.wait_for("chat.postMessage")[0].params
    text, blocks = posted["text"], json.dumps(posted["blocks"], ensure_ascii=False)
    assert posted["channel"] == CHANNEL
    assert "payback 1.71 years" in text
    assert "NPV 70,924 at 10%" in text
    assert "IRR 42.98%" in text
    assert "typical: payback 12–24 months" in text
    assert "1.71 years (about 21 months) — inside the typical 12–24 months" in blocks
    assert "0.71× the investment — below the typical 3–5× over 3 years" in blocks
    assert "IRR* 42.98% — below the typical 50–150%" in blocks
    case = BusinessService(r.db).latest_business_case(TEAM, CHANNEL)
    assert case is not None and case.created_by == CAT and case.inputs.name == "Feature store"
    home = business_home_text(BusinessService(r.db), TEAM, CHANNEL)
    assert home is not None and home.startswith("*Business case* *Feature store*: investment 100,000")


def test_session_agenda_targets_the_weakest_dimensions(business: Running) -> None:
    r = business
    assessments = AssessmentService(r.db)
    assessment, framework = assessments.open(
        workspace_id=TEAM, channel_id=CHANNEL, channel_name="ml-platform", user_id=ANA, framework_id=None
    )
    levels = {"people-process": 0, "model-development": 3, "deployment-serving": 1, "monitoring-operations": 3}
    for dim in framework.dimensions:
        for q in dim.questions:
            for user in (ANA, BEN):
                assessments.answer_button(
                    workspace_id=TEAM,
                    channel_id=CHANNEL,
                    assessment_id=assessment.id,
                    question_id=q.id,
                    level=levels[dim.id],
                    user_id=user,
                )
    assessments.finish(workspace_id=TEAM, channel_id=CHANNEL, user_id=ANA, member_count=4)

    response = r.driver.slash("session executive", user_id=ANA, channel_id=CHANNEL)
    assert response.status == 200 and response.json() is None
    posted = r.slack.wait_for("chat.postMessage")[0].params
    text, blocks = posted["text"], json.dumps(posted["blocks"], ensure_ascii=False)
    assert posted["channel"] == CHANNEL
    assert "Executive stakeholders (45 min)" in text
    assert "Welcome and purpose 5 min" in text and "Value and strategy 25 min" in text
    # overall 1.6 (Level 2), target Level 3 at 2.5: People & Process 2.5 x 0.30 = 0.75, Deployment & Serving
    # 1.5 x 0.25 = 0.375; Model Development and Monitoring at 3 are above it
    # People & Process maps onto Automation & Workflows and Governance & Compliance
    assert "Automation & Workflows, Governance & Compliance, Deployment & Serving" in text
    assert "weakest first: People &amp; Process, Deployment &amp; Serving." in blocks
    assert "How much of your ML workflow runs without manual steps?" in blocks
    assert "How are model ownership, approval and risk review handled?" in blocks
    assert "How does a new model version get deployed to production?" in blocks
    assert "0–5 min" in blocks and "40–45 min" in blocks


def test_session_without_assessment_and_unknown_kind(business: Running) -> None:
    r = business
    r.slack.add_channel(OTHER_CHANNEL, "data-science", members=list(MEMBERS))
    response = r.driver.slash("session data-science", user_id=DAN, channel_id=OTHER_CHANNEL)
    assert response.status == 200
    posted = r.slack.wait_for("chat.postMessage")[0].params
    blocks = json.dumps(posted["blocks"], ensure_ascii=False)
    assert posted["channel"] == OTHER_CHANNEL
    assert "Data science team (90 min)" in posted["text"]
    assert "no finished assessment" in blocks
    assert "Feature Engineering" in posted["text"] and "Model Development" in posted["text"]

    for text, problem in [("session board", "`board`"), ("session", "Which session?")]:
        body = r.driver.slash(text, user_id=DAN, channel_id=OTHER_CHANNEL).json()
        assert problem in body["text"]
        for kind in ("executive", "technical", "data-science", "ml-engineering", "platform"):
            assert f"`{kind}`" in body["text"]
        assert body.get("response_type", "ephemeral") == "ephemeral"
    time.sleep(0.2)
    assert len(r.slack.calls_to("chat.postMessage")) == 1

    # other subcommands still reach the main /maturity listener
    body = r.driver.slash("launch", user_id=DAN, channel_id=OTHER_CHANNEL).json()
    assert "launch" in body["text"] and "/maturity assess" in body["text"]


def test_the_report_carries_the_business_case(business: Running) -> None:
    from bot.reports import build_report, render_html, render_markdown
    from tests.bot.test_assessment_flow import _assess

    r = business
    _assess(r)
    r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL)
    r.slack.wait_for("chat.postMessage", count=6)
    view = _open_modal(r, "roi", CAT, 1)
    form = {
        "case_name": "Feature store",
        "investment": "100k",
        "y1_productivity": "60k",
        "y2_productivity": "70k",
        "y3_productivity": "90k",
        "running_cost": "10k",
        "rate": "10%",
    }
    assert _submit(r, CAT, view, form) is None
    r.slack.wait_for("chat.postMessage", count=7)
    report = build_report(r.db, TEAM, CHANNEL)
    assert report is not None
    markdown = render_markdown(report)
    # net 50k, 60k, 80k at 10%: NPV = -100 + 45.4545 + 49.5868 + 60.1052 = 55.1466k
    assert "## Business case" in markdown and "NPV over 3 years 55,147" in markdown
    assert "Business case" in render_html(report)
