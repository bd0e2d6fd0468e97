"""The ``maturity`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from bot.scheduler import CheckInScheduler
    from bot.services import Services

from bot.cli_support import UsageError, first_line, load_command_settings, open_database
from conversations.text import clip

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]

log = logging.getLogger("maturity.cli")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> Parser:
    parser = Parser(prog="maturity", description="MLOps maturity assessments in Slack.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    serve = sub.add_parser("serve", help="HTTP mode: serve /slack/events and /healthz (production server)")
    serve.add_argument("--port", type=_port, default=None, help="port (default: $PORT or 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="interface to bind (default: 0.0.0.0)")
    serve.add_argument(
        "--threads",
        type=_positive,
        default=8,
        help="request threads, and as many listener threads, per worker (default: 8)",
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes sharing the port (default: 1; about one per core for heavy traffic)",
    )

    sub.add_parser("socket", help="Socket Mode (needs SLACK_APP_TOKEN)")

    demo = sub.add_parser("demo", help="run a whole assessment against a built-in stand-in Slack")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="folder for the demo's files")
    demo.add_argument("--members", type=_positive, default=5, help="simulated team size (default: 5)")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the simulated answers")

    frameworks = sub.add_parser("frameworks", help="list the frameworks (or: frameworks validate FILE)")
    frameworks.add_argument("--json", action="store_true", help="machine-readable output")
    frameworks_sub = frameworks.add_subparsers(dest="frameworks_command", metavar="validate", parser_class=Parser)
    validate = frameworks_sub.add_parser("validate", help="check a questionnaire file as the loader would")
    validate.add_argument("file", type=Path, metavar="FILE")

    score = sub.add_parser("score", help="score a CSV of responses (respondent,question_id,level[,comment])")
    score.add_argument("file", type=Path, metavar="FILE")
    score.add_argument("--framework", required=True, metavar="ID")
    score.add_argument("--json", action="store_true", help="machine-readable output")
    score.add_argument(
        "--target", metavar="LEVEL", help="rank the weakest dimensions against this level (default: the next level)"
    )

    sub.add_parser("migrate", help="bring the database schema to the newest version")

    report = sub.add_parser(
        "report",
        help="a channel's latest finished assessment (--team), or every team of a workspace (--org), "
        "as Markdown, one HTML file or (--org) CSV",
    )
    report.add_argument("--team", default=None, metavar="C…", help="the team's channel id")
    report.add_argument("--org", action="store_true", help="every team of the workspace side by side")
    report.add_argument("--format", required=True, choices=["md", "html", "csv"])
    report.add_argument(
        "--workspace",
        metavar="T…",
        default=None,
        help="needed when several workspaces have the channel (or, with --org, when the database has several)",
    )
    report.add_argument("--out", type=Path, default=None, metavar="FILE", help="default: standard output")
    report.add_argument("--anonymous", action="store_true", help="aggregates only: no names or user ids")

    purge = sub.add_parser("purge", help="delete everything stored for one workspace (tokens and data)")
    purge.add_argument("--team", required=True, metavar="T…", help="the workspace (Slack team) id")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port must be a number, got {value!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"--port must be between 1 and 65535, got {port}")
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {number}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    from bot.config import ConfigError, load_frameworks_setting
    from conversations.scoring_io import ResponsesFileError
    from storage.db import DatabaseURLError

    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "frameworks_command", None) == "validate":
            return cmd_frameworks_validate(args)
        load_frameworks_setting()  # FRAMEWORKS_DIR: a broken file stops every command, naming file and field
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError, DatabaseURLError, ResponsesFileError) as exc:
        from storage.db import mask_credentials

        print(f"maturity: error: {mask_credentials(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


# --- frameworks and scoring ------------------------------------------------------------------------


def cmd_frameworks_validate(args: argparse.Namespace) -> int:
    """Exit 0 for a file the loader accepts; else exit 2 and one ``FILE: field: message`` line per problem."""
    from conversations.frameworks import validate_file

    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    problems = validate_file(args.file)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return 2
    print(f"{args.file}: ok")
    return 0


def cmd_frameworks(args: argparse.Namespace) -> int:
    from conversations.frameworks import get_frameworks

    frameworks = get_frameworks()
    data = [
        {
            "id": f.id,
            "name": f.name,
            "version": f.version,
            "default": f.default,
            "scale": {"min": f.scale.min, "max": f.scale.max},
            "levels": [{"level": lv.value, "name": lv.name} for lv in f.levels],
            "dimensions": [
                {"id": d.id, "name": d.name, "weight": d.weight, "questions": [q.id for q in d.questions]}
                for d in f.dimensions
            ],
        }
        for f in frameworks.values()
    ]
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    for f in data:
        default = " (default)" if f["default"] else ""
        print(f"{f['id']}{default} — {f['name']} v{f['version']}")
        print(
            f"  scale {f['scale']['min']}–{f['scale']['max']}: "
            + ", ".join(f"{lv['level']} {lv['name']}" for lv in f["levels"])
        )
        for d in f["dimensions"]:
            print(
                f"  {d['name']} (weight {d['weight']:.2f}, {len(d['questions'])} questions): "
                + " ".join(d["questions"])
            )
        print()
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from conversations.frameworks import get_roadmaps
    from conversations.scoring_io import read_responses_csv, score_json
    from scoring import format_score, reference_level, score, select_roadmap
    from scoring.formatting import format_gap

    framework, answers = read_responses_csv(args.file, args.framework)
    spec = framework.spec()
    target = _target_level(args.target, spec.scale) if args.target is not None else None
    result = score(spec, answers, target=target)
    roadmap = (
        select_roadmap(get_roadmaps(), reference_level(spec, result.level))
        if result.level is not None and framework.roadmaps
        else None
    )
    if args.json:
        print(json.dumps(score_json(framework, result, roadmap), indent=2))
        return 0
    print(f"{framework.name} ({framework.id} v{framework.version}) — {result.respondents} respondents")
    level = f"Level {result.level} ({framework.level_name(result.level)})" if result.level is not None else "no level"
    print(f"Overall: {format_score(result.overall)} — {level}")
    for d in result.dimensions:
        dl = f"Level {d.level} ({framework.level_name(d.level)})" if d.level is not None else "not scored"
        print(f"  {d.name:<28} {format_score(d.score):>5}  {dl}  (weight {d.weight:.2f})")
    if result.target_level is not None:
        ranked = "; ".join(f"{w.name} ({format_gap(w.gap, w.score)} short)" for w in result.weakest[:3]) or (
            "none — every scored dimension is there"
        )
        print(f"Weakest, ranked by weighted gap to Level {result.target_level}: {ranked}")
    if result.disagreements:
        print(
            "Disagreement (2+ levels apart): "
            + ", ".join(f"{q.question_id} {min(q.levels)}–{max(q.levels)}" for q in result.disagreements)
        )
    if roadmap is not None and roadmap.next is not None:
        r = roadmap.next
        print(f"Next: Roadmap {r.number} — {r.title}: {r.duration}, {r.cost}, team {r.team}")
    return 0


def _target_level(raw: str, scale: Any) -> int:
    """``--target LEVEL``: a whole number on the framework's scale; UsageError otherwise."""
    try:
        level = int(raw.strip())
    except ValueError:
        raise UsageError(f"--target must be a whole level number, got {clip(raw)!r}") from None
    if not scale.contains(level):
        raise UsageError(f"--target {clip(str(level))} is outside the framework's scale {scale.min}–{scale.max}")
    return level


# --- database and servers --------------------------------------------------------------------------


def _use_clock(settings: Any) -> None:
    """The process clock: the system's, or MATURITY_CLOCK_FILE's (tests; see storage/clock.py)."""
    if settings.maturity_clock_file:
        from storage import clock

        clock.use_file(settings.maturity_clock_file)
        log.warning("the clock is taken from a file", extra={"path": settings.maturity_clock_file})


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging
    from storage.db import Database, mask_credentials, shown_url
    from storage.migrate import SchemaNewerError, current_revision, upgrade

    settings = load_command_settings()
    setup_logging(settings.log_level)
    db = Database(settings.database_url)
    try:
        before = current_revision(db)
        upgrade(db)
        after = current_revision(db)
    except SchemaNewerError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:  # a database that cannot be reached is the user's to fix: say so in one line
        problem = mask_credentials(first_line(exc), db.url)
        raise UsageError(f"DATABASE_URL: cannot migrate {shown_url(db.url)}: {problem}") from None
    finally:
        db.dispose()
    print(f"database schema: {before or 'empty'} -> {after}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    import re

    from conversations.workspaces import purge_workspace

    team = args.team.strip()
    if not re.fullmatch(r"[TE][A-Z0-9]{2,31}", team):
        raise UsageError(f"--team must be a Slack workspace id such as T0123ABCD, got {args.team!r}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"purging {team} deletes its tokens and every assessment: add --yes to confirm")
        answer = input(f"Delete every token, team, assessment and answer of workspace {team}? Type its id: ")
        if answer.strip() != team:
            print("nothing deleted")
            return 1
    settings = load_command_settings()
    db = open_database(settings)
    try:
        counts = purge_workspace(db, team)
    finally:
        db.dispose()
    if not counts:
        print(f"nothing stored for {team}")
        return 0
    print(f"purged {team}: " + ", ".join(f"{name} {n}" for name, n in sorted(counts.items())))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging

    settings = load_command_settings()
    if args.port is not None:
        settings.port = args.port
    settings.require_http()
    setup_logging(settings.log_level)
    _use_clock(settings)
    db = open_database(settings)
    _check_slack(settings, db)
    # matplotlib and its font, loaded now rather than by the first chart a member waits for (the
    # first `/maturity teams` of a process paid ~0.7 s of CPU for them before its heat map); before
    # the workers fork, so that they share those pages instead of each loading its own copy.
    from bot.charts import warm_up

    warm_up()
    if args.workers == 1:
        return _serve(settings, db, args)
    db.dispose()  # the supervisor holds no connection: each worker opens its own
    from bot.prefork import listen_socket, run_workers
    from storage.db import Database

    try:
        sock = listen_socket(args.host, settings.port)
    except OSError as exc:
        raise UsageError(f"--port: cannot listen on {args.host}:{settings.port}: {exc.strerror or exc}") from None
    log.info(
        "serving",
        extra={"port": sock.getsockname()[1], "path": "/slack/events", "workers": args.workers},
    )

    def worker(index: int) -> int:
        # Scheduled jobs are claimed in the database, so any one process may run them: the first.
        return _serve(settings, Database(settings.database_url), args, sock=sock, scheduler=index == 0)

    return run_workers(args.workers, worker)


def _check_slack(settings: Any, db: Any) -> None:
    """One line and exit 2 when Slack is unreachable at start or refuses the bot token."""
    from bot.services import SlackUnusable, check_bot_token

    try:
        check_bot_token(settings)
    except SlackUnusable as exc:
        db.dispose()
        raise UsageError(str(exc)) from None


def _serve(settings: Any, db: Any, args: argparse.Namespace, *, sock: Any = None, scheduler: bool = True) -> int:
    """One server process: the app, waitress on ``sock`` (or host:port), and the scheduler."""
    from bot.app import build_app
    from bot.server import create_server, server_port, stop_serving
    from bot.services import build_services

    services = build_services(settings, db)
    app = build_app(services, listener_threads=args.threads)
    server = create_server(app, services, host=args.host, port=settings.port, threads=args.threads, sock=sock)
    signal.signal(signal.SIGTERM, lambda *_: stop_serving(server))
    running_scheduler = _start_scheduler(services) if scheduler else None
    # What start-up built (modules, the app, the frameworks) lives as long as the process: moved out
    # of the collector's generations, it is never scanned again, so a full collection while serving
    # costs a few milliseconds instead of ~100 (and, in forked workers, leaves shared pages shared).
    gc.collect()
    gc.freeze()
    if sock is None:
        log.info(
            "serving",
            extra={"port": server_port(server), "path": "/slack/events", "scheduler": bool(running_scheduler)},
        )
    try:
        server.run()
    except (KeyboardInterrupt, OSError):
        pass
    finally:
        if running_scheduler is not None:
            running_scheduler.shutdown(wait=False)
        _finish_pending_work(services)
        db.dispose()
    return 0


def _finish_pending_work(services: Services) -> None:
    """Before the exit: the work queued after acks runs, and dimension messages still waiting for
    their throttled refresh are rendered."""
    try:
        services.close()
    except Exception:
        log.exception("could not finish the pending Slack work before stopping")


def _start_scheduler(services: Services) -> CheckInScheduler | None:
    from bot.scheduler import start_scheduler

    return start_scheduler(services)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the process like Ctrl-C: in-flight work finishes first


def cmd_socket(args: argparse.Namespace) -> int:
    import time

    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.app import build_app
    from bot.logs import setup_logging
    from bot.services import build_services

    settings = load_command_settings()
    settings.require("slack_app_token", "slack_bot_token")
    setup_logging(settings.log_level)
    _use_clock(settings)
    db = open_database(settings)
    _check_slack(settings, db)
    services = build_services(settings, db)
    app = build_app(services)
    handler = SocketModeHandler(app, settings.secret("slack_app_token"))
    signal.signal(signal.SIGTERM, _interrupt)
    scheduler = None
    try:
        handler.connect()
        log.info("socket mode connected")
        scheduler = _start_scheduler(services)
        while True:
            time.sleep(3600)
    except SlackApiError as exc:
        raise UsageError(f"SLACK_APP_TOKEN: Slack refused it ({exc.response.get('error')})") from None
    except KeyboardInterrupt:
        log.info("socket mode stopping")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        handler.close()  # stops receiving; envelopes being dispatched finish
        _finish_pending_work(services)
        db.dispose()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    # imported here: keeps matplotlib out of the other commands
    if getattr(args, "org", False):
        if getattr(args, "team", None):
            raise UsageError("--team and --org go separately: one team's report, or every team's")
        from bot.org_report import cmd_org_report

        return cmd_org_report(args)
    if not getattr(args, "team", None):
        raise UsageError("--team C… (one team's report) or --org (every team of the workspace) is required")
    from bot.reports import cmd_report as run

    return run(args)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(out=args.out, members=args.members, seed=args.seed)


COMMANDS = {
    "serve": cmd_serve,
    "socket": cmd_socket,
    "demo": cmd_demo,
    "frameworks": cmd_frameworks,
    "score": cmd_score,
    "migrate": cmd_migrate,
    "purge": cmd_purge,
    "report": cmd_report,
}
