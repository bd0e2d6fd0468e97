"""A stand-in for the Slack Web API: a real HTTP server that speaks Slack's wire format.

Used by the tests, the benchmarks and ``maturity demo``. Point ``WebClient(base_url=slack.url)`` (or
``SLACK_API_URL``) at it. It keeps a workspace in memory (channels, users, messages, threads,
reactions, ephemerals, views, files), records every call, and can inject faults (errors, 429s, 5xx,
delays) or enforce rate limits: a per-channel one of your choosing (``rate_limits=``) or Slack's own
per-method limits (``slack_rate_limits=True``, see :data:`SLACK_RATE_LIMITS`), answered as Slack does,
429 with ``Retry-After``. Standard library only; thread-safe; silent on stderr.

Wire format, as slack_sdk's ``WebClient`` produces it (see ``slack_sdk/web/base_client.py``):

* every call is a ``POST`` to ``<base_url><method>`` (``http_verb="GET"`` is ignored by the sync client),
  with ``Authorization: Bearer <token>``;
* ``json=`` methods (chat.postMessage, chat.update, chat.postEphemeral, views.*) send a JSON body;
  ``params=`` methods send ``application/x-www-form-urlencoded`` with booleans as ``"1"``/``"0"``;
  a few send ``multipart/form-data``; oauth.v2.access authenticates with HTTP Basic (client id/secret);
* the file-upload URL from files.getUploadURLExternal gets the raw bytes with urllib's default
  ``Content-Type: application/x-www-form-urlencoded`` — the body is *not* a form.

GET with a query string is accepted too; query, form and JSON parameters are merged (body wins).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import html
import json
import math
import re
import secrets
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from standin.socket_mode import SocketModeServer, app_token_error

__all__ = [
    "BOT_NAME",
    "SLACK_RATE_LIMITS",
    "Call",
    "Ephemeral",
    "Message",
    "RateLimit",
    "Reaction",
    "StandInSlack",
    "UploadedFile",
    "View",
]

BOT_NAME = "maturity"
TS_BASE = 1_700_000_000


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``per_minute`` calls a minute on average, up to ``burst`` at once; per channel
    (chat.postMessage) or per workspace (Slack's tiers are per method, per workspace, per app)."""

    per_minute: float
    burst: int
    per_channel: bool = False


# Slack's published limits (https://api.slack.com/apis/rate-limits and each method's page):
# chat.postMessage "1 message per second to a specific channel, with short bursts of more than 1
# allowed"; reactions.add and chat.update are Tier 3 ("50+ per minute, occasional bursts");
# chat.postEphemeral and views.publish Tier 4 ("100+ per minute"). Slack does not publish the size of
# a burst: the stand-in allows a few seconds' worth (an assessment's intro and four dimensions post
# at once; a fifth of a minute's allowance for the tiers).
SLACK_RATE_LIMITS: dict[str, RateLimit] = {
    "chat.postMessage": RateLimit(60, 5, per_channel=True),
    "reactions.add": RateLimit(50, 10),
    "chat.update": RateLimit(50, 10),
    "chat.postEphemeral": RateLimit(100, 20),
    "views.publish": RateLimit(100, 20),
}
# Methods Slack serves without a bearer token.
NO_AUTH_METHODS = frozenset({"oauth.v2.access", "oauth.access", "oauth.v2.exchange", "api.test"})
# Parameters that arrive as JSON strings in form-encoded requests; decoded for handlers and recordings.
JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata", "user_auth_blocks")
MAX_TEXT = 40_000


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One request the stand-in answered (Web API method, ``response_url`` or ``file_upload``)."""

    method: str
    params: dict[str, Any]
    token: str | None
    http_status: int
    at: float
    response: dict[str, Any] = field(default_factory=dict)
    verb: str = "POST"

    @property
    def ok(self) -> bool:
        return self.http_status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.response.get("error") or f"http_{self.http_status}")


@dataclass
class Message:
    """A channel message: top-level (``thread_ts`` None) or a thread reply (``thread_ts`` = parent ts)."""

    ts: str
    channel: str
    user: str | None
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    edited: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    files: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class Ephemeral:
    """A message only ``user`` sees: chat.postEphemeral (``via``) or an ephemeral response_url post."""

    ts: str
    channel: str | None
    user: str | None
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    via: str = "chat.postEphemeral"


@dataclass
class Reaction:
    channel: str
    ts: str
    name: str
    user: str


@dataclass
class UploadedFile:
    id: str
    name: str
    title: str
    content: bytes = b""
    length: int = 0
    user: str = ""
    uploaded: bool = False
    completed: bool = False
    channel_id: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None
    message_ts: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class View:
    id: str
    type: str
    view: dict[str, Any]
    user: str | None
    method: str
    hash: str
    trigger_id: str | None = None
    external_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None


@dataclass
class _Channel:
    id: str
    name: str
    members: list[str]
    is_private: bool = False
    bot_member: bool = True
    is_im: bool = False
    created: int = TS_BASE


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    tz: str = "America/New_York"
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False
    is_admin: bool = False
    is_owner: bool = False


@dataclass
class _Fault:
    kind: str  # fail | rate_limit | server_error | delay
    remaining: int | None
    error: str = ""
    retry_after: int = 1
    status: int = 500
    seconds: float = 0.0


class _ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _invalid_args(message: str) -> _ApiError:
    return _ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = str(ts).partition(".")
    try:
        return int(seconds), int((micros or "0").ljust(6, "0")[:6])
    except ValueError:
        return 0, 0


def _s(params: dict[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    value = str(value)
    return value if value != "" else None


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
        if kind == "offset" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise _ApiError("invalid_cursor")


def _page(items: list[Any], params: dict[str, Any], default_limit: int, max_limit: int = 1000) -> tuple[list, str]:
    limit = _int(params.get("limit"), default_limit)
    limit = default_limit if limit <= 0 else min(limit, max_limit)
    offset = _decode_cursor(_s(params, "cursor"))
    chunk = items[offset : offset + limit]
    next_cursor = _encode_cursor(offset + limit) if offset + limit < len(items) else ""
    return chunk, next_cursor


def _json_dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _tz_offset(tz: str) -> tuple[int, str]:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return 0, tz
    now = datetime.now(zone)
    offset = now.utcoffset()
    return (int(offset.total_seconds()) if offset else 0), (now.tzname() or tz)


def _check_blocks(blocks: list[Any], where: str = "blocks", limit: int = 50) -> None:
    """The Block Kit limits Slack enforces with ``invalid_blocks`` (the well-known, unambiguous ones)."""
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:/{where}]")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"/{where}/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"missing required field: type [json-pointer:{at}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                problems.append(f"duplicate block_id {block_id!r} [json-pointer:{at}/block_id]")
            block_ids.add(block_id)
            if len(str(block_id)) > 255:
                problems.append(f"must be less than 256 characters [json-pointer:{at}/block_id]")
        kind = block["type"]
        text = block.get("text")
        if kind == "section":
            if text is None and not block.get("fields"):
                problems.append(f"must provide either text or fields [json-pointer:{at}]")
            if isinstance(text, dict):
                body = str(text.get("text", ""))
                if not body:
                    problems.append(f"must be more than 0 characters [json-pointer:{at}/text/text]")
                if len(body) > 3000:
                    problems.append(f"must be less than 3001 characters [json-pointer:{at}/text/text]")
            if len(block.get("fields") or []) > 10:
                problems.append(f"no more than 10 items allowed [json-pointer:{at}/fields]")
        elif kind == "header":
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                problems.append(f"must be a plain_text object [json-pointer:{at}/text]")
            elif not 0 < len(str(text.get("text", ""))) <= 150:
                problems.append(f"must be 1-150 characters [json-pointer:{at}/text/text]")
        elif kind == "context":
            if not 0 < len(block.get("elements") or []) <= 10:
                problems.append(f"must have 1-10 elements [json-pointer:{at}/elements]")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                problems.append(f"must have 1-25 elements [json-pointer:{at}/elements]")
            action_ids: set[str] = set()
            for j, element in enumerate(elements):
                if not isinstance(element, dict):
                    continue
                action_id = element.get("action_id")
                if action_id is not None:
                    if action_id in action_ids:
                        problems.append(f"duplicate action_id {action_id!r} [json-pointer:{at}/elements/{j}]")
                    action_ids.add(action_id)
                    if len(str(action_id)) > 255:
                        problems.append(f"must be less than 256 characters [json-pointer:{at}/elements/{j}]")
                if element.get("type") == "button":
                    label = (element.get("text") or {}).get("text", "")
                    if not 0 < len(str(label)) <= 75:
                        problems.append(f"must be 1-75 characters [json-pointer:{at}/elements/{j}/text/text]")
                    if len(str(element.get("value", ""))) > 2000:
                        problems.append(f"must be less than 2001 characters [json-pointer:{at}/elements/{j}/value]")
    if problems:
        raise _ApiError("invalid_blocks", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})


_METHOD_NAME = re.compile(r"[a-z]+(\.[a-zA-Z0-9]+)+")
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


# --------------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """Connections are handled on a pool of threads, not a new thread each: the bot opens a
    connection per Web API call, and at hundreds of calls a second starting threads would cost the
    stand-in (which shares the machine with the bot in benchmarks) more than answering them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    stand_in: StandInSlack
    pool_size = 64

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool = ThreadPoolExecutor(max_workers=self.pool_size, thread_name_prefix="standin")

    def process_request(self, request: Any, client_address: Any) -> None:
        self._pool.submit(self.process_request_thread, request, client_address)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet (no traceback on stderr); dropped connections ignored, anything else remembered."""
        exc = traceback.format_exc()
        if "BrokenPipe" in exc or "ConnectionReset" in exc or "ConnectionAborted" in exc:
            return
        self.stand_in._note_error(exc)


class _TruncatedBody(Exception):
    """The request's body ended before its declared length."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StandInSlack/1.0"
    timeout = 120
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """No request logging."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    raise _TruncatedBody
                chunks.append(chunk)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:
            raise _TruncatedBody
        return body

    def _dispatch(self, verb: str) -> None:
        try:
            body = self._read_body()
        except _TruncatedBody:
            # The client went away mid-request (a killed process): like Slack, act on nothing of it.
            self.close_connection = True
            return
        status, headers, payload = self.server.stand_in._route(verb, self.path, self.headers, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if verb != "HEAD":
            self.wfile.write(payload)


# --------------------------------------------------------------------------------------------------
# The stand-in
# --------------------------------------------------------------------------------------------------


class StandInSlack:
    """An in-memory Slack workspace behind a real HTTP server. See the module docstring."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        team_id: str = "T0000001",
        team_name: str = "Acme ML",
        bot_user_id: str = "U0BOT0001",
        bot_id: str = "B0BOT0001",
        app_id: str = "A0APP0001",
        rate_limits: dict[str, float] | None = None,
        team_domain: str = "acme",
        slack_rate_limits: bool = False,
        time_scale: float = 1.0,
    ) -> None:
        """``rate_limits``: method -> calls per second per channel, with no burst (a strict spacing).
        ``slack_rate_limits``: Slack's per-method limits (:data:`SLACK_RATE_LIMITS`), as token buckets.
        ``time_scale`` > 1 compresses time for those buckets (they refill that many times faster; a
        benchmark playing two minutes in twenty seconds passes 6); Retry-After stays whole seconds, as
        Slack sends it, so a compressed run waits relatively longer than a real one."""
        self.host = host
        self.port = port
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_name = BOT_NAME
        for method, per_second in (rate_limits or {}).items():
            if per_second <= 0:
                raise ValueError(f"rate_limits[{method!r}] must be > 0 calls per second")
        self._rate_limits = dict(rate_limits or {})
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self._slack_limits: dict[str, RateLimit] = dict(SLACK_RATE_LIMITS) if slack_rate_limits else {}
        self._time_scale = float(time_scale)
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key -> (tokens, at)

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

        self._ts_counter = 0
        self._id_counter = 0
        self._calls: list[Call] = []
        self._errors: list[str] = []
        self._channels: dict[str, _Channel] = {}
        self._users: dict[str, _User] = {}
        self._messages: dict[str, list[Message]] = {}
        self._by_ts: dict[tuple[str, str], Message] = {}
        self._ephemerals: list[Ephemeral] = []
        self._reactions: list[Reaction] = []
        self._reaction_keys: set[tuple[str, str, str, str]] = set()  # (channel, ts, name, user), for lookups
        self._files: dict[str, UploadedFile] = {}
        self._upload_keys: dict[str, str] = {}
        self._views: dict[str, View] = {}
        self._home_views: dict[str, str] = {}
        self._modal_stacks: dict[str, list[str]] = {}
        self._triggers: dict[str, tuple[str | None, float]] = {}
        self._response_urls: dict[str, dict[str, str | None]] = {}
        self._response_posts: list[dict[str, Any]] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._next_allowed: dict[tuple[str, str], float] = {}
        self._rate_limited = 0
        self._revoked: set[str] = set()
        self._uninstalled = False
        self._fresh_tokens: set[str] = set()
        self._used_codes: set[str] = set()
        self._users[bot_user_id] = _User(bot_user_id, BOT_NAME, BOT_NAME, "America/Los_Angeles", True, bot_id)
        self._socket_mode: SocketModeServer | None = None  # Socket Mode, started on first use

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> StandInSlack:
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _Handler)
        server.stand_in = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.name = f"standin-slack-{self.port}"
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        if self._socket_mode is not None:
            self._socket_mode.stop()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> StandInSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("StandInSlack is not started: call start() (or use it as a context manager)")
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL (``SLACK_API_URL`` / ``WebClient(base_url=...)``), ending in ``/api/``."""
        return self.base_url + "/api/"

    # -- fixtures -----------------------------------------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str],
        *,
        is_private: bool = False,
        bot_member: bool = True,
    ) -> None:
        with self._lock:
            self._channels[channel_id] = _Channel(
                channel_id,
                name.lstrip("#"),
                [m for m in dict.fromkeys(members) if m != self.bot_user_id],
                is_private=is_private,
                bot_member=bot_member,
                is_im=channel_id.startswith("D"),
            )
            self._messages.setdefault(channel_id, [])

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        tz: str = "America/New_York",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
    ) -> None:
        """A member of the workspace; ``is_admin``/``is_owner`` as users.info reports them (an owner
        is an admin too, as in Slack)."""
        with self._lock:
            self._users[user_id] = _User(
                user_id,
                name,
                real_name or name,
                tz,
                is_bot,
                deleted=deleted,
                is_admin=is_admin or is_owner,
                is_owner=is_owner,
            )

    def record_user_message(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> str:
        """Store a message a person wrote (no API call is recorded); returns its ts."""
        with self._lock:
            ch = self._channels.get(channel)
            if ch is None:
                if not channel.startswith("D"):
                    raise KeyError(f"unknown channel {channel!r}: add_channel() it first")
                ch = self._ensure_im(user, channel)
            message = Message(
                ts=self._next_ts(),
                channel=ch.id,
                user=user,
                text=text,
                thread_ts=self._thread_root(ch.id, thread_ts),
                is_bot=user in self._users and self._users[user].is_bot,
            )
            self._store(message)
            return message.ts

    def edit_user_message(self, channel: str, ts: str, text: str) -> None:
        """A person edits a message they wrote (no API call is recorded)."""
        with self._lock:
            message = self._by_ts.get((channel, ts))
            if message is None:
                raise KeyError(f"no message {ts} in {channel}")
            message.text = text
            message.edited = True
            self._changed.notify_all()

    def delete_user_message(self, channel: str, ts: str) -> None:
        """A person deletes a message they wrote (no API call is recorded)."""
        with self._lock:
            message = self._by_ts.get((channel, ts))
            if message is None:
                raise KeyError(f"no message {ts} in {channel}")
            self._remove(message)
            self._changed.notify_all()

    def record_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """A person reacts to a message (no API call is recorded)."""
        with self._lock:
            if (channel, ts) not in self._by_ts:
                raise KeyError(f"no message {ts} in {channel}")
            self._add_reaction(Reaction(channel, ts, name.strip(":"), user))
            self._changed.notify_all()

    def new_response_url(
        self, *, channel: str | None = None, user: str | None = None, message_ts: str | None = None
    ) -> str:
        """A ``response_url`` on this server; posts to it land in ``response_url_posts`` (and ephemerals/messages)."""
        with self._lock:
            key = secrets.token_hex(8)
            self._response_urls[key] = {"channel": channel, "user": user, "message_ts": message_ts}
        return f"{self.base_url}/response/{key}"

    def new_trigger_id(self, user: str | None = None) -> str:
        trigger_id = f"{int(time.time() * 1000)}.{self.team_id[1:]}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = (user, time.time())
        return trigger_id

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self._revoked.add(token)

    def uninstall(self) -> None:
        """The app is removed from the workspace: every token issued so far stops working."""
        with self._lock:
            self._uninstalled = True
            self._fresh_tokens.clear()

    # -- faults -------------------------------------------------------------------------------------

    def fail(self, method: str, error: str = "channel_not_found", times: int | None = 1) -> None:
        self._add_fault(method, _Fault("fail", times, error=error))

    def rate_limit(self, method: str, retry_after: int = 1, times: int | None = 1) -> None:
        self._add_fault(method, _Fault("rate_limit", times, retry_after=max(0, int(retry_after))))

    def server_error(self, method: str, status: int = 500, times: int | None = 1) -> None:
        self._add_fault(method, _Fault("server_error", times, status=status))

    def delay(self, method: str, seconds: float, times: int | None = 1) -> None:
        self._add_fault(method, _Fault("delay", times, seconds=seconds))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.remaining is not None and fault.remaining <= 0:
            return
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def _take_fault(self, method: str, kinds: Iterable[str]) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method) or []
            for fault in queue:
                if fault.kind in kinds:
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            queue.remove(fault)
                    return fault
        return None

    # -- recordings ---------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def reset_rate_limits(self) -> None:
        """Refill the rate limiters (``rate_limits=``, ``slack_rate_limits=``): the budget of a fresh
        workspace, as at start (benchmarks/ack_latency.py between rate steps)."""
        with self._lock:
            self._buckets.clear()
            self._next_allowed.clear()

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until ``count`` calls to ``method`` (matching ``predicate``) were answered; returns them all.

        Every answered call counts, failed ones (429, injected errors) included: pass
        ``predicate=lambda c: c.ok`` to count successes only. A call is recorded just before its
        response is sent, so the caller may not have processed the response yet.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matched = [c for c in self._calls if c.method == method and (predicate is None or predicate(c))]
                if len(matched) >= count:
                    return matched
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.05))
            seen = Counter(c.method for c in self._calls)
            failures = [f"{c.method}→{c.error}" for c in self._calls if not c.ok][-5:]
        listing = ", ".join(f"{name} ×{n}" for name, n in seen.items()) or "none"
        raise AssertionError(
            f"waited {timeout:g}s for {count} call(s) to {method}"
            f"{' matching the predicate' if predicate else ''}, got {len(matched)}. "
            f"Calls seen: {listing}." + (f" Recent failures: {', '.join(failures)}." if failures else "")
        )

    def messages(self, channel: str) -> list[Message]:
        """Every message in the channel, top-level and thread replies, in ts order (copies)."""
        with self._lock:
            return [copy.deepcopy(m) for m in self._messages.get(channel, [])]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The thread's parent followed by its replies, in ts order (like conversations.replies)."""
        with self._lock:
            return [copy.deepcopy(m) for m in self._messages.get(channel, []) if ts in (m.ts, m.thread_ts)]

    def message(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            found = self._by_ts.get((channel, ts))
            return copy.deepcopy(found) if found else None

    def message_payload(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message as Slack's API shows it (blocks, bot_id, thread and reaction fields), or None."""
        with self._lock:
            found = self._by_ts.get((channel, ts))
            return self._message_json(found) if found else None

    def user_name(self, user_id: str) -> str | None:
        """The user's handle (``name``), or None if unknown."""
        with self._lock:
            user = self._users.get(user_id)
            return user.name if user else None

    def channel_name(self, channel_id: str) -> str | None:
        with self._lock:
            ch = self._channels.get(channel_id)
            return None if ch is None else ("directmessage" if ch.is_im else ch.name)

    def channel_type(self, channel_id: str) -> str | None:
        """``channel``, ``group`` (private) or ``im`` — the event's ``channel_type`` — or None if unknown."""
        with self._lock:
            ch = self._channels.get(channel_id)
            return None if ch is None else ("im" if ch.is_im else ("group" if ch.is_private else "channel"))

    def ephemerals(self, user: str | None = None) -> list[Ephemeral]:
        with self._lock:
            return [copy.deepcopy(e) for e in self._ephemerals if user is None or e.user == user]

    @property
    def reactions(self) -> list[Reaction]:
        with self._lock:
            return list(self._reactions)

    @property
    def files(self) -> list[UploadedFile]:
        """Files whose upload was completed (files.completeUploadExternal)."""
        with self._lock:
            return [copy.copy(f) for f in self._files.values() if f.completed]

    @property
    def views(self) -> list[View]:
        """Every view opened or published, in its latest state, oldest first."""
        with self._lock:
            return [copy.deepcopy(v) for v in self._views.values()]

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The user's published Home tab as Slack returns it (id, hash, blocks...), or None."""
        with self._lock:
            view_id = self._home_views.get(user)
            return self._view_json(self._views[view_id]) if view_id else None

    @property
    def response_url_posts(self) -> list[dict[str, Any]]:
        """The JSON bodies POSTed to response URLs, in order."""
        with self._lock:
            return copy.deepcopy(self._response_posts)

    @property
    def rate_limited_count(self) -> int:
        """How many calls the built-in rate limiters (``rate_limits=``, ``slack_rate_limits=``)
        answered with 429 (injected ``rate_limit`` faults are not counted)."""
        with self._lock:
            return self._rate_limited

    @property
    def errors(self) -> list[str]:
        """Tracebacks of requests the stand-in itself failed on (should stay empty)."""
        with self._lock:
            return list(self._errors)

    def _note_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)

    # -- transcript ---------------------------------------------------------------------------------

    def transcript(self, channel: str, *, users: dict[str, str] | None = None, after_ts: str | None = None) -> str:
        """The channel as people would read it: messages, indented thread replies, reactions, files.
        ``after_ts``: only the threads started after that message (and their replies)."""
        with self._lock:
            ch = self._channels.get(channel)
            messages = [copy.deepcopy(m) for m in self._messages.get(channel, [])]
            if after_ts is not None:
                later = {m.ts for m in messages if m.thread_ts is None and float(m.ts) > float(after_ts)}
                messages = [m for m in messages if (m.thread_ts or m.ts) in later]
            reactions = [r for r in self._reactions if r.channel == channel]
            files = {f.id: copy.copy(f) for f in self._files.values()}
            names = {uid: u.real_name for uid, u in self._users.items()}
            channel_names = {cid: c.name for cid, c in self._channels.items()}
        names[self.bot_user_id] = self.bot_name
        names.update(users or {})

        def author(m: Message) -> str:
            if m.is_bot and m.user in (None, self.bot_user_id):
                return self.bot_name
            return names.get(m.user or "", m.user or "someone")

        def render(m: Message, indent: str) -> list[str]:
            text = m.text if m.text.strip() else self._blocks_text(m.blocks or [])
            if m.is_bot:
                text = text.replace("*", "")
            text = self._plain(text, names, channel_names)
            body = [line.rstrip() for line in text.splitlines()] or [""]
            if m.edited:
                body[-1] += " (edited)"
            lines = [f"{indent}{author(m)}: {body[0]}".rstrip()]
            lines += [f"{indent}  {line}".rstrip() for line in body[1:]]
            grouped: dict[str, list[str]] = {}
            for r in reactions:
                if r.ts == m.ts:
                    grouped.setdefault(r.name, []).append(names.get(r.user, r.user))
            for name, who in grouped.items():
                lines.append(f"{indent}  [:{name}: by {', '.join(who)}]")
            for file_id in m.files:
                f = files.get(file_id)
                if f is not None:
                    title = f" \u201c{f.title}\u201d" if f.title and f.title != f.name else ""
                    lines.append(f"{indent}  [file: {f.name}{title}, {f.size} bytes]")
            return lines

        out = [f"#{ch.name}" if ch else f"#{channel}"]
        tops = {m.ts for m in messages if m.thread_ts is None}
        orphans: dict[str, list[Message]] = {}
        for m in messages:
            if m.thread_ts is not None and m.thread_ts not in tops:
                orphans.setdefault(m.thread_ts, []).append(m)
        for m in messages:
            if m.thread_ts is not None:
                continue
            out.append("")
            out += render(m, "")
            for reply in messages:
                if reply.thread_ts == m.ts:
                    out += render(reply, "    ")
        for parent_ts, replies in orphans.items():
            out.append("")
            out.append(f"(message {parent_ts} not in the channel)")
            for reply in replies:
                out += render(reply, "    ")
        return "\n".join(out)

    def render_blocks(self, blocks: list[dict[str, Any]] | None, *, users: dict[str, str] | None = None) -> str:
        """Block Kit content as plain text, the way the transcript shows a message."""
        with self._lock:
            names = {uid: u.real_name for uid, u in self._users.items()}
            channel_names = {cid: c.name for cid, c in self._channels.items()}
        names.update(users or {})
        return self._plain(self._blocks_text(blocks or []).replace("*", ""), names, channel_names)

    @staticmethod
    def _blocks_text(blocks: list[dict[str, Any]]) -> str:
        lines: list[str] = []

        def rich(elements: list[Any]) -> str:
            parts = []
            for el in elements or []:
                if not isinstance(el, dict):
                    continue
                if "elements" in el:
                    parts.append(rich(el["elements"]))
                elif el.get("type") == "user":
                    parts.append(f"<@{el.get('user_id', '')}>")
                elif el.get("type") == "emoji":
                    parts.append(f":{el.get('name', '')}:")
                else:
                    parts.append(str(el.get("text") or el.get("url") or ""))
            return "".join(parts)

        for block in blocks:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            text = block.get("text")
            if kind in ("header", "section") and isinstance(text, dict) and text.get("text"):
                lines.append(str(text["text"]))
            if kind == "section":
                for f in block.get("fields") or []:
                    if isinstance(f, dict) and f.get("text"):
                        lines.append(str(f["text"]))
            elif kind == "context":
                bits = [
                    str(e.get("text")) for e in block.get("elements") or [] if isinstance(e, dict) and e.get("text")
                ]
                if bits:
                    lines.append("  ".join(bits))
            elif kind == "rich_text":
                lines.append(rich(block.get("elements") or []))
            elif kind == "image":
                lines.append(f"[image: {block.get('alt_text', '')}]")
        return "\n".join(lines)

    @staticmethod
    def _plain(text: str, names: dict[str, str], channels: dict[str, str]) -> str:
        def link(match: re.Match[str]) -> str:
            target, label = match.group(1), match.group(2)
            if target.startswith("@"):
                return "@" + (label or names.get(target[1:], target[1:]))
            if target.startswith("#"):
                return "#" + (label or channels.get(target[1:], target[1:]))
            if target.startswith("!"):
                return "@" + (label or target[1:].split("^")[0])
            return label or target

        return html.unescape(_LINK.sub(link, text))

    # -- routing ------------------------------------------------------------------------------------

    def _route(self, verb: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            parts = urlsplit(raw_path)
            path = parts.path
            if path.startswith("/api/") and len(path) > 5:
                return self._serve_api(verb, path[5:], parts.query, headers, body)
            if path.startswith("/upload/v1/"):
                return self._serve_upload(verb, path[len("/upload/v1/") :], headers, body)
            if path.startswith("/response/"):
                return self._serve_response_url(verb, path[len("/response/") :], body)
            return (
                404,
                {"Content-Type": "application/json; charset=utf-8"},
                _json_dumps({"ok": False, "error": "not_found"}),
            )
        except Exception:  # a bug in the stand-in: answer 500 and remember it
            self._note_error(traceback.format_exc())
            return (
                500,
                {"Content-Type": "application/json; charset=utf-8"},
                _json_dumps(
                    {"ok": False, "error": "internal_error", "detail": "stand-in failure, see StandInSlack.errors"}
                ),
            )

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _apply_delay(self, method: str) -> None:
        fault = self._take_fault(method, ("delay",))
        if fault is not None and fault.seconds > 0:
            time.sleep(fault.seconds)

    def _failure_fault(self, method: str) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        fault = self._take_fault(method, ("fail", "rate_limit", "server_error"))
        if fault is None:
            return None
        if fault.kind == "fail":
            return 200, {"ok": False, "error": fault.error}, {}
        if fault.kind == "rate_limit":
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
        return fault.status, {"ok": False, "error": "internal_error"}, {}

    @staticmethod
    def _parse_params(query: str, headers: Any, body: bytes) -> tuple[dict[str, Any], str | None]:
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        content_type = headers.get("Content-Type") or ""
        kind = content_type.split(";")[0].strip().lower()
        if body:
            if kind == "application/json":
                try:
                    data = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    return params, "invalid_json"
                if not isinstance(data, dict):
                    return params, "invalid_json"
                params.update(data)
            elif kind == "multipart/form-data":
                message = BytesParser(policy=HTTP).parsebytes(
                    b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
                )
                if message.is_multipart():
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        if not name:
                            continue
                        payload = part.get_payload(decode=True) or b""
                        params[str(name)] = payload if part.get_filename() else payload.decode("utf-8", "replace")
            else:
                params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        for key in JSON_FIELDS:
            value = params.get(key)
            if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
                with contextlib.suppress(json.JSONDecodeError):  # else left a string: invalid_*_format
                    params[key] = json.loads(value)
        return params, None

    def _serve_api(
        self, verb: str, method: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        at = time.time()
        params, parse_error = self._parse_params(query, headers, body)
        token = None
        authorization = headers.get("Authorization") or ""
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip() or None
        elif authorization.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(authorization[6:].strip()).decode().partition(":")
                params.setdefault("client_id", client_id)
                params.setdefault("client_secret", client_secret)
            except (ValueError, UnicodeDecodeError):
                pass
        if "token" in params:
            param_token = params.pop("token")
            token = token or (str(param_token) if param_token else None)
        # slack_sdk drops None values, but be lenient like Slack: a JSON null is "not given".
        params = {k: v for k, v in params.items() if v is not None}

        self._apply_delay(method)
        extra_headers: dict[str, str] = {}
        with self._lock:
            if parse_error:
                status, payload = 200, {"ok": False, "error": parse_error}
            else:
                status, payload, extra_headers = self._call_locked(method, params, token)
            recorded = {k: v for k, v in params.items() if k != "client_secret"}
            self._record(Call(method, recorded, token, status, at, payload, verb))
        headers_out = {"Content-Type": "application/json; charset=utf-8", **extra_headers}
        return status, headers_out, _json_dumps(payload)

    def _call_locked(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        faulted = self._failure_fault(method)
        if faulted is not None:
            return faulted
        if method == "apps.connections.open":  # Socket Mode: an app-level token, not a bot token
            return self._apps_connections_open(token)
        handler = getattr(self, "_api_" + method.replace(".", "_"), None) if _METHOD_NAME.fullmatch(method) else None
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        try:
            if method not in NO_AUTH_METHODS:
                self._check_token(token)
            limited = self._rate_limiter(method, params)
            if limited is not None:
                return limited
            result = handler(params, token)
        except _ApiError as exc:
            return 200, {"ok": False, "error": exc.error, **exc.extra}, {}
        self._changed.notify_all()
        return 200, {"ok": True, **result}, {}

    def _check_token(self, token: str | None) -> None:
        if not token:
            raise _ApiError("not_authed")
        if token in self._revoked:
            raise _ApiError("token_revoked")
        if not token.startswith(("xoxb-", "xoxp-")):
            raise _ApiError("invalid_auth")
        if self._uninstalled and token not in self._fresh_tokens:
            raise _ApiError("account_inactive" if token.startswith("xoxb-") else "token_revoked")

    def _rate_limiter(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        limit = self._slack_limits.get(method)
        if limit is not None:
            limited = self._token_bucket(method, limit, params)
            if limited is not None:
                return limited
        per_second = self._rate_limits.get(method)
        if not per_second:
            return None
        key = (method, str(params.get("channel") or params.get("channel_id") or ""))
        now = time.monotonic()
        allowed_at = self._next_allowed.get(key, 0.0)
        if now < allowed_at:
            self._rate_limited += 1
            retry_after = max(1, math.ceil(allowed_at - now))
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        self._next_allowed[key] = now + 1.0 / per_second
        return None

    def _token_bucket(
        self, method: str, limit: RateLimit, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        channel = str(params.get("channel") or params.get("channel_id") or "") if limit.per_channel else ""
        key = (method, channel)
        rate = limit.per_minute / 60.0 * self._time_scale  # tokens a second
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + (now - at) * rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            self._rate_limited += 1
            retry_after = max(1, math.ceil((1.0 - tokens) / rate))
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        self._buckets[key] = (tokens - 1.0, now)
        return None

    # -- Socket Mode (standin.socket_mode) ------------------------------------------------------------

    @property
    def socket_mode(self) -> SocketModeServer:
        """The Socket Mode WebSocket server behind ``apps.connections.open`` (started on first use,
        stopped by :meth:`stop`): push envelopes with ``send()``, read ``acks``, ``wait_for_ack()``,
        ``wait_connected()``. See :mod:`standin.socket_mode`."""
        with self._lock:
            if self._socket_mode is None:
                self._socket_mode = SocketModeServer(host=self.host, app_id=self.app_id).start()
            return self._socket_mode

    def _apps_connections_open(self, token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        error = "token_revoked" if token in self._revoked else app_token_error(token)
        if error:
            return 200, {"ok": False, "error": error}, {}
        return 200, {"ok": True, "url": self.socket_mode.new_url()}, {}

    # -- state helpers (call with the lock held) ------------------------------------------------------

    def _next_ts(self) -> str:
        self._ts_counter += 1
        micros = self._ts_counter * 100
        return f"{TS_BASE + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._id_counter += 1
        return f"{prefix}0{self._id_counter:08d}"

    def _store(self, message: Message) -> None:
        self._messages.setdefault(message.channel, []).append(message)
        self._messages[message.channel].sort(key=lambda m: _ts_key(m.ts))
        self._by_ts[(message.channel, message.ts)] = message
        self._changed.notify_all()

    def _remove(self, message: Message) -> None:
        self._messages[message.channel].remove(message)
        del self._by_ts[(message.channel, message.ts)]
        self._reactions = [r for r in self._reactions if not (r.channel == message.channel and r.ts == message.ts)]
        self._reaction_keys = {(r.channel, r.ts, r.name, r.user) for r in self._reactions}

    def _thread_root(self, channel: str, thread_ts: str | None) -> str | None:
        """Replies to a reply join the parent's thread, as in Slack."""
        if not thread_ts:
            return None
        parent = self._by_ts.get((channel, thread_ts))
        if parent is not None and parent.thread_ts:
            return parent.thread_ts
        return thread_ts

    def _ensure_im(self, user: str, channel_id: str | None = None) -> _Channel:
        channel_id = channel_id or "D" + user[1:]
        ch = self._channels.get(channel_id)
        if ch is None:
            ch = _Channel(channel_id, channel_id, [user], is_private=True, bot_member=True, is_im=True)
            self._channels[channel_id] = ch
            self._messages.setdefault(channel_id, [])
        return ch

    def _channel(self, value: Any) -> _Channel:
        """Resolve a ``channel`` argument: an id, a ``#name``, a name, or a user id (their DM with the bot)."""
        ref = str(value or "").strip()
        if not ref:
            raise _ApiError("channel_not_found")
        ch = self._channels.get(ref)
        if ch is None and ref[:1] in ("U", "W") and (ref in self._users or ref[1:].isalnum()):
            ch = self._ensure_im(ref)
        if ch is None:
            name = ref.lstrip("#")
            ch = next((c for c in self._channels.values() if c.name == name and not c.is_im), None)
        if ch is None or (ch.is_private and not ch.bot_member):
            raise _ApiError("channel_not_found")
        return ch

    @staticmethod
    def _require_member(ch: _Channel) -> None:
        if not ch.bot_member:
            raise _ApiError("not_in_channel")

    def _find_message(self, ch: _Channel, ts: Any) -> Message:
        message = self._by_ts.get((ch.id, str(ts or "")))
        if message is None:
            raise _ApiError("message_not_found")
        return message

    @staticmethod
    def _blocks_param(params: dict[str, Any], key: str = "blocks") -> list[dict[str, Any]] | None:
        if key not in params:
            return None
        blocks = params[key]
        if isinstance(blocks, str):
            if not blocks.strip():
                return None
            raise _ApiError("invalid_blocks_format")
        if not isinstance(blocks, list):
            raise _ApiError("invalid_blocks_format")
        _check_blocks(blocks)
        return blocks

    @staticmethod
    def _attachments_param(params: dict[str, Any]) -> list[dict[str, Any]] | None:
        value = params.get("attachments")
        if value is None or value == "":
            return None
        if not isinstance(value, list):
            raise _ApiError("invalid_attachments")
        return value

    def _message_text(self, params: dict[str, Any]) -> str | None:
        text = params.get("markdown_text", params.get("text"))
        if text is None:
            return None
        text = str(text)
        if len(text) > MAX_TEXT:
            raise _ApiError("msg_too_long")
        return text

    def _message_json(self, m: Message) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "message", "ts": m.ts, "text": m.text, "team": self.team_id}
        if m.user:
            data["user"] = m.user
        if m.bot_id:
            data["bot_id"] = m.bot_id
            data["app_id"] = self.app_id
            data["bot_profile"] = {
                "id": m.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "team_id": self.team_id,
                "deleted": False,
            }
        if m.blocks is not None:
            data["blocks"] = copy.deepcopy(m.blocks)
        if m.attachments is not None:
            data["attachments"] = copy.deepcopy(m.attachments)
        if m.metadata is not None:
            data["metadata"] = copy.deepcopy(m.metadata)
        if m.thread_ts:
            data["thread_ts"] = m.thread_ts
            parent = self._by_ts.get((m.channel, m.thread_ts))
            if parent is not None and parent.user:
                data["parent_user_id"] = parent.user
        else:
            replies = [r for r in self._messages.get(m.channel, []) if r.thread_ts == m.ts]
            if replies:
                users = list(dict.fromkeys(r.user for r in replies if r.user))
                data.update(
                    thread_ts=m.ts,
                    reply_count=len(replies),
                    reply_users_count=len(users),
                    reply_users=users,
                    latest_reply=replies[-1].ts,
                )
        if m.edited:
            data["edited"] = {"user": m.user, "ts": m.ts}
        grouped: dict[str, list[str]] = {}
        for r in self._reactions:
            if r.channel == m.channel and r.ts == m.ts:
                grouped.setdefault(r.name, []).append(r.user)
        if grouped:
            data["reactions"] = [{"name": n, "users": u, "count": len(u)} for n, u in grouped.items()]
        if m.files:
            data["files"] = [self._file_json(self._files[f]) for f in m.files if f in self._files]
            data["upload"] = True
        return data

    def _channel_json(self, ch: _Channel) -> dict[str, Any]:
        members = len(ch.members) + (1 if ch.bot_member else 0)
        if ch.is_im:
            return {"id": ch.id, "is_im": True, "user": ch.members[0] if ch.members else None, "created": ch.created}
        return {
            "id": ch.id,
            "name": ch.name,
            "name_normalized": ch.name,
            "is_channel": not ch.is_private,
            "is_group": ch.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": ch.is_private,
            "is_archived": False,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": ch.bot_member,
            "created": ch.created,
            "creator": ch.members[0] if ch.members else "",
            "context_team_id": self.team_id,
            "num_members": members,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    def _user_json(self, u: _User) -> dict[str, Any]:
        offset, label = _tz_offset(u.tz)
        profile: dict[str, Any] = {
            "real_name": u.real_name,
            "real_name_normalized": u.real_name,
            "display_name": u.name,
            "display_name_normalized": u.name,
            "team": self.team_id,
        }
        if u.bot_id:
            profile["bot_id"] = u.bot_id
            profile["api_app_id"] = self.app_id
        return {
            "id": u.id,
            "team_id": self.team_id,
            "name": u.name,
            "real_name": u.real_name,
            "deleted": u.deleted,
            "tz": u.tz,
            "tz_label": label,
            "tz_offset": offset,
            "is_bot": u.is_bot,
            "is_app_user": False,
            "is_admin": u.is_admin,
            "is_owner": u.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "updated": TS_BASE,
            "profile": profile,
        }

    def _file_json(self, f: UploadedFile) -> dict[str, Any]:
        ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else "binary"
        data: dict[str, Any] = {
            "id": f.id,
            "created": TS_BASE,
            "timestamp": TS_BASE,
            "name": f.name,
            "title": f.title,
            "mimetype": "text/plain" if ext in ("txt", "csv", "md") else "application/octet-stream",
            "filetype": ext,
            "user": f.user,
            "user_team": self.team_id,
            "size": f.size,
            "url_private": f"{self.base_url}/files/{f.id}/{f.name}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{f.user}/{f.id}/{f.name}",
            "channels": [],
            "groups": [],
            "ims": [],
            "shares": {},
        }
        if f.alt_txt:
            data["alt_txt"] = f.alt_txt
        if f.channel_id and f.message_ts:
            ch = self._channels.get(f.channel_id)
            share = {"ts": f.message_ts, "channel_name": ch.name if ch else f.channel_id, "team_id": self.team_id}
            if f.thread_ts:
                share["thread_ts"] = f.thread_ts
            visibility = "private" if ch is not None and ch.is_private else "public"
            data["shares"] = {visibility: {f.channel_id: [share]}}
            bucket = "ims" if ch is not None and ch.is_im else ("groups" if visibility == "private" else "channels")
            data[bucket] = [f.channel_id]
        return data

    def _view_json(self, v: View) -> dict[str, Any]:
        data = {
            "id": v.id,
            "team_id": self.team_id,
            "type": v.type,
            "title": v.view.get("title"),
            "submit": v.view.get("submit"),
            "close": v.view.get("close"),
            "blocks": copy.deepcopy(v.view.get("blocks") or []),
            "private_metadata": v.view.get("private_metadata", ""),
            "callback_id": v.view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": v.hash,
            "clear_on_close": bool(v.view.get("clear_on_close", False)),
            "notify_on_close": bool(v.view.get("notify_on_close", False)),
            "root_view_id": v.root_view_id or v.id,
            "previous_view_id": v.previous_view_id,
            "app_id": self.app_id,
            "external_id": v.external_id or "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        return data

    # -- Web API methods (lock held; params already merged; raise _ApiError for Slack errors) ------------

    def _api_api_test(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"args": p} if p else {}

    def _api_auth_test(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "is_enterprise_install": False,
        }

    def _api_auth_revoke(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        if _truthy(p.get("test", False)):
            return {"revoked": False}
        assert token is not None
        self._revoked.add(token)
        return {"revoked": True}

    def _api_apps_uninstall(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not _s(p, "client_id"):
            raise _ApiError("invalid_client_id")
        if not _s(p, "client_secret"):
            raise _ApiError("bad_client_secret")
        self._uninstalled = True
        self._fresh_tokens.clear()
        return {}

    def _api_oauth_v2_access(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not _s(p, "client_id"):
            raise _ApiError("invalid_client_id")
        if not _s(p, "client_secret"):
            raise _ApiError("bad_client_secret")
        code = _s(p, "code")
        if not code or code in self._used_codes:
            raise _ApiError("invalid_code")
        self._used_codes.add(code)
        access_token = f"xoxb-{self.team_id}-{secrets.token_hex(12)}"
        self._fresh_tokens.add(access_token)
        installer = _s(p, "installer_user_id") or next(
            (u for u in self._users if u != self.bot_user_id and not self._users[u].is_bot), "U0INSTALL1"
        )
        return {
            "app_id": self.app_id,
            "authed_user": {"id": installer},
            "scope": "commands,chat:write,chat:write.public,reactions:write,channels:read,groups:read,"
            "channels:history,groups:history,users:read,files:write,im:write",
            "token_type": "bot",
            "access_token": access_token,
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _api_team_info(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
                "url": f"https://{self.team_domain}.slack.com/",
                "is_verified": False,
                "icon": {"image_default": True},
            }
        }

    def _api_users_info(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = self._users.get(str(p.get("user") or ""))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": self._user_json(user)}

    def _api_users_list(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        members, cursor = _page([self._user_json(u) for u in self._users.values()], p, 200)
        return {"members": members, "cache_ts": int(time.time()), "response_metadata": {"next_cursor": cursor}}

    def _api_chat_postMessage(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        self._require_member(ch)
        text = self._message_text(p)
        blocks = self._blocks_param(p)
        attachments = self._attachments_param(p)
        if not text and not blocks and not attachments:
            raise _ApiError("no_text")
        message = Message(
            ts=self._next_ts(),
            channel=ch.id,
            user=self.bot_user_id,
            text=text or "",
            blocks=blocks,
            thread_ts=self._thread_root(ch.id, _s(p, "thread_ts")),
            is_bot=True,
            bot_id=self.bot_id,
            attachments=attachments,
            metadata=p.get("metadata") if isinstance(p.get("metadata"), dict) else None,
        )
        self._store(message)
        return {"channel": ch.id, "ts": message.ts, "message": self._message_json(message)}

    def _api_chat_update(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        message = self._find_message(ch, p.get("ts"))
        if message.user != self.bot_user_id:
            raise _ApiError("cant_update_message")
        text = self._message_text(p)
        blocks = self._blocks_param(p)
        attachments = self._attachments_param(p)
        if text is None and blocks is None and attachments is None and "blocks" not in p:
            raise _ApiError("no_text")
        if blocks is not None or "blocks" in p:
            message.blocks = blocks or None
        if attachments is not None:
            message.attachments = attachments or None
        if text is not None:
            message.text = text
        elif blocks is not None:
            message.text = ""
        message.edited = True
        self._changed.notify_all()
        return {"channel": ch.id, "ts": message.ts, "text": message.text, "message": self._message_json(message)}

    def _api_chat_delete(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        message = self._find_message(ch, p.get("ts"))
        if message.user != self.bot_user_id:
            raise _ApiError("cant_delete_message")
        self._remove(message)
        return {"channel": ch.id, "ts": message.ts}

    def _api_chat_postEphemeral(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        self._require_member(ch)
        user = _s(p, "user")
        if not user or (user not in ch.members and user != self.bot_user_id):
            raise _ApiError("user_not_in_channel")
        text = self._message_text(p)
        blocks = self._blocks_param(p)
        if not text and not blocks and not self._attachments_param(p):
            raise _ApiError("no_text")
        ephemeral = Ephemeral(
            ts=self._next_ts(),
            channel=ch.id,
            user=user,
            text=text or "",
            blocks=blocks,
            thread_ts=self._thread_root(ch.id, _s(p, "thread_ts")),
        )
        self._ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.ts}

    def _api_chat_getPermalink(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        message = self._find_message(ch, p.get("message_ts"))
        link = f"https://{self.team_domain}.slack.com/archives/{ch.id}/p{message.ts.replace('.', '')}"
        if message.thread_ts:
            link += f"?thread_ts={message.thread_ts}&cid={ch.id}"
        return {"channel": ch.id, "permalink": link}

    def _api_reactions_add(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch, message, name = self._reaction_target(p)
        if (ch.id, message.ts, name, self.bot_user_id) in self._reaction_keys:
            raise _ApiError("already_reacted")
        self._add_reaction(Reaction(ch.id, message.ts, name, self.bot_user_id))
        return {}

    def _add_reaction(self, reaction: Reaction) -> None:  # holds the lock
        self._reactions.append(reaction)
        self._reaction_keys.add((reaction.channel, reaction.ts, reaction.name, reaction.user))

    def _api_reactions_remove(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch, message, name = self._reaction_target(p)
        for r in self._reactions:
            if r.channel == ch.id and r.ts == message.ts and r.name == name and r.user == self.bot_user_id:
                self._reactions.remove(r)
                self._reaction_keys.discard((r.channel, r.ts, r.name, r.user))
                return {}
        raise _ApiError("no_reaction")

    def _reaction_target(self, p: dict[str, Any]) -> tuple[_Channel, Message, str]:
        ch = self._channel(p.get("channel"))
        self._require_member(ch)
        if not _s(p, "timestamp"):
            raise _ApiError("bad_timestamp")
        message = self._find_message(ch, p.get("timestamp"))
        name = str(p.get("name") or "").strip(":")
        if not name or not re.fullmatch(r"[a-z0-9_+\-']+(::skin-tone-[2-6])?", name):
            raise _ApiError("invalid_name")
        return ch, message, name

    def _api_conversations_members(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        everyone = list(ch.members) + ([self.bot_user_id] if ch.bot_member else [])
        members, cursor = _page(everyone, p, 100)
        return {"members": members, "response_metadata": {"next_cursor": cursor}}

    def _api_conversations_info(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"channel": self._channel_json(self._channel(p.get("channel")))}

    def _api_conversations_join(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        if ch.is_private or ch.is_im:
            raise _ApiError("method_not_supported_for_channel_type")
        extra: dict[str, Any] = {}
        if ch.bot_member:
            extra = {"warning": "already_in_channel", "response_metadata": {"warnings": ["already_in_channel"]}}
        ch.bot_member = True
        return {"channel": self._channel_json(ch), **extra}

    def _api_conversations_open(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        users = [u for u in str(p.get("users") or "").split(",") if u]
        if p.get("channel"):
            return {"channel": {"id": self._channel(p.get("channel")).id}}
        if len(users) != 1:
            raise _ApiError("users_list_not_supplied" if not users else "not_enough_users")
        if users[0] not in self._users:
            raise _ApiError("user_not_found")
        return {"channel": {"id": self._ensure_im(users[0]).id}}

    def _api_conversations_history(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        self._require_member(ch)
        inclusive = _truthy(p.get("inclusive", False))
        oldest, latest = _s(p, "oldest"), _s(p, "latest")

        def within(m: Message) -> bool:
            key = _ts_key(m.ts)
            if oldest and (key < _ts_key(oldest) or (key == _ts_key(oldest) and not inclusive)):
                return False
            return not (latest and (key > _ts_key(latest) or (key == _ts_key(latest) and not inclusive)))

        tops = [m for m in reversed(self._messages.get(ch.id, [])) if m.thread_ts is None and within(m)]
        page, cursor = _page(tops, p, 100, 999)
        return {
            "messages": [self._message_json(m) for m in page],
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def _api_conversations_replies(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ch = self._channel(p.get("channel"))
        self._require_member(ch)
        ts = str(p.get("ts") or "")
        if (ch.id, ts) not in self._by_ts:
            raise _ApiError("thread_not_found")
        thread = [m for m in self._messages.get(ch.id, []) if ts in (m.ts, m.thread_ts)]
        page, cursor = _page(thread, p, 1000)
        return {
            "messages": [self._message_json(m) for m in page],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _api_files_upload(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        raise _ApiError("method_deprecated")  # retired by Slack: files_upload_v2 is the way

    def _api_files_getUploadURLExternal(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        filename = _s(p, "filename")
        length = _int(p.get("length"), -1)
        if not filename:
            raise _invalid_args("missing required field: filename")
        if length <= 0:
            raise _invalid_args("missing required field: length")
        file_id = self._next_id("F")
        key = secrets.token_urlsafe(12)
        self._files[file_id] = UploadedFile(
            id=file_id,
            name=filename,
            title=filename,
            length=length,
            user=self.bot_user_id,
            alt_txt=_s(p, "alt_txt"),
            snippet_type=_s(p, "snippet_type"),
        )
        self._upload_keys[key] = file_id
        return {"upload_url": f"{self.base_url}/upload/v1/{key}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        items = p.get("files")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("id") for i in items):
            raise _invalid_args("files must be a JSON array of {id, title}")
        files: list[UploadedFile] = []
        for item in items:
            f = self._files.get(str(item["id"]))
            if f is None or not f.uploaded:
                raise _ApiError("file_not_found")
            files.append(f)
        channel_ref = _s(p, "channel_id") or (str(p.get("channels") or "").split(",")[0] or None)
        ch = None
        if channel_ref:
            ch = self._channel(channel_ref)
            self._require_member(ch)
        thread_ts = self._thread_root(ch.id, _s(p, "thread_ts")) if ch else None
        comment = _s(p, "initial_comment")
        for f, item in zip(files, items, strict=True):
            f.title = str(item.get("title") or f.name)
            f.completed = True
            f.initial_comment = comment
        if ch is not None:
            message = Message(
                ts=self._next_ts(),
                channel=ch.id,
                user=self.bot_user_id,
                text=comment or "",
                thread_ts=thread_ts,
                is_bot=True,
                bot_id=self.bot_id,
                files=[f.id for f in files],
            )
            self._store(message)
            for f in files:
                f.channel_id, f.thread_ts, f.message_ts = ch.id, thread_ts, message.ts
        return {"files": [self._file_json(f) for f in files]}

    def _view_param(self, p: dict[str, Any], expected: tuple[str, ...]) -> dict[str, Any]:
        view = p.get("view")
        if isinstance(view, str):
            raise _ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] view is not valid JSON"]})
        if not isinstance(view, dict):
            raise _invalid_args("missing required field: view")
        if view.get("type") not in expected:
            raise _invalid_args(f"view type must be one of {', '.join(expected)} [json-pointer:/view/type]")
        if view.get("type") == "modal" and not isinstance(view.get("title"), dict):
            raise _invalid_args("missing required field: title [json-pointer:/view]")
        blocks = view.get("blocks")
        if not isinstance(blocks, list):
            raise _invalid_args("missing required field: blocks [json-pointer:/view]")
        _check_blocks(blocks, "view/blocks", 100)
        return view

    def _trigger_user(self, p: dict[str, Any]) -> tuple[str, str | None]:
        trigger_id = _s(p, "trigger_id") or _s(p, "interactivity_pointer")
        if not trigger_id:
            raise _invalid_args("missing required field: trigger_id")
        user, _ = self._triggers.get(trigger_id, (None, 0.0))
        return trigger_id, user

    def _api_views_publish(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = _s(p, "user_id")
        if not user:
            raise _invalid_args("missing required field: user_id")
        if user not in self._users:
            raise _ApiError("user_not_found")
        view = self._view_param(p, ("home",))
        existing = self._views.get(self._home_views.get(user, ""))
        if existing is not None and _s(p, "hash") and _s(p, "hash") != existing.hash:
            raise _ApiError("hash_conflict")
        view_id = existing.id if existing else self._next_id("V")
        stored = View(view_id, "home", copy.deepcopy(view), user, "views.publish", secrets.token_hex(8))
        stored.external_id = view.get("external_id")
        self._views[view_id] = stored
        self._home_views[user] = view_id
        return {"view": self._view_json(stored)}

    def _api_views_open(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        trigger_id, user = self._trigger_user(p)
        view = self._view_param(p, ("modal",))
        view_id = self._next_id("V")
        stored = View(view_id, "modal", copy.deepcopy(view), user, "views.open", secrets.token_hex(8), trigger_id)
        stored.external_id = view.get("external_id")
        self._views[view_id] = stored
        self._modal_stacks[user or trigger_id] = [view_id]
        return {"view": self._view_json(stored)}

    def _api_views_push(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        trigger_id, user = self._trigger_user(p)
        view = self._view_param(p, ("modal",))
        stack = self._modal_stacks.get(user or trigger_id) or []
        if len(stack) >= 3:
            raise _ApiError("push_limit_reached")
        view_id = self._next_id("V")
        stored = View(view_id, "modal", copy.deepcopy(view), user, "views.push", secrets.token_hex(8), trigger_id)
        stored.root_view_id = stack[0] if stack else view_id
        stored.previous_view_id = stack[-1] if stack else None
        stored.external_id = view.get("external_id")
        self._views[view_id] = stored
        self._modal_stacks[user or trigger_id] = [*stack, view_id]
        return {"view": self._view_json(stored)}

    def _api_views_update(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        view_id, external_id = _s(p, "view_id"), _s(p, "external_id")
        if not view_id and not external_id:
            raise _invalid_args("missing required field: view_id or external_id")
        stored = self._views.get(view_id or "") or next(
            (v for v in self._views.values() if external_id and v.external_id == external_id), None
        )
        if stored is None:
            raise _ApiError("not_found")
        if _s(p, "hash") and _s(p, "hash") != stored.hash:
            raise _ApiError("hash_conflict")
        view = self._view_param(p, (stored.type,))
        stored.view = copy.deepcopy(view)
        stored.hash = secrets.token_hex(8)
        stored.method = "views.update"
        stored.external_id = view.get("external_id", stored.external_id)
        return {"view": self._view_json(stored)}

    # -- non-API endpoints ----------------------------------------------------------------------------

    def _serve_upload(self, verb: str, key: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        at = time.time()
        text_plain = {"Content-Type": "text/plain; charset=utf-8"}
        if verb != "POST":
            return 405, text_plain, b"Method Not Allowed"
        self._apply_delay("file_upload")
        content = body
        content_type = headers.get("Content-Type") or ""
        if content_type.lower().startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
            )
            parts = [part for part in message.iter_parts() if part.get_filename()] if message.is_multipart() else []
            content = (parts[0].get_payload(decode=True) or b"") if parts else body
        with self._lock:
            faulted = self._failure_fault("file_upload")
            file_id = self._upload_keys.get(key)
            if faulted is not None:
                status, reply = faulted[0], json.dumps(faulted[1]).encode()
            elif file_id is None:
                status, reply = 404, b"Not Found"
            else:
                f = self._files[file_id]
                f.content, f.uploaded = content, True
                status, reply = 200, f"OK - {len(content)}".encode()
            self._record(
                Call("file_upload", {"file_id": file_id, "size": len(content)}, None, status, at, {"ok": status == 200})
            )
        return status, text_plain, reply

    def _serve_response_url(self, verb: str, key: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        at = time.time()
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if verb != "POST":
            return 405, json_type, _json_dumps({"ok": False, "error": "method_not_allowed"})
        self._apply_delay("response_url")
        try:
            text = body.decode("utf-8")
            if text.startswith("payload="):
                text = dict(parse_qsl(text)).get("payload", "")
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except (UnicodeDecodeError, ValueError):
            data = None
        with self._lock:
            context = self._response_urls.get(key)
            faulted = self._failure_fault("response_url")
            if faulted is not None:
                status, payload = faulted[0] if faulted[0] != 200 else 404, faulted[1]
            elif context is None:
                status, payload = 404, {"ok": False, "error": "expired_url"}
            elif data is None:
                status, payload = 400, {"ok": False, "error": "invalid_payload"}
            else:
                status, payload = self._apply_response_url(context, data)
            self._record(Call("response_url", data if data is not None else {}, None, status, at, payload))
        return status, json_type, _json_dumps(payload)

    def _apply_response_url(self, context: dict[str, str | None], data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        text = str(data.get("text") or "")
        blocks = data.get("blocks") if isinstance(data.get("blocks"), list) else None
        try:
            if blocks is not None:
                _check_blocks(blocks)
        except _ApiError as exc:
            return 400, {"ok": False, "error": exc.error, **exc.extra}
        self._response_posts.append(copy.deepcopy(data))
        channel, user, original_ts = context["channel"], context["user"], context["message_ts"]
        original = self._by_ts.get((channel or "", original_ts or ""))
        if _truthy(data.get("delete_original", False)):
            if original is not None:
                self._remove(original)
        elif _truthy(data.get("replace_original", False)) and original is not None:
            original.text = text
            original.blocks = blocks
            original.edited = True
        elif data.get("response_type") == "in_channel" and channel and channel in self._channels:
            self._store(
                Message(
                    ts=self._next_ts(),
                    channel=channel,
                    user=self.bot_user_id,
                    text=text,
                    blocks=blocks,
                    thread_ts=self._thread_root(channel, data.get("thread_ts")),
                    is_bot=True,
                    bot_id=self.bot_id,
                )
            )
        else:
            self._ephemerals.append(
                Ephemeral(self._next_ts(), channel, user, text, blocks, data.get("thread_ts"), via="response_url")
            )
        self._changed.notify_all()
        return 200, {"ok": True}
