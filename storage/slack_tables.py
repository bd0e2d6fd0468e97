"""slack-sdk's installation and OAuth-state tables, declared on our metadata so that Alembic
creates and migrates them with the rest of the schema (its own ``create_tables`` is not used).

Token columns are widened from 200 to 500 characters: a Fernet-encrypted token is longer than
the plain one."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import String

from storage.models import Base

TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")

installations = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")

for _table in (installations, bots):
    for _name in TOKEN_COLUMNS:
        if _name in _table.c:
            _table.c[_name].type = String(500)
