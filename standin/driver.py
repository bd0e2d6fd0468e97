"""Plays Slack toward the bot: real, signed HTTP requests shaped exactly as Slack sends them.

Slash commands are ``application/x-www-form-urlencoded``; interactivity (block_actions,
view_submission) is a form with one field, ``payload=<json>``; the Events API is a JSON body.
Every request carries ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature: v0=<hex>`` where the
hex is HMAC-SHA256(signing secret, ``v0:{timestamp}:{raw body}``). JSON is serialised the way
Slack does — compact, ASCII-only, with ``/`` escaped as ``\\/`` — so a bot that re-serialises the
body instead of verifying the raw bytes fails here as it would in production.

With a workspace attached (:class:`Workspace`: what the driver reads of the stand-in Slack, which
:class:`~standin.web_api.StandInSlack` provides), response URLs and trigger ids are minted by it,
human messages are recorded there before their events are sent, and clicks carry the stored
message. The driver imports nothing else of ``standin``: the servers never depend on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

__all__ = ["Headers", "PostedMessage", "Response", "SlackDriver", "Workspace", "slack_escape", "slack_json"]

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


class PostedMessage(Protocol):
    """A message the workspace holds, as far as the driver reads it."""

    @property
    def user(self) -> str | None: ...

    @property
    def thread_ts(self) -> str | None: ...

    @property
    def text(self) -> str: ...


class Workspace(Protocol):
    """What the driver asks of the Slack it plays (names, ids it mints, messages people wrote)."""

    @property
    def bot_user_id(self) -> str: ...

    @property
    def bot_id(self) -> str: ...

    def user_name(self, user_id: str) -> str | None: ...

    def channel_name(self, channel_id: str) -> str | None: ...

    def channel_type(self, channel_id: str) -> str | None: ...

    def new_trigger_id(self, user: str | None = None) -> str: ...

    def new_response_url(
        self, *, channel: str | None = None, user: str | None = None, message_ts: str | None = None
    ) -> str: ...

    def record_user_message(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> str: ...

    def edit_user_message(self, channel: str, ts: str, text: str) -> None: ...

    def delete_user_message(self, channel: str, ts: str) -> None: ...

    def message(self, channel: str, ts: str) -> PostedMessage | None: ...

    def message_payload(self, channel: str, ts: str) -> dict[str, Any] | None: ...

    def home_view(self, user: str) -> dict[str, Any] | None: ...


def slack_escape(text: str) -> str:
    """What Slack delivers for text a person typed: ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;``,
    ``&gt;`` (links, mentions and channel names it turns into ``<…>`` markup are not typed text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_json(data: Any) -> str:
    """JSON as Slack puts it on the wire: compact, ``\\uXXXX`` for non-ASCII, ``\\/`` for ``/``."""
    # "/" can only occur inside JSON strings, so escaping every one of them keeps the JSON valid.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


class Headers(dict[str, str]):
    """A plain dict of response headers whose lookups ignore case (``headers["content-type"]`` works)."""

    def _key(self, name: object) -> object:
        if isinstance(name, str) and not super().__contains__(name):
            lowered = name.lower()
            return next((k for k in self if k.lower() == lowered), name)
        return name

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(self._key(name))  # type: ignore[arg-type]

    def __contains__(self, name: object) -> bool:
        return super().__contains__(self._key(name))

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(self._key(name), default)  # type: ignore[arg-type]


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=Headers)

    def json(self) -> Any:
        """The body decoded as JSON; None for an empty body (a bare ``ack()``)."""
        return json.loads(self.body) if self.body.strip() else None


class SlackDriver:
    """Sends what Slack would send to the bot's request URL (slash commands, clicks, events, views)."""

    def __init__(
        self,
        request_url: str,
        signing_secret: str,
        *,
        slack: Workspace | None = None,
        team_id: str = "T0000001",
        team_domain: str = "acme",
        api_app_id: str = "A0APP0001",
        timeout: float = 10.0,
    ) -> None:
        self.request_url = request_url
        self.signing_secret = signing_secret
        self.slack = slack
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.timeout = timeout
        self.verification_token = "vErIfIcAtIoNtOkEn0000000"  # the deprecated `token` field Slack still sends
        self.bot_user_id = slack.bot_user_id if slack is not None else "U0BOT0001"
        # No proxies: requests go straight to the bot (urllib would otherwise honour http_proxy).
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- signing and transport ---------------------------------------------------------------------

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        """Slack's headers for ``body``: timestamp, v0 signature and the matching Content-Type."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        digest = hmac.new(self.signing_secret.encode("utf-8"), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        content_type = "application/json" if body.lstrip().startswith("{") else "application/x-www-form-urlencoded"
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": f"v0={digest}",
        }

    def post_raw(self, body: str, headers: dict[str, str]) -> Response:
        """POST ``body`` with ``headers`` as given; 4xx/5xx come back as a Response, not an exception."""
        all_headers = {"User-Agent": USER_AGENT, "Accept": "*/*", **headers}
        request = urllib.request.Request(
            self.request_url, data=body.encode("utf-8"), headers=all_headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                return Response(reply.status, self._text(reply), Headers(reply.headers.items()))
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, self._text(exc), Headers(exc.headers.items() if exc.headers else ()))

    @staticmethod
    def _text(reply: Any) -> str:
        charset = reply.headers.get_content_charset() if reply.headers else None
        return reply.read().decode(charset or "utf-8", "replace")

    def _send(self, body: str, extra_headers: dict[str, str] | None = None) -> Response:
        return self.post_raw(body, {**self.sign(body), **(extra_headers or {})})

    def _send_payload(self, payload: dict[str, Any]) -> Response:
        return self._send(urlencode({"payload": slack_json(payload)}))

    # -- helpers ------------------------------------------------------------------------------------

    def _user(self, user_id: str, user_name: str | None = None) -> dict[str, str]:
        name = user_name or self._user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _user_name(self, user_id: str) -> str:
        name = self.slack.user_name(user_id) if self.slack is not None else None
        return name or user_id.lower()

    def _channel_name(self, channel_id: str, default: str) -> str:
        name = self.slack.channel_name(channel_id) if self.slack is not None else None
        return name or default

    def _channel_type(self, channel_id: str) -> str:
        kind = self.slack.channel_type(channel_id) if self.slack is not None else None
        return kind or {"D": "im", "G": "group"}.get(channel_id[:1], "channel")

    def _trigger_id(self, user_id: str) -> str:
        if self.slack is not None:
            return self.slack.new_trigger_id(user_id)
        return f"{int(time.time() * 1000)}.{self.team_id[1:]}.{secrets.token_hex(16)}"

    def _response_url(self, *, channel: str | None, user: str, message_ts: str | None = None) -> str:
        if self.slack is not None:
            return self.slack.new_response_url(channel=channel, user=user, message_ts=message_ts)
        return f"https://hooks.slack.com/commands/{self.team_id}/{int(time.time())}/{secrets.token_hex(12)}"

    @staticmethod
    def _now_ts() -> str:
        return f"{time.time():.6f}"

    def _record(self, channel_id: str, user_id: str, text: str, thread_ts: str | None) -> str:
        if self.slack is not None:
            return self.slack.record_user_message(channel_id, user_id, text, thread_ts=thread_ts)
        return self._now_ts()

    # -- what Slack sends -------------------------------------------------------------------------------

    def slash(
        self,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        command: str = "/maturity",
        channel_name: str = "ml-team",
        user_name: str | None = None,
        trigger_id: str | None = None,
    ) -> Response:
        """A slash command, form-encoded in Slack's field order.

        ``channel_name`` left at its default takes the stand-in's name for the channel, when it knows it.
        """
        if channel_name == "ml-team" and self.slack is not None:
            channel_name = self._channel_name(channel_id, channel_name)
        fields = [
            ("token", self.verification_token),
            ("team_id", self.team_id),
            ("team_domain", self.team_domain),
            ("channel_id", channel_id),
            ("channel_name", channel_name),
            ("user_id", user_id),
            ("user_name", user_name or self._user_name(user_id)),
            ("command", command),
            ("text", text),
            ("api_app_id", self.api_app_id),
            ("is_enterprise_install", "false"),
            ("response_url", self._response_url(channel=channel_id, user=user_id)),
            ("trigger_id", trigger_id or self._trigger_id(user_id)),
        ]
        return self._send(urlencode(fields))

    def click(
        self,
        *,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: str,
        block_id: str = "b",
        thread_ts: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> Response:
        """A button click (``block_actions``) on a message in a channel."""
        if message is None and self.slack is not None:
            message = self.slack.message_payload(channel_id, message_ts)
        if message is None:
            message = {"type": "message", "ts": message_ts, "text": ""}
        label = self._button_label(message, action_id) or value
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        if thread_ts:
            container["thread_ts"] = thread_ts
        payload = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "container": container,
            "trigger_id": self._trigger_id(user_id),
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": self._channel_name(channel_id, channel_id)},
            "message": message,
            "state": {"values": {}},
            "response_url": self._response_url(channel=channel_id, user=user_id, message_ts=message_ts),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": label, "emoji": True},
                    "value": value,
                    "type": "button",
                    "action_ts": self._now_ts(),
                }
            ],
        }
        return self._send_payload(payload)

    def select(
        self,
        *,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: str,
        block_id: str = "b",
    ) -> Response:
        """A choice in a ``static_select`` menu (``block_actions``) of a message in a channel."""
        message = self.slack.message_payload(channel_id, message_ts) if self.slack is not None else None
        if message is None:
            message = {"type": "message", "ts": message_ts, "text": ""}
        label = value
        for block in message.get("blocks") or []:
            for element in block.get("elements") or [] if isinstance(block, dict) else []:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    for option in element.get("options") or []:
                        if option.get("value") == value:
                            label = option["text"]["text"]
        payload = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id, "is_ephemeral": False},
            "trigger_id": self._trigger_id(user_id),
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": self._channel_name(channel_id, channel_id)},
            "message": message,
            "state": {"values": {}},
            "response_url": self._response_url(channel=channel_id, user=user_id, message_ts=message_ts),
            "actions": [
                {
                    "type": "static_select",
                    "action_id": action_id,
                    "block_id": block_id,
                    "selected_option": {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": value},
                    "action_ts": self._now_ts(),
                }
            ],
        }
        return self._send_payload(payload)

    @staticmethod
    def _button_label(message: dict[str, Any], action_id: str) -> str | None:
        for block in message.get("blocks") or []:
            for element in block.get("elements") or [] if isinstance(block, dict) else []:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    return str((element.get("text") or {}).get("text") or "") or None
            accessory = block.get("accessory") if isinstance(block, dict) else None
            if isinstance(accessory, dict) and accessory.get("action_id") == action_id:
                return str((accessory.get("text") or {}).get("text") or "") or None
        return None

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        authorizations_user: str = "U0BOT0001",
    ) -> Response:
        """An Events API ``event_callback`` envelope around ``event``; retry headers when given."""
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id
            or "Ev" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(9)),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": authorizations_user,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-"
            + base64.urlsafe_b64encode(
                slack_json({"et": event.get("type"), "tid": self.team_id, "aid": self.api_app_id}).encode()
            ).decode(),
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = retry_reason
        return self._send(slack_json(envelope), headers)

    def reply(
        self, *, user_id: str, channel_id: str, thread_ts: str, text: str, escape: bool = False, **event_kw: Any
    ) -> tuple[str, Response]:
        """A person replies in a thread: recorded in the stand-in (if any), then the ``message`` event.
        ``escape``: ``text`` is what the person typed, delivered escaped as Slack does (:func:`slack_escape`)."""
        text = slack_escape(text) if escape else text
        ts = self._record(channel_id, user_id, text, thread_ts)
        thread_ts, parent_user = self._thread_of(channel_id, thread_ts)
        event = {
            "user": user_id,
            "type": "message",
            "ts": ts,
            "client_msg_id": str(uuid.uuid4()),
            "text": text,
            "team": self.team_id,
            "thread_ts": thread_ts,
            "parent_user_id": parent_user,
            "channel": channel_id,
            "event_ts": ts,
            "channel_type": self._channel_type(channel_id),
        }
        return ts, self.event(event, **event_kw)

    def _thread_of(self, channel_id: str, thread_ts: str) -> tuple[str, str]:
        """(the thread's root ts, its author): a reply to a reply joins the parent's thread."""
        parent_user = self.bot_user_id
        if self.slack is not None:
            parent = self.slack.message(channel_id, thread_ts)
            if parent is not None and parent.thread_ts:
                thread_ts = parent.thread_ts
                parent = self.slack.message(channel_id, thread_ts)
            if parent is not None and parent.user:
                parent_user = parent.user
        return thread_ts, parent_user

    def broadcast_reply(
        self, *, user_id: str, channel_id: str, thread_ts: str, text: str, escape: bool = False, **event_kw: Any
    ) -> tuple[str, Response]:
        """A thread reply also sent to the channel ("Also send to #channel"): subtype ``thread_broadcast``,
        with the thread's ``root``."""
        text = slack_escape(text) if escape else text
        ts = self._record(channel_id, user_id, text, thread_ts)
        thread_ts, parent_user = self._thread_of(channel_id, thread_ts)
        root = self.slack.message(channel_id, thread_ts) if self.slack is not None else None
        event = {
            "type": "message",
            "subtype": "thread_broadcast",
            "user": user_id,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "root": {
                "type": "message",
                "user": parent_user,
                "text": root.text if root is not None else "",
                "ts": thread_ts,
                "thread_ts": thread_ts,
                "reply_count": 1,
            },
            "client_msg_id": str(uuid.uuid4()),
            "team": self.team_id,
            "channel": channel_id,
            "event_ts": ts,
            "channel_type": self._channel_type(channel_id),
        }
        return ts, self.event(event, **event_kw)

    def share_file(
        self,
        *,
        user_id: str,
        channel_id: str,
        text: str = "",
        thread_ts: str | None = None,
        name: str = "screenshot.png",
        **event_kw: Any,
    ) -> tuple[str, Response]:
        """A person shares a file (with a message, or none), in a thread or not: subtype ``file_share``."""
        ts = self._record(channel_id, user_id, text, thread_ts)
        event: dict[str, Any] = {
            "type": "message",
            "subtype": "file_share",
            "text": text,
            "user": user_id,
            "ts": ts,
            "upload": False,
            "display_as_bot": False,
            "files": [
                {
                    "id": "F" + secrets.token_hex(5).upper(),
                    "name": name,
                    "title": name,
                    "mimetype": "image/png" if name.endswith(".png") else "application/octet-stream",
                    "filetype": name.rsplit(".", 1)[-1],
                    "user": user_id,
                    "size": 1024,
                }
            ],
            "team": self.team_id,
            "channel": channel_id,
            "event_ts": ts,
            "channel_type": self._channel_type(channel_id),
        }
        if thread_ts:
            event["thread_ts"], event["parent_user_id"] = self._thread_of(channel_id, thread_ts)
        return ts, self.event(event, **event_kw)

    def bot_message(
        self,
        *,
        bot_id: str,
        channel_id: str,
        text: str,
        thread_ts: str | None = None,
        username: str = "deploy-bot",
        **event_kw: Any,
    ) -> tuple[str, Response]:
        """Another integration posts (a classic bot or a webhook): subtype ``bot_message``, a
        ``bot_id`` and no ``user``. Not recorded in the stand-in's messages."""
        ts = self._now_ts()
        event: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": text,
            "ts": ts,
            "username": username,
            "bot_id": bot_id,
            "channel": channel_id,
            "event_ts": ts,
            "channel_type": self._channel_type(channel_id),
        }
        if thread_ts:
            event["thread_ts"], event["parent_user_id"] = self._thread_of(channel_id, thread_ts)
        return ts, self.event(event, **event_kw)

    def edit(
        self,
        *,
        user_id: str,
        channel_id: str,
        ts: str,
        text: str,
        escape: bool = False,
        edited: bool = True,
        **event_kw: Any,
    ) -> Response:
        """A person edits their message ``ts`` (``message_changed`` with ``message.edited``); with
        ``edited=False`` the change is Slack's own, a link unfurl (no ``edited``, attachments added)."""
        text = slack_escape(text) if escape else text
        previous = self.slack.message(channel_id, ts) if self.slack is not None else None
        thread_ts = previous.thread_ts if previous is not None else None
        if self.slack is not None and edited:
            self.slack.edit_user_message(channel_id, ts, text)
        event_ts = self._now_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": user_id,
            "text": text,
            "ts": ts,
            "team": self.team_id,
            "client_msg_id": str(uuid.uuid4()),
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        if edited:
            message["edited"] = {"user": user_id, "ts": event_ts}
        else:
            message["attachments"] = [{"from_url": "https://example.com/", "title": "Example", "id": 1}]
        previous_message: dict[str, Any] = {
            "type": "message",
            "user": user_id,
            "text": previous.text if previous is not None else "",
            "ts": ts,
        }
        if thread_ts:
            previous_message["thread_ts"] = thread_ts
        event = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "message": message,
            "channel": channel_id,
            "previous_message": previous_message,
            "event_ts": event_ts,
            "ts": event_ts,
            "channel_type": self._channel_type(channel_id),
        }
        return self.event(event, **event_kw)

    def delete(self, *, user_id: str, channel_id: str, ts: str, **event_kw: Any) -> Response:
        """A person deletes their message ``ts``: ``message_deleted`` with ``deleted_ts`` and the
        ``previous_message``."""
        previous = self.slack.message(channel_id, ts) if self.slack is not None else None
        previous_message: dict[str, Any] = {
            "type": "message",
            "user": user_id,
            "text": previous.text if previous is not None else "",
            "ts": ts,
        }
        if previous is not None and previous.thread_ts:
            previous_message["thread_ts"] = previous.thread_ts
        if self.slack is not None and previous is not None:
            self.slack.delete_user_message(channel_id, ts)
        event_ts = self._now_ts()
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": ts,
            "channel": channel_id,
            "previous_message": previous_message,
            "event_ts": event_ts,
            "ts": event_ts,
            "channel_type": self._channel_type(channel_id),
        }
        return self.event(event, **event_kw)

    def message(
        self, *, user_id: str, channel_id: str, text: str, escape: bool = False, **event_kw: Any
    ) -> tuple[str, Response]:
        """A person posts a top-level message in a channel (``escape``: as :meth:`reply`)."""
        text = slack_escape(text) if escape else text
        ts = self._record(channel_id, user_id, text, None)
        event = {
            "user": user_id,
            "type": "message",
            "ts": ts,
            "client_msg_id": str(uuid.uuid4()),
            "text": text,
            "team": self.team_id,
            "channel": channel_id,
            "event_ts": ts,
            "channel_type": self._channel_type(channel_id),
        }
        return ts, self.event(event, **event_kw)

    def url_verification(self, challenge: str) -> Response:
        """The handshake Slack sends when the request URL is saved (signed, like everything else)."""
        return self._send(
            slack_json({"token": self.verification_token, "challenge": challenge, "type": "url_verification"})
        )

    def view_submission(self, *, user_id: str, view: dict[str, Any]) -> Response:
        """A modal is submitted; ``view`` (callback_id, state, private_metadata...) fills Slack's defaults."""
        view_id = view.get("id") or "V" + secrets.token_hex(5).upper()
        full_view = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": "Modal", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.slack.bot_id if self.slack is not None else "B0BOT0001",
            **view,
        }
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._trigger_id(user_id),
            "view": full_view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._send_payload(payload)

    def app_home_opened(self, *, user_id: str) -> Response:
        """The user opens the app's Home tab (with the published view, if there is one)."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id[1:],
            "tab": "home",
            "event_ts": self._now_ts(),
        }
        if self.slack is not None:
            view = self.slack.home_view(user_id)
            if view is not None:
                event["view"] = view
        return self.event(event)
