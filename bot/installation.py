"""Multi-workspace installs: slack-sdk's SQLAlchemy installation and OAuth state stores, in the
app's own database (their tables are created by our Alembic migrations), with optional encryption
of stored tokens at rest (Fernet, key from TOKEN_ENCRYPTION_KEY)."""

from __future__ import annotations

import copy
import logging
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

log = logging.getLogger("maturity.install")

BOT_SCOPES = [
    "commands",
    "chat:write",
    "reactions:write",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "files:write",
    "im:write",
    "users:read",
]
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
FERNET_PREFIX = "gAAAAA"  # every Fernet token starts with its version byte 0x80 in urlsafe base64


class TokenCipher:
    """Fernet encryption of tokens; values stored before a key was set are read as they are."""

    def __init__(self, key: str) -> None:
        from cryptography.fernet import Fernet

        self._fernet = Fernet(key.encode())

    @staticmethod
    def validate_key(key: str) -> None:
        from cryptography.fernet import Fernet

        Fernet(key.encode())  # ValueError when it is not 32 url-safe base64-encoded bytes

    def encrypt(self, value: str | None) -> str | None:
        if not value or value.startswith(FERNET_PREFIX):
            return value
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        if not value or not value.startswith(FERNET_PREFIX):
            return value
        return self._fernet.decrypt(value.encode()).decode()


class InstallationStore(SQLAlchemyInstallationStore):
    """slack-sdk's SQLAlchemy store, encrypting tokens on the way in and decrypting on the way out."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher | None = None) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        self.cipher = cipher

    def _sealed(self, entity: Any) -> Any:
        if self.cipher is None:
            return entity
        sealed = copy.copy(entity)
        for field in TOKEN_FIELDS:
            if hasattr(sealed, field):
                setattr(sealed, field, self.cipher.encrypt(getattr(sealed, field)))
        return sealed

    def _opened(self, entity: Any) -> Any:
        if self.cipher is None or entity is None:
            return entity
        for field in TOKEN_FIELDS:
            if hasattr(entity, field):
                setattr(entity, field, self.cipher.decrypt(getattr(entity, field)))
        return entity

    def save(self, installation: Installation) -> None:
        super().save(self._sealed(installation))

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(self._sealed(bot))

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False):  # type: ignore[override]
        return self._opened(
            super().find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
        )

    def find_installation(  # type: ignore[override]
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ):
        return self._opened(
            super().find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )
        )


def state_store(engine: Engine, expiration_seconds: int = 600) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=expiration_seconds, engine=engine, logger=log)
