"""Socket Mode for the stand-in Slack: a small RFC 6455 WebSocket server that plays Slack's side.

:class:`~standin.web_api.StandInSlack` answers ``apps.connections.open`` (app-level ``xapp-`` token
only) with ``ws://127.0.0.1:<port>/link/?ticket=…&app_id=…`` served by :class:`SocketModeServer`;
reach it as ``slack.socket_mode``. What it does, as Slack does:

* accepts the WebSocket handshake for a ticket it issued (each ticket once), then sends
  ``{"type": "hello", "num_connections": …, "debug_info": …, "connection_info": {"app_id": …}}``;
* pushes envelopes — ``{"envelope_id", "payload", "type", "accepts_response_payload"}`` (plus
  ``retry_attempt``/``retry_reason`` for ``events_api``) — to the newest live connection
  (:meth:`SocketModeServer.send`), and records the acks that come back (``{"envelope_id": …,
  "payload": …}``: :attr:`~SocketModeServer.acks`, :meth:`~SocketModeServer.wait_for_ack`);
* answers the client's pings with pongs, can ping it (:meth:`~SocketModeServer.ping`), can ask it to
  reconnect (``{"type": "disconnect"}``: :meth:`~SocketModeServer.request_reconnect`) or drop it;
* on :meth:`~SocketModeServer.stop` sends every client a Close frame (1001) and closes.

Frames from the client must be masked (RFC 6455 §5.1); frames from the server are not. Fragmented
messages are reassembled. Standard library only.

The driver that plays Slack over these connections is :class:`standin.socket_driver.SocketModeDriver`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import hashlib
import json
import secrets
import socket
import struct
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "ENVELOPE_TYPES",
    "SocketAck",
    "SocketConnection",
    "SocketEnvelope",
    "SocketModeServer",
    "app_token_error",
    "encode_frame",
    "websocket_accept",
]

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
ENVELOPE_TYPES = ("events_api", "slash_commands", "interactive")
# Interactive payloads whose ack may carry a response (errors, a view update, options).
_RESPONDING_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})
MAX_MESSAGE = 16 * 1024 * 1024
_HANDSHAKE_LIMIT = 16 * 1024


def websocket_accept(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode("ascii")).digest()).decode("ascii")


def app_token_error(token: str | None) -> str | None:
    """Slack's error for ``apps.connections.open`` with this token, or None for an app-level token."""
    if not token:
        return "not_authed"
    if token.startswith(("xoxb-", "xoxp-", "xoxa-", "xoxe-", "xoxc-", "xoxr-")):
        return "not_allowed_token_type"
    if not token.startswith("xapp-") or len(token) <= len("xapp-"):
        return "invalid_auth"
    return None


def encode_frame(opcode: int, payload: bytes = b"", *, fin: bool = True, mask: bytes | None = None) -> bytes:
    """One WebSocket frame; ``mask`` (4 bytes) only for client-to-server frames."""
    head = bytes([(0x80 if fin else 0) | opcode])
    mask_bit = 0x80 if mask is not None else 0
    length = len(payload)
    if length < 126:
        head += bytes([mask_bit | length])
    elif length < 1 << 16:
        head += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if mask is None:
        return head + payload
    return head + mask + _unmask(payload, mask)


def _unmask(data: bytes, mask: bytes) -> bytes:
    if not data:
        return data
    repeated = (mask * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(data), "big")


def _close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode("utf-8")[:123]


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@dataclass
class SocketEnvelope:
    """An envelope the server pushed."""

    envelope_id: str
    type: str
    payload: Any
    accepts_response_payload: bool
    connection: int
    at: float


@dataclass
class SocketAck:
    """What the client sent back for an envelope: ``{"envelope_id": …, "payload": …}``."""

    envelope_id: str
    payload: dict[str, Any] | None
    connection: int
    at: float
    raw: str
    known: bool = True  # False: no envelope with this id was sent

    @property
    def has_payload(self) -> bool:
        return self.payload is not None


@dataclass
class SocketConnection:
    """One WebSocket connection, live or closed (a snapshot)."""

    number: int
    ticket: str
    opened_at: float
    closed_at: float | None = None
    close_code: int | None = None  # the code in the client's Close frame (1006: closed without one)
    close_reason: str = ""
    closed_by: str | None = None  # "client", "server", or None while live

    @property
    def live(self) -> bool:
        return self.closed_at is None


class _ProtocolError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Link:
    """Server side of one WebSocket connection."""

    def __init__(self, record: SocketConnection, sock: socket.socket) -> None:
        self.record = record
        self.sock = sock
        self.send_lock = threading.Lock()
        self.close_sent = False
        self.thread: threading.Thread | None = None

    def send(self, opcode: int, payload: bytes = b"") -> bool:
        with self.send_lock:
            if self.close_sent:
                return False
            if opcode == OP_CLOSE:
                self.close_sent = True
            try:
                self.sock.sendall(encode_frame(opcode, payload))
                return True
            except OSError:
                return False

    def recv_exact(self, n: int) -> bytes | None:
        chunks, remaining = [], n
        while remaining:
            try:
                chunk = self.sock.recv(remaining)
            except OSError:
                return None
            if not chunk:
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def shutdown(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------


class SocketModeServer:
    """Slack's Socket Mode endpoint, in miniature. Thread-safe; quiet (problems land in :attr:`errors`)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, app_id: str = "A0APP0001") -> None:
        self.host = host
        self.port = port
        self.app_id = app_id
        self.connected = threading.Event()
        """Set while at least one client is connected (after its ``hello``); cleared when none is."""

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._tickets: dict[str, bool] = {}  # ticket -> used
        self._links: list[_Link] = []
        self._connections: list[SocketConnection] = []
        self._envelopes: list[SocketEnvelope] = []
        self._acks: list[SocketAck] = []
        self._messages: list[Any] = []
        self._pongs: list[bytes] = []
        self._pings_received = 0
        self._rejected: list[str] = []
        self._errors: list[str] = []

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        with self._lock:
            if self._listener is not None:
                return self
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.port))
            listener.listen(64)
            listener.settimeout(0.05)
            self._listener = listener
            self.port = listener.getsockname()[1]
            self._stopping.clear()
            thread = threading.Thread(target=self._accept_loop, name=f"standin-socket-{self.port}", daemon=True)
            self._accept_thread = thread
        thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Close every connection cleanly (Close 1001, then the socket) and stop listening."""
        with self._lock:
            listener, accept_thread = self._listener, self._accept_thread
            if listener is None:
                return
            self._stopping.set()
            links = list(self._links)
        self._close_links(links, 1001, "server shutting down", timeout)
        if accept_thread is not None:
            accept_thread.join(timeout=timeout)
        with contextlib.suppress(OSError):
            listener.close()
        with self._lock:
            self._listener = self._accept_thread = None
            self._tickets.clear()

    def __enter__(self) -> SocketModeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._listener is not None

    def new_url(self) -> str:
        """A fresh single-use WebSocket URL, as ``apps.connections.open`` returns it. After :meth:`stop`
        the URL still comes, but nothing listens there (as when Slack's edge is unreachable) until
        :meth:`start` is called again."""
        if self.port == 0:
            raise RuntimeError("SocketModeServer is not started: call start() first")
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets[ticket] = False
        return f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- what Slack sends -------------------------------------------------------------------------------

    def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        envelope_id: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Push an envelope to the newest live connection (waiting up to ``timeout`` for one); returns its
        ``envelope_id``. ``accepts_response_payload`` defaults as Slack sets it: true for slash commands,
        view submissions and block suggestions."""
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(f"envelope_type must be one of {', '.join(ENVELOPE_TYPES)}, got {envelope_type!r}")
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands" or (
                envelope_type == "interactive" and payload.get("type") in _RESPONDING_INTERACTIONS
            )
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        link = self._live_link(timeout)
        record = SocketEnvelope(
            envelope_id, envelope_type, payload, accepts_response_payload, link.record.number, time.time()
        )
        with self._changed:
            self._envelopes.append(record)
        if not link.send(OP_TEXT, json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")):
            raise ConnectionError(f"Socket Mode connection {link.record.number} dropped while sending {envelope_id}")
        return envelope_id

    def send_raw(self, message: str | dict[str, Any], *, timeout: float = 5.0) -> None:
        """Any text frame (a dict is sent as JSON) to the newest live connection."""
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        if not self._live_link(timeout).send(OP_TEXT, text.encode("utf-8")):
            raise ConnectionError("the Socket Mode connection dropped while sending")

    def request_reconnect(self, reason: str = "refresh_requested", *, timeout: float = 5.0) -> None:
        """Slack's ``{"type": "disconnect"}``: the client should open a new connection (reasons Slack
        uses: ``warning``, ``refresh_requested``, ``link_disabled``)."""
        self.send_raw(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}}, timeout=timeout
        )

    def drop(self, code: int = 1001, reason: str = "", *, abrupt: bool = False, timeout: float = 2.0) -> int:
        """Close every live connection: a Close frame first, or (``abrupt``) just the TCP socket.
        Returns how many were closed."""
        with self._lock:
            links = [link for link in self._links if link.record.live]
        if abrupt:
            for link in links:
                self._mark_closed(link, 1006, "dropped", "server")
                link.shutdown()
        else:
            self._close_links(links, code, reason, timeout)
        return len(links)

    def ping(self, payload: bytes = b"standin", timeout: float = 5.0) -> bool:
        """Ping the newest live connection; True once the client's pong with the same payload arrives."""
        with self._lock:
            seen = len(self._pongs)
        link = self._live_link(timeout)
        if not link.send(OP_PING, payload[:125]):
            return False
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if payload[:125] in self._pongs[seen:]:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.05))

    # -- recordings ---------------------------------------------------------------------------------

    def wait_connected(self, timeout: float = 5.0, *, count: int = 1) -> SocketConnection:
        """Block until ``count`` connections were opened in all (and one is live); returns the newest."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                live = [link for link in self._links if link.record.live]
                if len(self._connections) >= count and live:
                    return _copy(live[-1].record)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.05))
            opened, rejected = len(self._connections), list(self._rejected)
        raise AssertionError(
            f"waited {timeout:g}s for {count} Socket Mode connection(s), {opened} opened, none live now"
            + (f"; rejected handshakes: {'; '.join(rejected[-3:])}" if rejected else "")
        )

    def wait_disconnected(self, timeout: float = 5.0) -> None:
        """Block until no connection is live."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while any(link.record.live for link in self._links):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"a Socket Mode connection is still open after {timeout:g}s")
                self._changed.wait(min(remaining, 0.05))

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> SocketAck:
        """Block until the client acks ``envelope_id``; returns the (first) ack."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for ack in self._acks:
                    if ack.envelope_id == envelope_id:
                        return _copy(ack)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.05))
            sent = next((e for e in self._envelopes if e.envelope_id == envelope_id), None)
            live = any(link.record.live for link in self._links)
        what = f"{sent.type} envelope {envelope_id}" if sent else f"unknown envelope {envelope_id}"
        raise AssertionError(
            f"waited {timeout:g}s for the ack of {what}; "
            f"{'a connection is live' if live else 'no connection is live'}, {len(self._acks)} ack(s) so far"
        )

    def ack_for(self, envelope_id: str) -> SocketAck | None:
        with self._lock:
            return next((_copy(a) for a in self._acks if a.envelope_id == envelope_id), None)

    @property
    def acks(self) -> list[SocketAck]:
        with self._lock:
            return [_copy(a) for a in self._acks]

    @property
    def envelopes(self) -> list[SocketEnvelope]:
        with self._lock:
            return list(self._envelopes)

    @property
    def messages(self) -> list[Any]:
        """Text frames from clients that were not acks (decoded JSON, or the text as sent)."""
        with self._lock:
            return list(self._messages)

    @property
    def connections(self) -> list[SocketConnection]:
        """Every connection accepted so far, oldest first (snapshots)."""
        with self._lock:
            return [_copy(c) for c in self._connections]

    @property
    def pings_received(self) -> int:
        with self._lock:
            return self._pings_received

    @property
    def rejected(self) -> list[str]:
        """Why handshakes were refused (unknown or reused ticket, not a WebSocket upgrade...)."""
        with self._lock:
            return list(self._rejected)

    @property
    def errors(self) -> list[str]:
        """Protocol violations by clients and tracebacks of the server's own failures (should stay empty)."""
        with self._lock:
            return list(self._errors)

    # -- plumbing -------------------------------------------------------------------------------------

    def _live_link(self, timeout: float) -> _Link:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                live = [link for link in self._links if link.record.live and not link.close_sent]
                if live:
                    return live[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no live Socket Mode connection after {timeout:g}s")
                self._changed.wait(min(remaining, 0.05))

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                self._note_error(traceback.format_exc())
                continue
            thread = threading.Thread(target=self._serve, args=(sock,), name="standin-socket-link", daemon=True)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        link: _Link | None = None
        try:
            sock.settimeout(5.0)
            ticket = self._handshake(sock)
            if ticket is None:
                return
            sock.settimeout(None)
            with self._changed:  # held until hello is out: nothing is sent before it, nobody waits past it
                if self._stopping.is_set():
                    sock.close()
                    return
                record = SocketConnection(number=len(self._connections) + 1, ticket=ticket, opened_at=time.time())
                link = _Link(record, sock)
                link.thread = threading.current_thread()
                hello = {
                    "type": "hello",
                    "num_connections": 1 + sum(1 for x in self._links if x.record.live),
                    "debug_info": {"host": "applink-standin", "build_number": 1, "approximate_connection_time": 18060},
                    "connection_info": {"app_id": self.app_id},
                }
                link.send(OP_TEXT, json.dumps(hello, separators=(",", ":")).encode("utf-8"))
                self._connections.append(record)
                self._links.append(link)
                self.connected.set()
                self._changed.notify_all()
            self._read_loop(link)
        except Exception:
            self._note_error(traceback.format_exc())
        finally:
            if link is not None:
                self._mark_closed(link, 1006, "", "client")
                link.shutdown()
            else:
                with contextlib.suppress(OSError):
                    sock.close()

    def _handshake(self, sock: socket.socket) -> str | None:
        """Read the upgrade request and answer it; returns the ticket, or None after refusing."""
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = sock.recv(1024)
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
            if len(data) > _HANDSHAKE_LIMIT:
                return self._refuse(sock, 431, "Request Header Fields Too Large", "handshake too large")
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        parts = request_line.split(" ")
        if len(parts) != 3 or parts[0] != "GET" or not parts[2].startswith("HTTP/1."):
            return self._refuse(sock, 400, "Bad Request", f"not a GET request: {request_line!r}")
        target = urlsplit(parts[1])
        if target.path.rstrip("/") != "/link":
            return self._refuse(sock, 404, "Not Found", f"unknown path {target.path!r}")
        if headers.get("upgrade", "").lower() != "websocket" or "upgrade" not in headers.get("connection", "").lower():
            return self._refuse(sock, 400, "Bad Request", "not a WebSocket upgrade")
        if headers.get("sec-websocket-version") != "13":
            return self._refuse(sock, 426, "Upgrade Required", "Sec-WebSocket-Version must be 13", version=True)
        key = headers.get("sec-websocket-key", "")
        try:
            valid_key = len(base64.b64decode(key, validate=True)) == 16
        except (binascii.Error, ValueError):
            valid_key = False
        if not valid_key:
            return self._refuse(sock, 400, "Bad Request", f"bad Sec-WebSocket-Key {key!r}")
        ticket = dict(parse_qsl(target.query)).get("ticket", "")
        with self._lock:
            used = self._tickets.get(ticket)
            if used is False:
                self._tickets[ticket] = True
        if used is None:
            return self._refuse(sock, 401, "Unauthorized", f"unknown ticket {ticket[:8]!r}…")
        if used:
            return self._refuse(sock, 401, "Unauthorized", f"ticket {ticket[:8]!r}… was already used")
        sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {websocket_accept(key)}\r\n"
                "\r\n"
            ).encode("ascii")
        )
        return ticket

    def _refuse(self, sock: socket.socket, status: int, phrase: str, why: str, *, version: bool = False) -> None:
        with self._lock:
            self._rejected.append(why)
        body = why.encode("utf-8")
        extra = "Sec-WebSocket-Version: 13\r\n" if version else ""
        with contextlib.suppress(OSError):
            sock.sendall(
                f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n{extra}"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("ascii")
                + body
            )
        with contextlib.suppress(OSError):
            sock.close()
        return None

    def _read_loop(self, link: _Link) -> None:
        fragments: list[bytes] = []
        message_opcode: int | None = None
        try:
            while True:
                frame = self._read_frame(link)
                if frame is None:
                    return  # the client closed the TCP connection (the record says 1006)
                fin, opcode, data = frame
                if opcode >= 0x8:
                    if not self._control(link, opcode, data):
                        return
                    continue
                if opcode == OP_CONTINUATION:
                    if message_opcode is None:
                        raise _ProtocolError(1002, "continuation frame without a message")
                    fragments.append(data)
                elif opcode in (OP_TEXT, OP_BINARY):
                    if message_opcode is not None:
                        raise _ProtocolError(1002, "new message before the previous one finished")
                    message_opcode, fragments = opcode, [data]
                else:
                    raise _ProtocolError(1002, f"reserved opcode {opcode:#x}")
                if sum(len(f) for f in fragments) > MAX_MESSAGE:
                    raise _ProtocolError(1009, "message too big")
                if fin:
                    assert message_opcode is not None
                    self._on_message(link, message_opcode, b"".join(fragments))
                    message_opcode, fragments = None, []
        except _ProtocolError as exc:
            self._note_error(f"connection {link.record.number}: {exc.reason} (closing with {exc.code})")
            self._mark_closed(link, exc.code, exc.reason, "server")  # first: the client may hang up at once
            link.send(OP_CLOSE, _close_payload(exc.code, exc.reason))

    def _read_frame(self, link: _Link) -> tuple[bool, int, bytes] | None:
        head = link.recv_exact(2)
        if head is None:
            return None
        b1, b2 = head
        fin, opcode, masked, length = bool(b1 & 0x80), b1 & 0x0F, bool(b2 & 0x80), b2 & 0x7F
        if b1 & 0x70:
            raise _ProtocolError(1002, "reserved bits set (no extension was negotiated)")
        if opcode >= 0x8 and (not fin or length > 125):
            raise _ProtocolError(1002, "control frames must be final and at most 125 bytes")
        if length == 126:
            extended = link.recv_exact(2)
            if extended is None:
                return None
            length = struct.unpack("!H", extended)[0]
        elif length == 127:
            extended = link.recv_exact(8)
            if extended is None:
                return None
            length = struct.unpack("!Q", extended)[0]
        if not masked:
            raise _ProtocolError(1002, "frames from the client must be masked")
        if length > MAX_MESSAGE:
            raise _ProtocolError(1009, "frame too big")
        mask = link.recv_exact(4)
        if mask is None:
            return None
        data = link.recv_exact(length) if length else b""
        if data is None:
            return None
        return fin, opcode, _unmask(data, mask)

    def _control(self, link: _Link, opcode: int, data: bytes) -> bool:
        """Handle a control frame; False when the connection is over."""
        if opcode == OP_PING:
            with self._changed:
                self._pings_received += 1
            link.send(OP_PONG, data)
            return True
        if opcode == OP_PONG:
            with self._changed:
                self._pongs.append(data)
                self._changed.notify_all()
            return True
        if opcode == OP_CLOSE:
            code, reason = 1005, ""
            if len(data) >= 2:
                code = struct.unpack("!H", data[:2])[0]
                reason = data[2:].decode("utf-8", "replace")
            elif len(data) == 1:
                raise _ProtocolError(1002, "a Close frame's payload must be empty or at least 2 bytes")
            self._mark_closed(link, code, reason, "server" if link.close_sent else "client")
            link.send(OP_CLOSE, data[:2] if len(data) >= 2 else b"")  # echo (no-op if we sent ours first)
            return False
        raise _ProtocolError(1002, f"reserved control opcode {opcode:#x}")

    def _on_message(self, link: _Link, opcode: int, data: bytes) -> None:
        if opcode == OP_BINARY:
            with self._changed:
                self._messages.append(data)
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _ProtocolError(1007, "text frame is not UTF-8") from None
        try:
            message: Any = json.loads(text)
        except json.JSONDecodeError:
            message = text
        with self._changed:
            if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
                envelope_id = message["envelope_id"]
                payload = message.get("payload")
                known = any(e.envelope_id == envelope_id for e in self._envelopes)
                self._acks.append(
                    SocketAck(
                        envelope_id,
                        payload if isinstance(payload, dict) else None,
                        link.record.number,
                        time.time(),
                        text,
                        known,
                    )
                )
            else:
                self._messages.append(message)
            self._changed.notify_all()

    def _close_links(self, links: list[_Link], code: int, reason: str, timeout: float) -> None:
        for link in links:
            self._mark_closed(link, code, reason, "server")  # first: the client may hang up at once
            link.send(OP_CLOSE, _close_payload(code, reason))
        deadline = time.monotonic() + timeout
        for link in links:  # let each client see the Close (and answer it, or hang up)
            if link.thread is not None and link.thread is not threading.current_thread():
                link.thread.join(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
            link.shutdown()

    def _mark_closed(self, link: _Link, code: int, reason: str, by: str) -> None:
        with self._changed:
            record = link.record
            if record.closed_at is None:
                record.closed_at = time.time()
                record.close_code, record.close_reason, record.closed_by = code, reason, by
            if not any(x.record.live for x in self._links):
                self.connected.clear()
            self._changed.notify_all()

    def _note_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)


def _copy(record: Any) -> Any:
    return copy.copy(record)
