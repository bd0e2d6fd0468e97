"""What the bot proposes after an assessment, and what a roadmap item's inputs must be."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.frameworks import get_framework, get_roadmaps
from conversations.plans import MAX_PROPOSALS, PlanError, check_draft, propose

FW = get_framework("maturity-levels")
ROADMAP_3 = next(r for r in get_roadmaps() if r.number == 3)
PRIORITIES = ["people-process", "monitoring-operations", "model-development"]


def test_proposals_are_the_next_roadmaps_focus_then_the_top_priorities_opportunities() -> None:
    proposals = propose(FW, ROADMAP_3.focus, PRIORITIES)
    assert [p.title for p in proposals[: len(ROADMAP_3.focus)]] == list(ROADMAP_3.focus)
    by_title = {p.title: p for p in proposals}
    assert by_title["Stand up a model serving platform"].dimension_id == "deployment-serving"  # its words
    assert by_title["Monitor live models, including drift"].dimension_id == "monitoring-operations"
    opportunities = [p for p in proposals if p.source == "opportunity"]
    assert [p.dimension_id for p in opportunities] == ["people-process"] * 2 + ["monitoring-operations"] * 2
    assert [p.title for p in opportunities] == [
        *FW.dimension("people-process").opportunities[:2],
        *FW.dimension("monitoring-operations").opportunities[:2],
    ]
    assert len(proposals) <= MAX_PROPOSALS


def test_proposals_leave_out_what_is_already_on_the_roadmap() -> None:
    existing = ["stand up a model serving platform ", FW.dimension("people-process").opportunities[0]]
    titles = [p.title for p in propose(FW, ROADMAP_3.focus, PRIORITIES, existing)]
    assert "Stand up a model serving platform" not in titles
    assert FW.dimension("people-process").opportunities[0] not in titles
    assert propose(FW, (), []) and all(p.source == "opportunity" for p in propose(FW, (), []))


TODAY = date(2030, 1, 10)


def _draft(**changes: str | None) -> object:
    fields: dict[str, str | None] = {
        "title": "Drift alerts",
        "dimension_id": "monitoring-operations",
        "owner_id": "U0BEN0002",
        "due_on": "2030-02-01",
        "link": None,
        "notes": None,
    }
    fields.update(changes)
    return check_draft(FW, today=TODAY, prefix="p0:", **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "p0:title", "Give the item a title."),
        ({"title": "x" * 151}, "p0:title", "Keep the title to 150 characters."),
        ({"dimension_id": "nope"}, "p0:dim", "Choose the dimension"),
        ({"due_on": "2030-01-09"}, "p0:due", "The due date 2030-01-09 is in the past."),
        ({"due_on": "soon"}, "p0:due", "That is not a date."),
        ({"link": "javascript:alert(1)"}, "p0:link", "http:// or https://"),
        ({"link": "ftp://tracker.example.com/1"}, "p0:link", "http:// or https://"),
        ({"link": "https://"}, "p0:link", "http:// or https://"),
        ({"link": "https://tracker.example.com/a b"}, "p0:link", "http:// or https://"),
        ({"link": "https://tracker.example.com/a|<!channel>"}, "p0:link", "http:// or https://"),
        ({"notes": "n" * 2001}, "p0:notes", "Keep the notes to 2000 characters."),
    ],
)
def test_a_draft_that_cannot_be_stored_names_its_field(changes: dict, field: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        _draft(**changes)
    assert caught.value.field == field and message in str(caught.value)


def test_a_good_draft_is_normalised() -> None:
    draft = _draft(title="  Drift   alerts ", link=" https://tracker.example.com/ML-1 ", due_on="2030-01-10", notes=" ")
    assert draft.title == "Drift alerts" and draft.link == "https://tracker.example.com/ML-1"  # type: ignore[attr-defined]
    assert draft.due_on == TODAY and draft.notes is None  # type: ignore[attr-defined]
    assert _draft(owner_id="not-a-user").owner_id is None  # type: ignore[attr-defined]
