"""A big team answering at once: every member answers all 16 questions of an open assessment, by
buttons and by typed replies mixed, through ``maturity serve`` (a subprocess on loopback, migrated
first) against an in-process stand-in Slack.

Requests are signed like Slack's and shuffled so that members interleave; ``--concurrency`` clients
send them as fast as the server acknowledges (closed loop). Printed: acknowledgements per second,
the time until every answer is stored (the work after the ack is asynchronous) and answers stored
per second, and the count stored against the count sent — read back from the database
(storage.repo.count_responses and every row's level): each answer must be stored exactly once,
with the level that was sent. Also: ✅ reactions and confirmations posted (a complete typed reply
gets the ✅ only), errors in the server's log, peak RSS.

The stand-in enforces Slack's per-method rate limits (429 with Retry-After; ``--no-slack-limits`` to
turn them off): a whole team's ✅ at Tier 3 (~50 a minute) take many minutes, so the ✅ and
confirmations are counted after at most ``--max-drain`` (5 s) more, with the 429s answered.

    .venv/bin/python benchmarks/many_respondents.py                       # 1,000 members, SQLite
    .venv/bin/python benchmarks/many_respondents.py --members 50 --db sqlite,postgresql
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    CHANNEL,
    TEAM,
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
    run_load,
    settle,
    table,
    workdir,
)

from conversations.frameworks import get_framework  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000, help="team size (1000)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent Slack-side clients (32)")
    parser.add_argument("--db", default="sqlite", help="sqlite and/or postgresql, comma-separated (sqlite)")
    parser.add_argument("--typed", type=float, default=0.5, help="share of dimensions answered by a typed reply (0.5)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="maturity serve --workers (1)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=140.0,
        help="send no new request after this many seconds (140; 0 = no limit): keeps a run bounded",
    )
    parser.add_argument("--max-wait", type=float, default=30.0, help="give up waiting for storage after this (30 s)")
    add_slack_limit_options(parser, max_drain=5.0)
    args = parser.parse_args(argv)
    args.db_list = [d.strip() for d in args.db.split(",") if d.strip()]
    if args.members < 1 or args.concurrency < 1 or not 0 <= args.typed <= 1:
        parser.error("--members and --concurrency must be at least 1, --typed between 0 and 1")
    if any(d not in ("sqlite", "postgresql") for d in args.db_list):
        parser.error("--db takes sqlite and/or postgresql")
    return args


Answers = dict[tuple[str, str], int | None]  # (user, question id) -> level; None = don't know


def build(
    builder: RequestBuilder, slack: Any, users: list[str], threads: dict[str, str], assessment_id: int, args: Any
) -> list[tuple[Any, Answers]]:
    """Every member's answers as signed requests, each with what it should leave stored; shuffled so
    that members interleave."""
    rng = random.Random(args.seed)
    framework = get_framework("maturity-levels")
    messages = {d: slack.message_payload(CHANNEL, ts) for d, ts in threads.items()}
    requests: list[tuple[Any, Answers]] = []
    for user in users:
        for dimension in framework.dimensions:
            questions = [q.id for q in dimension.questions]
            levels = [None if rng.random() < 0.05 else rng.randint(0, 4) for _ in questions]
            answers = {(user, q): lv for q, lv in zip(questions, levels, strict=True)}
            thread = threads[dimension.id]
            if rng.random() < args.typed:
                words = " ".join("?" if lv is None else str(lv) for lv in levels)
                builder.reply(user_id=user, channel_id=CHANNEL, thread_ts=thread, text=f"{words} evidence from {user}")
                requests.append((builder.take("reply"), answers))
            else:
                for question, level in zip(questions, levels, strict=True):
                    builder.click(
                        user_id=user,
                        channel_id=CHANNEL,
                        message_ts=thread,
                        action_id=f"answer:{question}:{'dk' if level is None else level}",
                        value=json.dumps({"a": assessment_id, "q": question, "l": level}),
                        block_id=f"q:{question}",
                        message=messages[dimension.id],
                    )
                    requests.append((builder.take("click"), {(user, question): level}))
    rng.shuffle(requests)
    return requests


def run_one(kind: str, args: argparse.Namespace, users: list[str]) -> dict[str, Any]:
    from storage import repo
    from storage.db import Database

    with workdir("maturity-many-") as wd, contextlib.ExitStack() as stack:
        slack = make_slack(users, slack_rate_limits=args.slack_limits)
        stack.callback(slack.stop)
        target = stack.enter_context(database(kind, wd))
        env = app_env(target.url, slack.url)
        migrate(env, wd)
        server = Server.maturity(f"maturity-{kind}", env, wd, workers=args.workers)
        stack.callback(server.stop)
        stack.callback(server.kill)  # runs first: its backlog of 429-retried calls is not waited for
        server.start()
        assessment_id, threads = open_assessment(server, slack, target.url, users[0])
        builder = RequestBuilder(slack)
        built = build(builder, slack, users, threads, assessment_id, args)
        requests = [request for request, _ in built]
        db = Database(target.url)
        stack.callback(db.dispose)
        confirmations_before, checks_before = _confirmations(slack), _checks(slack)

        total_answers = sum(len(answers) for _, answers in built)
        print(f"  {kind}: {len(requests)} requests, {total_answers} answers …", file=sys.stderr, flush=True)
        load = run_load(
            "closed", server.port, requests, args.concurrency, timeout=30.0, max_seconds=args.max_seconds or None
        )
        acked_at = time.monotonic()
        expected: Answers = {}
        for outcome in load.outcomes:  # what was actually sent (all of it, unless the time limit ran out)
            expected.update(built[outcome.index][1])
        stored_count, last_change, previous = 0, time.monotonic(), -1
        while time.monotonic() - acked_at < args.max_wait:
            with db.session() as s:
                stored_count = repo.count_responses(s, TEAM, assessment_id)
            if stored_count >= len(expected):
                break
            if stored_count != previous:
                previous, last_change = stored_count, time.monotonic()
            elif time.monotonic() - last_change > 10:
                break  # no progress for 10 s
            time.sleep(0.1)
        stored_at = time.monotonic()
        with db.session() as s:
            rows = repo.list_responses(s, TEAM, assessment_id)
            stored = {(r.user_id, r.question_id): r.level for r in rows}
            count = repo.count_responses(s, TEAM, assessment_id)
        missing = sum(1 for k in expected if k not in stored)
        wrong = sum(1 for k, v in expected.items() if k in stored and stored[k] != v)
        extra = sum(1 for k in stored if k not in expected)
        # The confirmations follow the acks on the bot's queue: counted once it stopped calling Slack.
        drain(slack, args) if args.slack_limits else settle(slack, quiet=0.5, timeout=args.max_wait)
        result = {
            "db": kind,
            "members": len(users),
            "requests": len(requests),
            "sent": len(load.outcomes),
            "unsent": load.unsent,
            "planned_answers": total_answers,
            "acked": sum(1 for o in load.outcomes if o.latency is not None),
            "ack_errors": sum(1 for o in load.outcomes if o.latency is None),
            "ack_seconds": load.wall,  # from the first send to the last ack (load generator's clock)
            "stored_seconds": load.wall + (stored_at - acked_at),
            "drain_seconds": stored_at - acked_at,
            "sent_answers": len(expected),
            "stored_rows": count,
            "distinct_stored": len(stored),
            "missing": missing,
            "wrong_level": wrong,
            "extra": extra,
            "complete": count == len(expected) and missing == wrong == extra == 0,
            "confirmations": _confirmations(slack) - confirmations_before,
            "checks": _checks(slack) - checks_before,
            "limited": slack.rate_limited_count,
            "log_errors": server.error_lines(),
            "memory": server.memory_kb(),
            "ack_latency": latency_summary(load.outcomes),
        }
        return result


def _confirmations(slack: Any) -> int:
    return sum(
        1 for c in slack.calls_to("chat.postEphemeral") if c.ok and str(c.params.get("text")).startswith("Recorded")
    )


def _checks(slack: Any) -> int:
    return sum(1 for c in slack.calls_to("reactions.add") if c.ok)


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\nMany respondents: {args.members} members × 16 questions, {args.typed:.0%} of dimensions typed, "
        f"the rest by buttons; {args.concurrency} concurrent clients (closed loop); {limits_note(args)}"
    )
    rows = []
    for r in results:
        rows.append(
            [
                r["db"],
                r["requests"],
                r["sent"],
                r["ack_errors"],
                r["ack_seconds"],
                r["sent"] / r["ack_seconds"],
                r["ack_latency"]["p50"],
                r["ack_latency"]["p99"],
                r["stored_seconds"],
                r["sent_answers"] / r["stored_seconds"],
            ]
        )
    print(
        table(
            rows,
            [
                "db",
                "requests",
                "sent",
                "errors",
                "ack s",
                "acks/s",
                "ack p50 ms",
                "ack p99 ms",
                "all stored s",
                "answers/s",
            ],
        )
    )
    rows = [
        [
            r["db"],
            r["sent_answers"],
            r["stored_rows"],
            r["distinct_stored"],
            r["missing"],
            r["wrong_level"],
            r["extra"],
            r["checks"],
            r["confirmations"],
            r["limited"],
            r["log_errors"],
            r["memory"].get("VmHWM", 0),
            "yes" if r["complete"] else "NO",
        ]
        for r in results
    ]
    for r in results:
        if r["unsent"]:
            print(
                f"({r['db']}: the {args.max_seconds:g} s limit ran out after {r['sent']} of {r['requests']} requests, "
                f"{r['sent_answers']} of {r['planned_answers']} answers; --max-seconds 0 sends everything)"
            )
    print("\nStored vs sent (read back from the database)")
    print(
        table(
            rows,
            [
                "db",
                "sent answers",
                "stored rows",
                "distinct",
                "missing",
                "wrong level",
                "extra",
                "✅",
                "confirmations",
                "429s",
                "log errors",
                "peak RSS kB",
                "exactly once",
            ],
        )
    )


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    users = members(args.members)
    results = [run_one(kind, args, users) for kind in kinds_available(args.db_list)]
    report(results, args)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    results = run(args)
    print(f"\n(many_respondents took {time.monotonic() - started:.0f} s)")
    return 0 if all(r["complete"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
