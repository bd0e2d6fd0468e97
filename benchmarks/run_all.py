"""Runs every benchmark in sequence at modest sizes and prints a summary table at the end.

.venv/bin/python benchmarks/run_all.py            # about 3-4 minutes on 2 cores
.venv/bin/python benchmarks/run_all.py --quick    # a smoke run, well under a minute
.venv/bin/python benchmarks/run_all.py --db sqlite
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ack_latency  # noqa: E402
import cpu_per_request  # noqa: E402
import many_respondents  # noqa: E402
import memory  # noqa: E402
import scoring_speed  # noqa: E402
from _common import table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that everything runs")
    parser.add_argument("--db", default="sqlite,postgresql", help="databases for the server benchmarks")
    args = parser.parse_args(argv)
    quick = args.quick
    started = time.monotonic()
    summary: list[list[Any]] = []

    print("== scoring_speed", flush=True)
    s = scoring_speed.run(scoring_speed.parse_args(["--seconds", "0.5" if quick else "2"]))
    summary.append(["scoring_speed", f"assessments scored/s ({s['members']} members, engine alone)", s["per_second"]])
    summary.append(["scoring_speed", "µs per assessment", s["us_each"]])

    print("\n== ack_latency", flush=True)
    ack_argv = ["--db", args.db] + (["--rates", "20,50", "--seconds", "1"] if quick else ["--seconds", "5"])
    a = ack_latency.run(ack_latency.parse_args(ack_argv))
    bare = {r["rate"]: r["p99"] for r in a["results"] if r["server"] == "bare-bolt" and r["kind"] == "all"}
    for r in a["results"]:
        if r["kind"] == "all" and r["server"] != "bare-bolt":
            ratio = r["p99"] / bare[r["rate"]]
            summary.append(
                [
                    "ack_latency",
                    f"p99 ms at {r['rate']:g}/s, {r['server']} (bare {bare[r['rate']]:.1f}; ratio {ratio:.2f}×)",
                    r["p99"],
                ]
            )
            if r["errors"]:
                summary.append(["ack_latency", f"errors at {r['rate']:g}/s, {r['server']}", r["errors"]])

    print("\n== cpu_per_request", flush=True)
    cpu_argv = ["--db", args.db, "--requests", "20" if quick else "100"]
    for r in cpu_per_request.run(cpu_per_request.parse_args(cpu_argv)):
        if r["server"] != "bare-bolt" or r["kind"] == "reply":
            summary.append(["cpu_per_request", f"server CPU ms per {r['kind']}, {r['server']}", r["server_ms"]])

    print("\n== many_respondents", flush=True)
    many_argv = ["--db", args.db, "--members", "20" if quick else "300"]
    for r in many_respondents.run(many_respondents.parse_args(many_argv)):
        stored_per_second = r["sent_answers"] / r["stored_seconds"]
        summary.append(["many_respondents", f"{r['db']}: answers stored/s ({r['members']} members)", stored_per_second])
        summary.append(["many_respondents", f"{r['db']}: acks/s", r["sent"] / r["ack_seconds"]])
        summary.append(
            [
                "many_respondents",
                f"{r['db']}: stored / sent answers (exactly once: {'yes' if r['complete'] else 'NO'})",
                f"{r['stored_rows']} / {r['sent_answers']}",
            ]
        )

    print("\n== memory", flush=True)
    memory_argv = ["--db", "sqlite" if "sqlite" in args.db else args.db]
    memory_argv += (
        ["--members", "20", "--rate", "20", "--seconds", "1"] if quick else ["--members", "200", "--seconds", "5"]
    )
    for r in memory.run(memory.parse_args(memory_argv)):
        summary.append(["memory", f"{r['db']}: idle RSS kB", r["idle_rss"]])
        summary.append(["memory", f"{r['db']}: peak RSS kB (VmHWM) after {r['requests']} requests", r["peak_rss"]])

    print(f"\n== summary (run_all took {time.monotonic() - started:.0f} s)")
    print(table(summary, ["benchmark", "figure", "value"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
