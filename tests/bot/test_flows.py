from __future__ import annotations

import contextlib
import threading
import time

from bot.flows import _Coalescer


def test_coalesced_refreshes_always_end_on_the_latest_state() -> None:
    coalescer = _Coalescer()
    state = {"value": 0}
    rendered: list[int] = []
    lock = threading.Lock()

    def render() -> None:
        seen = state["value"]
        time.sleep(0.002)  # a slow chat.update while writers keep committing
        rendered.append(seen)

    def writer() -> None:
        for _ in range(20):
            with lock:
                state["value"] += 1
            coalescer.run(("T", 1, "d"), render)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rendered[-1] == state["value"] == 160
    assert len(rendered) < 160  # bursts were coalesced


def test_a_failing_refresh_does_not_block_the_next_one() -> None:
    coalescer = _Coalescer()
    calls: list[str] = []

    def boom() -> None:
        calls.append("boom")
        raise RuntimeError("slack down")

    with contextlib.suppress(RuntimeError):
        coalescer.run(("T", 1, "d"), boom)
    coalescer.run(("T", 1, "d"), lambda: calls.append("ok"))
    assert calls == ["boom", "ok"]
