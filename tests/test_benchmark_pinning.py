"""The ack benchmark measures the bot, not the harness (issue 14 item 12): ``pin_cores`` puts the
benchmark process — the stand-in Slack — and the load generator it spawns on one core, and the
server under test, with every worker it forks, on the other. Checked on real ``maturity serve``
processes through /proc, not by timing anything."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _common import Server, app_env, make_slack, migrate, pin_cores  # noqa: E402

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores to pin apart")


def _allowed(pid: int) -> set[int]:
    with open(f"/proc/{pid}/status") as status:
        line = next(x for x in status if x.startswith("Cpus_allowed_list:"))
    cores: set[int] = set()
    for part in line.split(":", 1)[1].strip().split(","):
        first, _, last = part.partition("-")
        cores.update(range(int(first), int(last or first) + 1))
    return cores


@pytest.fixture
def restored_affinity() -> Iterator[None]:
    before = os.sched_getaffinity(0)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def test_the_harness_and_the_server_with_its_workers_are_pinned_to_different_cores(
    tmp_path: Path, restored_affinity: None
) -> None:
    pinned = pin_cores(True)
    assert pinned is not None
    harness, server_cores = pinned
    assert harness and server_cores and not harness & server_cores
    assert os.sched_getaffinity(0) == harness  # the stand-in Slack runs in this process
    # a load generator spawned from here inherits the harness's core
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"], capture_output=True, text=True
    )
    assert child.stdout.strip() == str(sorted(harness))

    slack = make_slack([])  # started in this process: on the harness's core
    try:
        env = app_env(f"sqlite:///{tmp_path / 'bench.db'}", slack.url)
        migrate(env, tmp_path)
        server = Server.maturity("pinned", env, tmp_path, workers=2)
        server.cpus = server_cores
        server.start()
        try:
            pids = server.pids()
            assert len(pids) == 3, server.log_tail()  # the supervising parent and its two workers
            for pid in pids:
                assert _allowed(pid) == server_cores, pid
        finally:
            server.stop()
    finally:
        slack.stop()


def test_no_pin_leaves_every_core_shared(restored_affinity: None) -> None:
    before = os.sched_getaffinity(0)
    assert pin_cores(False) is None
    assert os.sched_getaffinity(0) == before
