"""conversations.business_case: the data files, the forms' checks, the discovery-session focus, and the
service on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conversations import business_case as biz
from conversations.assessments import AssessmentService
from conversations.business_case import (
    CRITERIA_FILE,
    MAX_PLATFORMS,
    SESSION_KINDS,
    SESSIONS_FILE,
    BusinessService,
    FormErrors,
    discovery_focus,
    get_criteria,
    get_sessions,
    load_criteria,
    load_sessions,
    parse_amount,
    parse_rate,
    parse_roi_form,
    validate_platform_form,
)
from conversations.frameworks import FrameworkFileError, get_framework
from storage import evaluations as store
from storage.db import Database
from tests.conversations.test_frameworks import NEAR_COPY, SEEDS, _normalise, _seed_lines, _similar

WS, OTHER_WS = "T0000001", "T0000002"
CHANNEL = "C0TEAM001"

SEED_CRITERIA = [
    (
        "Technical Capabilities",
        0.40,
        [
            "Feature engineering and data processing",
            "Model development and experimentation",
            "Deployment and serving options",
            "Monitoring and observability",
            "Automation and workflow management",
        ],
    ),
    (
        "Business Value",
        0.25,
        [
            "Time-to-value and productivity gains",
            "Cost optimization opportunities",
            "Risk mitigation and compliance",
            "Competitive advantage potential",
        ],
    ),
    (
        "Operational Factors",
        0.20,
        [
            "Ease of adoption and migration",
            "Integration with existing systems",
            "Support and professional services",
            "Community and ecosystem strength",
        ],
    ),
    (
        "Strategic Alignment",
        0.15,
        [
            "Long-term platform vision",
            "Innovation and differentiation",
            "Vendor relationship and partnership",
            "Exit strategy and flexibility",
        ],
    ),
]


def raw(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any, name: str) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --- the shipped files -----------------------------------------------------------------------------


def test_criteria_are_seed_004s() -> None:
    spec = get_criteria()
    assert [(c.name, c.weight, [s.name for s in c.sub_criteria]) for c in spec.criteria] == SEED_CRITERIA
    assert sum(c.weight for c in spec.criteria) == pytest.approx(1)
    assert len(spec.sub_ids) == 17
    assert sorted(load_criteria().scale) == [1, 2, 3, 4, 5]


def test_sessions_are_seed_004s() -> None:
    sessions = get_sessions().sessions
    assert [(s.kind, s.minutes) for s in sessions] == [
        ("executive", 45),
        ("technical", 90),
        ("data-science", 90),
        ("ml-engineering", 90),
        ("platform", 60),
    ]
    assert tuple(s.kind for s in sessions) == SESSION_KINDS
    discovery = {d.id for d in get_framework("discovery").dimensions}
    for s in sessions:
        assert sum(sec.minutes for sec in s.sections) == s.minutes
        assert set(s.covers) <= discovery
    assert [sec.minutes for sec in get_sessions().get("executive").sections] == [5, 25, 10, 5]
    assert [sec.minutes for sec in get_sessions().get("platform").sections] == [25, 20, 10, 5]


def test_agenda_texts_are_written_not_pasted_from_the_seed() -> None:
    if not SEEDS.is_dir() or not any(SEEDS.glob("*.txt")):
        pytest.skip("seed documents not found next to the repository")
    seed = _seed_lines()
    ours = [(f"{s.kind} focus", s.focus) for s in get_sessions().sessions]
    for s in get_sessions().sessions:
        for sec in s.sections:
            ours.append((f"{s.kind} section", sec.title))
            ours += [(f"{s.kind}/{sec.title} item", item) for item in sec.items]
    ours += [(f"hint {c.id}", s.hint or "") for c in load_criteria().criteria for s in c.sub_criteria]
    pasted = []
    for where, text in ours:
        mine = _normalise(text)
        if len(mine.split()) >= 3 and mine in seed:
            pasted.append(f"{where}: {text!r} equals a seed line")
        elif len(mine.split()) >= 5 and any(_similar(mine, line) >= NEAR_COPY for line in seed):
            pasted.append(f"{where}: {text!r} is a near-copy of a seed line")
    assert not pasted, "\n".join(pasted)


# --- broken files name the file and the field ------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["criteria"][0].__setitem__("weight", 0.35), "criteria: weights sum to 0.95, expected 1"),
        (
            lambda d: d["criteria"][1]["sub_criteria"][0].__setitem__("hnt", "x"),
            "criteria[1].sub_criteria[0].hnt: unknown key 'hnt' (did you mean 'hint'?)",
        ),
        (
            lambda d: d["criteria"][2]["sub_criteria"][1].__setitem__("id", "tech-features"),
            "criteria[2].sub_criteria[1].id: duplicate id 'tech-features'",
        ),
        (
            lambda d: d["criteria"][3].__setitem__("weight", "0.15"),
            "criteria[3].weight: Input should be a valid number",
        ),
        (lambda d: d["scale"].pop(5), "scale: needs one label for each score 1–5"),
        (lambda d: d["criteria"][0].pop("name"), "criteria[0].name: required key is missing"),
    ],
)
def test_broken_criteria_file(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = raw(CRITERIA_FILE)
    mutate(data)
    path = write(tmp_path, data, "platform-criteria.yml")
    with pytest.raises(FrameworkFileError) as info:
        load_criteria(path)
    assert str(info.value).startswith(f"{path}: ")
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["sessions"][0]["sections"][0].__setitem__("minutes", 10),
            "sessions[0].sections: section minutes add up to 50, but the session lasts 45",
        ),
        (
            lambda d: d["sessions"][1].__setitem__("kind", "executive"),
            "sessions[1].kind: duplicate kind 'executive'",
        ),
        (
            lambda d: d["sessions"][2].__setitem__("covers", ["feature-engineering", "ml-ops"]),
            "sessions[2].covers[1]: unknown discovery dimension 'ml-ops'",
        ),
        (lambda d: d["sessions"][3]["sections"][1].__setitem__("items", []), "sessions[3].sections[1].items"),
    ],
)
def test_broken_sessions_file(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = raw(SESSIONS_FILE)
    mutate(data)
    path = write(tmp_path, data, "sessions.yml")
    with pytest.raises(FrameworkFileError) as info:
        load_sessions(path)
    assert str(info.value).startswith(f"{path}: ")
    assert expected in str(info.value)


# --- commands and forms ----------------------------------------------------------------------------


def test_platform_form_checks() -> None:
    spec = get_criteria()
    good = {s: "3" for s in spec.sub_ids}
    assert validate_platform_form(spec, "  Vertex   AI ", good) == ("Vertex AI", {s: 3 for s in spec.sub_ids})
    with pytest.raises(FormErrors) as info:
        validate_platform_form(spec, "   ", dict(good, **{"tech-serving": None, "strat-exit": "9"}))
    assert set(info.value.errors) == {"platform", "tech-serving", "strat-exit"}
    assert "Name the platform" in info.value.errors["platform"]
    with pytest.raises(FormErrors) as info:
        validate_platform_form(spec, "x" * 61, good)
    assert "60 characters" in info.value.errors["platform"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250000", 250_000),
        ("250,000", 250_000),
        ("250 000", 250_000),
        ("$250k", 250_000),
        ("1.2m", 1_200_000),
        ("€ 99.5", 99.5),
        ("", 0),
        ("0", 0),
        ("-5", -5),
        ("1_000 USD", 1000),
    ],
)
def test_parse_amount(text: str, value: float) -> None:
    assert parse_amount(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "12x", "1.2.3", "k", "1e400", "--5", "nan", "inf"])
def test_parse_amount_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_parse_rate() -> None:
    assert parse_rate("10") == pytest.approx(0.10)
    assert parse_rate("7.5 %") == pytest.approx(0.075)
    assert parse_rate("0") == 0
    assert parse_rate("100%") == pytest.approx(1.0)
    for bad in ("", "-1", "100.5", "150", "ten", "nan"):
        with pytest.raises(ValueError):
            parse_rate(bad)


ROI_FORM = {
    "case_name": " Feature store ",
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
    "rate": "10",
}


def test_roi_form_reads_the_worked_case() -> None:
    inputs = parse_roi_form(ROI_FORM)
    assert inputs.name == "Feature store"
    assert inputs.net_benefits == (50_000, 70_000, 90_000)
    assert inputs.rate == pytest.approx(0.10)
    assert biz.RoiInputs.from_json(inputs.to_json()) == inputs
    assert parse_roi_form({"investment": "1", "rate": "5"}).net_benefits == (0, 0, 0)  # empty benefits are 0


def test_roi_form_errors_name_each_bad_field() -> None:
    bad = dict(ROI_FORM, investment="-100", y2_revenue="lots", running_cost="-1", rate="150")
    with pytest.raises(FormErrors) as info:
        parse_roi_form(bad)
    errors = info.value.errors
    assert set(errors) == {"investment", "y2_revenue", "running_cost", "rate"}
    assert "negative" in errors["investment"]
    assert "not a number" in errors["y2_revenue"]
    assert "between 0 and 100" in errors["rate"]
    with pytest.raises(FormErrors) as info:
        parse_roi_form(dict(ROI_FORM, investment="", rate=""))
    assert set(info.value.errors) == {"investment", "rate"}
    with pytest.raises(FormErrors) as info:
        parse_roi_form(dict(ROI_FORM, investment="0"))
    assert "more than 0" in info.value.errors["investment"]


# --- discovery focus -------------------------------------------------------------------------------


def test_discovery_focus_maps_maturity_levels_dimensions() -> None:
    assert discovery_focus("maturity-levels", ["people-process", "deployment-serving"]) == (
        "automation-workflows",
        "governance-compliance",
        "deployment-serving",
    )
    # duplicates dropped, at most three
    assert discovery_focus("maturity-levels", ["monitoring-operations", "people-process", "model-development"]) == (
        "monitoring-observability",
        "automation-workflows",
        "governance-compliance",
    )
    assert discovery_focus("discovery", ["business-value", "feature-engineering"]) == (
        "business-value",
        "feature-engineering",
    )
    assert discovery_focus("maturity-levels", []) == ()
    mapped = {t for targets in biz.MATURITY_TO_DISCOVERY.values() for t in targets}
    assert mapped <= {d.id for d in get_framework("discovery").dimensions}
    assert set(biz.MATURITY_TO_DISCOVERY) == {d.id for d in get_framework("maturity-levels").dimensions}


# --- the service on a database ---------------------------------------------------------------------


def _scores(value: int = 3, **overrides: int) -> dict[str, str]:
    return {s: str(overrides.get(s.replace("-", "_"), value)) for s in get_criteria().sub_ids}


def _form(
    service: BusinessService, workspace: str = WS, user: str = "U1", platform: str | None = None
) -> biz.PlatformForm:
    return service.platform_form(
        workspace_id=workspace, channel_id=CHANNEL, channel_name="ml", user_id=user, platform=platform
    )


def test_platform_scores_are_stored_replaced_and_scoped(db: Database) -> None:
    service = BusinessService(db)
    form = _form(service)
    assert form.previous == {} and form.platform is None
    saved = service.submit_platform_scores(
        workspace_id=WS, evaluation_id=form.evaluation_id, user_id="U1", platform="Vertex AI", raw_scores=_scores(2)
    )
    assert not saved.replaced
    again = service.submit_platform_scores(
        workspace_id=WS, evaluation_id=form.evaluation_id, user_id="U1", platform="vertex ai", raw_scores=_scores(4)
    )
    assert again.replaced
    with db.session() as s:
        rows = store.list_platform_scores(s, WS, form.evaluation_id)
        assert len(rows) == 1 and json.loads(rows[0].scores_json)["tech-features"] == 4
    # the form for that platform comes back with the member's scores
    prefilled = _form(service, platform="VERTEX AI")
    assert prefilled.evaluation_id == form.evaluation_id
    assert prefilled.platform == "vertex ai" and prefilled.previous["strat-exit"] == 4
    latest = service.latest_comparison(WS, CHANNEL)
    assert latest is not None and [p.name for p in latest.comparison.ranked] == ["vertex ai"]
    assert latest.comparison.ranked[0].score == pytest.approx(4.0)
    # another workspace sees nothing, and cannot write into this round
    assert service.latest_comparison(OTHER_WS, CHANNEL) is None
    with pytest.raises(LookupError):
        service.submit_platform_scores(
            workspace_id=OTHER_WS, evaluation_id=form.evaluation_id, user_id="U9", platform="X", raw_scores=_scores()
        )
    with db.session() as s:
        assert store.get_evaluation(s, OTHER_WS, form.evaluation_id) is None
        assert store.list_platform_scores(s, OTHER_WS, form.evaluation_id) == []


def test_invalid_platform_submission_stores_nothing(db: Database) -> None:
    service = BusinessService(db)
    form = _form(service)
    with pytest.raises(FormErrors):
        service.submit_platform_scores(
            workspace_id=WS,
            evaluation_id=form.evaluation_id,
            user_id="U1",
            platform="",
            raw_scores=_scores(),
        )
    with db.session() as s:
        assert store.list_platform_scores(s, WS, form.evaluation_id) == []
    assert service.latest_comparison(WS, CHANNEL) is None


def test_a_comparison_holds_at_most_max_platforms(db: Database) -> None:
    service = BusinessService(db)
    form = _form(service)
    for i in range(MAX_PLATFORMS):
        service.submit_platform_scores(
            workspace_id=WS, evaluation_id=form.evaluation_id, user_id="U1", platform=f"P{i}", raw_scores=_scores()
        )
    with pytest.raises(FormErrors) as info:
        service.submit_platform_scores(
            workspace_id=WS, evaluation_id=form.evaluation_id, user_id="U1", platform="One more", raw_scores=_scores()
        )
    assert "platforms new" in info.value.errors["platform"]
    # re-scoring one already in the comparison is fine
    service.submit_platform_scores(
        workspace_id=WS, evaluation_id=form.evaluation_id, user_id="U2", platform="p0", raw_scores=_scores()
    )


def test_a_new_comparison_keeps_the_old_one_until_scored(db: Database) -> None:
    service = BusinessService(db)
    first = _form(service).evaluation_id
    service.submit_platform_scores(
        workspace_id=WS, evaluation_id=first, user_id="U1", platform="Old", raw_scores=_scores()
    )
    second = service.new_comparison(workspace_id=WS, channel_id=CHANNEL, channel_name="ml", user_id="U1")
    assert second != first and _form(service).evaluation_id == second
    latest = service.latest_comparison(WS, CHANNEL)
    assert latest is not None and latest.evaluation_id == first  # the new round has no scores yet
    service.submit_platform_scores(
        workspace_id=WS, evaluation_id=second, user_id="U1", platform="New", raw_scores=_scores()
    )
    latest = service.latest_comparison(WS, CHANNEL)
    assert latest is not None and latest.evaluation_id == second


def test_publish_records_the_message(db: Database) -> None:
    service = BusinessService(db)
    evaluation = _form(service).evaluation_id
    service.submit_platform_scores(
        workspace_id=WS, evaluation_id=evaluation, user_id="U1", platform="A", raw_scores=_scores()
    )
    seen = []
    view = service.publish_comparison(WS, evaluation, lambda v: seen.append(v) or (v.channel_id, "123.456"))
    assert view.message_ts is None and seen[0].channel_id == CHANNEL
    again = service.publish_comparison(WS, evaluation, lambda v: None)
    assert again.message_ts == "123.456"
    assert service.publish_comparison(WS, evaluation, lambda v: None, fresh=True).message_ts is None


def test_business_cases_are_kept_per_team(db: Database) -> None:
    service = BusinessService(db)
    assert service.latest_business_case(WS, CHANNEL) is None
    inputs = parse_roi_form(ROI_FORM)
    saved = service.save_business_case(
        workspace_id=WS, channel_id=CHANNEL, channel_name="ml", user_id="U1", inputs=inputs
    )
    latest = service.latest_business_case(WS, CHANNEL)
    assert latest is not None and latest.id == saved.id and latest.inputs == inputs
    assert latest.summary.npv == pytest.approx(saved.summary.npv)
    assert service.latest_business_case(OTHER_WS, CHANNEL) is None


def _finished_maturity_assessment(db: Database, levels: dict[str, int]) -> None:
    """Open, answer (one member, every question of a dimension at the given level) and finish."""
    assessments = AssessmentService(db)
    assessment, framework = assessments.open(
        workspace_id=WS, channel_id=CHANNEL, channel_name="ml", user_id="U1", framework_id="maturity-levels"
    )
    for dim in framework.dimensions:
        for q in dim.questions:
            assessments.answer_button(
                workspace_id=WS,
                channel_id=CHANNEL,
                assessment_id=assessment.id,
                question_id=q.id,
                level=levels[dim.id],
                user_id="U1",
            )
    assessments.finish(workspace_id=WS, channel_id=CHANNEL, user_id="U1", member_count=1)


def test_session_plan_without_an_assessment_uses_the_sessions_dimensions(db: Database) -> None:
    plan = BusinessService(db).session_plan(WS, CHANNEL, "data-science")
    assert plan.basis == "coverage" and plan.assessment_id is None
    assert [f.id for f in plan.focus] == ["feature-engineering", "model-development"]
    assert plan.focus[0].questions == tuple(
        q.prompt for q in get_framework("discovery").dimension("feature-engineering").questions
    )
    with pytest.raises(biz.UnknownSessionKind):
        BusinessService(db).session_plan(WS, CHANNEL, "board")


def test_session_plan_follows_the_weakest_dimensions(db: Database) -> None:
    # weakest by (next level's lower bound - score) x weight: People & Process 0.5 x 0.30 = 0.15,
    # Deployment 0.5 x 0.25 (score 1) before Model Development 0.5 x 0.25 (score 3), Monitoring 0.10.
    _finished_maturity_assessment(
        db,
        {"people-process": 0, "model-development": 3, "deployment-serving": 1, "monitoring-operations": 3},
    )
    plan = BusinessService(db).session_plan(WS, CHANNEL, "executive")
    assert plan.basis == "weakest"
    # People & Process gives two discovery dimensions, Deployment & Serving the third
    assert plan.weakest_names == ("People & Process", "Deployment & Serving")
    assert [f.id for f in plan.focus] == ["automation-workflows", "governance-compliance", "deployment-serving"]
    assert plan.session.minutes == 45
