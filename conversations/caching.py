"""One small cache for what the bot keeps in memory between requests.

``BoundedCache`` is thread-safe, least-recently-used beyond ``maxsize`` entries, and optionally
forgets an entry ``ttl`` seconds after it was stored. Every cache of the bot is one of these (or a
``functools.lru_cache`` over a pure function), each with its bound explained where it is made.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``maxsize`` entries (the least recently used goes first); with ``ttl``, an entry
    older than ``ttl`` seconds is a miss. ``clock``: seconds, monotonic (tests pass their own)."""

    def __init__(self, maxsize: int, ttl: float | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        if ttl is not None and ttl <= 0:
            raise ValueError("ttl must be positive")
        self.maxsize = maxsize
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, max_age: float | None = None) -> V | None:
        """The value stored for ``key``, or None when there is none, it expired (``ttl``) or it is
        older than ``max_age`` seconds."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored, value = entry
            if self.ttl is not None and now - stored > self.ttl:
                del self._entries[key]
                return None
            if max_age is not None and now - stored > max_age:
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = (self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
