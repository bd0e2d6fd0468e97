"""Benchmark: roadmap digests to many channels across several workspaces, against stand-in Slacks
that rate-limit ``chat.postMessage`` per channel (answering 429 with Retry-After).

Prints figures, asserts nothing::

    .venv/bin/python benchmarks/digests.py                       # 1,000 channels, 10 workspaces
    .venv/bin/python benchmarks/digests.py --channels 200 --rounds 3
    .venv/bin/python benchmarks/digests.py --scenario quarter-start --workers 200
    .venv/bin/python benchmarks/digests.py --database-url postgresql://postgres@127.0.0.1:5432/empty_db

Each workspace is its own stand-in Slack (its own HTTP server, in this process) with
``channels / workspaces`` channels, every channel a team with one finished assessment and a monthly
digest. Scenarios:

* ``digests`` (default): ``run_due`` is called ``--rounds`` times back to back, the clock moved one
  month each time, so every channel gets one digest per round;
* ``quarter-start``: quarterly check-ins too, and one pass at 1 January 09:30: every channel gets a
  check-in (intro + 4 dimension threads) and a digest — 6 posts in a row, where the per-channel
  limit binds.

The scheduler's thread pool (``--workers``) sends. The clients are ``bot.services.make_client``'s, whose
``RateLimitErrorRetryHandler`` sleeps Retry-After (plus up to 1 s of jitter) and retries; a
subclass here only counts those retries.

The lower bound the rate limit allows: a channel's k-th post cannot go before (k-1)/rate seconds
after its first, so the run takes at least (most posts to one channel - 1)/rate seconds, however
many threads send.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk import WebClient  # noqa: E402
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.scheduler import CheckInScheduler  # noqa: E402
from bot.services import make_client  # noqa: E402
from conversations.assessments import AssessmentService, spec_to_json  # noqa: E402
from conversations.frameworks import default_framework  # noqa: E402
from conversations.schedules import PRESETS  # noqa: E402
from standin.web_api import StandInSlack  # noqa: E402
from storage import repo  # noqa: E402
from storage import schedules as store  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import CLOSED  # noqa: E402

TOKEN = "xoxb-benchmark-token"
USERS = ("U0ANA0001", "U0BEN0002")
SET_AT = datetime(2030, 12, 15, tzinfo=UTC)


class CountingRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack-sdk's handler (sleeps Retry-After, retries), counting the retries it makes."""

    lock = threading.Lock()
    retried = 0

    def prepare_for_next_attempt(self, **kwargs: Any) -> None:
        with CountingRateLimitRetryHandler.lock:
            CountingRateLimitRetryHandler.retried += 1
        super().prepare_for_next_attempt(**kwargs)


def _client(url: str) -> WebClient:
    client = make_client(load_settings(slack_api_url=url, database_url="sqlite://"), TOKEN)
    client.retry_handlers = [
        CountingRateLimitRetryHandler(max_retry_count=h.max_retry_count)
        if isinstance(h, RateLimitErrorRetryHandler)
        else h
        for h in client.retry_handlers
    ]
    return client


def _populate(db: Database, workspace_id: str, channels: list[str], checkins: bool) -> None:
    """One team per channel with a finished assessment (two members' answers), a monthly digest and,
    with ``checkins``, quarterly check-ins."""
    framework = default_framework()
    spec_json = spec_to_json(framework.spec())
    with db.session() as s:
        repo.ensure_workspace(s, workspace_id, f"workspace {workspace_id}")
        for n, channel in enumerate(channels):
            team = repo.ensure_team(s, workspace_id, channel, channel_name=channel.lower(), framework_id=framework.id)
            assessment = repo.create_assessment(
                s, team, framework_id=framework.id, framework_version=framework.version, spec_json=spec_json,
                opened_by=USERS[0],
            )  # fmt: skip
            s.flush()
            for i, user in enumerate(USERS):
                answers: dict[str, int | None] = {
                    q.id: (n + i + p) % 3 for p, q in enumerate(framework.questions)
                }  # fmt: skip
                repo.upsert_responses(s, assessment, user_id=user, answers=answers, source="button")
            repo.close_assessment(s, assessment, status=CLOSED, closed_by=USERS[0], member_count=len(USERS))
            cadence = {"checkin_cron": PRESETS["quarterly"], "checkin_label": "quarterly"} if checkins else {}
            store.upsert_schedule(s, team, now=SET_AT, created_by=USERS[0], **cadence)  # digest: monthly


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("digests", "quarter-start"), default="digests")
    parser.add_argument("--channels", type=int, default=1000, help="channels in all (default 1000)")
    parser.add_argument("--workspaces", type=int, default=10, help="workspaces, one stand-in Slack each (10)")
    parser.add_argument("--rounds", type=int, default=2, help="digest rounds back to back (default 2)")
    parser.add_argument("--rate", type=float, default=1.0, help="chat.postMessage per second per channel (1)")
    parser.add_argument("--workers", type=int, default=64, help="scheduler threads sending (default 64)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--time-limit", type=float, default=480, help="stop starting rounds after this (s)")
    args = parser.parse_args(argv)
    if args.channels < args.workspaces or args.workspaces < 1 or args.rounds < 1 or args.rate <= 0:
        parser.error("need channels >= workspaces >= 1, rounds >= 1 and rate > 0")
    quarter = args.scenario == "quarter-start"
    if quarter:
        args.rounds = 1
    logging.basicConfig(level=logging.ERROR)

    tmp = tempfile.TemporaryDirectory(prefix="maturity-bench-")
    db = Database(args.database_url or f"sqlite:///{tmp.name}/bench.db")
    if args.database_url:
        print("note: --database-url must point at an empty database (tables are created, not dropped)")
    upgrade(db)

    slacks: dict[str, StandInSlack] = {}
    per_ws = args.channels // args.workspaces
    extra = args.channels % args.workspaces
    started = time.perf_counter()
    for w in range(args.workspaces):
        workspace_id = f"T{w + 1:08d}"
        slack = StandInSlack(team_id=workspace_id, rate_limits={"chat.postMessage": args.rate}).start()
        for user in USERS:
            slack.add_user(user, user.lower(), user)
        channels = [f"C{w + 1:03d}{c:05d}" for c in range(per_ws + (1 if w < extra else 0))]
        for channel in channels:
            slack.add_channel(channel, channel.lower(), members=list(USERS))
        _populate(db, workspace_id, channels, checkins=quarter)
        slacks[workspace_id] = slack
    setup = time.perf_counter() - started

    clients = {ws: _client(slack.url) for ws, slack in slacks.items()}
    scheduler = CheckInScheduler(AssessmentService(db), clients.get, max_workers=args.workers, process_id="benchmark")
    print(
        f"{args.scenario}: {args.channels} channels in {args.workspaces} workspaces, {args.rounds} round(s), "
        f"chat.postMessage limited to {args.rate:g}/s per channel, {args.workers} sending threads "
        f"({db.dialect}); set-up {setup:.1f} s"
    )

    rounds: list[tuple[int, float, int]] = []
    began = time.perf_counter()
    for r in range(args.rounds):
        if time.perf_counter() - began > args.time_limit:
            print(f"time limit reached: stopped after {r} round(s)")
            break
        now = datetime(2031, 1 + r, 1, 9, 30, tzinfo=UTC)
        t = time.perf_counter()
        report = scheduler.run_due(now)
        rounds.append((report.digests, report.checkins, time.perf_counter() - t, report.errors))
    total = time.perf_counter() - began

    posted = sum(r[0] for r in rounds)
    seen_429 = sum(slack.rate_limited_count for slack in slacks.values())
    per_channel: dict[str, int] = {}
    for slack in slacks.values():
        for call in slack.calls_to("chat.postMessage"):
            if call.ok:
                per_channel[call.params["channel"]] = per_channel.get(call.params["channel"], 0) + 1
    ok_posts = sum(per_channel.values())
    lower_bound = (max(per_channel.values(), default=1) - 1) / args.rate
    for i, (digests, checkins, seconds, errors) in enumerate(rounds, 1):
        what = f"{digests} digests" + (f" and {checkins} check-ins" if checkins else "")
        print(f"  round {i}: {what} in {seconds:.2f} s ({digests / seconds:.0f} digests/s), {errors} errors")
    print(
        f"digests posted: {posted}; chat.postMessage accepted: {ok_posts} "
        f"(at most {max(per_channel.values(), default=0)} to one channel)"
    )
    print(f"total time: {total:.2f} s; lower bound the rate limit allows: {lower_bound:.2f} s")
    print(f"429s seen: {seen_429}; retried after Retry-After: {CountingRateLimitRetryHandler.retried}")
    print(f"throughput: {ok_posts / total:.0f} posts/s")

    for slack in slacks.values():
        slack.stop()
    db.dispose()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
