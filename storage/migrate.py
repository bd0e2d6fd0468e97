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


class SchemaNewerError(RuntimeError):
    """The database was migrated by a newer release: its revision is unknown to this program."""

    def __init__(self, current: str, head: str) -> None:
        super().__init__(
            f"the database schema is newer than this program: it is at revision {current}, which this "
            f"release does not know (its newest is {head}); run the newer release of maturity that migrated it"
        )
        self.current = current
        self.head = head


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def _refuse_newer(heads: tuple[str, ...] | list[str]) -> None:
    """SchemaNewerError when one of the database's ``heads`` is no revision of this program."""
    script = _script()
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(set(heads) - known)
    if unknown:
        raise SchemaNewerError(",".join(unknown), ",".join(sorted(script.get_heads())))


def upgrade(db: Database, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (default: the newest, on every branch). SchemaNewerError,
    changing nothing, when the database is at a revision this program does not know."""
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        _refuse_newer(MigrationContext.configure(conn).get_current_heads())
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def head_revision() -> str:
    """The newest revision(s), comma-separated if branches have not been merged yet."""
    return ",".join(sorted(_script().get_heads()))


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def is_up_to_date(db: Database) -> bool:
    """Whether the schema is at this program's newest revision; SchemaNewerError when it is past it."""
    current = current_revision(db)
    if current is not None:
        _refuse_newer(current.split(","))
    return current == head_revision()
