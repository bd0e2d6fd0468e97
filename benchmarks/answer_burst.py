"""A 50-member team answering within two minutes, under Slack's per-method rate limits: every ✅
and every confirmation that is due arrives, no 429 goes unhandled, and the queue of Slack calls
after the acks stays bounded and drains.

Every member types one reply in each of the four dimension threads; one reply in five has a "don't
know", one in five answers a single question (``N=L``), the rest answer every question; five
members answer their first dimension again at the end (an answer that replaces an earlier one).
A complete reply gets the ✅ only; the others get the ✅ and an ephemeral confirmation (issue 14
item 11). The stand-in Slack enforces Slack's limits (standin.web_api.SLACK_RATE_LIMITS: chat.postMessage
about 1/s per channel, reactions.add and chat.update Tier 3, ~50/min, chat.postEphemeral and
views.publish Tier 4, ~100/min) and answers 429 with Retry-After; the bot retries with slack-sdk's
RateLimitErrorRetryHandler.

Time is compressed by ``--time-scale`` (6): the two minutes of answers are sent in 20 s and the
stand-in's buckets refill six times faster. Retry-After stays in whole seconds as Slack sends it, so
each wait is relatively six times longer, but a freed slot is then rarely contended: compression
tests the queue and the totals, not the race for a slot. That race is real time: run
``--time-scale 1 --members 15 --window 30`` (Slack's own rates; with slack-sdk's default of 5 rate-limit
retries it lost 5 of 65 ✅, with bot.services.RATE_LIMIT_RETRIES none). The queue is read from
``GET /healthz`` (``queued``: Slack calls waiting after their acks).

    .venv/bin/python benchmarks/answer_burst.py                 # SQLite, 50 members, 2 min in 20 s
    .venv/bin/python benchmarks/answer_burst.py --db sqlite,postgresql
    .venv/bin/python benchmarks/answer_burst.py --time-scale 1 --members 15 --window 30   # real time
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    CHANNEL,
    DIMENSIONS,
    Request,
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
    run_load,
    table,
    wait_quiet,
    workdir,
)

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
RATE_LIMITED = ("chat.postMessage", "reactions.add", "chat.update", "chat.postEphemeral", "views.publish")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50, help="team size (50)")
    parser.add_argument("--window", type=float, default=120.0, help="seconds the team takes to answer (120)")
    parser.add_argument("--time-scale", type=float, default=6.0, help="time compression (6: 120 s in 20 s)")
    parser.add_argument("--db", default="sqlite", help="sqlite and/or postgresql, comma-separated (sqlite)")
    parser.add_argument("--max-drain", type=float, default=90.0, help="seconds to wait for the queue to drain")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    args.db_list = [d.strip() for d in args.db.split(",") if d.strip()]
    return args


def build(builder: RequestBuilder, users: list[str], threads: dict[str, str], seed: int) -> tuple[list[Request], int]:
    """The replies, shuffled, the re-answers last; returns (requests, confirmations due)."""
    rng = random.Random(seed)
    plan: list[tuple[str, str, str]] = []  # (user, dimension, text)
    due = 0
    n = 0
    for user in users:
        for dimension, count in DIMENSIONS.items():
            levels = [str(rng.randint(0, 4)) for _ in range(count)]
            if n % 5 == 0:
                levels[rng.randrange(count)] = "?"  # a "don't know": confirmed
                due += 1
                text = " ".join(levels)
            elif n % 5 == 1:
                text = f"{rng.randint(1, count)}={rng.randint(0, 4)}"  # one question only: confirmed
                due += 1
            else:
                text = " ".join(levels) + " we do this in CI"  # complete: the ✅ only
            plan.append((user, dimension, text))
            n += 1
    rng.shuffle(plan)
    for user in users[:5]:  # answered again, completely: replaces the earlier answers, confirmed
        dimension, count = next(iter(DIMENSIONS.items()))
        plan.append((user, dimension, " ".join("3" for _ in range(count))))
        due += 1
    requests = []
    for user, dimension, text in plan:
        builder.reply(user_id=user, channel_id=CHANNEL, thread_ts=threads[dimension], text=text)
        requests.append(builder.take("reply"))
    return requests, due


class QueueWatch(threading.Thread):
    """Polls ``/healthz`` for the after-ack queue's length."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url + "/healthz"
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def queued(self) -> int:
        with NO_PROXY.open(self.url, timeout=5) as reply:
            return int(json.loads(reply.read()).get("queued", 0))

    def run(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(OSError, ValueError):
                self.samples.append((time.monotonic(), self.queued()))
            self.stop.wait(0.2)

    @property
    def peak(self) -> int:
        return max((q for _, q in self.samples), default=0)


def run_one(kind: str, args: argparse.Namespace, users: list[str]) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        wd = stack.enter_context(workdir(f"burst-{kind}-"))
        slack = make_slack(users, slack_rate_limits=True, time_scale=args.time_scale)
        stack.callback(slack.stop)
        target = stack.enter_context(database(kind, wd))
        env = app_env(target.url, slack.url)
        migrate(env, wd)
        server = Server.maturity(f"maturity-{kind}", env, wd)
        stack.callback(server.stop)
        server.start()
        _, threads = open_assessment(server, slack, target.url, users[0])
        wait = time.monotonic() + 30
        while len([c for c in slack.calls_to("chat.postMessage") if c.ok]) < 5 and time.monotonic() < wait:
            time.sleep(0.05)
        before = len(slack.calls)
        requests, due = build(RequestBuilder(slack), users, threads, args.seed)
        window = args.window / args.time_scale
        print(f"  {kind}: {len(requests)} replies in {window:.0f} s …", file=sys.stderr, flush=True)
        watch = QueueWatch(server.url)
        watch.start()
        load = run_load("open", server.port, requests, len(requests) / window, timeout=30.0)
        acked_at = time.monotonic()
        drained_at = None
        while time.monotonic() - acked_at < args.max_drain:
            with contextlib.suppress(OSError, ValueError):
                if watch.queued() == 0:
                    drained_at = time.monotonic()
                    break
            time.sleep(0.2)
        wait_quiet(slack, quiet=2.0, timeout=30)  # the last (throttled) progress refreshes land after it
        watch.stop.set()
        watch.join(timeout=5)
        calls = slack.calls[before:]
        recorded = [c for c in calls if c.method == "chat.postEphemeral" and c.ok]
        confirmed = [c for c in recorded if str(c.params.get("text", "")).startswith("Recorded")]
        log = server.log_path.read_text(errors="replace")
        unhandled = sum(1 for line in log.splitlines() if "ratelimited" in line)
        return {
            "db": kind,
            "replies": len(requests),
            "window_s": window,
            "acked": sum(1 for o in load.outcomes if o.latency is not None),
            "ack_p99_ms": latency_summary(load.outcomes)["p99"],
            "checks": sum(1 for c in calls if c.method == "reactions.add" and c.ok),
            "confirmations": len(confirmed),
            "due": due,
            "other_ephemerals": sum(
                1
                for c in calls
                if c.method == "chat.postEphemeral"
                and c.ok
                and not str(c.params.get("text", "")).startswith("Recorded")
            ),
            "updates": sum(1 for c in calls if c.method == "chat.update" and c.ok),
            "answered_429": Counter(c.method for c in calls if c.http_status == 429),
            "unhandled_429": unhandled,
            "log_errors": server.error_lines(),
            "peak_queue": watch.peak,
            "drain_s": (drained_at - acked_at) if drained_at is not None else None,
        }


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\nAnswer burst: {args.members} members answer 4 dimensions within {args.window:g} s "
        f"(compressed ×{args.time_scale:g}: sent in {args.window / args.time_scale:g} s), "
        "Slack's per-method rate limits on"
    )
    rows = [
        [
            r["db"],
            r["replies"],
            r["acked"],
            r["ack_p99_ms"],
            f"{r['checks']}/{r['replies']}",
            f"{r['confirmations']}/{r['due']}",
            r["other_ephemerals"],
            r["updates"],
            sum(r["answered_429"].values()),
            r["unhandled_429"],
            r["log_errors"],
            r["peak_queue"],
            "no" if r["drain_s"] is None else f"{r['drain_s'] * args.time_scale:.0f} s ({r['drain_s']:.1f} s)",
        ]
        for r in results
    ]
    header = ["db", "replies", "acked", "ack p99 ms", "✅", "confirmations/due", "other eph."]
    header += ["chat.update", "429s answered", "unhandled 429", "log errors", "peak queue", "drained (Slack time)"]
    print(table(rows, header))
    for r in results:
        detail = ", ".join(f"{m} {r['answered_429'].get(m, 0)}" for m in RATE_LIMITED)
        print(f"  {r['db']}: 429s by method: {detail}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    users = members(args.members)
    results = [run_one(kind, args, users) for kind in kinds_available(args.db_list)]
    report(results, args)
    print(f"\n(answer_burst took {time.monotonic() - started:.0f} s)")
    ok = all(
        r["checks"] == r["replies"]
        and r["confirmations"] == r["due"]
        and r["unhandled_429"] == 0
        and r["log_errors"] == 0
        and r["drain_s"] is not None
        for r in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
