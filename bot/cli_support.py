"""What the ``maturity`` commands share: the one-line user error, the settings, and the database a
command opens (checked to be reachable and migrated). ``bot.cli`` and the report commands
(``bot.reports``, ``bot.org_report``) use them; nothing here parses arguments."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database

__all__ = ["UsageError", "first_line", "load_command_settings", "open_database"]


class UsageError(Exception):
    """User error: printed as one line, exit code 2."""


def load_command_settings() -> Settings:
    """The settings from the environment (and ``.env``); ConfigError names what is wrong."""
    from bot.config import load_settings

    return load_settings()


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def open_database(settings: Settings) -> Database:
    """The database of DATABASE_URL, reachable and at the newest schema; UsageError (one line, the
    password masked) when it cannot be reached, is newer than this release, or needs ``maturity migrate``."""
    from storage.db import Database, mask_credentials
    from storage.migrate import SchemaNewerError, is_up_to_date

    db = Database(settings.database_url)
    try:
        current = is_up_to_date(db)
    except SchemaNewerError as exc:
        db.dispose()
        raise UsageError(str(exc)) from None
    except Exception as exc:
        problem = mask_credentials(first_line(exc), db.url)
        raise UsageError(f"DATABASE_URL: cannot reach the database: {problem}") from None
    if not current:
        raise UsageError("the database schema is not up to date: run `maturity migrate` first")
    return db
