"""Settings from the environment (or a ``.env`` file), validated at start.

A missing or malformed setting stops the process with a message naming the variable.
"""

from __future__ import annotations

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import DatabaseURLError, normalize_url


class ConfigError(Exception):
    """A setting is missing or malformed; ``str()`` names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///maturity.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    token_encryption_key: SecretStr | None = None
    scheduler_enabled: bool = True
    port: int = 3000
    log_level: str = "INFO"
    # At most one chat.update per dimension message per this many seconds (0: on every answer).
    dimension_refresh_seconds: float = 2.0
    # How long a Slack Web API call may take before the bot gives up waiting for its answer.
    slack_timeout_seconds: float = 15.0
    # How often the scheduler looks for due check-ins, reminders, closes and digests.
    scheduler_tick_seconds: int = 60
    # Cross-team views (`/maturity teams`, `maturity report --org`, the admin's App Home): an
    # assessment with fewer respondents than this shows "too few answers" instead of scores.
    org_min_respondents: int = 3
    # Tests and the demo: a file holding the instant the process clock should read (storage/clock.py).
    maturity_clock_file: str | None = None
    # A folder of extra questionnaire files (YAML), loaded beside the shipped ones.
    frameworks_dir: str | None = None

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_client_secret", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("frameworks_dir", mode="before")
    @classmethod
    def _blank_dir_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("frameworks_dir")
    @classmethod
    def _frameworks_dir(cls, value: str | None) -> str | None:
        from pathlib import Path

        if value is not None and not Path(value).is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @field_validator("slack_client_id", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("xoxb-", "xoxp-")):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("token_encryption_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from bot.installation import TokenCipher

            try:
                TokenCipher.validate_key(value.get_secret_value())
            except ValueError:
                raise ValueError(
                    "must be a Fernet key (32 url-safe base64-encoded bytes), e.g. from "
                    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
                ) from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            normalize_url(value)
        except DatabaseURLError as exc:
            raise ValueError(str(exc).removeprefix("DATABASE_URL: ")) from None
        return value

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("must be between 1 and 65535")
        return value

    @field_validator("scheduler_tick_seconds")
    @classmethod
    def _tick(cls, value: int) -> int:
        if not 1 <= value <= 3600:
            raise ValueError("must be a whole number of seconds from 1 to 3600")
        return value

    @field_validator("slack_timeout_seconds")
    @classmethod
    def _timeout(cls, value: float) -> float:
        if not 0.1 <= value <= 120:
            raise ValueError("must be a number of seconds from 0.1 to 120")
        return value

    @field_validator("dimension_refresh_seconds")
    @classmethod
    def _refresh(cls, value: float) -> float:
        if not 0 <= value <= 3600:
            raise ValueError("must be a number of seconds from 0 to 3600")
        return value

    @field_validator("org_min_respondents")
    @classmethod
    def _min_respondents(cls, value: int) -> int:
        if not 1 <= value <= 1000:
            raise ValueError("must be a whole number of respondents from 1 to 1000")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    # -- derived -------------------------------------------------------------------------------

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    def secret(self, name: str) -> str | None:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else None

    def require(self, *names: str) -> None:
        """ConfigError naming the first of ``names`` (field names) that is not set."""
        for name in names:
            if getattr(self, name) in (None, ""):
                raise ConfigError(f"{name.upper()} is not set (required for this command)")

    def require_http(self) -> None:
        self.require("slack_signing_secret")
        if self.slack_client_id and not self.slack_client_secret:
            raise ConfigError("SLACK_CLIENT_SECRET is not set (SLACK_CLIENT_ID is set; OAuth needs both)")
        if self.slack_client_secret and not self.slack_client_id:
            raise ConfigError("SLACK_CLIENT_ID is not set (SLACK_CLIENT_SECRET is set; OAuth needs both)")
        if not self.oauth_enabled and self.slack_bot_token is None:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth installs)"
            )


class FrameworksSettings(BaseSettings):
    """Only ``FRAMEWORKS_DIR``: what every command reads, even those that need no other setting."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    frameworks_dir: str | None = None

    _blank = field_validator("frameworks_dir", mode="before")(Settings._blank_dir_is_unset.__func__)  # type: ignore[attr-defined]
    _exists = field_validator("frameworks_dir")(Settings._frameworks_dir.__func__)  # type: ignore[attr-defined]


def use_frameworks(frameworks_dir: str | None) -> None:
    """Load the shipped questionnaires and those of ``FRAMEWORKS_DIR``; a broken file is a
    ConfigError of one line naming the file and the field."""
    from pathlib import Path

    from conversations.frameworks import FrameworkFileError, frameworks_dir_in_use, use_frameworks_dir

    wanted = Path(frameworks_dir) if frameworks_dir is not None else None
    if wanted == frameworks_dir_in_use() and wanted is None:
        return  # the shipped ones, as loaded on first use
    try:
        use_frameworks_dir(frameworks_dir)
    except FrameworkFileError as exc:
        lines = str(exc).splitlines()
        more = f" (and {len(lines) - 1} more: run `maturity frameworks validate FILE`)" if len(lines) > 1 else ""
        raise ConfigError(f"FRAMEWORKS_DIR: {lines[0]}{more}") from None


def load_frameworks_setting() -> None:
    """Read ``FRAMEWORKS_DIR`` alone (environment or ``.env``) and load the frameworks it names."""
    try:
        setting = FrameworksSettings()
    except ValidationError as exc:
        raise ConfigError(f"FRAMEWORKS_DIR: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    use_frameworks(setting.frameworks_dir)


def load_settings(**overrides: object) -> Settings:
    """Read settings; ConfigError names the variable at fault."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{variable}: {message}") from None
