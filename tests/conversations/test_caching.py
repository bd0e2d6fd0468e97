"""conversations.caching.BoundedCache: the one cache of the bot's in-memory state."""

from __future__ import annotations

import threading

import pytest

from conversations.caching import BoundedCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_least_recently_used_goes_first_beyond_maxsize() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2
    cache.put("a", 10)  # replacing keeps one entry
    assert len(cache) == 2 and cache.get("a") == 10


def test_ttl_and_max_age() -> None:
    clock = Clock()
    cache: BoundedCache[str, str] = BoundedCache(10, ttl=60, clock=clock)
    cache.put("k", "v")
    clock.now += 30
    assert cache.get("k") == "v"
    assert cache.get("k", max_age=20) is None  # too old for this caller ...
    assert cache.get("k", max_age=40) == "v"  # ... not for that one, and still stored
    clock.now += 31
    assert cache.get("k") is None and len(cache) == 0  # expired entries go


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        BoundedCache(0)
    with pytest.raises(ValueError):
        BoundedCache(1, ttl=0)


def test_threads_never_push_it_past_its_bound() -> None:
    cache: BoundedCache[int, int] = BoundedCache(50)

    def fill(start: int) -> None:
        for i in range(start, start + 2000):
            cache.put(i, i)
            cache.get(i - 1)

    threads = [threading.Thread(target=fill, args=(n * 10_000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 50
