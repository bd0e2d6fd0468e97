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
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("maturity.after_ack")

DEFAULT_THREADS = 4
DEFAULT_MAX_WAIT = 0.005


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
    """A small queue of jobs run after the ack; see the module docstring."""

    def __init__(self, threads: int = DEFAULT_THREADS, max_wait: float = DEFAULT_MAX_WAIT) -> None:
        if threads < 1:
            raise ValueError("AfterAck needs at least one thread")
        self.requests = Requests()
        self.max_wait = max(0.0, max_wait)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="after-ack")
        self._closed = False

    def submit(self, job: Callable[..., Any], /, *args: Any) -> None:
        """Run ``job(*args)`` soon; its exceptions are logged. After ``close`` it runs at once, in
        the caller's thread."""
        if self._closed:
            self._run(job, args, wait=False)
            return
        try:
            self._pool.submit(self._run, job, args)
        except RuntimeError:  # shut down between the check and the submit
            self._run(job, args, wait=False)

    def _run(self, job: Callable[..., Any], args: tuple[Any, ...], wait: bool = True) -> None:
        if wait and self.max_wait > 0:
            self.requests.wait_idle(self.max_wait)
        try:
            job(*args)
        except Exception:
            log.exception("work after the ack failed", extra={"job": getattr(job, "__qualname__", repr(job))})

    def close(self) -> None:
        """Run what is queued, then stop (before the process exits)."""
        self._closed = True
        self._pool.shutdown(wait=True)
