"""``maturity demo``: a whole assessment with no Slack account.

Starts the real app over HTTP (waitress, Bolt, signature checks, a real SQLite database) against
the built-in stand-in Slack, lets a simulated team answer — buttons and typed replies, a "don't
know", an unreadable reply and its correction, a changed answer, comments, and members who
disagree — finishes, and prints the channel as people would see it. Files land in ``--out``.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.csv_cells import csv_writer
from bot.scheduler import start_scheduler
from conversations.assessments import AssessmentService
from conversations.frameworks import Framework, default_framework
from conversations.records import comments_of, responses_of
from conversations.scoring_io import read_responses_csv, score_json
from storage import clock

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.scheduler import CheckInScheduler
    from bot.services import Services
    from standin.driver import SlackDriver
    from standin.web_api import StandInSlack
    from storage.db import Database

TEAM_ID = "T0DEMO001"
CHANNEL = "C0DEMO001"
PEOPLE = [
    ("U0DEMO0001", "ana", "Ana Lima"),
    ("U0DEMO0002", "ben", "Ben Okafor"),
    ("U0DEMO0003", "chen", "Chen Wei"),
    ("U0DEMO0004", "dana", "Dana Cruz"),
    ("U0DEMO0005", "eli", "Eli Novak"),
    ("U0DEMO0006", "fay", "Fay Ortiz"),
    ("U0DEMO0007", "gus", "Gus Berg"),
    ("U0DEMO0008", "hana", "Hana Sato"),
]
COMMENTS = [
    "we track runs in MLflow but not everyone uses it",
    "deploys still need a ticket to the platform team",
    "drift checks exist for the fraud model only",
    "on-call gets paged but has no model runbook",
    "cost dashboards are per cluster, not per model",
]


def _wait_quiet(slack, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the bot has stopped calling the stand-in Slack (its work after each ack is done)."""
    deadline = time.time() + timeout
    seen, still_since = -1, time.time()
    while time.time() < deadline:
        count = len(slack.calls)
        if count != seen:
            seen, still_since = count, time.time()
        elif time.time() - still_since > 0.4:
            return
        time.sleep(0.05)


def _wait_closed(slack, thread_ts: set[str], files: int, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until every message in ``thread_ts`` says its assessment is closed and ``files`` files are
    uploaded, then until the bot is quiet."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        closed = {
            m.ts for m in slack.messages(CHANNEL) if m.ts in thread_ts and "this assessment is closed" in (m.text or "")
        }
        if closed == thread_ts and len(slack.files) >= files:
            break
        time.sleep(0.05)
    _wait_quiet(slack)


@dataclass
class _Demo:
    """The running demo: the stand-in Slack and the real app serving it, and the simulated team."""

    out: Path
    slack: StandInSlack
    driver: SlackDriver
    db: Database
    settings: Settings
    services: Services
    server: Any
    thread: threading.Thread
    scheduler: CheckInScheduler | None
    team: list[tuple[str, str, str]]  # (user id, handle, real name)
    framework: Framework
    rng: random.Random

    @property
    def names(self) -> dict[str, str]:
        return {uid: real for uid, _, real in self.team}

    @property
    def lead(self) -> str:
        return self.team[0][0]


def run_demo(out: Path, members: int = 5, seed: int = 7) -> int:
    """The whole demo (see the module docstring); 0 when re-scoring the exported CSV gives the summary's score."""
    demo = _start(out, members, seed)
    try:
        assessment_id, summary_post, transcript = _first_assessment(demo)
        files = _write_outputs(out, demo.db, assessment_id, demo.names, transcript)
        matches = _recheck_matches(out, demo.framework.id)
        steps = _plan_next_steps(demo.driver, demo.slack, demo.db, demo.team, demo.names, summary_post)
        cycle = _quarter_later(demo.driver, demo.slack, demo.team, demo.names, demo.framework)
        org, org_files = _org_view(
            demo.driver, demo.slack, demo.db, demo.team, demo.names, out, demo.settings.org_min_respondents
        )
        (out / "transcript.txt").write_text(
            transcript + "\n\n" + steps + "\n\n" + cycle + "\n\n" + org + "\n", encoding="utf-8"
        )
        files += org_files
        print("Files written to " + str(out.resolve()) + ": " + ", ".join(files))
        return 0 if matches else 1
    finally:
        _stop(demo)


def _start(out: Path, members: int, seed: int) -> _Demo:
    """A fresh SQLite database in ``out``, the stand-in Slack with the team's channel, the real app
    serving it over HTTP, and the scheduler running as ``maturity serve`` runs it."""
    from bot.app import build_app
    from bot.config import load_settings
    from bot.logs import setup_logging
    from bot.server import create_server, server_port
    from bot.services import build_services
    from standin.driver import SlackDriver
    from standin.web_api import StandInSlack
    from storage.db import Database
    from storage.migrate import upgrade

    members = max(2, min(members, len(PEOPLE)))
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    setup_logging("WARNING")

    signing_secret = secrets.token_hex(16)
    team = PEOPLE[:members]
    slack = StandInSlack(team_id=TEAM_ID, team_name="Acme ML").start()
    for i, (uid, handle, real) in enumerate(team):
        # the lead is a workspace admin: she sees every team
        slack.add_user(uid, handle, real, tz=DEMO_TZ, is_admin=i == 0)
    slack.add_channel(CHANNEL, "ml-platform", members=[uid for uid, _, _ in team])

    db = Database(f"sqlite:///{db_path}")
    upgrade(db)
    settings = load_settings(
        database_url=f"sqlite:///{db_path}",
        slack_bot_token="xoxb-demo-token",
        slack_signing_secret=signing_secret,
        slack_api_url=slack.url,
        scheduler_tick_seconds=1,  # the demo moves its clock a quarter ahead: no point waiting a minute
        # The demo is its own workspace (the stand-in, one bot token) and shows the scheduler: an
        # environment or .env set up for a production server (SCHEDULER_ENABLED=false, OAuth
        # installs, an app token, a clock file) changes none of that.
        scheduler_enabled=True,
        slack_client_id=None,
        slack_client_secret=None,
        slack_app_token=None,
        maturity_clock_file=None,
    )
    services = build_services(settings, db)
    app = build_app(services)
    server = create_server(app, services, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server_port(server)}"
    driver = SlackDriver(f"{url}/slack/events", signing_secret, slack=slack, team_id=TEAM_ID)
    framework = default_framework()
    print(f"maturity demo: the app is serving {url}/slack/events against a stand-in Slack at {slack.url}")
    print(f"Team #ml-platform: {', '.join(real for _, _, real in team)}. Framework: {framework.name}.\n")
    scheduler = start_scheduler(services)  # as `maturity serve` runs it: on, ticking, claiming in the db
    return _Demo(out, slack, driver, db, settings, services, server, thread, scheduler, team, framework, rng)


def _stop(demo: _Demo) -> None:
    """Everything ``_start`` started, stopped in reverse, as ``maturity serve`` stops."""
    if demo.scheduler is not None:
        demo.scheduler.shutdown(wait=False)
    clock.reset()
    demo.server.close()
    demo.thread.join(timeout=5)
    demo.services.close()  # as `maturity serve` stops
    demo.slack.stop()
    demo.db.dispose()


def _first_assessment(demo: _Demo) -> tuple[int, Any, str]:
    """The lead opens an assessment, the team answers, the lead checks the status and finishes;
    prints the channel. Returns the assessment id, the summary's chat.postMessage and the transcript."""
    slack, driver, framework, lead = demo.slack, demo.driver, demo.framework, demo.lead
    driver.slash("assess", user_id=lead, channel_id=CHANNEL)
    slack.wait_for("chat.postMessage", count=1 + len(framework.dimensions), timeout=15)
    _wait_quiet(slack)
    assessment = AssessmentService(demo.db).open_assessment(TEAM_ID, CHANNEL)
    assert assessment is not None
    threads = {t.dimension_id: t.message_ts for t in assessment.threads}
    _team_answers(demo, assessment.id, threads)

    driver.slash("status", user_id=lead, channel_id=CHANNEL)
    _wait_quiet(slack)
    status_text = (
        slack.render_blocks(slack.response_url_posts[-1].get("blocks"), users=demo.names)
        if slack.response_url_posts
        else ""
    )
    driver.slash("finish", user_id=lead, channel_id=CHANNEL)
    slack.wait_for("chat.postMessage", count=2 + len(framework.dimensions), timeout=15)
    _wait_quiet(slack)

    summary_post = slack.calls_to("chat.postMessage")[-1]
    transcript = _first_transcript(demo, summary_post)
    print(transcript)
    if status_text:
        print(f"\n--- ephemeral to {demo.names[lead]} after /maturity status ---\n{status_text}")
    hidden = [e for e in slack.ephemerals() if "couldn't record" in e.text]
    if hidden:
        print(f"\n--- ephemeral to {demo.names[hidden[0].user]} after an unreadable reply ---\n{hidden[0].text}")
    print()
    return assessment.id, summary_post, transcript


def _team_answers(demo: _Demo, assessment_id: int, threads: dict[str, str]) -> None:
    """Each member has a "true" level for the team and answers around it (one is an optimist):
    buttons and typed replies, a "don't know", an unreadable reply, comments; then the lead changes
    one answer after reading the thread."""
    driver, framework, rng = demo.driver, demo.framework, demo.rng
    for index, (uid, _, _) in enumerate(demo.team):
        base = {d.id: rng.choice([1, 1, 2, 2, 3]) for d in framework.dimensions}
        optimist = index == 1
        for d_index, dimension in enumerate(framework.dimensions):
            levels: list[int | None] = []
            for _ in dimension.questions:
                level = base[dimension.id] + rng.choice([-1, 0, 0, 0, 1]) + (1 if optimist else 0)
                levels.append(max(framework.scale.min, min(framework.scale.max, level)))
            if index == 2 and d_index == 0:
                levels[0] = None  # "don't know"
            use_buttons = index % 3 == 2
            if use_buttons:
                for question, answer in zip(dimension.questions, levels, strict=True):
                    driver.click(
                        user_id=uid,
                        channel_id=CHANNEL,
                        message_ts=threads[dimension.id],
                        action_id=f"answer:{question.id}:{'dk' if answer is None else answer}",
                        value=json.dumps({"a": assessment_id, "q": question.id, "l": answer}),
                        block_id=f"q:{question.id}",
                    )
                continue
            if index == 3 and d_index == 1:
                driver.reply(user_id=uid, channel_id=CHANNEL, thread_ts=threads[dimension.id], text="we're ok-ish")
            text = " ".join("?" if lv is None else str(lv) for lv in levels)
            if rng.random() < 0.45:
                text += " " + rng.choice(COMMENTS)
            driver.reply(user_id=uid, channel_id=CHANNEL, thread_ts=threads[dimension.id], text=text)
        _wait_quiet(demo.slack)
    # The lead changes one answer after reading the thread.
    driver.reply(
        user_id=demo.lead,
        channel_id=CHANNEL,
        thread_ts=threads[framework.dimensions[0].id],
        text="2=1 after Ben's point, hand-offs are still by email",
    )
    _wait_quiet(demo.slack)


def _first_transcript(demo: _Demo, summary_post: Any) -> str:
    """The channel as people see it, the summary as Slack renders its blocks, and who clicked."""
    slack, names = demo.slack, demo.names
    transcript = slack.transcript(CHANNEL, users=names)
    summary_blocks = slack.render_blocks(summary_post.params.get("blocks"), users=names)
    transcript += "\n\n--- the summary message as Slack shows it (Block Kit) ---\n" + summary_blocks
    clickers = sorted(
        {
            names[c.params["user"]]
            for c in slack.calls_to("chat.postEphemeral")
            if c.params["text"].startswith("Recorded") and c.params["user"] in names
        }
        - {names[m.user] for m in slack.messages(CHANNEL) if m.user in names}
    )
    if clickers:
        transcript += f"\n\n({', '.join(clickers)} answered with buttons: clicks are not visible in the channel)"
    return transcript


def _recheck_matches(out: Path, framework_id: str) -> bool:
    """Re-score responses.csv as `maturity score` does and say whether it gives summary.json's overall."""
    check = _recheck(out / "responses.csv", framework_id)
    summary = json.loads((out / "summary.json").read_text())
    matches = abs(check - summary["overall"]) < 1e-9
    print(
        f"Re-scored from responses.csv with `maturity score`: overall {check:.2f} "
        f"(summary says {summary['overall']:.2f}) — {'match' if matches else 'MISMATCH'}"
    )
    return bool(matches)


DEMO_TZ = "America/New_York"  # every demo member's Slack timezone


def _working_hours(instant: datetime) -> datetime:
    """``instant``, or the next 09:00 in DEMO_TZ when it is outside 09:00-17:00 there."""
    local = instant.astimezone(ZoneInfo(DEMO_TZ))
    if 9 <= local.hour < 17:
        return instant
    day = local.date() + timedelta(days=1 if local.hour >= 17 else 0)
    return datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=ZoneInfo(DEMO_TZ)).astimezone(UTC)


def _plan_next_steps(driver, slack, db, team, names: dict[str, str], summary_post) -> str:  # type: ignore[no-untyped-def]
    """After the first summary: the lead sets a target, accepts three of the proposed roadmap items
    (owned by three members) in the modal, and two owners mark theirs done — so the change summary a
    quarter later relates those items to their dimensions' deltas. Prints and returns that part."""
    from conversations.plans import PlanService

    lead = team[0][0]
    lines: list[str] = []
    due = (clock.now().date() + timedelta(days=365)).isoformat()
    driver.slash(f"target 3 by {due}", user_id=lead, channel_id=CHANNEL)
    _wait_quiet(slack)
    if slack.response_url_posts:
        answer = slack.render_blocks(slack.response_url_posts[-1].get("blocks"), users=names)
        lines.append(f"--- ephemeral to {names[lead]} after /maturity target 3 by {due} ---\n{answer}")

    review = next(
        e
        for b in summary_post.params.get("blocks") or []
        if b.get("type") == "actions"
        for e in b.get("elements", [])
        if e.get("action_id") == "plan:review"
    )
    summary_ts = summary_post.response["ts"]
    driver.click(
        user_id=lead, channel_id=CHANNEL, message_ts=summary_ts, action_id="plan:review", value=review["value"]
    )
    slack.wait_for("views.open", timeout=15)
    view = slack.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    owners = {0: team[1][0], 1: team[2 % len(team)][0], 2: lead}
    soon = (clock.now().date() + timedelta(days=60)).isoformat()
    values: dict[str, dict] = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block.get("type") != "input" or ":" not in block_id:
            continue
        number, field = int(block_id.split(":")[0][1:]), block_id.split(":")[1]
        element, kept = block["element"], number in owners
        if field == "keep":
            values[block_id] = {
                "v": {"type": "checkboxes", "selected_options": element["initial_options"] if kept else []}
            }
        elif field == "title":
            values[block_id] = {"v": {"type": "plain_text_input", "value": element.get("initial_value")}}
        elif field == "dim":
            values[block_id] = {"v": {"type": "static_select", "selected_option": element.get("initial_option")}}
        elif field == "owner":
            values[block_id] = {"v": {"type": "users_select", "selected_user": owners.get(number)}}
        else:
            values[block_id] = {"v": {"type": "datepicker", "selected_date": soon if kept else None}}
    driver.view_submission(
        user_id=lead,
        view={
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
        },
    )
    _wait_quiet(slack)
    items = [v.item for v in PlanService(db).plan(TEAM_ID, CHANNEL).items]
    for item in items[:2]:  # two owners finish theirs
        driver.click(
            user_id=item.owner_id,
            channel_id=CHANNEL,
            message_ts=summary_ts,
            action_id="plan:status:done",
            value=json.dumps({"i": item.id, "s": "done"}),
        )
        _wait_quiet(slack)
    driver.slash("plan", user_id=lead, channel_id=CHANNEL)
    _wait_quiet(slack)
    channel = slack.transcript(CHANNEL, users=names, after_ts=summary_ts)
    lines.append("--- the lead accepts three proposed roadmap items; two owners mark theirs done ---\n" + channel)
    if slack.response_url_posts:
        plan = slack.render_blocks(slack.response_url_posts[-1].get("blocks"), users=names)
        lines.append(f"--- ephemeral to {names[lead]} after /maturity plan ---\n{plan}")
    text = "\n".join(lines)
    print(text + "\n")
    return text


QUARTER = timedelta(days=92, hours=1)  # holds one quarterly occurrence, wherever today falls


def _quarter_later(driver, slack, team, names: dict[str, str], framework: Framework) -> str:  # type: ignore[no-untyped-def]
    """The quarterly cycle, with the process clock moved instead of waited for: a quarterly
    schedule, then a quarter later the check-in opens by itself (with the month's roadmap digest),
    two members answer, the reminder names the others (one of whom answers then), and a week later
    the scheduler closes it and posts the summary and the change summary against the first
    assessment. Prints and returns that part of the channel."""
    lead = team[0][0]
    driver.slash("schedule quarterly", user_id=lead, channel_id=CHANNEL)
    _wait_quiet(slack)
    confirmation = slack.response_url_posts[-1].get("text", "") if slack.response_url_posts else ""
    last_ts = slack.messages(CHANNEL)[-1].ts
    posts_before = len(slack.calls_to("chat.postMessage"))

    def scheduler_posts(count: int) -> None:
        slack.wait_for("chat.postMessage", count=posts_before + count, timeout=30)
        _wait_quiet(slack)

    opened_at = clock.advance(QUARTER)
    # The intro, one message per dimension, and the digest of the month.
    scheduler_posts(2 + len(framework.dimensions))
    with_threads = [m for m in slack.messages(CHANNEL) if m.thread_ts is None and float(m.ts) > float(last_ts)]
    threads = {
        d.id: m.ts for d, m in zip(framework.dimensions, [m for m in with_threads if m.blocks][1:], strict=False)
    }
    for uid, _, _ in team[:2]:  # two answer now: a little better than last quarter
        for dimension in framework.dimensions:
            if dimension.id in threads:
                levels = " ".join(str(min(framework.scale.max, 2 + (i % 2))) for i, _ in enumerate(dimension.questions))
                driver.reply(user_id=uid, channel_id=CHANNEL, thread_ts=threads[dimension.id], text=levels)
    _wait_quiet(slack)
    # past the reminder delay, at a time members are reminded: within 09:00-17:00 of their day
    clock.advance(_working_hours(opened_at + timedelta(hours=49)) - clock.now())
    scheduler_posts(3 + len(framework.dimensions))
    reminded = team[2]  # the reminder works on one of them: enough answers for the org view's scores
    for dimension in framework.dimensions:
        if dimension.id in threads:
            levels = " ".join(str(min(framework.scale.max, 2 + (i % 3 == 0))) for i in range(len(dimension.questions)))
            driver.reply(user_id=reminded[0], channel_id=CHANNEL, thread_ts=threads[dimension.id], text=levels)
    _wait_quiet(slack)
    files_before = len(slack.files)
    clock.advance(opened_at + timedelta(days=7, hours=1) - clock.now())  # past the check-in window
    scheduler_posts(5 + len(framework.dimensions))
    # The close goes on after its two posts — the change summary's radar, the dimension messages
    # closed, the summary's radar and trend — with pauses of drawing that a busy machine makes
    # longer than _wait_quiet's: wait for those themselves before reading the channel.
    _wait_closed(slack, set(threads.values()), files_before + 3)
    text = slack.transcript(CHANNEL, users=names, after_ts=last_ts)
    heading = (
        f"--- /maturity schedule quarterly: {confirmation}\n"
        "--- the clock moves a quarter ahead; from here on the scheduler acts by itself ---"
    )
    print(heading + "\n" + text + "\n")
    return heading + "\n" + text


OTHER_TEAMS = (  # (channel, name, framework, how many of the team answer, their level)
    ("C0DEMO002", "vision", "discovery", 3, 3),
    ("C0DEMO003", "data-eng", "maturity-levels", 2, 1),  # only two answer: "too few answers" across teams
)


def _org_view(driver, slack, db, team, names: dict[str, str], out: Path, min_respondents: int):  # type: ignore[no-untyped-def]
    """Two more teams run an assessment in their channels; then the lead (a workspace admin) posts
    `/maturity teams` in #ml-platform: every team side by side, and the heat map. Also writes the org
    report (Markdown, HTML, CSV). Prints and returns that part of the transcript."""
    from bot.org_report import build_org_view, org_csv, render_org_html, render_org_markdown
    from conversations.frameworks import get_framework

    lead = team[0][0]
    for channel, name, framework_id, answering, level in OTHER_TEAMS:
        slack.add_channel(channel, name, members=[uid for uid, _, _ in team])
        framework = get_framework(framework_id)
        posted = len(slack.calls_to("chat.postMessage"))
        driver.slash(f"assess {framework_id}", user_id=lead, channel_id=channel)
        slack.wait_for("chat.postMessage", count=posted + 1 + len(framework.dimensions), timeout=15)
        _wait_quiet(slack)
        assessment = AssessmentService(db).open_assessment(TEAM_ID, channel)
        assert assessment is not None
        threads = {t.dimension_id: t.message_ts for t in assessment.threads}
        for i, (uid, _, _) in enumerate(team[:answering]):
            for d, dimension in enumerate(framework.dimensions):
                levels = [min(framework.scale.max, level + (i + d + q) % 2) for q, _ in enumerate(dimension.questions)]
                text = " ".join(map(str, levels))
                driver.reply(user_id=uid, channel_id=channel, thread_ts=threads[dimension.id], text=text)
        _wait_quiet(slack)
        driver.slash("finish", user_id=lead, channel_id=channel)
        _wait_quiet(slack)

    files_before = len(slack.files)
    posted = len(slack.calls_to("chat.postMessage"))
    driver.slash("teams post", user_id=lead, channel_id=CHANNEL)
    slack.wait_for("chat.postMessage", count=posted + 1, timeout=15)

    def heat_maps() -> list:  # type: ignore[type-arg]
        # Only this post's pictures: the charts of #data-eng's summary may still be arriving (a
        # chart renders for longer than _wait_quiet's quiet spell on a busy machine).
        return [f for f in slack.files[files_before:] if f.completed and f.name.startswith("maturity-teams-")]

    deadline = time.time() + 30
    while not heat_maps() and time.time() < deadline:
        time.sleep(0.05)
    _wait_quiet(slack)
    view_post = next(
        c
        for c in reversed(slack.calls_to("chat.postMessage"))
        if c.params.get("channel") == CHANNEL and "Every team at a glance" in str(c.params.get("blocks"))
    )
    rendered = slack.render_blocks(view_post.params.get("blocks"), users=names)
    pictures = heat_maps()
    (out / "teams-heatmap.png").write_bytes(next((f.content for f in pictures if "trend" not in f.name), b""))
    view = build_org_view(db, TEAM_ID, min_respondents)
    (out / "org-report.md").write_text(render_org_markdown(view), encoding="utf-8")
    (out / "org-report.html").write_text(render_org_html(view), encoding="utf-8")
    (out / "org-report.csv").write_text(org_csv(view), encoding="utf-8")
    text = (
        "--- two more teams assess: #vision (discovery, 3 answer) and #data-eng (only 2 answer) ---\n"
        f"--- {names[lead]}, a workspace admin, runs /maturity teams post in #ml-platform ---\n"
        + rendered
        + "\n"
        + "\n".join(f"[file: {f.name} — {f.title}, {len(f.content):,} bytes]" for f in pictures)
    )
    print(text + "\n")
    return text, ["teams-heatmap.png", "org-report.md", "org-report.html", "org-report.csv"]


def _write_outputs(out: Path, db, assessment_id: int, names: dict[str, str], transcript: str) -> list[str]:  # type: ignore[no-untyped-def]
    service = AssessmentService(db)
    result = service.latest_result(TEAM_ID, CHANNEL)
    assert result is not None and result.assessment.id == assessment_id
    (out / "transcript.txt").write_text(transcript + "\n", encoding="utf-8")
    data = score_json(result.framework, result.score, result.roadmap)
    data["overall"] = result.score.overall
    (out / "summary.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    rows = responses_of(db, TEAM_ID, assessment_id)
    comments = {(c.user_id, c.message_ts): c.text for c in comments_of(db, TEAM_ID, assessment_id)}
    with (out / "responses.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)
        writer.writerow(["respondent", "question_id", "level", "comment"])
        for row in rows:
            writer.writerow(
                [
                    names.get(row.user_id, row.user_id),
                    row.question_id,
                    "?" if row.level is None else row.level,
                    comments.get((row.user_id, row.message_ts or ""), ""),
                ]
            )
    from bot.reports import build_report, render_html, render_markdown

    report = build_report(db, TEAM_ID, CHANNEL, names=names)
    assert report is not None
    (out / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (out / "report.html").write_text(render_html(report), encoding="utf-8")
    return ["transcript.txt", "summary.json", "responses.csv", "report.md", "report.html", "demo.db"]


def _recheck(csv_path: Path, framework_id: str) -> float:
    """Score the exported CSV the way `maturity score` does: the same shared engine, from a file."""
    from scoring import score

    framework, answers = read_responses_csv(csv_path, framework_id)
    result = score(framework.spec(), answers)
    assert result.overall is not None
    return result.overall
