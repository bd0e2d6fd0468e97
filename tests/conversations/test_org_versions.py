"""The organisation view of teams on two versions of one framework whose scales differ: nothing
is compared across the scales — no change, no percentile, no median — and the note says why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from conversations import frameworks as fw
from conversations.org import OrgService
from storage import clock
from storage.db import Database
from tests.org_seed import seed_assessment

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-framework.yml"
TEAM = "T0VERSION1"
MOVED, STAYED = "C0MOVED01", "C0STAYED1"
PEOPLE = ("U0A1", "U0A2", "U0A3")


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "llm-serving.yml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    fw.use_frameworks_dir(tmp_path)
    yield tmp_path
    fw.use_frameworks_dir(None)


def four_levels(folder: Path) -> None:
    """v2 of llm-serving: every question kept, on a 1–4 scale instead of 1–3."""
    v2 = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    v2.update(version=2, scale={"min": 1, "max": 4})
    v2["levels"].append({"value": 4, "name": "Leading", "summary": "Others copy how the team does it"})
    for dim in v2["dimensions"]:
        for q in dim["questions"]:
            q["anchors"][4] = f"{q['id']}, done as others copy it"
    v2["previous"] = {"version": 1, "questions": {q: "same" for q in fw.get_framework("llm-serving").question_ids}}
    (folder / "llm-serving-v2.yml").write_text(yaml.safe_dump(v2, sort_keys=False), encoding="utf-8")
    fw.use_frameworks_dir(folder)
    assert fw.get_framework("llm-serving").scale.max == 4


def test_a_new_scale_is_never_compared_with_the_old_one(db: Database, folder: Path) -> None:
    now = clock.now()
    for channel, level in ((MOVED, 1), (STAYED, 2)):
        seed_assessment(db, TEAM, channel, channel.lower(), dict.fromkeys(PEOPLE, level),
                        framework_id="llm-serving", closed_at=now - timedelta(days=200))  # fmt: skip
    four_levels(folder)
    seed_assessment(db, TEAM, MOVED, "moved", dict.fromkeys(PEOPLE, 4), framework_id="llm-serving",
                    closed_at=now - timedelta(days=1))  # fmt: skip

    view = OrgService(db).view(TEAM, now=now)
    (group,) = view.groups
    assert (group.scale_min, group.scale_max) == (1, 4)
    moved = next(t for t in view.teams if t.channel_id == MOVED)
    stayed = next(t for t in view.teams if t.channel_id == STAYED)
    assert moved.overall == 4.0 and moved.delta is None and moved.delta_versions == (1, 2)
    assert moved.delta_note == "v2 and v1 use different scales: scores are not compared"
    assert view.most_improved == () and view.most_declined == ()
    # Percentiles: the team still on the 1–3 scale is not ranked against the 1–4 one.
    assert {c.percentile for c in stayed.dimensions} == {None}
    assert {c.percentile for c in moved.dimensions} == {50.0}  # alone on its scale
    # The median per quarter counts only assessments on the group's scale: v2's one.
    assert [(m.median, m.teams) for m in group.medians] == [(4.0, 1)]
