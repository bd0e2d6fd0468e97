"""The throttled, coalescing refresher behind the dimension messages' progress lines."""

from __future__ import annotations

import contextlib
import threading
import time

from bot.flows import Refresher

KEY = ("T", 1, "d")


def _wait_until(predicate, timeout: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_concurrent_requests_are_coalesced_and_end_on_the_latest_state() -> None:
    refresher = Refresher(interval=0)
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
            refresher.request(KEY, render)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rendered[-1] == state["value"] == 160
    assert len(rendered) < 160  # bursts were coalesced


def test_a_burst_inside_the_interval_costs_one_render_now_and_one_trailing_render() -> None:
    refresher = Refresher(interval=0.3)
    state = {"value": 0}
    rendered: list[tuple[int, float]] = []
    start = time.monotonic()

    def render() -> None:
        rendered.append((state["value"], time.monotonic() - start))

    for _ in range(50):
        state["value"] += 1
        refresher.request(KEY, render)
    assert [v for v, _ in rendered] == [1]  # the first one at once, in the caller's thread
    _wait_until(lambda: len(rendered) == 2)
    time.sleep(0.4)
    assert [v for v, _ in rendered] == [1, 50]  # one trailing render, on the latest state
    assert rendered[1][1] >= 0.3 - 0.01  # ...not before the interval was over
    refresher.close()


def test_other_messages_are_not_held_back_and_force_skips_the_wait() -> None:
    refresher = Refresher(interval=60)
    rendered: list[str] = []
    refresher.request(("T", 1, "a"), lambda: rendered.append("a1"))
    refresher.request(("T", 1, "b"), lambda: rendered.append("b1"))  # another message: at once
    refresher.request(("T", 1, "a"), lambda: rendered.append("a2"))  # waits for the interval
    assert rendered == ["a1", "b1"]
    refresher.request(("T", 1, "a"), lambda: rendered.append("closed"), force=True)
    assert rendered == ["a1", "b1", "closed"]


def test_flush_renders_what_is_waiting_and_close_renders_later_requests_at_once() -> None:
    refresher = Refresher(interval=60)
    rendered: list[str] = []
    refresher.request(KEY, lambda: rendered.append("first"))
    refresher.request(KEY, lambda: rendered.append("second"))
    assert rendered == ["first"]
    refresher.close()  # as `maturity serve` does when it stops
    assert rendered == ["first", "second"]
    refresher.request(KEY, lambda: rendered.append("third"))
    assert rendered == ["first", "second", "third"]


def test_a_failing_render_does_not_block_the_next_one() -> None:
    refresher = Refresher(interval=0)
    calls: list[str] = []

    def boom() -> None:
        calls.append("boom")
        raise RuntimeError("slack down")

    with contextlib.suppress(RuntimeError):
        refresher.request(KEY, boom)
    refresher.request(KEY, lambda: calls.append("ok"))
    assert calls == ["boom", "ok"]


def test_a_trailing_render_that_fails_is_logged_and_the_next_request_still_renders(caplog) -> None:  # type: ignore[no-untyped-def]
    refresher = Refresher(interval=0.05)
    calls: list[str] = []

    def boom() -> None:
        calls.append("boom")
        raise RuntimeError("database gone")

    refresher.request(KEY, lambda: calls.append("first"))
    refresher.request(KEY, boom)
    _wait_until(lambda: calls == ["first", "boom"])
    _wait_until(lambda: any("refresh failed" in r.getMessage() for r in caplog.records))
    time.sleep(0.06)
    refresher.request(KEY, lambda: calls.append("ok"))
    _wait_until(lambda: calls[-1] == "ok")
    refresher.close()
