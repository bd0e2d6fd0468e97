"""Ack latency of ``maturity serve`` against a bare Bolt app, open-loop, at steady request rates.

Starts, as subprocesses on loopback, ``maturity serve`` on each database (SQLite in a temp file;
PostgreSQL in a fresh schema of the ``test`` database, dropped afterwards) — each migrated first
with ``maturity migrate`` and holding an open assessment — and benchmarks/bare_app.py (a Bolt app
that acks and does nothing, served the same way). All of them talk to one in-process stand-in Slack.

For each rate, each server gets the same mix for ``--seconds``: thread replies (``message`` events
in a dimension thread, answered by members: 50%), ``/maturity status`` (25%) and ``/maturity help``
(25%), all signed like Slack's. Sends leave at fixed intervals from a load generator in a process of
its own (asyncio, a new connection per request); a request's latency runs from its *scheduled* send
time to the end of the response, so a server that falls behind cannot hide it (no coordinated
omission). Printed: p50/p95/p99/max and errors per kind, the p99 ratio to the bare app (target:
within 1.5×, far under Slack's 3 s), how long the bot's background work took to drain after each
step, and each server's RSS and peak RSS (VmHWM) at the end.

The load generator and the stand-in Slack are pinned to one core and the servers to the other
(``os.sched_setaffinity``; ``--no-pin`` to share): real Slack's CPU is not the bot's, so on a
2-core machine the figures measure the server alone. The stand-in answers without Slack's rate
limits unless ``--slack-limits``: this measures the server, not Slack's budget (answer_burst.py does).

    .venv/bin/python benchmarks/ack_latency.py                      # 50, 100, 200 req/s, 10 s each
    .venv/bin/python benchmarks/ack_latency.py --rates 20 --seconds 2 --db sqlite   # a quick check
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    CHANNEL,
    DIMENSIONS,
    RequestBuilder,
    Server,
    app_env,
    database,
    kinds_available,
    latency_summary,
    make_slack,
    members,
    migrate,
    open_assessment,
    pin_cores,
    run_load,
    table,
    wait_quiet,
    workdir,
)

MIX = ("reply", "status", "reply", "help")
SLACK_ACK_DEADLINE_MS = 3000.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="50,100,200", help="requests per second, comma-separated (50,100,200)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each rate step (10)")
    parser.add_argument("--db", default="sqlite,postgresql", help="databases: sqlite,postgresql (both)")
    parser.add_argument("--members", type=int, default=100, help="channel members who reply (100)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads of each server (8, the default)")
    parser.add_argument(
        "--workers",
        default="2",
        help="maturity serve --workers, comma-separated: one server per count and database (2); the bare app has 1",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="a request still unanswered after this fails")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin the harness and the servers to separate cores"
    )
    parser.add_argument(
        "--slack-limits",
        action="store_true",
        help="the stand-in enforces Slack's per-method rate limits (off: this measures the server; at 100 replies/s "
        "one workspace is far past Tier 3, and the ✅ retried for minutes would load the server's core in later steps)",
    )
    args = parser.parse_args(argv)
    args.rate_list = [float(r) for r in args.rates.split(",") if r.strip()]
    args.db_list = [d.strip() for d in args.db.split(",") if d.strip()]
    try:
        args.worker_list = [int(w) for w in args.workers.split(",") if w.strip()]
    except ValueError:
        parser.error("--workers takes whole numbers, e.g. 1,2")
    if not args.worker_list or any(w < 1 for w in args.worker_list):
        parser.error("--workers takes whole numbers of 1 or more, e.g. 1,2")
    if not args.rate_list or any(r <= 0 for r in args.rate_list) or args.seconds <= 0:
        parser.error("--rates and --seconds must be positive")
    if any(d not in ("sqlite", "postgresql") for d in args.db_list):
        parser.error("--db takes sqlite and/or postgresql")
    return args


def build_requests(
    builder: RequestBuilder, count: int, threads: dict[str, str], users: list[str], offset: int
) -> list[Any]:
    requests = []
    dims = list(DIMENSIONS)
    for i in range(count):
        kind = MIX[i % len(MIX)]
        user = users[(offset + i) % len(users)]
        if kind == "reply":
            dimension = dims[(offset + i // 2) % len(dims)]
            levels = " ".join(str((offset + i + q) % 5) for q in range(DIMENSIONS[dimension]))
            builder.reply(user_id=user, channel_id=CHANNEL, thread_ts=threads[dimension], text=f"{levels} bench")
        else:
            builder.slash(kind, user_id=user, channel_id=CHANNEL)
        requests.append(builder.take(kind))
    return requests


def run(args: argparse.Namespace) -> dict[str, Any]:
    users = members(args.members)
    results: list[dict[str, Any]] = []
    memory: dict[str, dict[str, int]] = {}
    drains: dict[tuple[float, str], float] = {}
    cpu: dict[tuple[float, str], tuple[float, float]] = {}  # (server, stand-in) CPU in cores, during the step
    log_errors: dict[str, int] = {}
    kinds = kinds_available(args.db_list)
    with workdir("maturity-ack-") as wd, contextlib.ExitStack() as stack:
        pinned = pin_cores(not args.no_pin)
        print(
            f"  cores: harness and stand-in {sorted(pinned[0])}, servers {sorted(pinned[1])}"
            if pinned
            else "  cores: not pinned",
            file=sys.stderr,
            flush=True,
        )
        slack = make_slack(users, slack_rate_limits=args.slack_limits)
        stack.callback(slack.stop)
        builder = RequestBuilder(slack)
        servers: list[Server] = []
        threads_of: dict[str, dict[str, str]] = {}
        bare = Server.bare(app_env("sqlite:///unused.db", slack.url), wd, threads=args.threads)
        bare.cpus = pinned[1] if pinned else None
        servers.append(bare)
        for kind in kinds:
            for workers in args.worker_list:
                target = stack.enter_context(database(kind, wd, suffix=f"w{workers}"))
                env = app_env(target.url, slack.url)
                migrate(env, wd)
                name = f"maturity-{kind}" + (f"-w{workers}" if workers > 1 else "")
                server = Server.maturity(name, env, wd, threads=args.threads, workers=workers)
                server.cpus = pinned[1] if pinned else None
                servers.append(server)
                stack.callback(server.stop)
                server.start()
                _, threads_of[server.name] = open_assessment(server, slack, target.url, users[0])
        stack.callback(bare.stop)
        bare.start()
        some_threads = next(iter(threads_of.values()), {d: "1700000000.000100" for d in DIMENSIONS})
        threads_of[bare.name] = some_threads
        wait_quiet(slack)
        for server in servers:  # warm-up: first requests pay for lazy imports and the token check
            run_load("open", server.port, build_requests(builder, 20, threads_of[server.name], users, 0), 20.0)
        wait_quiet(slack)
        memory_start = {s.name: s.memory_kb() for s in servers}

        offset = 0
        for rate in args.rate_list:
            count = max(1, int(rate * args.seconds))
            for server in servers:
                requests = build_requests(builder, count, threads_of[server.name], users, offset)
                offset += count
                print(f"  {rate:g}/s × {args.seconds:g} s → {server.name} …", file=sys.stderr, flush=True)
                cpu_server, cpu_here = server.cpu_seconds(), time.process_time()
                load = run_load("open", server.port, requests, rate, args.timeout)
                cpu[(rate, server.name)] = (
                    (server.cpu_seconds() - cpu_server) / load.wall,
                    (time.process_time() - cpu_here) / load.wall,
                )
                drains[(rate, server.name)] = wait_quiet(slack, timeout=120)
                for kind in ("all", "reply", "status", "help"):
                    chosen = [o for o in load.outcomes if kind == "all" or o.kind == kind]
                    results.append(
                        {"rate": rate, "server": server.name, "kind": kind, "late_sends": load.late_sends}
                        | latency_summary(chosen)
                    )
        for server in servers:
            memory[server.name] = memory_start[server.name] | {f"{k}_end": v for k, v in server.memory_kb().items()}
            log_errors[server.name] = server.error_lines()
        report(args, results, drains, memory, log_errors, cpu)
    return {"results": results, "memory": memory, "drains": drains, "log_errors": log_errors, "cpu": cpu}


def report(
    args: argparse.Namespace,
    results: list[dict[str, Any]],
    drains: dict[tuple[float, str], float],
    memory: dict[str, dict[str, int]],
    log_errors: dict[str, int],
    cpu: dict[tuple[float, str], tuple[float, float]],
) -> None:
    bare_p99 = {(r["rate"], r["kind"]): r["p99"] for r in results if r["server"] == "bare-bolt"}
    rows = []
    for r in results:
        ratio = r["p99"] / bare_p99[(r["rate"], r["kind"])] if r["server"] != "bare-bolt" else 1.0
        rows.append(
            [
                f"{r['rate']:g}/s",
                r["server"],
                r["kind"],
                r["sent"],
                r["errors"],
                r["p50"],
                r["p95"],
                r["p99"],
                r["max"],
                f"{ratio:.2f}×",
            ]
        )
    print(
        f"\nAck latency, open-loop, {args.seconds:g} s per step; mix: 50% thread replies, 25% /maturity status, "
        f"25% /maturity help; waitress threads {args.threads} per process; maturity-…-wN: maturity serve --workers N; "
        "latency from scheduled send to response (ms)"
    )
    print(table(rows, ["rate", "server", "kind", "sent", "errors", "p50", "p95", "p99", "max", "p99/bare"]))
    print(
        "\nSummary (all kinds): p99 vs bare Bolt (target ≤ 1.5×) and Slack's 3 s ack deadline; CPU used during the "
        "step, in % of one core, by the server and by this process (the stand-in Slack)"
    )
    summary = []
    for r in results:
        if r["kind"] != "all" or r["server"] == "bare-bolt":
            continue
        ratio = r["p99"] / bare_p99[(r["rate"], "all")]
        verdict = "ok" if ratio <= 1.5 and r["errors"] == 0 else "MISSED"
        summary.append(
            [
                f"{r['rate']:g}/s",
                r["server"],
                bare_p99[(r["rate"], "all")],
                r["p99"],
                f"{ratio:.2f}×",
                f"{r['p99'] / SLACK_ACK_DEADLINE_MS:.1%}",
                r["errors"],
                f"{drains[(r['rate'], r['server'])]:.1f}",
                r["late_sends"],
                f"{cpu[(r['rate'], r['server'])][0]:.0%}",
                f"{cpu[(r['rate'], r['server'])][1]:.0%}",
                verdict,
            ]
        )
    print(
        table(
            summary,
            [
                "rate",
                "server",
                "bare p99",
                "p99",
                "ratio",
                "of 3 s",
                "errors",
                "drain s",
                "late sends",
                "server CPU",
                "stand-in CPU",
                "1.5× target",
            ],
        )
    )
    print("\nMemory (kB): after warm-up, and at the end (VmHWM = peak RSS); error lines in each server's log")
    mem_rows = [
        [name, m.get("VmRSS", 0), m.get("VmRSS_end", 0), m.get("VmHWM_end", 0), log_errors.get(name, 0)]
        for name, m in memory.items()
    ]
    print(table(mem_rows, ["server", "RSS start", "RSS end", "peak RSS", "log errors"]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    run(args)
    print(f"\n(ack_latency took {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
