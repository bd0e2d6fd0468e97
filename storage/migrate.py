"""Schema migrations (Alembic), driven from code: ``maturity migrate``."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

from storage.db import MIGRATIONS_DIR, Database


def alembic_config(url: str | URL) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    rendered = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (default: the newest, on every branch)."""
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def head_revision() -> str:
    """The newest revision(s), comma-separated if branches have not been merged yet."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return ",".join(sorted(script.get_heads()))


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()
