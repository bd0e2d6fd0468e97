"""The process's one notion of "now" (UTC, timezone-aware).

Every timestamp the product stores or schedules by comes from ``now()``: ``storage.models.utcnow``
delegates here, and the scheduler, ``/maturity status`` and the digests read it. Normally it is the
system clock. A test, or ``maturity demo``, can move it without waiting:

* from outside the process: ``MATURITY_CLOCK_FILE`` names a file holding an ISO-8601 instant; from
  the moment the file was written the clock reads that instant and runs on from it in real time.
  The file is looked at again whenever it changes (its modification time), so a test moves the
  clock of a running ``maturity serve`` by rewriting the file. A missing or empty file means the
  system clock; an unreadable instant is logged once and ignored.
* inside the process: ``set_offset()`` / ``advance()`` (the demo).
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["advance", "now", "offset", "reset", "set_offset", "use_file", "write_file"]

log = logging.getLogger("maturity.clock")

_lock = threading.Lock()
_offset = timedelta(0)
_file: Path | None = None
_file_seen: tuple[int, int] | None = None  # (st_mtime_ns, st_size) of the file as last read
_file_offset = timedelta(0)


def now() -> datetime:
    """The current time, moved by the offset in force."""
    return datetime.now(UTC) + offset()


def offset() -> timedelta:
    """How far the clock is moved: the in-process offset plus the clock file's."""
    if _file is None:
        return _offset
    return _offset + _read_file()


def set_offset(delta: timedelta) -> None:
    global _offset
    with _lock:
        _offset = delta


def advance(delta: timedelta) -> datetime:
    """Move the clock ``delta`` ahead; returns the new now."""
    global _offset
    with _lock:
        _offset += delta
    return now()


def reset() -> None:
    """The system clock again (no offset, no file)."""
    global _offset, _file, _file_seen, _file_offset
    with _lock:
        _offset, _file, _file_seen, _file_offset = timedelta(0), None, None, timedelta(0)


def use_file(path: str | os.PathLike[str] | None) -> None:
    """Take the clock from ``path`` (see the module docstring); None: no file."""
    global _file, _file_seen, _file_offset
    with _lock:
        _file = Path(path) if path else None
        _file_seen, _file_offset = None, timedelta(0)


def write_file(path: str | os.PathLike[str], instant: datetime) -> None:
    """Set the clock of every process reading ``path`` to ``instant`` (atomically: a reader never
    sees half a file). For tests and the demo."""
    if instant.tzinfo is None:
        raise ValueError("the instant must be timezone-aware")
    target = Path(path)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(instant.astimezone(UTC).isoformat(), encoding="utf-8")
    os.replace(temporary, target)


def _read_file() -> timedelta:
    global _file_seen, _file_offset
    path = _file
    if path is None:
        return timedelta(0)
    try:
        stat = path.stat()
    except OSError:
        return timedelta(0)
    seen = (stat.st_mtime_ns, stat.st_size)
    if seen == _file_seen:
        return _file_offset
    with _lock:
        try:
            text = path.read_text(encoding="utf-8").strip()
            written = datetime.fromtimestamp(stat.st_mtime_ns / 1e9, UTC)
            if not text:
                moved = timedelta(0)
            else:
                instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if instant.tzinfo is None:
                    instant = instant.replace(tzinfo=UTC)
                moved = instant - written
        except (OSError, ValueError) as exc:
            log.warning("clock file ignored: not an ISO-8601 instant", extra={"path": str(path), "error": str(exc)})
            moved = timedelta(0)
        _file_seen, _file_offset = seen, moved
        return moved
