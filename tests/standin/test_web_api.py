"""The stand-in Slack, exercised with the real slack_sdk WebClient, and the driver, against a real Bolt app.

Nothing is mocked: WebClient talks HTTP to the stand-in, the driver signs and POSTs to a Bolt app served
by wsgiref, and Bolt's own request verification judges the signatures.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from standin.driver import SlackDriver
from standin.web_api import StandInSlack

# These tests call the stand-in themselves (some deliberately wrong): not the bot's payloads.
pytestmark = pytest.mark.standin_selftest

CHANNEL = "C0STAND01"
OTHER = "C0STAND02"
ANA, BEN = "U0ANA0001", "U0BEN0002"
SECRET = "shhh-signing-secret"


@pytest.fixture
def slack() -> Iterator[StandInSlack]:
    with StandInSlack() as stand_in:
        stand_in.add_user(ANA, "ana", "Ana Lima")
        stand_in.add_user(BEN, "ben", "Ben Okafor", tz="Europe/Berlin")
        stand_in.add_channel(CHANNEL, "ml-team", members=[ANA, BEN])
        stand_in.add_channel(OTHER, "random", members=[ANA])
        yield stand_in
        assert stand_in.errors == []  # the stand-in never failed on its own


@pytest.fixture
def client(slack: StandInSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.url, timeout=5)


def _raw(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert reply.status == 200
        return json.loads(reply.read())


# --- the Web API, through WebClient --------------------------------------------------------------------


def test_auth_test_and_url_shape(slack: StandInSlack, client: WebClient) -> None:
    assert slack.url == slack.base_url + "/api/" and slack.url.startswith("http://127.0.0.1:")
    auth = client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"], auth["user"]) == (
        "U0BOT0001",
        "B0BOT0001",
        "T0000001",
        "maturity",
    )
    assert auth["team"] == "Acme ML" and auth["url"].startswith("https://")
    call = slack.calls_to("auth.test")[0]
    assert call.token == "xoxb-test" and call.http_status == 200 and call.ok


def test_post_update_delete_round_trip(slack: StandInSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Question 1*"}}]
    first = client.chat_postMessage(channel=CHANNEL, text="Question 1", blocks=blocks)
    second = client.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=first["ts"])
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"]) and float(second["ts"]) > float(first["ts"])
    assert first["message"]["bot_id"] == "B0BOT0001" and first["channel"] == CHANNEL

    call = slack.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == blocks  # JSON body, recorded as sent

    client.chat_update(channel=CHANNEL, ts=first["ts"], text="Question 1 (2 answered)", blocks=blocks)
    top, reply = slack.messages(CHANNEL)
    assert (top.text, top.edited, top.is_bot, top.user, top.thread_ts) == (
        "Question 1 (2 answered)",
        True,
        True,
        "U0BOT0001",
        None,
    )
    assert (reply.thread_ts, reply.edited) == (first["ts"], False)
    assert [m.ts for m in slack.thread(CHANNEL, first["ts"])] == [first["ts"], second["ts"]]

    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel=CHANNEL, ts="1.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"

    link = client.chat_getPermalink(channel=CHANNEL, message_ts=second["ts"])["permalink"]
    assert f"/archives/{CHANNEL}/p{second['ts'].replace('.', '')}" in link and "thread_ts=" in link

    client.chat_delete(channel=CHANNEL, ts=second["ts"])
    assert [m.ts for m in slack.messages(CHANNEL)] == [first["ts"]]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_validates_like_slack(slack: StandInSlack, client: WebClient) -> None:
    slack.add_channel("C0NOTIN01", "elsewhere", members=[ANA], bot_member=False)
    slack.add_channel("G0SECRET1", "secret", members=[ANA], is_private=True, bot_member=False)
    cases = [
        ({"channel": CHANNEL}, "no_text"),
        ({"channel": "C0NOPE000", "text": "hi"}, "channel_not_found"),
        ({"channel": "C0NOTIN01", "text": "hi"}, "not_in_channel"),
        ({"channel": "G0SECRET1", "text": "hi"}, "channel_not_found"),  # private and not a member: invisible
        (
            {
                "channel": CHANNEL,
                "text": "t",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            },
            "invalid_blocks",
        ),
    ]
    for kwargs, error in cases:
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(**kwargs)
        assert exc.value.response["error"] == error, kwargs
    assert slack.messages(CHANNEL) == []

    client.conversations_join(channel="C0NOTIN01")
    assert client.chat_postMessage(channel="C0NOTIN01", text="now I can")["ok"]
    assert client.conversations_join(channel=CHANNEL)["warning"] == "already_in_channel"
    slack.add_channel("G0PRIV001", "private", members=[ANA], is_private=True)
    with pytest.raises(SlackApiError) as private:
        client.conversations_join(channel="G0PRIV001")
    assert private.value.response["error"] == "method_not_supported_for_channel_type"
    # a user id as channel is the DM with that user
    dm = client.chat_postMessage(channel=ANA, text="psst")
    assert dm["channel"] == "D" + ANA[1:] and slack.messages(dm["channel"])[0].text == "psst"


def test_ephemerals_and_reactions(slack: StandInSlack, client: WebClient) -> None:
    ts = slack.record_user_message(CHANNEL, ANA, "2 2 1")
    result = client.chat_postEphemeral(channel=CHANNEL, user=BEN, text="only for Ben", thread_ts=ts)
    assert result["message_ts"]
    (ephemeral,) = slack.ephemerals(BEN)
    assert (ephemeral.text, ephemeral.channel, ephemeral.thread_ts) == ("only for Ben", CHANNEL, ts)
    assert slack.ephemerals(ANA) == [] and [m.text for m in slack.messages(CHANNEL)] == ["2 2 1"]
    with pytest.raises(SlackApiError) as outsider:
        client.chat_postEphemeral(channel=OTHER, user=BEN, text="not here")
    assert outsider.value.response["error"] == "user_not_in_channel"

    client.reactions_add(channel=CHANNEL, timestamp=ts, name="white_check_mark")
    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel=CHANNEL, timestamp=ts, name="white_check_mark")
    assert again.value.response["error"] == "already_reacted"
    assert [(r.channel, r.ts, r.name, r.user) for r in slack.reactions] == [
        (CHANNEL, ts, "white_check_mark", "U0BOT0001")
    ]
    history = client.conversations_history(channel=CHANNEL)["messages"]
    assert history[0]["reactions"] == [{"name": "white_check_mark", "users": ["U0BOT0001"], "count": 1}]
    client.reactions_remove(channel=CHANNEL, timestamp=ts, name="white_check_mark")
    assert slack.reactions == []
    with pytest.raises(SlackApiError) as gone:
        client.reactions_add(channel=CHANNEL, timestamp="1700000099.000000", name="eyes")
    assert gone.value.response["error"] == "message_not_found"


def test_conversations_members_paginates_with_a_cursor(slack: StandInSlack, client: WebClient) -> None:
    people = [f"U0P{i:06d}" for i in range(249)]
    slack.add_channel("C0BIG0001", "big", members=people)
    pages = []
    cursor = None
    while True:
        response = client.conversations_members(channel="C0BIG0001", limit=100, cursor=cursor)
        pages.append(response["members"])
        cursor = response["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [100, 100, 50]  # 249 people + the bot
    assert sum(pages, []) == [*people, "U0BOT0001"]
    # SlackResponse's own iteration follows next_cursor too, with the default limit of 100
    assert sum((page["members"] for page in client.conversations_members(channel="C0BIG0001")), []) == [
        *people,
        "U0BOT0001",
    ]
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_members(channel="C0NOPE000")
    assert unknown.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as bad:
        client.conversations_members(channel="C0BIG0001", cursor="not-a-cursor")
    assert bad.value.response["error"] == "invalid_cursor"


def test_users_info_team_info_and_conversations_info(slack: StandInSlack, client: WebClient) -> None:
    user = client.users_info(user=BEN)["user"]
    assert (user["id"], user["name"], user["real_name"], user["tz"], user["is_bot"]) == (
        BEN,
        "ben",
        "Ben Okafor",
        "Europe/Berlin",
        False,
    )
    assert user["tz_offset"] in (3600, 7200)
    assert user["profile"]["display_name"] == "ben" and user["profile"]["real_name"] == "Ben Okafor"
    assert client.users_info(user="U0BOT0001")["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as missing:
        client.users_info(user="U0NOBODY1")
    assert missing.value.response["error"] == "user_not_found"
    assert client.team_info()["team"]["name"] == "Acme ML"
    info = client.conversations_info(channel=CHANNEL)["channel"]
    assert (info["name"], info["is_member"], info["is_private"], info["num_members"]) == ("ml-team", True, False, 3)


def test_files_upload_v2_end_to_end(slack: StandInSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="Summary")["ts"]
    content = "respondent,question_id,level\nana,pp-handoff,2\n"
    response = client.files_upload_v2(
        channel=CHANNEL,
        thread_ts=parent,
        content=content,
        filename="responses.csv",
        title="Responses",
        initial_comment="the raw answers",
    )
    assert response["file"]["title"] == "Responses" and response["file"]["name"] == "responses.csv"
    (stored,) = slack.files
    assert stored.content == content.encode() and stored.size == len(content.encode())
    assert (stored.channel_id, stored.thread_ts, stored.initial_comment) == (CHANNEL, parent, "the raw answers")
    share = slack.thread(CHANNEL, parent)[-1]
    assert share.files == [stored.id] and share.text == "the raw answers" and share.thread_ts == parent
    assert [c.method for c in slack.calls] == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]


def test_views_publish_open_update_push(slack: StandInSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}
    published = client.views_publish(user_id=ANA, view=home)["view"]
    assert slack.home_view(ANA)["blocks"] == home["blocks"] and published["id"]
    again = client.views_publish(user_id=ANA, view=home)["view"]
    assert again["id"] == published["id"] and again["hash"] != published["hash"]

    modal = {"type": "modal", "callback_id": "survey", "title": {"type": "plain_text", "text": "Survey"}, "blocks": []}
    opened = client.views_open(trigger_id=slack.new_trigger_id(ANA), view=modal)["view"]
    pushed = client.views_push(trigger_id=slack.new_trigger_id(ANA), view=modal)["view"]
    assert pushed["root_view_id"] == opened["id"] and pushed["previous_view_id"] == opened["id"]
    updated = client.views_update(view_id=opened["id"], view={**modal, "private_metadata": "42"})["view"]
    assert updated["private_metadata"] == "42" and updated["id"] == opened["id"]
    with pytest.raises(SlackApiError) as unknown:
        client.views_update(view_id="V0NOPE", view=modal)
    assert unknown.value.response["error"] == "not_found"
    with pytest.raises(SlackApiError) as no_trigger:
        client.views_open(trigger_id="", view=modal)
    assert no_trigger.value.response["error"] == "invalid_arguments"
    assert [v.user for v in slack.views] == [ANA, ANA, ANA]


def test_history_and_replies_come_from_stored_messages(slack: StandInSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="Q")["ts"]
    r1 = slack.record_user_message(CHANNEL, ANA, "1 2", thread_ts=parent)
    r2 = slack.record_user_message(CHANNEL, BEN, "3 3", thread_ts=r1)  # a reply to a reply joins the thread
    later = slack.record_user_message(CHANNEL, BEN, "lunch?")
    history = client.conversations_history(channel=CHANNEL)["messages"]
    assert [m["ts"] for m in history] == [later, parent]  # newest first, top-level only
    assert history[1]["reply_count"] == 2 and history[1]["reply_users"] == [ANA, BEN]
    replies = client.conversations_replies(channel=CHANNEL, ts=parent)["messages"]
    assert [(m["ts"], m.get("user")) for m in replies] == [(parent, "U0BOT0001"), (r1, ANA), (r2, BEN)]
    assert replies[2]["thread_ts"] == parent and replies[2]["parent_user_id"] == "U0BOT0001"
    page = client.conversations_history(channel=CHANNEL, limit=1)
    assert page["has_more"] and len(page["messages"]) == 1


def test_query_string_form_and_json_are_merged(slack: StandInSlack) -> None:
    got = _raw(slack.url + "users.info?user=" + ANA + "&token=xoxb-q")  # GET, token in the query string
    assert got["ok"] and got["user"]["id"] == ANA
    form = _raw(slack.url + "chat.postMessage?channel=" + CHANNEL, b"text=from+a+form&token=xoxp-form")
    assert form["ok"] and slack.messages(CHANNEL)[-1].text == "from a form"
    body = json.dumps({"channel": CHANNEL, "text": "from JSON", "blocks": None}).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Authorization": "Bearer xoxb-json"}
    assert _raw(slack.url + "chat.postMessage", body, headers)["ok"]
    assert [c.token for c in slack.calls] == ["xoxb-q", "xoxp-form", "xoxb-json"]
    assert _raw(slack.url + "chat.explode", b"token=xoxb-x") == {
        "ok": False,
        "error": "unknown_method",
        "req_method": "chat.explode",
    }
    assert _raw(slack.url + "auth.test", b"x=1")["error"] == "not_authed"
    assert _raw(slack.url + "auth.test", b"token=nope")["error"] == "invalid_auth"


def test_a_request_cut_off_mid_body_is_acted_on_not_at_all(slack: StandInSlack) -> None:
    """A client killed while sending (its body shorter than its Content-Length) posts nothing, as with
    Slack: the stand-in records no call and closes the connection."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(slack.url)
    body = b"channel=" + CHANNEL.encode() + b"&text=half+of+it&token=xoxb-test"
    head = (
        f"POST {where.path}chat.postEphemeral HTTP/1.1\r\nHost: {where.netloc}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body) + 40}\r\n\r\n"
    ).encode()
    with socket.create_connection((where.hostname, where.port), timeout=5) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(1024) == b""  # no answer: the connection is closed
    assert slack.calls == []
    # and a whole request afterwards is served as ever
    assert _raw(slack.url + "chat.postMessage", b"channel=" + CHANNEL.encode() + b"&text=whole&token=xoxb-test")["ok"]
    assert [c.method for c in slack.calls] == ["chat.postMessage"]


# --- tokens and installs -------------------------------------------------------------------------------


def test_revoked_token_and_uninstall(slack: StandInSlack, client: WebClient) -> None:
    assert client.auth_test()["ok"]
    assert client.auth_revoke(test=True)["revoked"] is False
    assert client.auth_test()["ok"]
    slack.revoke_token("xoxb-test")
    with pytest.raises(SlackApiError) as revoked:
        client.auth_test()
    assert revoked.value.response["error"] == "token_revoked"

    installed = WebClient(base_url=slack.url).oauth_v2_access(client_id="111.222", client_secret="s3cr3t", code="c0de")
    assert installed["token_type"] == "bot" and installed["access_token"].startswith("xoxb-")
    assert installed["team"] == {"id": "T0000001", "name": "Acme ML"} and installed["enterprise"] is None
    assert installed["bot_user_id"] == "U0BOT0001" and installed["authed_user"]["id"]
    with pytest.raises(SlackApiError) as reused:
        WebClient(base_url=slack.url).oauth_v2_access(client_id="111.222", client_secret="s3cr3t", code="c0de")
    assert reused.value.response["error"] == "invalid_code"  # codes are single-use
    assert slack.calls_to("oauth.v2.access")[0].params["client_id"] == "111.222"  # from HTTP Basic auth

    user_token = WebClient(token="xoxp-person", base_url=slack.url)
    assert user_token.auth_revoke()["revoked"] is True
    with pytest.raises(SlackApiError) as gone:
        user_token.auth_test()
    assert gone.value.response["error"] == "token_revoked"

    fresh = WebClient(token=installed["access_token"], base_url=slack.url)
    assert fresh.auth_test()["ok"]
    fresh.apps_uninstall(client_id="111.222", client_secret="s3cr3t")
    with pytest.raises(SlackApiError) as inactive:
        fresh.auth_test()
    assert inactive.value.response["error"] == "account_inactive"


# --- fault injection and rate limits -------------------------------------------------------------------


def test_fail_is_consumed_per_call_or_kept_until_cleared(slack: StandInSlack, client: WebClient) -> None:
    slack.fail("chat.postMessage", "is_archived")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=CHANNEL, text="x")
    assert exc.value.response["error"] == "is_archived"
    assert client.chat_postMessage(channel=CHANNEL, text="x")["ok"]  # consumed

    slack.fail("users.info", "fatal_error", times=None)
    for _ in range(3):
        with pytest.raises(SlackApiError):
            client.users_info(user=ANA)
    slack.clear_faults()
    assert client.users_info(user=ANA)["ok"]
    assert [c.error for c in slack.calls_to("users.info")] == ["fatal_error"] * 3 + [None]


def test_rate_limit_then_retried_ok(slack: StandInSlack, client: WebClient) -> None:
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    slack.rate_limit("chat.postMessage", retry_after=1)
    started = time.monotonic()
    assert client.chat_postMessage(channel=CHANNEL, text="eventually")["ok"]
    assert time.monotonic() - started >= 1.0  # slept Retry-After
    assert [c.http_status for c in slack.calls_to("chat.postMessage")] == [429, 200]
    assert slack.calls_to("chat.postMessage")[0].response == {"ok": False, "error": "ratelimited"}
    assert [m.text for m in slack.messages(CHANNEL)] == ["eventually"]


def test_server_error_and_delay(slack: StandInSlack, client: WebClient) -> None:
    slack.server_error("reactions.add", status=503)
    ts = slack.record_user_message(CHANNEL, ANA, "1")
    with pytest.raises(SlackApiError) as exc:
        client.reactions_add(channel=CHANNEL, timestamp=ts, name="eyes")
    assert exc.value.response.status_code == 503
    assert slack.reactions == []

    slack.delay("auth.test", 0.3)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3  # consumed


def test_per_channel_rate_limiter() -> None:
    with StandInSlack(rate_limits={"chat.postMessage": 1.0}) as slack:
        slack.add_channel(CHANNEL, "ml-team", members=[ANA])
        slack.add_channel(OTHER, "random", members=[ANA])
        client = WebClient(token="xoxb-test", base_url=slack.url)
        assert client.chat_postMessage(channel=CHANNEL, text="1")["ok"]
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel=CHANNEL, text="2")
        assert exc.value.response.status_code == 429 and exc.value.response["error"] == "ratelimited"
        assert int(exc.value.response.headers["Retry-After"]) >= 1
        assert client.chat_postMessage(channel=OTHER, text="other channel, own budget")["ok"]
        assert client.chat_postEphemeral(channel=CHANNEL, user=ANA, text="e")["ok"]  # other methods: no limit
        assert slack.rate_limited_count == 1
        assert [m.text for m in slack.messages(CHANNEL)] == ["1"]


def test_concurrent_posts_get_unique_increasing_ts(slack: StandInSlack) -> None:
    def post(n: int) -> str:
        return WebClient(token="xoxb-test", base_url=slack.url).chat_postMessage(channel=CHANNEL, text=str(n))["ts"]

    results: list[str] = []
    threads = [threading.Thread(target=lambda n=n: results.append(post(n))) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 40
    assert [m.ts for m in slack.messages(CHANNEL)] == sorted(results, key=float)
    assert len(slack.wait_for("chat.postMessage", count=40, timeout=1)) == 40


def test_wait_for_names_what_it_saw(slack: StandInSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test ×1"):
        slack.wait_for("chat.postMessage", timeout=0.2)
    threading.Timer(0.1, lambda: client.chat_postMessage(channel=CHANNEL, text="late")).start()
    (call,) = slack.wait_for("chat.postMessage", predicate=lambda c: c.params.get("text") == "late", timeout=3)
    assert call.ok


def test_response_urls_record_ephemeral_and_in_channel(slack: StandInSlack) -> None:
    url = slack.new_response_url(channel=CHANNEL, user=ANA)
    assert url.startswith(slack.base_url + "/response/")
    headers = {"Content-Type": "application/json"}
    assert _raw(url, json.dumps({"text": "just you"}).encode(), headers) == {"ok": True}
    assert _raw(url, json.dumps({"text": "everyone", "response_type": "in_channel"}).encode(), headers)["ok"]
    assert [p["text"] for p in slack.response_url_posts] == ["just you", "everyone"]
    assert [(e.user, e.text, e.via) for e in slack.ephemerals()] == [(ANA, "just you", "response_url")]
    assert [(m.text, m.is_bot) for m in slack.messages(CHANNEL)] == [("everyone", True)]
    with pytest.raises(urllib.error.HTTPError) as expired:
        _raw(slack.base_url + "/response/nope", b"{}", headers)
    assert expired.value.code == 404


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_transcript(slack: StandInSlack, client: WebClient) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "People & Process"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Q1* How do teams hand off models?"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "reply with <@U0BOT0001>"}]},
    ]
    parent = client.chat_postMessage(channel=CHANNEL, text="", blocks=blocks)["ts"]
    reply = slack.record_user_message(CHANNEL, ANA, "2 *we* pair", thread_ts=parent)
    client.reactions_add(channel=CHANNEL, timestamp=reply, name="white_check_mark")
    slack.record_reaction(CHANNEL, parent, "eyes", BEN)
    slack.record_reaction(CHANNEL, parent, "eyes", ANA)
    client.files_upload_v2(channel=CHANNEL, thread_ts=parent, content="a,b\n", filename="r.csv", title="Answers")
    summary = client.chat_postMessage(channel=CHANNEL, text="*Summary*: overall 1.17")["ts"]
    client.chat_update(channel=CHANNEL, ts=summary, text="*Summary*: overall 1.20")
    client.chat_postEphemeral(channel=CHANNEL, user=BEN, text="hidden")
    assert slack.transcript(CHANNEL, users={BEN: "Ben O."}) == "\n".join(
        [
            "#ml-team",
            "",
            "maturity: People & Process",
            "  Q1 How do teams hand off models?",
            "  reply with @maturity",
            "  [:eyes: by Ben O., Ana Lima]",
            "    Ana Lima: 2 *we* pair",
            "      [:white_check_mark: by maturity]",
            "    maturity:",
            "      [file: r.csv \u201cAnswers\u201d, 4 bytes]",
            "",
            "maturity: Summary: overall 1.20 (edited)",
        ]
    )


# --- the driver against a real Bolt app -----------------------------------------------------------------


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(WSGIServer):
    """wsgiref's server, one thread per request (the driver may post while a listener is responding)."""

    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        threading.Thread(target=self._handle, args=(request, client_address), daemon=True).start()

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


@contextmanager
def _serve(app: App) -> Iterator[str]:
    server = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), server_class=_ThreadingWSGIServer, handler_class=_QuietWSGIHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def bolt(slack: StandInSlack) -> Iterator[tuple[SlackDriver, queue.Queue]]:
    """A tiny Bolt app (every listener reports to the queue), served over HTTP, and a driver for it."""
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-test", base_url=slack.url))
    seen: queue.Queue = queue.Queue()

    @app.command("/maturity")
    def command(ack: Any, command: dict, respond: Any) -> None:
        ack(text=f"on it: {command['text']}")
        respond(text="done", response_type="ephemeral")
        seen.put(("command", command))

    @app.action(re.compile(r"^answer:"))
    def action(ack: Any, body: dict, client: WebClient) -> None:
        ack()
        client.reactions_add(channel=body["channel"]["id"], timestamp=body["container"]["message_ts"], name="eyes")
        seen.put(("action", body))

    @app.event("message")
    def message(event: dict, say: Any) -> None:
        say(text=f"heard {event['text']}", thread_ts=event.get("thread_ts"))
        seen.put(("message", event))

    @app.event("app_home_opened")
    def home(event: dict) -> None:
        seen.put(("home", event))

    @app.view("survey")
    def survey(ack: Any, view: dict) -> None:
        ack()
        seen.put(("view", view))

    with _serve(app) as url:
        yield SlackDriver(url, SECRET, slack=slack), seen


def _next(seen: queue.Queue, kind: str) -> Any:
    got_kind, payload = seen.get(timeout=5)
    assert got_kind == kind
    return payload


def test_slash_command_reaches_its_listener(slack: StandInSlack, bolt: tuple[SlackDriver, queue.Queue]) -> None:
    driver, seen = bolt
    response = driver.slash("assess now", user_id=ANA, channel_id=CHANNEL)
    # Bolt answers a text-only ack() as text/plain, not JSON (Slack accepts both)
    assert (response.status, response.body) == (200, "on it: assess now")
    assert response.headers["Content-Type"].startswith("text/plain")
    command = _next(seen, "command")
    assert (command["command"], command["text"], command["user_id"], command["user_name"]) == (
        "/maturity",
        "assess now",
        ANA,
        "ana",
    )
    assert command["channel_name"] == "ml-team" and command["team_id"] == "T0000001"
    assert command["response_url"].startswith(slack.base_url + "/response/")
    assert slack.response_url_posts[-1]["text"] == "done"
    assert [(e.user, e.channel, e.text) for e in slack.ephemerals()] == [(ANA, CHANNEL, "done")]


def test_click_reaches_its_listener_with_the_stored_message(
    slack: StandInSlack, bolt: tuple[SlackDriver, queue.Queue]
) -> None:
    driver, seen = bolt
    blocks = [
        {
            "type": "actions",
            "block_id": "q:pp-handoff",
            "elements": [
                {
                    "type": "button",
                    "action_id": "answer:pp-handoff:2",
                    "text": {"type": "plain_text", "text": "2"},
                    "value": "v2",
                }
            ],
        }
    ]
    ts = WebClient(token="xoxb-test", base_url=slack.url).chat_postMessage(channel=CHANNEL, text="Q", blocks=blocks)[
        "ts"
    ]
    response = driver.click(
        user_id=BEN,
        channel_id=CHANNEL,
        message_ts=ts,
        action_id="answer:pp-handoff:2",
        value="v2",
        block_id="q:pp-handoff",
    )
    assert response.status == 200
    body = _next(seen, "action")
    assert (
        body["user"]["id"] == BEN and body["message"]["blocks"] == blocks and body["message"]["bot_id"] == "B0BOT0001"
    )
    assert body["actions"][0]["text"]["text"] == "2" and body["actions"][0]["value"] == "v2"
    assert body["container"] == {"type": "message", "message_ts": ts, "channel_id": CHANNEL, "is_ephemeral": False}
    slack.wait_for("reactions.add")
    assert [(r.ts, r.name) for r in slack.reactions] == [(ts, "eyes")]


def test_events_reach_their_listeners(slack: StandInSlack, bolt: tuple[SlackDriver, queue.Queue]) -> None:
    driver, seen = bolt
    parent = slack.record_user_message(CHANNEL, BEN, "a thread")
    ts, response = driver.reply(
        user_id=ANA, channel_id=CHANNEL, thread_ts=parent, text="2 2 1", retry_num=1, retry_reason="http_timeout"
    )
    assert response.status == 200
    event = _next(seen, "message")
    assert (event["ts"], event["thread_ts"], event["user"], event["parent_user_id"], event["channel_type"]) == (
        ts,
        parent,
        ANA,
        BEN,
        "channel",
    )
    answer = slack.wait_for("chat.postMessage")[0]
    # Bolt's per-request WebClient adds the workspace's team_id to every call
    assert answer.params == {"channel": CHANNEL, "text": "heard 2 2 1", "thread_ts": parent, "team_id": "T0000001"}
    assert [m.text for m in slack.thread(CHANNEL, parent)] == ["a thread", "2 2 1", "heard 2 2 1"]

    assert driver.app_home_opened(user_id=ANA).status == 200
    assert _next(seen, "home")["tab"] == "home"
    view = {"callback_id": "survey", "private_metadata": "7", "state": {"values": {"b": {"a": {"value": "x"}}}}}
    assert driver.view_submission(user_id=ANA, view=view).status == 200
    submitted = _next(seen, "view")
    assert submitted["private_metadata"] == "7" and submitted["state"]["values"]["b"]["a"]["value"] == "x"
    assert driver.url_verification("chal-123").json() == {"challenge": "chal-123"}


def test_forged_and_stale_signatures_get_401(bolt: tuple[SlackDriver, queue.Queue]) -> None:
    driver, seen = bolt
    body = "command=%2Fmaturity&text=assess&team_id=T0000001&channel_id=C0STAND01&user_id=U0ANA0001"
    assert driver.post_raw(body, {**driver.sign(body), "X-Slack-Signature": "v0=" + "0" * 64}).status == 401
    assert driver.post_raw(body, driver.sign(body, timestamp=int(time.time()) - 600)).status == 401
    assert SlackDriver(driver.request_url, "wrong-secret").slash("x", user_id=ANA, channel_id=CHANNEL).status == 401
    time.sleep(0.2)
    assert seen.empty()


# --- the driver's wire format, as received --------------------------------------------------------------


@contextmanager
def _capture() -> Iterator[tuple[str, list[tuple[bytes, dict[str, str]]]]]:
    received: list[tuple[bytes, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append((self.rfile.read(int(self.headers["Content-Length"])), dict(self.headers.items())))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events", received
    finally:
        server.shutdown()
        server.server_close()


def test_driver_requests_verify_with_slack_sdk(slack: StandInSlack) -> None:
    verifier = SignatureVerifier(SECRET)
    with _capture() as (url, received):
        driver = SlackDriver(url, SECRET, slack=slack)
        driver.slash("assess https://x/y", user_id=ANA, channel_id=CHANNEL)
        driver.click(user_id=ANA, channel_id=CHANNEL, message_ts="1700000000.000100", action_id="a", value="v")
        driver.event(
            {"type": "message", "text": "caf\u00e9 / bar"}, event_id="Ev0TEST01", retry_num=2, retry_reason="timeout"
        )
        forged = SlackDriver(url, "another-secret").sign("{}")
    assert len(received) == 3
    for raw, headers in received:
        assert verifier.is_valid_request(raw, headers), headers
        assert headers["User-Agent"].startswith("Slackbot 1.0")
    assert not verifier.is_valid_request(b"{}", forged)

    slash, click, event = received
    assert slash[1]["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(slash[0].decode()).items()}
    assert form["command"] == "/maturity" and form["text"] == "assess https://x/y" and b"%2Fmaturity" in slash[0]
    assert form["response_url"].startswith(slack.base_url) and form["trigger_id"]

    assert click[0].startswith(b"payload=")
    payload = json.loads(parse_qs(click[0].decode())["payload"][0])
    assert payload["type"] == "block_actions" and payload["actions"][0]["action_id"] == "a"
    assert payload["message"] == {"type": "message", "ts": "1700000000.000100", "text": ""}  # not stored: minimal

    assert event[1]["Content-Type"] == "application/json"
    assert (event[1]["X-Slack-Retry-Num"], event[1]["X-Slack-Retry-Reason"]) == ("2", "timeout")
    assert b"caf\\u00e9 \\/ bar" in event[0]  # Slack's escaping: ASCII only, "/" as "\/"
    envelope = json.loads(event[0])
    assert (envelope["type"], envelope["event_id"], envelope["authorizations"][0]["user_id"]) == (
        "event_callback",
        "Ev0TEST01",
        "U0BOT0001",
    )
