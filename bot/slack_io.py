"""Small Slack Web API helpers shared by the listeners."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.messages import Message
from conversations.caching import BoundedCache

log = logging.getLogger("maturity.slack")

# Errors that mean "this channel is out of reach for the bot"; the user gets told how to fix it.
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "access_denied"})


def our_fields(raw: str | None, *keys: str) -> tuple[Any, ...] | None:
    """The fields ``keys`` of the JSON object the bot put in a button's ``value`` or a modal's
    ``private_metadata`` (Slack sends it back as it was); None when it is not such an object or
    lacks one of them. The caller still checks each field's type: a value can be tampered with."""
    try:
        data = json.loads(raw or "")
        return tuple(data[key] for key in keys)
    except (ValueError, KeyError, TypeError):
        return None


def slack_error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error", "unknown_error"))
    return type(exc).__name__  # a connection that failed past slack-sdk's retries


# Best-effort calls (confirmations, reactions, progress updates) must never abort a listener whose
# real work — storing the answer — is already done: Slack API errors and connection errors that
# outlasted slack-sdk's retries are logged, not raised.
BEST_EFFORT_ERRORS = (SlackApiError, SlackClientError, OSError)


def log_failure(method: str, exc: Exception, **extra: object) -> None:
    """Slack said no: a warning. Slack could not be reached even after retrying: an error."""
    level = logging.WARNING if isinstance(exc, SlackApiError) else logging.ERROR
    log.log(level, f"{method} failed", extra={"error": slack_error(exc), **extra})


def post(client: WebClient, channel: str, message: Message, **kwargs: object) -> str:
    response = client.chat_postMessage(channel=channel, **message.kwargs(), **kwargs)
    return str(response["ts"])


def update(client: WebClient, channel: str, ts: str, message: Message) -> bool:
    try:
        client.chat_update(channel=channel, ts=ts, **message.kwargs())
        return True
    except BEST_EFFORT_ERRORS as exc:
        log_failure("chat.update", exc, channel=channel, ts=ts)
        return False


def ephemeral(client: WebClient, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    except BEST_EFFORT_ERRORS as exc:
        log_failure("chat.postEphemeral", exc, channel=channel)


def open_modal(client: WebClient, trigger_id: str | None, view: dict[str, Any]) -> str | None:
    """``views.open``; when Slack refuses it, a warning and Slack's error (None: the modal opened)."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("views.open failed", extra={"error": error})
        return error
    return None


def upload_files(
    client: WebClient, channel_id: str, thread_ts: str, comment: str, files: list[dict[str, Any]]
) -> str | None:
    """files.upload v2 into a thread; the error (logged) when Slack or the upload URL said no, else None."""
    try:
        client.files_upload_v2(channel=channel_id, thread_ts=thread_ts, initial_comment=comment, file_uploads=files)
    except BEST_EFFORT_ERRORS as exc:
        log_failure("files.upload_v2", exc, channel=channel_id)
        return slack_error(exc)
    return None


def react(client: WebClient, channel: str, ts: str, name: str = "white_check_mark") -> None:
    try:
        client.reactions_add(channel=channel, timestamp=ts, name=name)
    except BEST_EFFORT_ERRORS as exc:
        if slack_error(exc) != "already_reacted":
            log_failure("reactions.add", exc, channel=channel)


# conversations.members per (API, token, channel), for views many members ask for at once
# (``max_age``). A list is a few kB for a big channel; 4,096 channels is more than a replica serves.
_MEMBERS: BoundedCache[tuple[str, str | None, str], list[str]] = BoundedCache(4096)


def _members_key(client: WebClient, channel: str) -> tuple[str, str | None, str]:
    return (client.base_url, client.token, channel)


def channel_members(
    client: WebClient, channel: str, bot_user_id: str | None, *, max_age: float = 0.0
) -> list[str] | None:
    """The people in a channel (the bot itself, other apps' bots and deactivated accounts left out:
    ``is_person``); None when Slack won't say.

    ``max_age`` > 0 accepts a list fetched that many seconds ago or less (per token and channel), for
    views that many members ask for at once (``/maturity status``); counts that get stored
    (``finish``) always ask Slack."""
    key = _members_key(client, channel)
    if max_age > 0:
        cached = cached_channel_members(client, channel, bot_user_id, max_age=max_age)
        if cached is not None:
            return cached
    members: list[str] = []
    cursor = None
    try:
        while True:
            response = client.conversations_members(channel=channel, limit=200, cursor=cursor)
            members.extend(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except BEST_EFFORT_ERRORS as exc:
        log_failure("conversations.members", exc, channel=channel)
        return None
    members = [m for m in members if m != bot_user_id and is_person(client, m)]
    _MEMBERS.put(key, members)
    return [m for m in members if m != bot_user_id]


# users.info answers per (API, token, user): whether the user is a person on the team (not another
# app's bot, not deactivated) and their timezone. An entry is ~250 bytes: 20,000 people (a large
# enterprise's ML staff across its workspaces) is ~5 MB. An answer is trusted for PERSON_TTL
# seconds, so that a deactivated account stops counting, and a moved member's zone is seen, within
# the hour.
PEOPLE_MAX = 20_000
PERSON_TTL = 3600.0


@dataclass(frozen=True)
class _Person:
    person: bool
    tz: str | None  # the IANA zone of their Slack profile
    name: str | None = None  # the name Slack shows for them (real name, else display name, else handle)


_PEOPLE: BoundedCache[tuple[str, str | None, str], _Person] = BoundedCache(PEOPLE_MAX, ttl=PERSON_TTL)


def _person(client: WebClient, user_id: str) -> _Person | None:
    """users.info, cached; None when Slack won't say (not remembered: asked again next time)."""
    key = (client.base_url, client.token, user_id)
    cached = _PEOPLE.get(key)
    if cached is not None:
        return cached
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except BEST_EFFORT_ERRORS as exc:
        log_failure("users.info", exc, user=user_id)
        return None
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name")
    found = _Person(
        person=not (user.get("is_bot") or user.get("deleted") or user.get("is_app_user")),
        tz=str(user["tz"]) if user.get("tz") else None,
        name=str(name)[:80] if name else None,
    )
    _PEOPLE.put(key, found)
    return found


def is_person(client: WebClient, user_id: str) -> bool:
    """Whether ``user_id`` is a person on the team: ``conversations.members`` also lists other apps'
    bots and deactivated accounts, which are no team members for status, reminders or the response
    rate. Asks ``users.info`` (cached); when Slack won't say, the user counts as a person."""
    if user_id == "USLACKBOT":
        return False
    found = _person(client, user_id)
    return True if found is None else found.person


def user_names(client: WebClient, user_ids: Iterable[str]) -> dict[str, str]:
    """The names Slack shows for ``user_ids`` (``users.info``, cached as for ``is_person``); a user
    Slack won't say anything about is left out (shown by id)."""
    names: dict[str, str] = {}
    for user_id in sorted(set(user_ids)):
        found = _person(client, user_id)
        if found is not None and found.name:
            names[user_id] = found.name
    return names


def member_timezone(client: WebClient, user_id: str) -> str | None:
    """The IANA zone of a member's Slack profile (``users.info``, cached as for ``is_person``);
    None when Slack won't say."""
    found = _person(client, user_id)
    return found.tz if found is not None else None


def cached_channel_members(
    client: WebClient, channel: str, bot_user_id: str | None, *, max_age: float
) -> list[str] | None:
    """The channel's members as fetched at most ``max_age`` seconds ago; None if not (Slack is not asked)."""
    cached = _MEMBERS.get(_members_key(client, channel), max_age=max_age)
    if cached is None:
        return None
    return [m for m in cached if m != bot_user_id]


# Message subtypes that carry a member's own words; edits, joins, deletions and bot posts do not.
READABLE_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


def is_thread_reply(event: dict[str, Any]) -> bool:
    """A member's own words in a thread (not edits, joins, deletions or bot posts). A file shared
    with no text (a screenshot posted alone) says nothing to read, so it is not a reply."""
    return (
        event.get("type") == "message"
        and event.get("subtype") in READABLE_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(event.get("thread_ts"))
        and event.get("thread_ts") != event.get("ts")
        and not (event.get("subtype") == "file_share" and not (event.get("text") or "").strip())
    )


@dataclass(frozen=True)
class Revision:
    """A member's earlier reply in a thread, edited (``text`` is what it says now) or deleted
    (``text`` None)."""

    channel: str
    thread_ts: str
    message_ts: str
    user: str | None
    text: str | None

    @property
    def deleted(self) -> bool:
        return self.text is None


def reply_revision(event: dict[str, Any]) -> Revision | None:
    """The edit (``message_changed`` with ``message.edited``) or deletion (``message_deleted``) of a
    member's reply in a thread; None for anything else — link unfurls and reply counts also arrive
    as ``message_changed``, without ``edited``, and the bot's own messages change too."""
    if event.get("type") != "message" or not event.get("channel"):
        return None
    subtype = event.get("subtype")
    if subtype == "message_changed":
        message = event.get("message") or {}
        if not message.get("edited") or message.get("bot_id") or message.get("subtype") not in READABLE_SUBTYPES:
            return None
        user, thread_ts, ts = message.get("user"), message.get("thread_ts"), message.get("ts")
        if not user or not thread_ts or not ts or thread_ts == ts:
            return None
        return Revision(event["channel"], thread_ts, ts, user, message.get("text") or "")
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        ts = event.get("deleted_ts") or previous.get("ts")
        thread_ts = previous.get("thread_ts") or event.get("thread_ts")
        if previous.get("bot_id") or not ts or not thread_ts or thread_ts == ts:
            return None
        return Revision(event["channel"], thread_ts, ts, previous.get("user"), None)
    return None
