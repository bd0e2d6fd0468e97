"""Memory of ``maturity serve``: RSS when idle, and peak RSS (VmHWM from /proc/<pid>/status) after the
load of the other benchmarks — a steady mixed stream (as benchmarks/ack_latency.py) followed by a
big team answering at once (as benchmarks/many_respondents.py) — on one server process.

The stand-in enforces Slack's per-method rate limits (429 with Retry-After; ``--no-slack-limits`` to
turn them off). The ✅ of those answers take many minutes at Tier 3: after each load the wait for the
bot's Slack calls is bounded (``--max-drain``, 5 s), and the after-ack jobs still queued (``/healthz``)
are printed — their memory is in the figures, as it would be under Slack's limits.

    .venv/bin/python benchmarks/memory.py
    .venv/bin/python benchmarks/memory.py --members 100 --rate 50 --seconds 3 --db sqlite,postgresql
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ack_latency  # noqa: E402
import many_respondents  # noqa: E402
from _common import (  # noqa: E402
    RequestBuilder,
    Server,
    add_slack_limit_options,
    app_env,
    database,
    drain,
    kinds_available,
    limits_note,
    make_slack,
    members,
    migrate,
    open_assessment,
    queued,
    run_load,
    table,
    workdir,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", help="sqlite and/or postgresql, comma-separated (sqlite)")
    parser.add_argument("--rate", type=float, default=100.0, help="rate of the steady mixed stream (100/s)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the steady stream (10 s)")
    parser.add_argument("--members", type=int, default=300, help="team answering at once afterwards (300)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="maturity serve --workers (1)")
    add_slack_limit_options(parser, max_drain=5.0)
    args = parser.parse_args(argv)
    args.db_list = [d.strip() for d in args.db.split(",") if d.strip()]
    if any(d not in ("sqlite", "postgresql") for d in args.db_list):
        parser.error("--db takes sqlite and/or postgresql")
    return args


def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    users = members(max(args.members, 10))
    with workdir("maturity-mem-") as wd, contextlib.ExitStack() as stack:
        slack = make_slack(users, slack_rate_limits=args.slack_limits)
        stack.callback(slack.stop)
        target = stack.enter_context(database(kind, wd))
        env = app_env(target.url, slack.url)
        migrate(env, wd)
        server = Server.maturity(f"maturity-{kind}", env, wd, workers=args.workers)
        stack.callback(server.stop)
        stack.callback(server.kill)  # runs first: its backlog of 429-retried calls is not waited for
        server.start()
        idle = server.memory_kb()
        assessment_id, threads = open_assessment(server, slack, target.url, users[0])
        builder = RequestBuilder(slack)
        steady = ack_latency.build_requests(builder, int(args.rate * args.seconds), threads, users, 0)
        print(f"  {kind}: steady {args.rate:g}/s for {args.seconds:g} s …", file=sys.stderr, flush=True)
        run_load("open", server.port, steady, args.rate)
        drain(slack, args)
        after_steady = server.memory_kb()
        many_args = argparse.Namespace(typed=0.5, seed=11)
        built = many_respondents.build(builder, slack, users[: args.members], threads, assessment_id, many_args)
        print(f"  {kind}: {args.members} members answering at once …", file=sys.stderr, flush=True)
        run_load("closed", server.port, [r for r, _ in built], args.concurrency, timeout=30.0, max_seconds=150)
        drain(slack, args)
        end = server.memory_kb()
        return {
            "db": kind,
            "idle_rss": idle.get("VmRSS", 0),
            "steady_rss": after_steady.get("VmRSS", 0),
            "end_rss": end.get("VmRSS", 0),
            "peak_rss": end.get("VmHWM", 0),
            "end_pss": end.get("Pss", 0),
            "requests": len(steady) + len(built),
            "queued": queued(server),
            "limited": slack.rate_limited_count,
        }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    results = [run_one(kind, args) for kind in kinds_available(args.db_list)]
    print(
        f"\nMemory of maturity serve (kB): idle after start; after {args.rate:g}/s × {args.seconds:g} s mixed; "
        f"after {args.members} members × 16 answers; peak = VmHWM; with --workers, summed over the processes "
        f"(RSS counts the pages forked workers share once per process, PSS once in all); {limits_note(args)}; "
        "queued: after-ack jobs left at the end (/healthz)"
    )
    print(
        table(
            [
                [
                    r["db"],
                    r["requests"],
                    r["idle_rss"],
                    r["steady_rss"],
                    r["end_rss"],
                    r["peak_rss"],
                    r["end_pss"],
                    r["queued"],
                    r["limited"],
                ]
                for r in results
            ],
            [
                "db",
                "requests",
                "idle RSS",
                "RSS after steady",
                "RSS at end",
                "peak RSS (VmHWM)",
                "PSS at end",
                "queued",
                "429s",
            ],
        )
    )
    return results


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    run(parse_args(argv))
    print(f"\n(memory took {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
