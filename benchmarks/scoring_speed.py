"""Scoring speed: assessments scored per second by the engine alone (scoring.score), no Slack, no
database — a team of ``--members`` (50) answering every question of ``--framework``
(maturity-levels: 16 questions), about 5% "don't know".

Scores the same answer set over and over in batches for ``--seconds``; prints the median batch's
rate (assessments/s and µs per assessment) and the fastest and slowest batch.

    .venv/bin/python benchmarks/scoring_speed.py
    .venv/bin/python benchmarks/scoring_speed.py --members 500 --seconds 1
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import table  # noqa: E402

from conversations.frameworks import get_framework  # noqa: E402
from scoring import Answer, score  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50, help="team size (50)")
    parser.add_argument("--framework", default="maturity-levels", help="framework id (maturity-levels)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to keep scoring (3)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.members < 1 or args.seconds <= 0:
        parser.error("--members must be at least 1 and --seconds positive")
    return args


def answers_for(spec: Any, members: int, seed: int) -> list[Answer]:
    rng = random.Random(seed)
    lo, hi = spec.scale.min, spec.scale.max
    return [
        Answer(f"U{m:05d}", qid, None if rng.random() < 0.05 else rng.randint(lo, hi))
        for m in range(members)
        for qid in spec.question_ids
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    framework = get_framework(args.framework)
    spec = framework.spec()
    answers = answers_for(spec, args.members, args.seed)
    result = score(spec, answers, member_count=args.members)  # warm-up, and a sanity check
    assert result.respondents == args.members

    batch = 1
    while True:  # a batch of about 50 ms
        started = time.perf_counter()
        for _ in range(batch):
            score(spec, answers, member_count=args.members)
        if time.perf_counter() - started > 0.05:
            break
        batch *= 2
    rates = []
    deadline = time.perf_counter() + args.seconds
    total = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        for _ in range(batch):
            score(spec, answers, member_count=args.members)
        rates.append(batch / (time.perf_counter() - started))
        total += batch
    median = statistics.median(rates)
    figures = {
        "framework": framework.id,
        "members": args.members,
        "questions": len(spec.question_ids),
        "answers": len(answers),
        "scored": total,
        "per_second": median,
        "us_each": 1e6 / median,
        "answers_per_second": median * len(answers),
        "slowest_batch": min(rates),
        "fastest_batch": max(rates),
    }
    print(
        f"\nScoring speed: scoring.score on {framework.id} ({figures['questions']} questions), "
        f"{args.members} members, {len(answers)} answers per assessment; {len(rates)} batches of {batch} "
        f"over {args.seconds:g} s"
    )
    print(
        table(
            [
                [
                    framework.id,
                    args.members,
                    len(answers),
                    total,
                    median,
                    1e6 / median,
                    median * len(answers) / 1e6,
                    min(rates),
                    max(rates),
                ]
            ],
            [
                "framework",
                "members",
                "answers",
                "scored",
                "assessments/s (median)",
                "µs each",
                "M answers/s",
                "slowest batch /s",
                "fastest batch /s",
            ],
        )
    )
    print(f"overall score of this team: {result.overall:.2f}, level {result.level}")
    return figures


def main(argv: list[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
