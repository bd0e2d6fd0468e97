"""Socket Mode without Slack: the stand-in's WebSocket server (standin.socket_mode), slack_sdk's own client
against it, and ``maturity socket`` as a real process answering the same listeners as HTTP mode."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from standin.socket_driver import SocketModeDriver
from standin.socket_mode import (
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    encode_frame,
    websocket_accept,
)
from standin.web_api import StandInSlack
from tests.conftest import CHANNEL, MEMBERS, TEAM
from tests.processes import child_env

ANA, BEN = MEMBERS[:2]
APP_TOKEN = "xapp-1-test"
URL = re.compile(r"ws://127\.0\.0\.1:\d+/link/\?ticket=[0-9a-f]+&app_id=A0APP0001")


# --- apps.connections.open -------------------------------------------------------------------------


def test_apps_connections_open_wants_an_app_level_token(slack: StandInSlack) -> None:
    web = WebClient(base_url=slack.url)
    assert URL.fullmatch(web.apps_connections_open(app_token=APP_TOKEN)["url"])
    for token, error in [("xoxb-test", "not_allowed_token_type"), ("nonsense", "invalid_auth")]:
        with pytest.raises(SlackApiError) as caught:
            web.apps_connections_open(app_token=token)
        assert caught.value.response["error"] == error
    with pytest.raises(SlackApiError, match="not_authed"):
        web.api_call("apps.connections.open")
    slack.revoke_token("xapp-1-revoked")
    with pytest.raises(SlackApiError, match="token_revoked"):
        web.apps_connections_open(app_token="xapp-1-revoked")


# --- the wire protocol, with a hand-written client -----------------------------------------------------


class RawClient:
    """Just enough of a WebSocket client to check the server's side of RFC 6455."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while not head.endswith(b"\r\n\r\n"):  # byte by byte: the frames that follow stay unread
            byte = self.sock.recv(1)
            assert byte, f"connection closed during the handshake: {head!r}"
            head += byte
        status_line, *lines = head.decode().strip().split("\r\n")
        self.status = int(status_line.split(" ")[1])
        self.headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}

    def send(self, opcode: int, payload: bytes = b"", *, fin: bool = True, masked: bool = True) -> None:
        self.sock.sendall(encode_frame(opcode, payload, fin=fin, mask=os.urandom(4) if masked else None))

    def recv(self) -> tuple[int, bytes]:
        b1, b2 = self._exact(2)
        assert not b2 & 0x80, "frames from the server must not be masked"
        length = b2 & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._exact(8))[0]
        return b1 & 0x0F, self._exact(length)

    def recv_json(self) -> dict[str, Any]:
        opcode, data = self.recv()
        assert opcode == OP_TEXT
        return json.loads(data)

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "the server closed the connection"
            data += chunk
        return data

    def close(self) -> None:
        self.sock.close()


def test_handshake_hello_ping_envelope_ack_and_clean_close(slack: StandInSlack) -> None:
    web = WebClient(base_url=slack.url)
    sm = slack.socket_mode
    url = web.apps_connections_open(app_token=APP_TOKEN)["url"]
    client = RawClient(url)
    assert client.status == 101
    assert client.headers["sec-websocket-accept"] == websocket_accept(client.key)
    hello = client.recv_json()
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": slack.app_id}
    assert sm.wait_connected(1).number == 1 and sm.connected.is_set()

    client.send(OP_PING, b"are you there")
    assert client.recv() == (OP_PONG, b"are you there")
    assert sm.pings_received == 1

    payload = {"type": "event_callback", "event": {"type": "app_mention", "text": "héllo"}}
    envelope_id = sm.send("events_api", payload)
    envelope = client.recv_json()
    assert envelope == {
        "envelope_id": envelope_id,
        "payload": payload,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
    }
    ack = json.dumps({"envelope_id": envelope_id, "payload": {"text": "ok " * 100}}).encode()
    client.send(OP_TEXT, ack[:50], fin=False)  # a fragmented message is put back together
    client.send(OP_CONTINUATION, ack[50:])
    assert sm.wait_for_ack(envelope_id, 2).payload == {"text": "ok " * 100}
    client.send(OP_TEXT, b'{"type":"something_else"}')

    reused = RawClient(url)  # a ticket opens one connection only
    assert reused.status == 401 and "already used" in sm.rejected[-1]
    reused.close()

    rude = RawClient(web.apps_connections_open(app_token=APP_TOKEN)["url"])
    assert rude.recv_json()["num_connections"] == 2
    rude.send(OP_TEXT, b"{}", masked=False)
    opcode, data = rude.recv()
    assert (opcode, struct.unpack("!H", data[:2])[0]) == (OP_CLOSE, 1002)
    assert any("must be masked" in e for e in sm.errors)
    rude.close()

    slack.stop()  # sends the live client Close 1001 before closing
    opcode, data = client.recv()
    assert (opcode, struct.unpack("!H", data[:2])[0]) == (OP_CLOSE, 1001)
    client.close()
    sm.wait_disconnected(2)
    first, second = sm.connections
    assert (first.close_code, first.closed_by) == (1001, "server")
    assert (second.close_code, second.closed_by) == (1002, "server")
    assert sm.messages == [{"type": "something_else"}]
    assert [a.envelope_id for a in sm.acks] == [envelope_id] and sm.acks[0].known
    assert slack.errors == []


# --- slack_sdk's own Socket Mode client -------------------------------------------------------------------


def test_slack_sdk_client_acks_answers_pings_and_reconnects_on_request(slack: StandInSlack) -> None:
    sm = slack.socket_mode
    client = SocketModeClient(app_token=APP_TOKEN, web_client=WebClient(base_url=slack.url))

    def listener(c: SocketModeClient, req: SocketModeRequest) -> None:
        body = {"echo": req.payload.get("text")} if req.accepts_response_payload else None
        c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=body))

    client.socket_mode_request_listeners.append(listener)
    client.connect()
    try:
        sm.wait_connected(5)
        envelope_id = sm.send("slash_commands", {"command": "/maturity", "text": "help"})
        assert sm.wait_for_ack(envelope_id, 5).payload == {"echo": "help"}
        assert sm.ping(b"from the server", timeout=5)
        assert sm.pings_received >= 1  # the client pings as soon as it connects

        sm.request_reconnect("refresh_requested")  # Slack's {"type": "disconnect"}
        sm.wait_connected(5, count=2)
        # slack_sdk only reads the new connection once the old reader's recv() times out (its 3 s
        # receive_timeout), so this ack is slow: that is the client, not the server.
        envelope_id = sm.send("events_api", {"type": "event_callback", "event": {"type": "app_home_opened"}})
        ack = sm.wait_for_ack(envelope_id, 8)
        assert ack.payload is None and ack.connection == 2
        assert [c.token for c in slack.calls_to("apps.connections.open")] == [APP_TOKEN, APP_TOKEN]
        first = sm.connections[0]
        assert (first.live, first.close_code, first.closed_by) == (False, 1006, "client")  # no Close frame

        client.auto_reconnect_enabled = False
        assert sm.drop(1001, "going away") == 1  # the client reads our Close and hangs up
        sm.wait_disconnected(5)
        deadline = time.monotonic() + 5
        while client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.01)  # close() now would race the client's own disconnect() (AttributeError)
    finally:
        client.close()  # quick once disconnected; with a live connection it waits out a 3 s recv()
    assert (sm.connections[-1].close_code, sm.connections[-1].closed_by) == (1001, "server")
    assert sm.errors == [] and slack.errors == []


# --- `maturity socket`, a real process --------------------------------------------------------------


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return child_env(**({"DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}", "SCHEDULER_ENABLED": "false"} | extra))


def _maturity(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_socket_without_app_token_exits_2_naming_it(tmp_path: Path) -> None:
    done = _maturity("socket", env=_env(tmp_path, SLACK_BOT_TOKEN="xoxb-test"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "SLACK_APP_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr


@dataclass
class Bot:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """The end of the process's output so far (its JSON log lines), for failure messages."""
        return self.log_path.read_text(errors="replace")[-4000:]


def _migrated_env(tmp_path: Path, slack: StandInSlack, app_token: str = APP_TOKEN) -> dict[str, str]:
    env = _env(tmp_path, SLACK_APP_TOKEN=app_token, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=slack.url)
    migrated = _maturity("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    return env


def test_socket_with_a_refused_app_token_exits_naming_the_error(tmp_path: Path, slack: StandInSlack) -> None:
    slack.revoke_token("xapp-1-revoked")
    done = _maturity("socket", env=_migrated_env(tmp_path, slack, "xapp-1-revoked"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert "SLACK_APP_TOKEN: Slack refused it (token_revoked)" in lines[-1]
    assert "Traceback" not in done.stderr
    assert slack.socket_mode.connections == []


@pytest.fixture
def bot(tmp_path: Path, slack: StandInSlack) -> Iterator[Bot]:
    """``maturity socket`` as a subprocess against the stand-in (migrated SQLite; SIGKILLed if still up)."""
    env = _migrated_env(tmp_path, slack)
    log_path = tmp_path / "socket.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield Bot(process, log_path)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
        print(
            f"--- `maturity socket` output (exit code {process.returncode}) ---\n{log_path.read_text(errors='replace')}"
        )


def test_maturity_socket_runs_the_same_listeners_and_exits_on_sigterm(slack: StandInSlack, bot: Bot) -> None:
    sm = slack.socket_mode
    deadline = time.monotonic() + 30
    while not sm.connected.wait(0.2):
        if bot.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"`maturity socket` did not connect (exit code {bot.process.poll()}):\n{bot.log()}")
    assert [c.token for c in slack.calls_to("apps.connections.open")] == [APP_TOKEN]

    # /maturity help: the ack's payload is the help message
    help_command = {
        "token": "vErIfIcAtIoNtOkEn0000000",
        "team_id": TEAM,
        "team_domain": "acme",
        "channel_id": CHANNEL,
        "channel_name": "ml-platform",
        "user_id": ANA,
        "user_name": "ana",
        "command": "/maturity",
        "text": "help",
        "api_app_id": slack.app_id,
        "is_enterprise_install": "false",
        "response_url": slack.new_response_url(channel=CHANNEL, user=ANA),
        "trigger_id": slack.new_trigger_id(ANA),
    }
    envelope_id = sm.send("slash_commands", help_command)
    ack = sm.wait_for_ack(envelope_id, 10)
    assert sm.envelopes[-1].accepts_response_payload
    assert ack.payload is not None, bot.log()
    assert ack.payload["text"].startswith("How to use /maturity")
    assert "How it works" in json.dumps(ack.payload["blocks"]) and "`maturity-levels`" in json.dumps(ack.payload)

    # /maturity assess: a bare ack, then the intro and one message per dimension, as over HTTP
    driver = SocketModeDriver(slack, team_id=TEAM)
    response = driver.slash("assess", user_id=ANA, channel_id=CHANNEL)
    assert (response.status, response.body) == (200, "")
    intro, *dimensions = slack.wait_for("chat.postMessage", count=5, timeout=10)
    assert "MLOps maturity" in intro.params["text"]
    names = ["People & Process", "Model Development", "Deployment & Serving", "Monitoring & Operations"]
    for call, name in zip(dimensions, names, strict=True):
        assert name in call.params["text"]

    # a typed reply in the People & Process thread: the events_api envelope is acked, the answer taken
    people_process = dimensions[0].response["ts"]
    reply_ts, response = driver.reply(user_id=BEN, channel_id=CHANNEL, thread_ts=people_process, text="2 ? 1")
    assert (response.status, response.body) == (200, "")
    assert sm.envelopes[-1].type == "events_api" and not sm.envelopes[-1].accepts_response_payload
    reaction = slack.wait_for("reactions.add", timeout=10)[0]
    assert (reaction.params["channel"], reaction.params["timestamp"]) == (CHANNEL, reply_ts)
    confirmation = slack.wait_for("chat.postEphemeral", timeout=10)[0]  # its "don't know" is confirmed
    assert (confirmation.params["user"], confirmation.params["thread_ts"]) == (BEN, people_process)

    # SIGTERM ends the process gracefully within a few seconds: the client is closed, in-flight
    # work finishes, exit code 0 (up to ~3 s: slack_sdk's receive timeout)
    bot.process.send_signal(signal.SIGTERM)
    try:
        code = bot.process.wait(timeout=8)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"`maturity socket` ignored SIGTERM for 8 s:\n{bot.log()}") from None
    assert code == 0, bot.log()
    sm.wait_disconnected(5)
    assert sm.errors == [] and slack.errors == []
    assert "Traceback" not in bot.log()
