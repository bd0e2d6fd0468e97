"""Benchmark: the organisation view of a big workspace — 500 teams × 8 quarterly assessments.

Prints figures, asserts nothing::

    .venv/bin/python benchmarks/org_view.py                     # 500 teams × 8, SQLite and PostgreSQL
    .venv/bin/python benchmarks/org_view.py --teams 100 --db sqlite

The database is filled in this process (bulk inserts: ``--respondents`` members answering every
question of every assessment, ~10% of teams on `discovery`, ~5% in anonymity mode, ~5% with too few
respondents), then ``maturity serve`` runs as a subprocess against the stand-in Slack. A workspace
admin sends ``/maturity teams`` ``--runs`` times (signed requests over real HTTP) and we measure:

* the ack: the slash command's HTTP response time (Slack's limit: 3 s);
* the picture: (the first run cold — every score computed — the later ones with the process's
  cache of closed assessments' scores) from the request until the stand-in has the heat map's upload completed
  (``files.completeUploadExternal``; target 5 s) — the view built, the message answered, the PNG
  drawn and uploaded, all after the ack;
* the server's CPU seconds for each (user + system, /proc: less noisy than the wall clock on a
  shared machine);
* the server's RSS before and after (VmRSS, and its peak VmHWM);
* in this process: the org report (``maturity report --org``; cold, as a fresh CLI process) — the
  view built from the database
  and rendered as HTML (heat map + trend + every team), Markdown and CSV (target 10 s), with the
  peak of Python allocations (tracemalloc) while it runs;
* where the picture's time goes, in this process, cold (no score cached, as a server's first
  request) and warm: each query of the view, the scoring, the whole view, the message, the heat
  map and trend PNGs, and their upload to the stand-in (``files_upload_v2``); wall and CPU seconds;
  ``--profile`` adds cProfile's top functions of a cold view and its pictures;
* the query plans of the org view's queries (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN):
  which index each uses.

A quarter of the teams have a target (``/maturity target``), so that the view loads them too.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (  # noqa: E402
    CHANNEL,
    SIGNING_SECRET,
    TEAM,
    Server,
    app_env,
    database,
    kinds_available,
    make_slack,
    migrate,
    workdir,
)

from conversations.assessments import spec_to_json  # noqa: E402
from conversations.frameworks import get_framework  # noqa: E402
from scoring import Answer, score  # noqa: E402
from standin.driver import SlackDriver  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Assessment, Response, Target, Team, Workspace  # noqa: E402

ADMIN = "U0ADMIN01"
START = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)


def populate(url: str, teams: int, per_team: int, respondents: int, seed: int = 7) -> dict[str, Any]:
    """Bulk-insert the workspace: teams, closed assessments (scored by the engine), responses."""
    rnd = random.Random(seed)
    db = Database(url)
    frameworks = {f: get_framework(f) for f in ("maturity-levels", "discovery")}
    specs = {f: fw.spec() for f, fw in frameworks.items()}
    spec_json = {f: spec_to_json(s) for f, s in specs.items()}
    started = time.perf_counter()
    responses = 0
    with db.engine.begin() as conn:
        conn.execute(Workspace.__table__.insert(), [{"id": TEAM, "name": "bench", "created_at": START}])
        team_rows = []
        for t in range(teams):
            fw = "discovery" if t % 10 == 9 else "maturity-levels"
            team_rows.append(
                {
                    "id": t + 1,
                    "workspace_id": TEAM,
                    "channel_id": CHANNEL if t == 0 else f"C{t:08d}",
                    "channel_name": f"team-{t:03d}",
                    "framework_id": fw,
                    "anonymous": t % 20 == 3,
                    "created_at": START,
                }
            )
        conn.execute(Team.__table__.insert(), team_rows)
        conn.execute(
            Target.__table__.insert(),
            [
                {
                    "workspace_id": TEAM,
                    "team_id": team["id"],
                    "framework_id": team["framework_id"],
                    "dimension_id": "",
                    "level": 3,
                    "due_on": (START + timedelta(days=900)).date(),
                    "set_by": ADMIN,
                    "set_at": START,
                }
                for team in team_rows
                if team["id"] % 4 == 1
            ],
        )
        assessment_id = 0
        for team in team_rows:
            fw_id = team["framework_id"]
            spec = specs[fw_id]
            lo, hi = spec.scale.min, spec.scale.max
            people = 2 if team["id"] % 20 == 7 else respondents
            base = rnd.uniform(lo, hi - 1)
            a_rows, r_rows = [], []
            for q in range(per_team):
                assessment_id += 1
                closed = START + timedelta(days=91 * q + rnd.randint(0, 20))
                answers = []
                for p in range(people):
                    user = f"U{team['id']:05d}{p:03d}"
                    for qid in spec.question_ids:
                        level = max(lo, min(hi, round(base + q * 0.12 + rnd.uniform(-1, 1))))
                        answers.append(Answer(user, qid, level))
                        r_rows.append(
                            {
                                "workspace_id": TEAM,
                                "assessment_id": assessment_id,
                                "question_id": qid,
                                "user_id": user,
                                "level": level,
                                "source": "button",
                                "answered_at": closed,
                            }
                        )
                sc = score(spec, answers, member_count=people)
                a_rows.append(
                    {
                        "id": assessment_id,
                        "workspace_id": TEAM,
                        "team_id": team["id"],
                        "framework_id": fw_id,
                        "framework_version": frameworks[fw_id].version,
                        "spec_json": spec_json[fw_id],
                        "status": "closed",
                        "trigger": "scheduled",
                        "opened_by": ADMIN,
                        "opened_at": closed - timedelta(days=7),
                        "closed_by": ADMIN,
                        "closed_at": closed,
                        "member_count": people,
                        "overall": sc.overall,
                        "level": sc.level,
                    }
                )
            conn.execute(Assessment.__table__.insert(), a_rows)
            conn.execute(Response.__table__.insert(), r_rows)
            responses += len(r_rows)
    if db.dialect == "postgresql":
        from sqlalchemy import text

        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    db.dispose()
    return {"assessments": assessment_id, "responses": responses, "seconds": time.perf_counter() - started}


def query_plans(url: str) -> list[tuple[str, str]]:
    """Each org-view query with the plan the database chose (index names in it)."""
    from sqlalchemy import func, select, text

    from storage.models import CLOSED, Schedule

    db = Database(url)
    a, r = Assessment, Response
    queries = {
        "teams of the workspace": select(Team).where(Team.workspace_id == TEAM),
        "closed assessments": select(a.id, a.team_id, a.closed_at).where(a.workspace_id == TEAM, a.status == CLOSED),
        "respondents per assessment": select(r.assessment_id, func.count(func.distinct(r.user_id)))
        .where(r.workspace_id == TEAM)
        .group_by(r.assessment_id),
        "answers of each team's latest": select(r.assessment_id, r.user_id, r.question_id, r.level).where(
            r.workspace_id == TEAM, r.assessment_id.in_(list(range(8, 4001, 8)))
        ),
        "schedules": select(Schedule).where(Schedule.workspace_id == TEAM),
        "targets": select(Target.team_id, Target.level).where(Target.workspace_id == TEAM),
    }
    out = []
    with db.engine.connect() as conn:
        for name, stmt in queries.items():
            sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
            explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
            rows = conn.execute(text(explain + sql)).all()
            plan = " | ".join(str(row[-1]) for row in rows)
            out.append((name, plan))
    db.dispose()
    return out


def _timed(figures: list[tuple[str, float, float]], name: str, work: Any) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    figures.append((name, time.perf_counter() - wall, time.process_time() - cpu))
    return out


def phases(url: str, slack_url: str, profile: bool) -> list[tuple[str, float, float]]:
    """Where the picture's time goes, in this process: (step, wall s, CPU s), cold then warm."""
    import cProfile
    import pstats

    from slack_sdk import WebClient

    from bot import org as bot_org
    from bot.charts import HEATMAP_MAX_ROWS, heatmap_chart, org_trend_chart, warm_up
    from conversations import org as org_module
    from conversations.org import OrgService
    from storage import org as store

    warm_up()  # as the server does at start
    db = Database(url)
    client = WebClient(token="xoxb-bench", base_url=slack_url)
    figures: list[tuple[str, float, float]] = []
    org_module._SCORES.clear()
    bot_org._PICTURES.clear()
    with db.session() as s:
        _timed(figures, "query: teams", lambda: store.teams_of_workspace(s, TEAM))
        rows = _timed(figures, "query: closed assessments", lambda: store.closed_assessment_rows(s, TEAM))
        _timed(figures, "query: respondents per assessment", lambda: store.respondent_counts(s, TEAM))
        _timed(figures, "query: schedules", lambda: store.schedules_of_workspace(s, TEAM))
        _timed(figures, "query: targets", lambda: store.targets_of_workspace(s, TEAM))
        newest = {r.team_id: r for r in rows}
        answers = _timed(
            figures, "query: answers of each team's latest", lambda: list(store.responses_of(s, TEAM, newest_ids(rows)))
        )
    by_id: dict[int, list[Answer]] = {}
    for assessment_id, user_id, question_id, level in answers:
        by_id.setdefault(assessment_id, []).append(Answer(user_id, question_id, level))
    from conversations.assessments import spec_from_json

    spec = {r.spec_json: spec_from_json(r.spec_json) for r in newest.values()}
    _timed(
        figures,
        "scoring each team's latest",
        lambda: [score(spec[r.spec_json], by_id.get(r.id, ()), member_count=r.member_count) for r in newest.values()],
    )
    org_module._SCORES.clear()
    view = _timed(figures, "the whole view, cold", lambda: OrgService(db).view(TEAM))
    _timed(figures, "the whole view, warm", lambda: OrgService(db).view(TEAM))
    _timed(figures, "the message (Block Kit)", lambda: bot_org.teams_message(view))
    png = _timed(figures, "heat map PNG", lambda: heatmap_chart(view.groups, HEATMAP_MAX_ROWS))
    trend = _timed(figures, "trend PNG", lambda: org_trend_chart(view.groups))
    _timed(figures, "both PNGs again (cached)", lambda: bot_org.pictures(view.groups, HEATMAP_MAX_ROWS))
    _timed(figures, "both PNGs again (cached)", lambda: bot_org.pictures(view.groups, HEATMAP_MAX_ROWS))
    figures.pop(-2)
    _timed(
        figures,
        f"upload ({(len(png) + len(trend)) // 1024} kB, files_upload_v2)",
        lambda: client.files_upload_v2(
            channel=CHANNEL,
            file_uploads=[
                {"content": png, "filename": "bench-heat.png", "title": "heat"},
                {"content": trend, "filename": "bench-trend.png", "title": "trend"},
            ],
        ),
    )
    if profile:
        org_module._SCORES.clear()
        bot_org._PICTURES.clear()
        profiler = cProfile.Profile()
        profiler.enable()
        bot_org.pictures(OrgService(db).view(TEAM).groups, HEATMAP_MAX_ROWS)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(15)
    db.dispose()
    return figures


def newest_ids(rows: list[Any]) -> list[int]:
    return list({r.team_id: r.id for r in rows}.values())


def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    from bot.org_report import build_org_view, org_csv, render_org_html, render_org_markdown

    with workdir("maturity-org-") as wd, database(kind, wd) as target:
        slack = make_slack([])
        slack.add_user(ADMIN, "lead", "Lee Lead", is_admin=True)
        env = app_env(target.url, slack.url)
        migrate(env, wd)
        filled = populate(target.url, args.teams, args.assessments, args.respondents)
        print(
            f"[{kind}] {args.teams} teams × {args.assessments} assessments: {filled['assessments']} assessments, "
            f"{filled['responses']:,} answers inserted in {filled['seconds']:.1f} s",
            flush=True,
        )
        server = Server.maturity(f"maturity-{kind}", env, wd).start()
        try:
            driver = SlackDriver(server.url + "/slack/events", SIGNING_SECRET, slack=slack, team_id=TEAM)
            before = server.memory_kb()
            acks, pictures, cpus = [], [], []
            for _ in range(args.runs):
                done = len([f for f in slack.files if "trend" not in f.name])
                cpu0 = server.cpu_seconds()
                t0 = time.perf_counter()
                response = driver.slash("teams", user_id=ADMIN, channel_id=CHANNEL)
                acks.append(time.perf_counter() - t0)
                if response.status != 200:
                    print(f"  ack failed: {response.status} {response.body[:200]}")
                deadline = t0 + 60
                while len([f for f in slack.files if "trend" not in f.name]) <= done and time.perf_counter() < deadline:
                    time.sleep(0.01)
                pictures.append(time.perf_counter() - t0)
                cpus.append(server.cpu_seconds() - cpu0)
            after = server.memory_kb()
            errors = server.error_lines()
        finally:
            server.stop()
        try:
            steps = phases(target.url, slack.url, args.profile)
        finally:
            slack.stop()

        db = Database(target.url)
        render_org_html(build_org_view(db, TEAM, 3))  # warm-up: imports, fonts, templates
        from conversations import org as org_module

        org_module._SCORES.clear()  # cold, as `maturity report --org` is (a fresh process)
        t0, c0 = time.perf_counter(), time.process_time()
        view = build_org_view(db, TEAM, 3)
        t_view = time.perf_counter() - t0
        html = render_org_html(view)
        t_html = time.perf_counter() - t0
        md = render_org_markdown(view)
        csv_text = org_csv(view)
        t_all = time.perf_counter() - t0
        cpu_all = time.process_time() - c0
        del view
        tracemalloc.start()  # a second pass for memory: tracemalloc slows Python down several times
        render_org_html(build_org_view(db, TEAM, 3))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.dispose()
        plans = query_plans(target.url)

    result = {
        "kind": kind,
        "ack_ms": [round(a * 1000, 1) for a in acks],
        "picture_s": [round(p, 2) for p in pictures],
        "server_cpu_s": [round(c, 2) for c in cpus],
        "rss_before_mb": before.get("VmRSS", 0) / 1024,
        "rss_after_mb": after.get("VmRSS", 0) / 1024,
        "hwm_mb": after.get("VmHWM", 0) / 1024,
        "errors": errors,
        "view_s": t_view,
        "html_s": t_html,
        "all_s": t_all,
        "all_cpu_s": cpu_all,
        "html_kb": len(html) / 1024,
        "md_kb": len(md) / 1024,
        "csv_rows": csv_text.count("\n") - 1,
        "peak_mb": peak / 1024 / 1024,
        "plans": plans,
        "phases": steps,
    }
    print(f"[{kind}] /maturity teams, {args.runs} runs:")
    print(f"  ack (HTTP response)      ms: {', '.join(f'{a:.0f}' for a in result['ack_ms'])} (Slack's limit 3000)")
    print(f"  heat map uploaded after   s: {', '.join(f'{p:.2f}' for p in result['picture_s'])} (target 5)")
    print(f"  server CPU for each       s: {', '.join(f'{c:.2f}' for c in result['server_cpu_s'])}")
    print(
        f"  server RSS {result['rss_before_mb']:.0f} MB before, {result['rss_after_mb']:.0f} MB after "
        f"(peak {result['hwm_mb']:.0f} MB); error lines in its log: {errors}"
    )
    print(
        f"[{kind}] org report: view {t_view:.2f} s, + HTML {t_html:.2f} s ({result['html_kb']:.0f} kB), "
        f"+ Markdown and CSV {t_all:.2f} s in all ({cpu_all:.2f} s CPU; target 10); {result['csv_rows']} CSV rows; "
        f"peak Python allocations {result['peak_mb']:.0f} MB"
    )
    print(f"[{kind}] where the picture's time goes (in this process; wall s / CPU s):")
    for name, wall, cpu in steps:
        print(f"  {name:<42} {wall:6.3f} / {cpu:6.3f}")
    print(f"[{kind}] query plans:")
    for name, plan in plans:
        print(f"  {name}: {plan[:300]}")
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--assessments", type=int, default=8, help="per team, one a quarter (8)")
    parser.add_argument("--respondents", type=int, default=4, help="per assessment (4)")
    parser.add_argument("--runs", type=int, default=3, help="/maturity teams requests (3)")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions of a cold view and pictures")
    args = parser.parse_args(argv)
    if args.teams < 1 or args.assessments < 1 or args.respondents < 1 or args.runs < 1:
        parser.error("teams, assessments, respondents and runs must be >= 1")
    return args


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    return [run_one(kind, args) for kind in kinds_available(args.db.split(","))]


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    run(parse_args(argv))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
