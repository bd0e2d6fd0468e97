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
2-core machine the figures measure the server alone.

The stand-in enforces Slack's per-method rate limits (429 with Retry-After; ``--no-slack-limits`` to
turn them off), and each maturity server has a stand-in of its own (its own workspace: Slack's tiers
are per workspace), so no server spends another's budget. At these rates one workspace is far past
Tier 3: the ✅ of a step's replies would be retried for many minutes, sleeping on Retry-After. So
after each step the wait for the bot's Slack calls is bounded (``--max-drain``, 2 s); printed are
what was left (``✅ owed``: replies sent minus ✅ given) and the 429s answered; then the server is
killed, its backlog with it, and before the next rate started afresh with its workspace's budget
refilled (as a fresh workspace's; StandInSlack.reset_rate_limits) and warmed up as at start, so no
step or server is measured with another's backlog.
Checked by the figures: ``idle CPU``, the server's in the second before its step, and
``others CPU``, the other servers' during the step (they share its core).

    .venv/bin/python benchmarks/ack_latency.py                      # 50, 100, 200 req/s, 10 s each
    .venv/bin/python benchmarks/ack_latency.py --rates 20 --seconds 2 --db sqlite   # a quick check
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    CHANNEL,
    DIMENSIONS,
    RequestBuilder,
    Server,
    add_slack_limit_options,
    app_env,
    checks_given,
    database,
    drain,
    kinds_available,
    latency_summary,
    limits_note,
    make_slack,
    members,
    migrate,
    open_assessment,
    pin_cores,
    run_load,
    stop_all,
    table,
    workdir,
)

IDLE_SECONDS = 1.0  # with Slack's limits on: the server's CPU is read this long before each step
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
    add_slack_limit_options(parser, max_drain=2.0)
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
    drains: dict[tuple[float, str], float | None] = {}  # None: still calling Slack at --max-drain
    cpu: dict[tuple[float, str], tuple[float, float]] = {}  # (server, stand-in) CPU in cores, during the step
    backlog: dict[tuple[float, str], dict[str, float]] = {}  # 429s, ✅ owed, idle and others' CPU
    log_errors: dict[str, int] = {}
    memory_peak: dict[str, int] = {}  # VmHWM of the processes killed after their steps
    last_memory: dict[str, dict[str, int]] = {}  # a killed process's memory, read just before
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
        servers: list[Server] = []
        slack_of: dict[str, Any] = {}  # server name -> its stand-in (its workspace)
        builder_of: dict[str, RequestBuilder] = {}
        threads_of: dict[str, dict[str, str]] = {}
        replies_sent: dict[str, int] = {}
        for kind in kinds:
            for workers in args.worker_list:
                slack = make_slack(users, slack_rate_limits=args.slack_limits)
                stack.callback(slack.stop)
                target = stack.enter_context(database(kind, wd, suffix=f"w{workers}"))
                env = app_env(target.url, slack.url)
                migrate(env, wd)
                name = f"maturity-{kind}" + (f"-w{workers}" if workers > 1 else "")
                server = Server.maturity(name, env, wd, threads=args.threads, workers=workers)
                server.cpus = pinned[1] if pinned else None
                servers.append(server)
                stack.callback(server.stop)
                server.start()
                slack_of[name], builder_of[name] = slack, RequestBuilder(slack)
                _, threads_of[name] = open_assessment(server, slack, target.url, users[0])
        # the bare app calls nothing after its acks: it shares the first stand-in (where the threads are)
        if servers:
            bare_slack = slack_of[servers[0].name]
        else:
            bare_slack = make_slack(users, slack_rate_limits=args.slack_limits)
            stack.callback(bare_slack.stop)
        bare = Server.bare(app_env("sqlite:///unused.db", bare_slack.url), wd, threads=args.threads)
        bare.cpus = pinned[1] if pinned else None
        stack.callback(bare.stop)
        bare.start()
        slack_of[bare.name], builder_of[bare.name] = bare_slack, RequestBuilder(bare_slack)
        threads_of[bare.name] = next(iter(threads_of.values()), {d: "1700000000.000100" for d in DIMENSIONS})
        servers.insert(0, bare)
        stack.callback(stop_all, servers)  # runs first: every server drains its queue at the same time
        for server in servers:  # warm-up: first requests pay for lazy imports and the token check
            warm = build_requests(builder_of[server.name], 20, threads_of[server.name], users, 0)
            replies_sent[server.name] = sum(1 for r in warm if r.kind == "reply")
            run_load("open", server.port, warm, 20.0)
        killed: list[Server] = []  # servers killed with their backlog, to start afresh before the next rate
        for server in servers[1:]:
            drain(slack_of[server.name], args)
        memory_start = {s.name: s.memory_kb() for s in servers}

        offset = 0
        for rate in args.rate_list:
            count = max(1, int(rate * args.seconds))
            for server in servers:
                slack = slack_of[server.name]
                requests = build_requests(builder_of[server.name], count, threads_of[server.name], users, offset)
                offset += count
                is_bare = server is bare
                idle = 0.0
                if args.slack_limits and not is_bare:  # the CPU of this server's own backlog, before its step
                    before = server.cpu_seconds()
                    time.sleep(IDLE_SECONDS)
                    idle = (server.cpu_seconds() - before) / IDLE_SECONDS
                others = [s for s in servers if s is not server]
                print(f"  {rate:g}/s × {args.seconds:g} s → {server.name} …", file=sys.stderr, flush=True)
                limited_before = slack.rate_limited_count
                cpu_server, cpu_here = server.cpu_seconds(), time.process_time()
                cpu_others = sum(s.cpu_seconds() for s in others)
                load = run_load("open", server.port, requests, rate, args.timeout)
                cpu[(rate, server.name)] = (
                    (server.cpu_seconds() - cpu_server) / load.wall,
                    (time.process_time() - cpu_here) / load.wall,
                )
                others_cpu = (sum(s.cpu_seconds() for s in others) - cpu_others) / load.wall
                if is_bare:  # nothing to drain (and its stand-in is a maturity server's)
                    drains[(rate, server.name)] = 0.0
                else:
                    took, went_quiet = drain(slack, args)
                    drains[(rate, server.name)] = took if went_quiet else None
                replies_sent[server.name] += sum(1 for r in requests if r.kind == "reply")
                backlog[(rate, server.name)] = {
                    "limited": slack.rate_limited_count - limited_before,
                    "owed": replies_sent[server.name] - checks_given(slack),
                    "idle_cpu": idle,
                    "others_cpu": others_cpu,
                }
                for kind in ("all", "reply", "status", "help"):
                    chosen = [o for o in load.outcomes if kind == "all" or o.kind == kind]
                    results.append(
                        {"rate": rate, "server": server.name, "kind": kind, "late_sends": load.late_sends}
                        | latency_summary(chosen)
                    )
                if drains[(rate, server.name)] is None:
                    last_memory[server.name] = server.memory_kb()
                    memory_peak[server.name] = max(memory_peak.get(server.name, 0), last_memory[server.name]["VmHWM"])
                    server.kill()  # its backlog with it: a fresh process for the next rate
                    replies_sent[server.name] = checks_given(slack)  # what was owed died with it
                    killed.append(server)
            if rate != args.rate_list[-1]:
                restart(killed, slack_of, builder_of, threads_of, replies_sent, users, args)
        for server in servers:
            end = server.memory_kb() if server.proc and server.proc.poll() is None else last_memory[server.name]
            memory[server.name] = memory_start[server.name] | {f"{k}_end": v for k, v in end.items()}
            memory[server.name]["VmHWM_end"] = max(
                memory[server.name].get("VmHWM_end", 0), memory_peak.get(server.name, 0)
            )
            log_errors[server.name] = server.error_lines()
        report(args, results, drains, memory, log_errors, cpu, backlog)
    return {
        "results": results,
        "memory": memory,
        "drains": drains,
        "log_errors": log_errors,
        "cpu": cpu,
        "backlog": backlog,
    }


def restart(
    killed: list[Server],
    slack_of: dict[str, Any],
    builder_of: dict[str, RequestBuilder],
    threads_of: dict[str, dict[str, str]],
    replies_sent: dict[str, int],
    users: list[str],
    args: argparse.Namespace,
) -> None:
    """Start the killed servers afresh, side by side, each with its workspace's budget refilled (as a
    fresh workspace's), and warm each up as at start."""
    starting = [threading.Thread(target=server.start) for server in killed]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    for server in killed:
        slack_of[server.name].reset_rate_limits()
        warm = build_requests(builder_of[server.name], 20, threads_of[server.name], users, 0)
        replies_sent[server.name] += sum(1 for r in warm if r.kind == "reply")
        run_load("open", server.port, warm, 20.0)
    for server in killed:
        drain(slack_of[server.name], args)  # the warm-up's ✅, within the burst
    for server in killed:  # until the fresh processes (each worker starts on its own) are done starting
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            before = server.cpu_seconds()
            time.sleep(0.5)
            if server.cpu_seconds() - before <= 0.01:
                break
    killed.clear()


def report(
    args: argparse.Namespace,
    results: list[dict[str, Any]],
    drains: dict[tuple[float, str], float | None],
    memory: dict[str, dict[str, int]],
    log_errors: dict[str, int],
    cpu: dict[tuple[float, str], tuple[float, float]],
    backlog: dict[tuple[float, str], dict[str, float]],
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
        f"latency from scheduled send to response (ms); {limits_note(args)}"
    )
    print(table(rows, ["rate", "server", "kind", "sent", "errors", "p50", "p95", "p99", "max", "p99/bare"]))
    print(
        "\nSummary (all kinds): p99 vs bare Bolt (target ≤ 1.5×) and Slack's 3 s ack deadline; CPU used during the "
        "step, in % of one core, by the server and by this process (the stand-in Slack); drain s: until the bot "
        f"stopped calling Slack (>{args.max_drain:g}: still retrying 429s); 429s answered during the step and its "
        "drain; ✅ owed: replies sent minus ✅ given; idle CPU: the server's in the second before its step (its "
        "backlog sleeping on Retry-After); others CPU: the other servers' during the step"
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
                _drain(drains[(r["rate"], r["server"])], args),
                r["late_sends"],
                f"{cpu[(r['rate'], r['server'])][0]:.0%}",
                f"{cpu[(r['rate'], r['server'])][1]:.0%}",
                int(backlog[(r["rate"], r["server"])]["limited"]),
                int(backlog[(r["rate"], r["server"])]["owed"]),
                f"{backlog[(r['rate'], r['server'])]['idle_cpu']:.1%}",
                f"{backlog[(r['rate'], r['server'])]['others_cpu']:.1%}",
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
                "429s",
                "✅ owed",
                "idle CPU",
                "others CPU",
                "1.5× target",
            ],
        )
    )
    print(
        "\nMemory (kB): after warm-up, and at the end (VmHWM = peak RSS, of every process it ran as); error lines in "
        "each server's log"
    )
    mem_rows = [
        [name, m.get("VmRSS", 0), m.get("VmRSS_end", 0), m.get("VmHWM_end", 0), log_errors.get(name, 0)]
        for name, m in memory.items()
    ]
    print(table(mem_rows, ["server", "RSS start", "RSS end", "peak RSS", "log errors"]))


def _drain(took: float | None, args: argparse.Namespace) -> str:
    return f">{args.max_drain:g}" if took is None else f"{took:.1f}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    run(args)
    print(f"\n(ack_latency took {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
