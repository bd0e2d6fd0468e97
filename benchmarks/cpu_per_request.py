"""CPU cost of one request of each kind in ``maturity serve``, the bot's work after the ack included:
``/maturity help``, ``/maturity status``, a typed thread reply, a button click — and the same for
the bare Bolt app. Explains where ack_latency's knee comes from: one server process runs Python
code on one core at a time, so its throughput is bounded by about 1 s / (CPU per request).

Each kind is sent alone at a rate the server keeps up with (``--rate``, 40/s) for ``--requests``
(200); the server's user+system CPU time (/proc/<pid>/stat) is read before and after the requests
and the work they caused (until the bot has stopped calling the stand-in Slack). The harness (the
stand-in and the load generator) and the servers run on separate cores (``--no-pin`` to share);
the stand-in enforces Slack's per-method rate limits (429 with Retry-After; ``--no-slack-limits`` to
turn them off).

Under those limits 200 replies at 40/s owe 200 ✅ to a budget of ~50 a minute: the after-ack work
cannot finish within a step. So the wait after each kind is bounded (``--max-drain``, 3 s): the CPU
counted is what the server spent during the kind and that wait — the ack, and the after-ack calls
Slack let through or answered 429 — and printed with it are the 429s, the jobs still queued
(``/healthz``), and the server's CPU in the second before each kind (``idle ms/s``: a backlog of
the earlier kinds, if any). No kind is measured with another's backlog: when a kind leaves jobs
queued, the server is killed (its backlog with it) and started afresh, its workspace's budget
refilled (StandInSlack.reset_rate_limits) and warmed up with ``help``, before the next kind;
each maturity server has a stand-in of its own (its own workspace) and is killed once measured, so
nothing reaches the next server.

    .venv/bin/python benchmarks/cpu_per_request.py
    .venv/bin/python benchmarks/cpu_per_request.py --db sqlite --requests 50
"""

from __future__ import annotations

import argparse
import contextlib
import json
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
    add_slack_limit_options,
    app_env,
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
    queued,
    run_load,
    stop_all,
    table,
    workdir,
)

IDLE_SECONDS = 1.0  # with Slack's limits on: the server's CPU is read this long before each kind

KINDS = ("help", "status", "reply", "click")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite and/or postgresql (both)")
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind (200)")
    parser.add_argument("--rate", type=float, default=40.0, help="requests per second (40)")
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin the harness and the servers to separate cores"
    )
    add_slack_limit_options(parser, max_drain=3.0)
    args = parser.parse_args(argv)
    args.db_list = [d.strip() for d in args.db.split(",") if d.strip()]
    if args.requests < 1 or args.rate <= 0:
        parser.error("--requests and --rate must be positive")
    return args


def requests_of(
    kind: str,
    builder: RequestBuilder,
    slack: Any,
    threads: dict[str, str],
    assessment_id: int,
    users: list[str],
    n: int,
) -> list[Any]:
    out = []
    dims = list(DIMENSIONS)
    message = slack.message_payload(CHANNEL, threads["people-process"])
    for i in range(n):
        user = users[i % len(users)]
        if kind == "reply":
            dimension = dims[i % len(dims)]
            text = " ".join(str((i + q) % 5) for q in range(DIMENSIONS[dimension])) + " evidence"
            builder.reply(user_id=user, channel_id=CHANNEL, thread_ts=threads[dimension], text=text)
        elif kind == "click":
            level = i % 5
            builder.click(
                user_id=user,
                channel_id=CHANNEL,
                message_ts=threads["people-process"],
                action_id=f"answer:pp-handoff:{level}",
                value=json.dumps({"a": assessment_id, "q": "pp-handoff", "l": level}),
                block_id="q:pp-handoff",
                message=message,
            )
        else:
            builder.slash(kind, user_id=user, channel_id=CHANNEL)
        out.append(builder.take(kind))
    return out


def measure(server: Server, slack: Any, requests: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    idle = 0.0
    if args.slack_limits:  # the earlier kinds' backlog, sleeping on Retry-After
        before = server.cpu_seconds()
        time.sleep(IDLE_SECONDS)
        idle = (server.cpu_seconds() - before) / IDLE_SECONDS
    limited = slack.rate_limited_count
    cpu, here = server.cpu_seconds(), time.process_time()
    load = run_load("open", server.port, requests, args.rate)
    drain(slack, args)
    return {
        "server_ms": 1000 * (server.cpu_seconds() - cpu) / len(requests),
        "standin_ms": 1000 * (time.process_time() - here) / len(requests),
        "idle_ms_per_s": 1000 * idle,
        "limited": slack.rate_limited_count - limited,
        "queued": queued(server),
        **latency_summary(load.outcomes),
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    users = members(args.members)
    rows: list[dict[str, Any]] = []
    with workdir("maturity-cpu-") as wd, contextlib.ExitStack() as stack:
        pinned = pin_cores(not args.no_pin)
        print(
            f"  cores: harness and stand-in {sorted(pinned[0])}, servers {sorted(pinned[1])}"
            if pinned
            else "  cores: not pinned",
            file=sys.stderr,
            flush=True,
        )
        # (server, its stand-in, thread ts, assessment id): each maturity server in a workspace of its own
        targets: list[tuple[Server, Any, dict[str, str], int]] = []
        for kind in kinds_available(args.db_list):
            slack = make_slack(users, slack_rate_limits=args.slack_limits)
            stack.callback(slack.stop)
            target = stack.enter_context(database(kind, wd))
            env = app_env(target.url, slack.url)
            migrate(env, wd)
            server = Server.maturity(f"maturity-{kind}", env, wd)
            server.cpus = pinned[1] if pinned else None
            stack.callback(server.stop)
            server.start()
            assessment_id, threads = open_assessment(server, slack, target.url, users[0])
            targets.append((server, slack, threads, assessment_id))
        # the bare app calls nothing after its acks: it shares the first stand-in (where the threads are)
        if targets:
            bare_slack, bare_threads = targets[0][1], targets[0][2]
        else:
            bare_slack, bare_threads = make_slack(users, slack_rate_limits=args.slack_limits), {}
            stack.callback(bare_slack.stop)
        bare = Server.bare(app_env("sqlite:///unused.db", bare_slack.url), wd)
        bare.cpus = pinned[1] if pinned else None
        stack.callback(bare.stop)
        bare.start()
        targets.insert(0, (bare, bare_slack, bare_threads or dict.fromkeys(DIMENSIONS, "1.1"), 1))
        stack.callback(stop_all, [t[0] for t in targets])
        for _, slack, _, _ in targets:
            drain(slack, args)
        for server, slack, threads, assessment_id in targets:
            builder = RequestBuilder(slack)
            warm = requests_of("help", builder, slack, threads, assessment_id, users, 10)
            run_load("open", server.port, warm, 20.0)
            for kind in KINDS:
                if rows and rows[-1]["server"] == server.name and rows[-1]["queued"] > 0:
                    # the last kind left after-ack jobs retrying 429s: a fresh process for this one
                    print(f"  {server.name}: restarted (backlog {rows[-1]['queued']})", file=sys.stderr, flush=True)
                    server.kill()
                    server.start()
                    slack.reset_rate_limits()  # the budget of a fresh workspace, as for the first kind
                    run_load("open", server.port, warm, 20.0)
                print(f"  {server.name}: {args.requests} × {kind} …", file=sys.stderr, flush=True)
                batch = requests_of(kind, builder, slack, threads, assessment_id, users, args.requests)
                rows.append({"server": server.name, "kind": kind} | measure(server, slack, batch, args))
            if server is not bare:  # its backlog of 429-retried calls goes with it, not into the next server
                server.kill()
    print(
        f"\nCPU per request ({args.requests} of each kind alone at {args.rate:g}/s; the bot's work after the ack "
        f"included, up to {args.max_drain:g} s after under Slack's limits); capacity of one process ≈ 1000 / server "
        f"ms; {limits_note(args)}; 429s: answered during the kind and its wait; queued: after-ack jobs left "
        "(/healthz); idle ms/s: the server's CPU in the second before the kind"
    )
    print(
        table(
            [
                [
                    r["server"],
                    r["kind"],
                    r["server_ms"],
                    1000 / r["server_ms"] if r["server_ms"] else float("nan"),
                    r["standin_ms"],
                    r["p50"],
                    r["p99"],
                    r["errors"],
                    r["limited"],
                    r["queued"],
                    r["idle_ms_per_s"],
                ]
                for r in rows
            ],
            [
                "server",
                "kind",
                "server CPU ms",
                "≈ max /s",
                "stand-in CPU ms",
                "p50 ms",
                "p99 ms",
                "errors",
                "429s",
                "queued",
                "idle ms/s",
            ],
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    run(parse_args(argv))
    print(f"\n(cpu_per_request took {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
