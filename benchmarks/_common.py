"""Shared by the benchmarks: servers in subprocesses, databases, the stand-in Slack, signed requests
built ahead of time, and a load generator that runs in a process of its own.

Loopback only. Nothing here talks to the real Slack or to any host but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conversations.frameworks import default_framework  # noqa: E402
from standin.driver import Response, SlackDriver  # noqa: E402
from standin.web_api import StandInSlack  # noqa: E402
from tests.processes import child_env  # noqa: E402

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
# question count per dimension of the default framework, for typed replies of the right length
DIMENSIONS = {d.id: len(d.questions) for d in default_framework().dimensions}
TEAM = "T0BENCH01"
CHANNEL = "C0BENCH01"
PG_URL = os.environ.get("MATURITY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def maturity_command() -> list[str]:
    script = Path(sys.executable).with_name("maturity")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(database_url: str, slack_api_url: str) -> dict[str, str]:
    return child_env(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api_url,
        SCHEDULER_ENABLED="false",
        LOG_LEVEL="INFO",  # as deployed (the default)
        PYTHONUNBUFFERED="1",
    )


# --- servers ---------------------------------------------------------------------------------------


class Server:
    """A server subprocess (``maturity serve`` or benchmarks/bare_app.py) on a loopback port."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], workdir: Path, port: int) -> None:
        self.cpus: set[int] | None = None  # pinned to these cores (and so are its workers), see pin_cores
        self.name = name
        self.command = command
        self.env = env
        self.workdir = workdir
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"{name}.log"

    @classmethod
    def maturity(cls, name: str, env: dict[str, str], workdir: Path, threads: int = 8, workers: int = 1) -> Server:
        port = free_port()
        command = [*maturity_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads)]
        if workers > 1:
            command += ["--workers", str(workers)]
        return cls(name, command, env, workdir, port)

    def pids(self) -> list[int]:
        """The server's process and its workers (``serve --workers``): children found in /proc."""
        if self.proc is None:
            return []
        out = [self.proc.pid]
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == self.proc.pid:
                out.append(int(entry))
        return out

    @classmethod
    def bare(cls, env: dict[str, str], workdir: Path, threads: int = 8) -> Server:
        port = free_port()
        command = [sys.executable, str(Path(__file__).with_name("bare_app.py")), "--port", str(port)]
        command += ["--threads", str(threads)]
        return cls("bare-bolt", command, env, workdir, port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        with self.log_path.open("ab") as log:
            cpus = self.cpus
            self.proc = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                # set in the child before exec: the server and every worker it forks stay on these cores
                preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with _NO_PROXY.open(self.url + "/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start in {timeout:g}s: {self.log_tail()}")
            time.sleep(0.05)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def memory_kb(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak RSS) of the process, in kB, from /proc/<pid>/status."""
        out: dict[str, int] = {}
        for pid in self.pids():  # summed over the workers of ``serve --workers``
            with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
                for line in status:
                    key, _, value = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        out[key] = out.get(key, 0) + int(value.split()[0])
            # PSS: pages shared by forked workers counted once in all (RSS counts them per process)
            with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    key, _, value = line.partition(":")
                    if key == "Pss":
                        out["Pss"] = out.get("Pss", 0) + int(value.split()[0])
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (/proc/<pid>/stat)."""
        total = 0
        for pid in self.pids():  # summed over the workers of ``serve --workers``
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def error_lines(self) -> int:
        """Log lines at error level (JSON logs) or raw tracebacks."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if '"level": "error"' in line or line.startswith("Traceback"))

    def kill(self) -> None:
        """SIGKILL to the server and its workers at once: what it had queued after its acks (under
        Slack's limits, a backlog of 429-retried calls) goes with it. ``start`` again for a fresh one."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for pid in self.pids():  # the parent first (it would replace a dead worker), then its workers
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def migrate(env: dict[str, str], workdir: Path) -> None:
    """``maturity migrate`` with this environment."""
    done = subprocess.run(
        [*maturity_command(), "migrate"], env=env, cwd=workdir, capture_output=True, text=True, timeout=180
    )
    if done.returncode != 0:
        raise RuntimeError(f"maturity migrate failed: {done.stdout}{done.stderr}")


# --- databases -------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str  # sqlite | postgresql
    url: str


def pg_reachable() -> bool:
    from storage.db import Database

    admin = Database(PG_URL, connect_args={"connect_timeout": 3})
    try:
        return admin.ping()
    finally:
        admin.dispose()


@contextlib.contextmanager
def database(kind: str, workdir: Path, suffix: str = "") -> Iterator[Target]:
    """A fresh, empty database: a temp SQLite file, or a new schema in PostgreSQL's ``test`` database
    (dropped afterwards)."""
    if kind == "sqlite":
        yield Target("sqlite", f"sqlite:///{workdir / f'bench{suffix}.db'}")
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from storage.db import Database

    schema = f"maturity_bench_{os.getpid()}_{int(time.time() * 1000) % 10_000_000}{suffix}"
    admin = Database(PG_URL)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield Target("postgresql", url.render_as_string(hide_password=False))
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def kinds_available(wanted: Sequence[str]) -> list[str]:
    out = []
    for kind in wanted:
        if kind == "postgresql" and not pg_reachable():
            print(f"  (PostgreSQL unreachable at {PG_URL}: skipped)", flush=True)
            continue
        out.append(kind)
    return out


@contextlib.contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as path:
        yield Path(path)


# --- the stand-in Slack and requests built ahead of time ---------------------------------------------


def pin_cores(enabled: bool = True) -> tuple[set[int], set[int]] | None:
    """Pin this process — the stand-in Slack — and so the load generator it spawns (a child inherits
    its parent's affinity) to one core, and return (harness cores, server cores): give the second to
    every Server (``server.cpus``) before starting it. Real Slack's CPU is not the bot's: sharing a
    core with the harness, the server's figures would include the harness's work. None (nothing
    pinned) with fewer than two cores or when not ``enabled``."""
    cores = sorted(os.sched_getaffinity(0))
    if not enabled or len(cores) < 2:
        return None
    harness, server = {cores[0]}, set(cores[1:])
    os.sched_setaffinity(0, harness)
    return harness, server


def members(count: int) -> list[str]:
    return [f"U0M{i:07d}" for i in range(count)]


def make_slack(member_ids: Sequence[str], *, slack_rate_limits: bool = True, time_scale: float = 1.0) -> StandInSlack:
    """The stand-in with the members in CHANNEL; Slack's per-method rate limits on unless told
    (``time_scale``: see StandInSlack)."""
    slack = StandInSlack(team_id=TEAM, slack_rate_limits=slack_rate_limits, time_scale=time_scale)
    slack.start()
    for user in member_ids:
        slack.add_user(user, user.lower())
    slack.add_channel(CHANNEL, "ml-platform", members=list(member_ids))
    return slack


@dataclass(frozen=True)
class Request:
    kind: str
    body: bytes
    headers: dict[str, str]


class RequestBuilder(SlackDriver):
    """A SlackDriver that records the signed request instead of sending it (same wire format)."""

    def __init__(self, slack: StandInSlack) -> None:
        super().__init__("http://127.0.0.1:9/slack/events", SIGNING_SECRET, slack=slack, team_id=TEAM)
        self._last: tuple[str, dict[str, str]] | None = None

    def post_raw(self, body: str, headers: dict[str, str]) -> Response:
        self._last = (body, headers)
        return Response(200, "")

    def take(self, kind: str) -> Request:
        assert self._last is not None
        body, headers = self._last
        self._last = None
        return Request(kind, body.encode("utf-8"), dict(headers))


def open_assessment(server: Server, slack: StandInSlack, database_url: str, user: str) -> tuple[int, dict[str, str]]:
    """``/maturity assess`` against the server; returns (assessment id, dimension id -> thread ts)."""
    from storage import repo
    from storage.db import Database

    driver = SlackDriver(server.url + "/slack/events", SIGNING_SECRET, slack=slack, team_id=TEAM)
    response = driver.slash("assess", user_id=user, channel_id=CHANNEL)
    if response.status != 200:
        raise RuntimeError(f"assess answered {response.status}: {response.body}")
    db = Database(database_url)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.session() as s:
                assessment = repo.get_open_assessment(s, TEAM, CHANNEL)
                if assessment is not None and len(assessment.threads) == 4:
                    return assessment.id, {t.dimension_id: t.message_ts for t in assessment.threads}
            time.sleep(0.05)
    finally:
        db.dispose()
    raise RuntimeError("the assessment's threads were not stored within 30 s")


def wait_quiet(slack: StandInSlack, quiet: float = 0.5, timeout: float = 60.0) -> float:
    """Wait until the bot made no Slack call for ``quiet`` s; returns how long that took."""
    return settle(slack, quiet, timeout)[0]


def settle(slack: StandInSlack, quiet: float = 0.5, timeout: float = 60.0) -> tuple[float, bool]:
    """Wait until the bot made no Slack call for ``quiet`` s, for at most ``timeout`` s; returns (how
    long it took, whether it went quiet). Under Slack's limits a backlog of 429-retried calls keeps
    calling: it never goes quiet, and the wait ends at ``timeout``."""
    start = time.monotonic()
    last, since = len(slack.calls), time.monotonic()
    while time.monotonic() - start < timeout:
        time.sleep(0.05)
        now = len(slack.calls)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return time.monotonic() - start - quiet, True
    return time.monotonic() - start, False


# --- Slack's rate limits, on by default in every benchmark -------------------------------------------

NO_LIMITS_WAIT = 120.0  # without Slack's limits, how long a benchmark waits for the bot's after-ack calls


def add_slack_limit_options(parser: argparse.ArgumentParser, max_drain: float) -> None:
    """``--no-slack-limits`` and ``--max-drain``: the stand-in enforces Slack's per-method rate limits
    (standin.web_api.SLACK_RATE_LIMITS, 429 with Retry-After) unless told; with them on, the wait for
    the bot's after-ack Slack calls after a step is bounded and the backlog left is reported."""
    parser.add_argument(
        "--no-slack-limits",
        dest="slack_limits",
        action="store_false",
        help="the stand-in answers without Slack's per-method rate limits (on by default: chat.postMessage ~1/s "
        "per channel, reactions.add and chat.update ~50/min, chat.postEphemeral and views.publish ~100/min, "
        "429 with Retry-After)",
    )
    parser.add_argument(
        "--max-drain",
        type=float,
        default=max_drain,
        help=f"with Slack's limits on, wait at most this long after a step for the bot's after-ack Slack calls "
        f"({max_drain:g} s; their 429-retried backlog is reported, not waited for); without them up to "
        f"{NO_LIMITS_WAIT:g} s",
    )


# A 429-retried call sleeps Retry-After (1-2 s at Tier 3) between attempts: under Slack's limits the
# bot counts as done calling Slack only after a silence longer than that.
LIMITED_QUIET = 2.5


def drain_timeout(args: argparse.Namespace) -> float:
    return float(args.max_drain) if args.slack_limits else NO_LIMITS_WAIT


def drain(slack: StandInSlack, args: argparse.Namespace) -> tuple[float, bool]:
    """After a step: wait for the bot's after-ack Slack calls (bounded by ``--max-drain`` under Slack's
    limits); returns (seconds, whether it went quiet)."""
    return settle(slack, quiet=LIMITED_QUIET if args.slack_limits else 0.5, timeout=drain_timeout(args))


def limits_note(args: argparse.Namespace) -> str:
    if not args.slack_limits:
        return "Slack's rate limits off (--no-slack-limits)"
    return f"Slack's rate limits on (429 + Retry-After); after-ack wait bounded at {args.max_drain:g} s"


def checks_given(slack: StandInSlack) -> int:
    """✅ reactions the stand-in accepted."""
    return sum(1 for c in slack.calls_to("reactions.add") if c.ok)


def queued(server: Server) -> int:
    """The server's after-ack queue (``/healthz`` ``queued``; one worker's with ``--workers``); -1 if unread."""
    try:
        with _NO_PROXY.open(server.url + "/healthz", timeout=5) as reply:
            return int(json.loads(reply.read()).get("queued", 0))
    except (OSError, ValueError):
        return -1


def stop_all(servers: Sequence[Server]) -> None:
    """SIGTERM to every server at once, then wait for each (each drains its after-ack queue for a few
    seconds before exiting; in parallel, not one after the other)."""
    for server in servers:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)
    for server in servers:
        if server.proc is None:
            continue
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=10)


# --- load generation (in a process of its own, so it does not share a GIL with the stand-in) ---------


@dataclass
class Outcome:
    kind: str
    latency: float | None  # seconds; None when it failed
    status: int  # HTTP status; 0 for a connection error or timeout
    error: str = ""
    index: int = -1  # the request's position in the list that was sent


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    wall: float = 0.0
    late_sends: int = 0  # sends that left more than 10 ms after their scheduled time
    unsent: int = 0  # requests left unsent when the time limit of a closed loop ran out


async def _send(host: str, port: int, request: Request, timeout: float) -> int:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        head = ["POST /slack/events HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(request.body)}"]
        head += ["Connection: close", "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)"]
        head += [f"{k}: {v}" for k, v in request.headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + request.body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        status = int(status_line.split()[1])
        await asyncio.wait_for(reader.read(), timeout)  # headers and body, to EOF (Connection: close)
        return status
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _open_loop(host: str, port: int, requests: list[Request], rate: float, timeout: float) -> LoadResult:
    """Send request i at t0 + i/rate whatever happened to the earlier ones; a request's latency runs
    from its scheduled time, so a slow server cannot hide its queueing (no coordinated omission)."""
    loop = asyncio.get_running_loop()
    result = LoadResult()

    async def one(request: Request, at: float, index: int) -> None:
        try:
            status = await _send(host, port, request, timeout)
            latency = loop.time() - at
            if status == 200:
                result.outcomes.append(Outcome(request.kind, latency, status, index=index))
            else:
                result.outcomes.append(Outcome(request.kind, None, status, f"http {status}", index))
        except (TimeoutError, OSError, ValueError, IndexError) as exc:
            result.outcomes.append(Outcome(request.kind, None, 0, type(exc).__name__, index))

    t0 = loop.time() + 0.1
    tasks = []
    for i, request in enumerate(requests):
        at = t0 + i / rate
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.01:
            result.late_sends += 1
        tasks.append(asyncio.create_task(one(request, at, i)))
    await asyncio.gather(*tasks)
    result.wall = loop.time() - t0
    return result


async def _closed_loop(
    host: str, port: int, requests: list[Request], concurrency: int, timeout: float, max_seconds: float | None
) -> LoadResult:
    """``concurrency`` clients, each sending its next request as soon as the previous one is answered;
    no new request after ``max_seconds``."""
    loop = asyncio.get_running_loop()
    result = LoadResult()
    queue = list(reversed(list(enumerate(requests))))

    async def client() -> None:
        while queue and (max_seconds is None or loop.time() - t0 < max_seconds):
            index, request = queue.pop()
            start = loop.time()
            try:
                status = await _send(host, port, request, timeout)
                ok = status == 200
                latency = loop.time() - start if ok else None
                result.outcomes.append(Outcome(request.kind, latency, status, "" if ok else f"http {status}", index))
            except (TimeoutError, OSError, ValueError, IndexError) as exc:
                result.outcomes.append(Outcome(request.kind, None, 0, type(exc).__name__, index))

    t0 = loop.time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.wall = loop.time() - t0
    result.unsent = len(queue)
    return result


def _run_load(
    mode: str, port: int, requests: list[Request], arg: float, timeout: float, max_seconds: float | None
) -> LoadResult:
    if mode == "open":
        return asyncio.run(_open_loop("127.0.0.1", port, requests, arg, timeout))
    return asyncio.run(_closed_loop("127.0.0.1", port, requests, int(arg), timeout, max_seconds))


def run_load(
    mode: str, port: int, requests: list[Request], arg: float, timeout: float = 10.0, max_seconds: float | None = None
) -> LoadResult:
    """Run the load in a fresh process: ``mode`` "open" (``arg`` = requests/s) or "closed" (``arg`` =
    concurrent clients, and no new request after ``max_seconds``)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool, harness_collector_paused():
        return pool.apply(_run_load, (mode, port, requests, arg, timeout, max_seconds))


@contextlib.contextmanager
def harness_collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in this process while a load runs. This process is the stand-in
    Slack, which keeps a record of every call; a full collection over those records holds a core
    for ~100 ms, which on a 2-core machine showed up as the server's latency. Collected afterwards
    (the loads are bounded, so the garbage is too). The servers under test collect as usual."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


# --- figures ---------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (p in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-p * len(sorted_values) // 100)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    ok = sorted(o.latency for o in outcomes if o.latency is not None)
    errors = [o for o in outcomes if o.latency is None]
    return {
        "sent": len(outcomes),
        "errors": len(errors),
        "error_kinds": sorted({o.error for o in errors}),
        "p50": percentile(ok, 50) * 1000,
        "p95": percentile(ok, 95) * 1000,
        "p99": percentile(ok, 99) * 1000,
        "max": (ok[-1] * 1000) if ok else float("nan"),
    }


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A plain-text table: numbers right-aligned, words left-aligned."""
    numeric = [
        bool(rows) and all(isinstance(r[i], int | float) or _is_figure(r[i]) for r in rows) for i in range(len(header))
    ]
    cells = [[str(h) for h in header]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "  ".join(c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _is_figure(value: Any) -> bool:
    text = str(value)
    return bool(text) and (text[0].isdigit() or text[0] == "-") and text[-1] in "0123456789×%s"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.1f}"
    return str(value)
