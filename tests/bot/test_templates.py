"""Every message template renders with sample data, through the builders that use it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

import bot.digests as digests
import bot.listeners.views as business
import bot.messages as messages
import bot.templating as templating
from bot.listeners.commands import registry
from bot.templating import environment, message_templates
from conversations.assessments import DimensionLeft, DimensionProgress, Result, Status, TeamOverview, ThreadAnswer
from conversations.business_case import (
    DISCOVERY_FRAMEWORK,
    BusinessCaseView,
    ComparisonView,
    FocusDimension,
    PlatformForm,
    RoiInputs,
    SessionPlan,
    YearBenefits,
    get_criteria,
    get_sessions,
)
from conversations.frameworks import get_framework, get_frameworks, get_roadmaps
from conversations.schedules import ScheduleSnapshot
from scoring import reference_level, score, select_roadmap
from scoring.platforms import Submission, compare_platforms
from scoring.types import Answer

WHEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _result(framework_id: str, with_previous: bool) -> Result:
    fw = get_framework(framework_id)
    spec = fw.spec()
    low, high = fw.scale.min, fw.scale.max
    answers = [Answer("U1", q, low + 1) for q in spec.question_ids] + [
        Answer("U2", q, high if i % 3 == 0 else None) for i, q in enumerate(spec.question_ids)
    ]
    current = score(spec, answers, member_count=3)
    previous = score(spec, [Answer("U1", q, low) for q in spec.question_ids]) if with_previous else None
    assessment = SimpleNamespace(id=7, closed_at=WHEN, opened_at=WHEN, threads=[])
    return Result(
        assessment=assessment,  # type: ignore[arg-type]
        framework=fw,
        spec=spec,
        score=current,
        roadmap=select_roadmap(get_roadmaps(), reference_level(spec, current.level)),
        previous=previous,
        previous_assessment=SimpleNamespace(id=6, closed_at=WHEN) if with_previous else None,  # type: ignore[arg-type]
        comments=(),
    )


def render_everything() -> list[messages.Message | dict | str]:
    out: list = []
    for fw in get_frameworks().values():
        dim = fw.dimensions[0]
        progress = DimensionProgress(dim.id, "1.1", 2, {q.id: 2 for q in dim.questions})
        out.append(messages.intro_message(fw, "U1", 7))
        out.append(messages.intro_message(fw, None, 7))
        for closed in (False, True):
            out.append(messages.dimension_message(fw, dim, 1, 7, progress, closed=closed))
            out.append(messages.dimension_message(fw, dim, 1, 7, None, closed=closed))
        answer = ThreadAnswer(7, dim, fw, {dim.questions[0].id: fw.scale.min, dim.questions[1].id: None}, "evidence")
        out.append(messages.answer_confirmation(answer))
        assessment = SimpleNamespace(id=7, opened_at=WHEN)
        status = Status(assessment, fw, frozenset({"U1"}), (progress,))  # type: ignore[arg-type]
        for anonymous in (False, True):
            out.append(messages.status_message(status, ["U1", "U2"], anonymous=anonymous))
        out.append(messages.status_message(status, ["U1"]))
        out.append(messages.status_message(status, None))
        for with_previous in (False, True):
            result = _result(fw.id, with_previous)
            out.append(messages.summary_message(result))
            out.append(messages.roadmap_message(result))
        closed = SimpleNamespace(id=3, framework_id=fw.id, overall=1.5, level=fw.scale.min + 1, closed_at=WHEN)
        out.append(messages.history_message([closed], get_frameworks()))
        overview = TeamOverview("C1", "ml", fw.id, True, (closed,), None)  # type: ignore[arg-type]
        out.append(messages.home_view([overview], get_frameworks()))
    out.append(messages.history_message([], get_frameworks()))
    out.append(messages.home_view([], get_frameworks()))
    out.append(messages.home_view([], get_frameworks(), None, ["C2", "C3"]))
    out.append(messages.help_message(registry.usage_lines(), get_frameworks().values()))
    out.append(messages.usage_message("Tell me what to do.", registry.usage_lines()))
    for anonymous in (False, True):
        out.append(messages.settings_message("ml", anonymous, changed=anonymous))
    out.append(messages.unreadable_reply("explanation"))
    out.append(messages.not_recorded("closed", "reply"))
    out.append(messages.reply("already_open", 7, "maturity-levels", "U1", WHEN))
    for name, args in [
        ("cannot_post", ("not_in_channel",)),
        ("closed_no_summary", ("x",)),
        ("cancelled", (7,)),
        ("no_open", ()),
        ("no_result", ()),
    ]:
        out.append(messages.reply(name, *args))
    out.append(messages.reply_home("already_open", "C1", 7))
    out.append(messages.reply_home("unreachable", "C1", "not_in_channel"))
    out.append(messages.schedule_modal("C1", "Quarterly check-ins, next on 2027-01-01."))
    out.append(messages.schedule_modal("C1", None))
    out += render_scheduled()
    out += render_business()
    return out


def _schedule(**changes: object) -> ScheduleSnapshot:
    fields = {
        "workspace_id": "T1",
        "team_id": 1,
        "channel_id": "C1",
        "channel_name": "ml",
        "framework_id": "maturity-levels",
        "checkin_cron": "0 9 1 1,4,7,10 *",
        "checkin_label": "quarterly",
        "digest_cron": "0 9 1 * *",
        "timezone": "Europe/Berlin",
        "reminder_enabled": True,
        "reminder_after_hours": 48,
        "close_after_hours": 168,
        "reminder_hours_start": 9,
        "reminder_hours_end": 17,
        "paused": False,
        "paused_reason": None,
        "created_by": "U1",
        "updated_at": WHEN,
    }
    return ScheduleSnapshot(**(fields | changes))  # type: ignore[arg-type]


def render_scheduled() -> list[messages.Message | str]:
    """The change summary, the roadmap digest, the reminder, the schedule confirmation and status line."""
    out: list = []
    for fw in get_frameworks().values():
        result = _result(fw.id, with_previous=True)
        out.append(digests.change_summary_message(result))
        for days in (0, 1, 120):  # closed today, yesterday, long ago (suggests a new assessment)
            out.append(digests.digest_message(fw, result, WHEN + timedelta(days=days)))
        out.append(digests.digest_message(fw, _result(fw.id, with_previous=False), WHEN))
        out.append(digests.digest_message(fw, None, WHEN))
        out.append(digests.reminder_text(["U1", "U2"], 7, fw, closes_at=WHEN, timezone="Europe/Berlin"))
        out.append(digests.reminder_text(["U1"], SimpleNamespace(id=7), fw))  # type: ignore[arg-type]
        left = [DimensionLeft(d.id, d.name, "1.1", 1, len(d.questions)) for d in fw.dimensions[:2]]
        out.append(digests.reminder_text(["U1"], 7, fw, left, links={fw.dimensions[0].id: "https://x.slack.com/a"}))
    for changes in (
        {},
        {"channel_name": None, "checkin_cron": "0 9 * * mon", "checkin_label": "cron", "reminder_enabled": False},
        {"checkin_cron": None},
        {"checkin_cron": None, "digest_cron": None},
        {"paused": True, "paused_reason": "not_in_channel"},
    ):
        snapshot = _schedule(**changes)
        for changed in (True, False):
            out.append(digests.schedule_confirmation(snapshot, WHEN, changed=changed))
        out.append(digests.next_run_line(snapshot, WHEN))
    out.append(digests.next_run_line(None, WHEN))
    out += [digests.signed(x) for x in (None, 0.25, -0.004, -1.5)]
    return out


def render_business() -> list[messages.Message | dict | str]:
    """/maturity platforms, roi and session: modals, messages, App Home lines and short answers."""
    out: list = []
    spec = get_criteria()
    subs = spec.sub_ids
    form = PlatformForm(1, spec, "Vertex AI", {subs[0]: 4})
    out.append(business.platform_modal(form, channel_id="C1", channel_name="ml"))
    out.append(business.platform_modal(PlatformForm(1, spec, None), channel_id="D1", channel_name=None))
    comparison = compare_platforms(
        spec,
        [
            Submission("U1", "Vertex AI", {s: 4 for s in subs} | {subs[0]: 2}),
            Submission("U2", "vertex ai", {s: 3 for s in subs} | {subs[0]: 5}),
            Submission("U1", "SageMaker & co", {s: 3 for s in subs}),
        ],
    )
    view = ComparisonView(1, "C1", comparison, 3, WHEN, None, None)
    empty = ComparisonView(2, "C1", compare_platforms(spec, []), 0, WHEN, None, None)
    for v in (view, empty):
        out.append(business.comparison_message(v))
        out.append(business.comparison_summary_text(v, top=1))
    out.append(business.roi_modal(channel_id="C1", channel_name="ml"))
    cases = []
    for name, benefits, running in (("Feature store", (40_000, 60_000, 80_000), 5_000), (None, (0, 0, 0), 0)):
        inputs = RoiInputs(100_000, tuple(YearBenefits(b, b / 2, b / 4) for b in benefits), running, 0.1, name)
        case = BusinessCaseView(5, inputs, inputs.summary(), "U1" if name else None, WHEN)
        cases.append(case)
        out.append(business.roi_message(case))
        out.append(business.business_case_summary_text(case))
    for latest_view, latest_case in ((view, cases[0]), (empty, None)):
        service = SimpleNamespace(
            latest_comparison=lambda w, c, v=latest_view: v, latest_business_case=lambda w, c, k=latest_case: k
        )
        if home := business.business_home_text(service, "T1", "C1"):  # type: ignore[arg-type]
            out.append(home)
    discovery = get_framework(DISCOVERY_FRAMEWORK)
    focus = tuple(FocusDimension(d.id, d.name, tuple(q.prompt for q in d.questions)) for d in discovery.dimensions[:2])
    session = get_sessions().sessions[0]
    for plan in (
        SessionPlan(session, focus, "weakest", 7, "MLOps maturity levels", ("People & Process",), WHEN),
        SessionPlan(session, focus, "coverage", 7, "MLOps maturity levels", (), WHEN),
        SessionPlan(session, focus, "coverage"),
    ):
        out.append(business.session_message(plan))
    out.append(business.session_usage())
    out.append(business.session_usage(business.reply("session", "unknown_kind", "retro")))
    for template, name, args in [
        ("session", "which", ()),
        ("session", "just_for_you", ("not_in_channel", "Discovery session agenda")),
        ("roi", "no_arguments", ("x", registry.BY_NAME["roi"].line)),
        ("roi", "form_out_of_date", ()),
        ("platforms", "new_comparison", ("U1",)),
        ("platforms", "no_scores", ()),
        ("platforms", "saved", (True, "Vertex AI", 3.725)),
        ("platforms", "saved", (False, "Vertex AI", None)),
        ("platforms", "form_out_of_date", ()),
        ("platforms", "comparison_gone", ()),
        ("business", "open_failed", ("expired_trigger_id",)),
        ("business", "not_posted", ("C1", "not_in_channel", True, "Platform comparison")),
        ("business", "not_posted", ("C1", "ratelimited", False, "Platform comparison")),
    ]:
        out.append(business.reply(template, name, *args))
    return out


def test_every_message_template_renders_with_sample_data(monkeypatch: pytest.MonkeyPatch) -> None:
    used: set[str] = set()
    original = templating.part

    def spy(template: str, macro: str, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        used.add(template)
        return original(template, macro, *args, **kwargs)

    for builders in (messages, digests, business):
        monkeypatch.setattr(builders, "part", spy)
    rendered = render_everything()
    assert set(message_templates()) <= used | {"report"}, set(message_templates()) - used
    for item in rendered:
        text = item if isinstance(item, str) else json.dumps(item if isinstance(item, dict) else item.blocks)
        assert "Undefined" not in text and "{{" not in text and "{%" not in text
        if isinstance(item, messages.Message):
            assert item.text.strip()  # a meaningful plain-text fallback
            assert len(item.blocks) <= messages.MAX_BLOCKS


def test_templates_parse_and_use_strict_undefined() -> None:
    env = environment()
    for name in message_templates():
        env.get_template(f"{name}.j2")  # syntax errors would raise here
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        messages.part("summary", "text", SimpleNamespace())  # a missing field is an error, not a blank
