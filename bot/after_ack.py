"""Work that follows an answer's ack — the ✅ reaction, the ephemeral confirmation, the progress
refresh — on a few threads of its own, behind the requests still waiting for their ack.

Bolt runs every listener on one pool, and a slash command's ack is sent from that pool too; with
an answer's Slack calls done inline, a burst of answers kept the pool (and the GIL) busy while
commands waited to be acknowledged. Here those calls queue on ``threads`` threads instead, and
each job starts only once no request is being acknowledged in this process, or after
``max_wait`` seconds (so a steady stream of requests delays the work, never starves it).
Nothing here is needed for correctness: the answer is stored before the ack.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("maturity.after_ack")

DEFAULT_THREADS = 4
DEFAULT_MAX_WAIT = 0.005
# How long stopping waits for queued work: inside Docker's 10 s between SIGTERM and SIGKILL, with
# room for the throttled progress refreshes and closing the database after it.
DEFAULT_CLOSE_TIMEOUT = 5.0


class Requests:
    """Counts the HTTP requests this process is answering (``with requests: …`` around each)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def __enter__(self) -> None:
        with self._idle:
            self._count += 1

    def __exit__(self, *exc: object) -> None:
        with self._idle:
            self._count -= 1
            if self._count == 0:
                self._idle.notify_all()

    @property
    def count(self) -> int:
        return self._count

    def wait_idle(self, max_wait: float) -> bool:
        """Wait until no request is being answered, for at most ``max_wait`` s; True if none is."""
        deadline = time.monotonic() + max_wait
        with self._idle:
            while self._count > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
            return True


class AfterAck:
    """A small queue of jobs run after the ack; see the module docstring.

    Its threads are daemon threads: ``close`` waits for the queue at most ``timeout`` seconds, so a
    process told to stop exits within its grace period even when Slack is slow; what is left is
    dropped and logged (the answers themselves are stored before the ack, only Slack's ✅ and
    confirmations are lost)."""

    def __init__(self, threads: int = DEFAULT_THREADS, max_wait: float = DEFAULT_MAX_WAIT) -> None:
        if threads < 1:
            raise ValueError("AfterAck needs at least one thread")
        self.requests = Requests()
        self.max_wait = max(0.0, max_wait)
        self._queue: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._worker, name=f"after-ack-{i}", daemon=True) for i in range(threads)
        ]
        self._busy = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._closed = False
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[..., Any], /, *args: Any) -> None:
        """Run ``job(*args)`` soon; its exceptions are logged. After ``close`` it runs at once, in
        the caller's thread."""
        if self._closed:
            self._run(job, args, wait=False)
            return
        with self._lock:
            self._busy += 1
        self._queue.put((job, args))

    def _worker(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._run(*item)
            finally:
                with self._lock:
                    self._busy -= 1
                    self._idle.notify_all()

    def _run(self, job: Callable[..., Any], args: tuple[Any, ...], wait: bool = True) -> None:
        if wait and self.max_wait > 0:
            self.requests.wait_idle(self.max_wait)
        try:
            job(*args)
        except Exception:
            log.exception("work after the ack failed", extra={"job": getattr(job, "__qualname__", repr(job))})

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return self._busy

    def close(self, timeout: float = DEFAULT_CLOSE_TIMEOUT) -> int:
        """Run what is queued for at most ``timeout`` seconds, then stop; returns how many jobs were
        dropped (queued and never started, or still running when the time was up)."""
        self._closed = True
        deadline = time.monotonic() + max(0.0, timeout)
        with self._lock:
            while self._busy and time.monotonic() < deadline:
                self._idle.wait(deadline - time.monotonic())
        dropped = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                dropped += 1
                with self._lock:
                    self._busy -= 1
        running = self.pending
        for _ in self._threads:
            self._queue.put(None)
        if dropped or running:
            log.warning(
                "stopping with Slack calls not made (their answers are stored; their ✅ or confirmations are not sent)",
                extra={"dropped": dropped, "running": running, "timeout_seconds": timeout},
            )
        return dropped + running
