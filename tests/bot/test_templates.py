"""Every message template renders with sample data, through the builders that use it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

import bot.messages as messages
from bot.templating import environment, message_templates
from conversations.assessments import DimensionProgress, Result, Status, TeamOverview, ThreadAnswer
from conversations.frameworks import get_framework, get_frameworks, get_roadmaps
from scoring import reference_level, score, select_roadmap
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
    out.append(messages.help_message(get_frameworks().values()))
    out.append(messages.usage_message("Tell me what to do."))
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
    return out


def test_every_message_template_renders_with_sample_data(monkeypatch: pytest.MonkeyPatch) -> None:
    used: set[str] = set()
    original = messages.part

    def spy(template: str, macro: str, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        used.add(template)
        return original(template, macro, *args, **kwargs)

    monkeypatch.setattr(messages, "part", spy)
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
