"""``maturity serve --workers N``: N server processes sharing one listening socket.

One process runs Python on one core at a time (the GIL), so a single ``maturity serve`` tops out at
about 1 s ÷ (CPU per request), the work after each ack included. Several processes on one socket
add up: the kernel hands each new connection to whichever worker accepts it first. The parent only
supervises — it binds the socket before forking, so every worker inherits it; it holds no database
connection, runs no thread and no Slack code — and restarts a worker that dies (a crash loop stops
the whole server instead). SIGTERM or SIGINT stops the workers gracefully: each stops accepting,
finishes its requests, renders waiting dimension refreshes, and exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger("maturity.prefork")

# A worker that dies this many times within CRASH_WINDOW seconds stops the server.
CRASH_LIMIT = 5
CRASH_WINDOW = 30.0


def listen_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A bound, listening TCP socket for ``host:port`` (port 0: a free one), inheritable by workers."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(backlog)
    sock.setblocking(False)
    sock.set_inheritable(True)
    return sock


def run_workers(workers: int, worker_main: Callable[[int], int]) -> int:
    """Fork ``workers`` processes running ``worker_main(index)`` (its return value is the worker's
    exit code) and supervise them until SIGTERM/SIGINT; returns the server's exit code."""
    children: dict[int, int] = {}  # pid -> worker index
    stopping = False
    deaths: deque[float] = deque()

    def spawn(index: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                code = worker_main(index)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                log.exception("worker failed", extra={"worker": index})
            finally:
                logging.shutdown()
                os._exit(code)
        children[pid] = index

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(workers):
        spawn(index)
    log.info("workers started", extra={"workers": workers, "pids": sorted(children)})
    exit_code = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index = children.pop(pid, None)
        if index is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        now = time.monotonic()
        deaths.append(now)
        while deaths and now - deaths[0] > CRASH_WINDOW:
            deaths.popleft()
        if len(deaths) >= CRASH_LIMIT:
            log.error(
                "workers keep dying: stopping the server",
                extra={"deaths": len(deaths), "seconds": CRASH_WINDOW, "exit_code": code},
            )
            exit_code = 1
            stop(signal.SIGTERM, None)
            continue
        log.error("worker died: starting another", extra={"worker": index, "pid": pid, "exit_code": code})
        spawn(index)
    return exit_code
