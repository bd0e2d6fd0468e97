"""Multi-workspace installs: Bolt's OAuth flow over real HTTP, slack-sdk's SQLAlchemy stores in our
database (tokens encrypted at rest), uninstall and revocation, and `maturity purge`."""

from __future__ import annotations

import io
import logging
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.logs import JsonFormatter
from storage import repo, slack_tables
from storage.db import Database
from tests.conftest import CHANNEL, MEMBERS, SIGNING_SECRET, TEAM

CLIENT_ID = "1111.2222"
ANA = MEMBERS[0]


@dataclass
class OAuthApp:
    url: str
    slack: object
    driver: object
    db: Database
    app: object
    log: io.StringIO


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def http_get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect, urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture
def oauth_app(db: Database, slack: object) -> Iterator[OAuthApp]:
    from bot.app import build_app
    from bot.config import load_settings
    from bot.server import create_server, server_port
    from bot.services import build_services
    from standin.driver import SlackDriver

    settings = load_settings(
        database_url=db.url.render_as_string(hide_password=False),
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id=CLIENT_ID,
        slack_client_secret="client-secret",
        token_encryption_key=Fernet.generate_key().decode(),
        slack_api_url=slack.url,  # type: ignore[attr-defined]
        scheduler_enabled=False,
    )
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    services = build_services(settings, db)
    app = build_app(services)
    server = create_server(app, services, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server_port(server)}"
    try:
        yield OAuthApp(
            url, slack, SlackDriver(url + "/slack/events", SIGNING_SECRET, slack=slack, team_id=TEAM), db, app, log
        )
    finally:
        server.close()
        thread.join(timeout=5)
        services.close()
        root.removeHandler(handler)
        root.setLevel(old_level)


def install(o: OAuthApp) -> str:
    status, headers, page = http_get(o.url + "/slack/install")
    assert status == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
    assert link is not None, page
    assert f"client_id={CLIENT_ID}" in link.group(1).replace("&amp;", "&")
    state = re.search(r"state=([^&\"]+)", link.group(1)).group(1)
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    assert state in cookie
    status, _, page = http_get(f"{o.url}/slack/oauth_redirect?code=code-1&state={state}", cookie)
    assert status == 200, page
    access = o.slack.calls_to("oauth.v2.access")[-1]
    return access.response["access_token"]


def test_install_stores_an_encrypted_token_that_the_bot_then_uses(oauth_app: OAuthApp) -> None:
    o = oauth_app
    token = install(o)
    with o.db.engine.connect() as conn:
        stored = conn.execute(select(slack_tables.bots.c.bot_token, slack_tables.bots.c.team_id)).all()
    assert [team for _, team in stored] == [TEAM]
    assert stored[0][0].startswith("gAAAAA") and token not in stored[0][0]  # encrypted at rest

    assert o.driver.slash("assess", user_id=ANA, channel_id=CHANNEL).status == 200
    posts = o.slack.wait_for("chat.postMessage", count=5)
    assert {call.token for call in posts} == {token}
    # no token, ever, in the logs (the run logged at DEBUG)
    assert token not in o.log.getvalue()
    assert "client-secret" not in o.log.getvalue()


def test_a_replayed_or_forged_state_is_refused(oauth_app: OAuthApp) -> None:
    o = oauth_app
    status, _, _ = http_get(f"{o.url}/slack/oauth_redirect?code=code-2&state=forged", "slack-app-oauth-state=forged")
    assert status >= 400
    assert o.slack.calls_to("oauth.v2.access") == []
    with o.db.engine.connect() as conn:
        assert conn.execute(select(slack_tables.bots.c.id)).all() == []


def test_a_workspace_that_never_installed_gets_nothing(oauth_app: OAuthApp) -> None:
    o = oauth_app
    install(o)
    o.driver.team_id = "T0OTHER01"
    o.driver.slash("assess", user_id=ANA, channel_id=CHANNEL)
    time.sleep(0.3)
    assert o.slack.calls_to("chat.postMessage") == []
    with o.db.session() as s:
        assert repo.get_open_assessment(s, "T0OTHER01", CHANNEL) is None


def test_uninstall_deletes_tokens_keeps_data_and_purge_removes_everything(
    oauth_app: OAuthApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    o = oauth_app
    install(o)
    o.driver.slash("assess", user_id=ANA, channel_id=CHANNEL)
    o.slack.wait_for("chat.postMessage", count=5)
    response = o.driver.event({"type": "app_uninstalled", "event_ts": "1700000000.000001"})
    assert response.status == 200
    # slack-sdk's delete_all deletes the bot rows, then the installation rows, in two transactions:
    # wait for both
    deadline = time.time() + 5
    while time.time() < deadline:
        with o.db.engine.connect() as conn:
            bots = conn.execute(select(slack_tables.bots.c.id)).all()
            installations = conn.execute(select(slack_tables.installations.c.id)).all()
        if not bots and not installations:
            break
        time.sleep(0.05)
    assert bots == [] and installations == []
    with o.db.session() as s:
        assert repo.get_open_assessment(s, TEAM, CHANNEL) is not None  # data kept

    monkeypatch.setenv("DATABASE_URL", o.db.url.render_as_string(hide_password=False))
    assert main(["purge", "--team", TEAM, "--yes"]) == 0
    assert "purged T0000001" in capsys.readouterr().out
    with o.db.session() as s:
        assert repo.get_open_assessment(s, TEAM, CHANNEL) is None
        assert repo.get_team(s, TEAM, CHANNEL) is None


def test_tokens_revoked_deletes_the_bot_token(oauth_app: OAuthApp) -> None:
    o = oauth_app
    install(o)
    o.driver.event({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT0001"]}, "event_ts": "1700000000.000002"})
    deadline = time.time() + 5
    while time.time() < deadline:
        with o.db.engine.connect() as conn:
            if not conn.execute(select(slack_tables.bots.c.id)).all():
                return
        time.sleep(0.05)
    pytest.fail("the bot token was not deleted")


def test_purge_refuses_without_confirmation_and_bad_ids(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from tests.processes import child_env

    env = child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--team", TEAM],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "add --yes to confirm" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--team", "nope", "--yes"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2 and "--team must be a Slack workspace id" in result.stderr
