"""A team's own questionnaire from FRAMEWORKS_DIR, run end to end over real HTTP: the app is started
with FRAMEWORKS_DIR set (read from the environment, as `maturity serve` reads it), then
`/maturity assess llm-serving`, buttons and typed replies on its 1–3 scale, `/maturity finish`."""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conversations import frameworks as fw
from storage import repo
from tests.conftest import CHANNEL, MEMBERS, TEAM, Running

ANA, BEN, CAT, _ = MEMBERS
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-framework.yml"


@pytest.fixture
def frameworks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "llm-serving.yml")
    eleven = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    eleven.update(id="nps-style", name="Zero to ten", scale={"min": 0, "max": 10})
    eleven["levels"] = [{"value": v, "name": f"Step {v}", "summary": f"Where step {v} is"} for v in range(11)]
    for dim in eleven["dimensions"]:
        for q in dim["questions"]:
            q["anchors"] = {v: f"{q['id']} at step {v}" for v in range(11)}
    (folder / "zero-to-ten.yaml").write_text(yaml.safe_dump(eleven, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("FRAMEWORKS_DIR", str(folder))
    yield folder
    fw.use_frameworks_dir(None)


@pytest.fixture
def custom(frameworks_dir: Path, running: Running) -> Running:
    return running


def _threads(r: Running, count: int) -> list[str]:
    posted = [m for m in r.slack.messages(CHANNEL) if m.is_bot and not m.thread_ts]
    _wait_stored(r, count)
    return [m.ts for m in posted[1 : 1 + count]]


def _wait_stored(r: Running, count: int) -> None:
    """A reply counts once its thread is stored, a moment after the dimension message is posted."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with r.db.session() as s:
            open_one = repo.get_open_assessment(s, TEAM, CHANNEL)
            if open_one is not None and len(open_one.threads) == count:
                return
        time.sleep(0.05)


def _click(r: Running, user: str, ts: str, question: str, level: int | None, aid: int) -> None:
    response = r.driver.click(
        user_id=user,
        channel_id=CHANNEL,
        message_ts=ts,
        action_id=f"answer:{question}:{'dk' if level is None else level}",
        value=json.dumps({"a": aid, "q": question, "l": level}),
        block_id=f"q:{question}",
    )
    assert response.status == 200


def test_a_custom_framework_end_to_end(custom: Running) -> None:
    r = custom
    assert r.driver.slash("assess llm-serving", user_id=ANA, channel_id=CHANNEL).status == 200
    posts = r.slack.wait_for("chat.postMessage", count=3)
    intro, delivery, operations = posts[:3]
    assert "1–3 scale" in json.dumps(intro.params["blocks"], ensure_ascii=False)
    assert "e.g. `3 2 3 3 prompts are versioned in Git`" in json.dumps(intro.params["blocks"], ensure_ascii=False)
    assert "Delivery" in delivery.params["text"] and "Operations" in operations.params["text"]
    # Buttons 1, 2, 3 and "?" on each question: the framework's own scale.
    actions = [b for b in delivery.params["blocks"] if b["type"] == "actions"]
    assert [[e["text"]["text"] for e in b["elements"]] for b in actions] == [["1", "2", "3", "?"]] * 2
    assert "Experimenting" not in delivery.params["text"]
    threads = _threads(r, 2)
    with r.db.session() as s:
        aid = repo.get_open_assessment(s, TEAM, CHANNEL).id

    # Ana types, Ben clicks, Cat answers one question with N=L.
    r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=threads[0], text="3 2 prompts live in Git")
    r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=threads[1], text="1 2")
    for question, level in [("prompt-versioning", 2), ("llm-evaluation", 1), ("llm-cost", 1), ("llm-latency", 3)]:
        _click(r, BEN, threads[0] if question.startswith(("prompt", "llm-eval")) else threads[1], question, level, aid)
    r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=threads[1], text="2=3")
    r.slack.wait_for("reactions.add", count=3, timeout=30)
    # A level off the 1–3 scale is explained with this framework's scale and an example, and changes nothing.
    r.driver.reply(user_id=CAT, channel_id=CHANNEL, thread_ts=threads[0], text="4 0")
    explained = r.slack.wait_for(
        "chat.postEphemeral", predicate=lambda c: "not a level here" in c.params.get("text", ""), timeout=30
    )[-1]
    # ... quoting this framework's own scale, with its level names, and its own example reply.
    assert (
        "Question 1: 4 is not a level here (levels go from 1 (Experimenting) to 3 (Operating))."
        in (explained.params["text"])
    )
    assert "e.g. `3 2 prompts are versioned in Git`" in explained.params["text"]
    assert "MLflow" not in explained.params["text"]

    with r.db.session() as s:
        stored = {(x.user_id, x.question_id): x.level for x in repo.list_responses(s, TEAM, aid)}
    assert len(stored) == 2 + 2 + 4 + 1

    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    summary = r.slack.wait_for("chat.postMessage", count=4, timeout=30)[3]
    text = summary.params["text"]
    delivery_score = ((3 + 2) / 2 + (2 + 1) / 2) / 2  # 2.0
    operations_score = ((1 + 1) / 2 + (2 + 3 + 3) / 3) / 2  # 1.83
    overall = 0.6 * delivery_score + 0.4 * operations_score  # 1.93
    assert f"overall {overall:.2f}" in text
    assert "Level 2 (Serving)" in text  # [1.5, 2.5) -> 2 on 1–3
    assert f"Delivery {delivery_score:.2f}" in text and f"Operations {operations_score:.2f}" in text
    blocks = json.dumps(summary.params["blocks"], ensure_ascii=False)
    assert "on 1–3" in blocks
    assert "Roadmap" not in blocks  # a framework without roadmaps shows none
    with r.db.session() as s:
        a = repo.get_assessment(s, TEAM, aid)
    assert (a.status, a.framework_id, a.framework_version, a.level) == ("closed", "llm-serving", 1, 2)


def test_a_0_to_10_scale_answers_with_a_menu_typed_replies_and_bands(custom: Running) -> None:
    r = custom
    assert r.driver.slash("assess nps-style", user_id=ANA, channel_id=CHANNEL).status == 200
    posts = r.slack.wait_for("chat.postMessage", count=3)
    assert "0–10 scale" in json.dumps(posts[0].params["blocks"], ensure_ascii=False)
    actions = [b for b in posts[1].params["blocks"] if b["type"] == "actions"]
    # 12 choices (0..10 and "?") would not fit a row of buttons: one menu per question instead.
    assert [[e["type"] for e in b["elements"]] for b in actions] == [["static_select"]] * 2
    options = actions[0]["elements"][0]["options"]
    assert [o["text"]["text"] for o in options] == [f"{v} Step {v}" for v in range(11)] + ["? don't know"]
    threads = _threads(r, 2)
    with r.db.session() as s:
        aid = repo.get_open_assessment(s, TEAM, CHANNEL).id
    picked = r.driver.select(
        user_id=BEN,
        channel_id=CHANNEL,
        message_ts=threads[0],
        action_id="answer:prompt-versioning:menu",
        value=json.dumps({"a": aid, "q": "prompt-versioning", "l": 9}),
        block_id="q:prompt-versioning",
    )
    assert picked.status == 200
    r.slack.wait_for("chat.postEphemeral", predicate=lambda c: c.params.get("user") == BEN, timeout=30)
    r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=threads[0], text="10 7 solid")
    r.driver.reply(user_id=ANA, channel_id=CHANNEL, thread_ts=threads[1], text="6,8")
    r.slack.wait_for("reactions.add", count=2, timeout=30)
    with r.db.session() as s:
        stored = {(x.user_id, x.question_id): x.level for x in repo.list_responses(s, TEAM, aid)}
    assert stored == {
        (BEN, "prompt-versioning"): 9,
        (ANA, "prompt-versioning"): 10,
        (ANA, "llm-evaluation"): 7,
        (ANA, "llm-cost"): 6,
        (ANA, "llm-latency"): 8,
    }
    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200
    summary = r.slack.wait_for("chat.postMessage", count=4, timeout=30)[3]
    overall = 0.6 * ((9.5 + 7) / 2) + 0.4 * 7  # 7.75: [7.5, 8.5) is level 8
    assert f"overall {overall:.2f}" in summary.params["text"]
    assert "Level 8 (Step 8)" in summary.params["text"]
    assert "Roadmap" not in json.dumps(summary.params["blocks"])


def _run(r: Running, framework: str, replies: list[str], posts_before: int, users: tuple[str, ...] = (ANA,)) -> None:
    """An assessment of the 2-dimension framework: each of ``users`` types ``replies`` (one per
    dimension), then `/maturity finish`."""
    assert r.driver.slash(f"assess {framework}", user_id=ANA, channel_id=CHANNEL).status == 200
    r.slack.wait_for("chat.postMessage", count=posts_before + 3, timeout=30)
    threads = [m.ts for m in r.slack.messages(CHANNEL) if m.is_bot and not m.thread_ts][-2:]
    _wait_stored(r, 2)
    reactions = len(r.slack.calls_to("reactions.add"))
    for user in users:
        for ts, text in zip(threads, replies, strict=True):
            r.driver.reply(user_id=user, channel_id=CHANNEL, thread_ts=ts, text=text)
    r.slack.wait_for("reactions.add", count=reactions + 2 * len(users), timeout=30)
    assert r.driver.slash("finish", user_id=ANA, channel_id=CHANNEL).status == 200


def _install_v2(frameworks_dir: Path) -> None:
    """v2 of llm-serving: llm-evaluation reworded as llm-eval-gate, one question added; the app
    restarts with it."""
    v2 = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    v2["version"] = 2
    delivery = v2["dimensions"][0]
    delivery["questions"][1]["id"] = "llm-eval-gate"
    delivery["questions"][1]["prompt"] = "What must a new prompt or model pass before it ships?"
    delivery["questions"].append(
        {
            "id": "llm-tracing",
            "prompt": "Can you trace one answer back to its prompt, model and inputs?",
            "anchors": {1: "No", 2: "With some digging in the logs", 3: "Yes, from a trace id in one click"},
        }
    )
    v2["previous"] = {
        "version": 1,
        "questions": {
            "prompt-versioning": "same",
            "llm-eval-gate": "replaces: llm-evaluation",
            "llm-tracing": "new",
            "llm-cost": "same",
            "llm-latency": "same",
        },
    }
    (frameworks_dir / "llm-serving-v2.yml").write_text(yaml.safe_dump(v2, sort_keys=False), encoding="utf-8")
    fw.use_frameworks_dir(frameworks_dir)
    assert fw.get_framework("llm-serving").version == 2


def test_a_new_version_compares_with_the_old_one_on_what_the_mapping_keeps(
    custom: Running, frameworks_dir: Path
) -> None:
    r = custom
    _run(r, "llm-serving", ["1 1", "1 1"], 0)
    r.slack.wait_for("chat.postMessage", count=4, timeout=30)  # v1's summary

    _install_v2(frameworks_dir)

    _run(r, "llm-serving", ["2 3 1", "1 1"], 4)
    posts = r.slack.wait_for("chat.postMessage", count=9, timeout=30)
    summary, changes = posts[7], posts[8]
    # Delivery on the comparable questions: (2 + 3) / 2 = 2.50 against v1's 1.00 (llm-tracing's 1 left out).
    note = "1 question new since v1, not in the delta"
    assert f"({note})" in json.dumps(summary.params["blocks"], ensure_ascii=False)
    assert "overall 1.00 → 1.90 ▲ +0.90" in changes.params["text"]  # 0.6 × 2.50 + 0.4 × 1.00
    assert "Delivery 1.00 → 2.50 ▲ +1.50" in changes.params["text"]
    assert f"{note[:1].upper()}{note[1:]}." in changes.params["text"]
    assert f"_{note[:1].upper()}{note[1:]}._" in json.dumps(changes.params["blocks"], ensure_ascii=False)
    with r.db.session() as s:
        first, second = sorted(
            repo.closed_assessments(s, TEAM, repo.get_team(s, TEAM, CHANNEL).id, 5), key=lambda a: a.id
        )
    assert (first.framework_version, second.framework_version) == (1, 2)  # each keeps the version it opened with
    # The report says it too.
    from bot.reports import build_report, render_html, render_markdown

    report = build_report(r.db, TEAM, CHANNEL)
    assert report is not None
    assert "1 question new since v1, not in the delta." in render_markdown(report)
    assert "1 question new since v1, not in the delta." in render_html(report)


def test_the_trend_and_the_org_view_compare_across_versions(
    custom: Running, frameworks_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A v1 assessment, then a v2 one (a question replaced, one added) of the same team, three
    members each: the trend marks the change of version and the report says what is not comparable
    across it; `/maturity teams` and `maturity report --org` show the change on the comparable
    questions with the same note."""
    from bot.charts import trend_chart
    from bot.cli import main
    from conversations.assessments import AssessmentService, trend_of
    from tests.bot.test_org_view import LEAD, ask, shown
    from tests.org_seed import seed_assessment
    from tests.reliability.helpers import eventually

    r = custom
    r.slack.add_user(LEAD, "lead", "Lee Lead", is_admin=True)
    three = (ANA, BEN, CAT)
    _run(r, "llm-serving", ["1 1", "1 1"], 0, three)
    r.slack.wait_for("chat.postMessage", count=4, timeout=30)  # v1's summary
    # Another team, still on v1 when this one moves on: 2 everywhere.
    other = seed_assessment(r.db, TEAM, "C0OTHER01", "other-team", dict.fromkeys(("U0O1", "U0O2", "U0O3"), 2),
                            framework_id="llm-serving")  # fmt: skip
    _install_v2(frameworks_dir)
    _run(r, "llm-serving", ["2 3 1", "1 1"], 4, three)
    r.slack.wait_for("chat.postMessage", count=9, timeout=30)  # v2's summary and change summary
    note = "1 question new since v1, not in the delta"

    # The trend: one change of version, between the two assessments, with the note.
    history = AssessmentService(r.db).history(TEAM, CHANNEL)
    trend = trend_of(history, "llm-serving")
    assert [(c.previous_version, c.version, c.note) for c in trend.changes] == [(1, 2, note)]
    first, second = sorted(history, key=lambda a: a.id)
    assert (trend.changes[0].before, trend.changes[0].after) == (first.closed_at, second.closed_at)
    # The trend uploaded into the summary's thread is drawn with the marker.
    framework = fw.get_framework("llm-serving")
    uploaded = eventually(
        lambda: [f for f in r.slack.files if f.name == f"maturity-{second.id}-trend.png"], what="v2's trend chart"
    )
    assert [f.content for f in uploaded] == [trend_chart(trend.points, framework, trend.changes)]
    assert uploaded[0].content != trend_chart(trend.points, framework)

    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", r.db.url.render_as_string(hide_password=False))
    day = f"{second.closed_at:%Y-%m-%d}"
    line = f"Version change: v1 → v2 of the framework between {first.closed_at:%Y-%m-%d} and {day}"
    for fmt in ("md", "html"):
        out = tmp_path / f"team.{fmt}"
        assert main(["report", "--team", CHANNEL, "--format", fmt, "--out", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert f"{line}: {note}." in text.replace(" (the dashed line on the trend)", ""), fmt

    # The org view: overall 1.00 → 1.90 on the comparable questions (0.6 × (2 + 3) / 2 + 0.4 × 1),
    # not 1.60 (v2's whole overall, with llm-tracing's 1).
    posted = shown(ask(r, "teams", LEAD))
    assert f"1.60 · Level 2 Serving · ▲ +0.90 _(v1 → v2: {note})_" in posted
    assert "#ml-platform 1.60 · Level 2 Serving (+0.90, v1 → v2)" in posted  # the fallback text
    from conversations.org import OrgService

    view = OrgService(r.db).view(TEAM)
    team = next(t for t in view.teams if t.channel_id == CHANNEL)
    assert (team.delta, team.delta_versions, team.delta_note) == (0.9, (1, 2), note)
    assert view.most_improved == (team,)
    # Percentiles of teams on two versions: on the questions both answer (Delivery: 2.50 against
    # the other team's 2.00 — not 2.00 against 2.00 with llm-tracing), each cell showing its own score.
    cells = {c.id: c for c in team.dimensions}
    assert (cells["llm-delivery"].score, cells["llm-delivery"].percentile) == (2.0, 75.0)
    assert cells["llm-operations"].percentile == 25.0
    them = next(t for t in view.teams if t.assessment_id == other)
    assert them.delta is None and them.delta_note is None
    assert {c.id: c.percentile for c in them.dimensions} == {"llm-delivery": 25.0, "llm-operations": 75.0}

    for fmt in ("md", "html", "csv"):
        out = tmp_path / f"org.{fmt}"
        assert main(["report", "--org", "--format", fmt, "--out", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        if fmt == "csv":
            rows = [row for row in csv.DictReader(io.StringIO(text)) if row["channel_id"] == CHANNEL]
            assert {(row["change"], row["change_note"]) for row in rows} == {("0.90", f"v1 → v2: {note}")}
            continue
        assert "+0.90" in text and "1.60" in text and "(v1 → v2)†" in text, fmt
        assert f"† #ml-platform, v1 → v2: {note}." in text, fmt
