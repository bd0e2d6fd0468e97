"""Engine and session set-up for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InvalidatePoolError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.nul import drop_nul_from_parameters

SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL: a pooled connection idle for this long is pinged before use (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 5.0
READ_ONLY_OPTION = "maturity_read_only"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class DatabaseURLError(ValueError):
    """DATABASE_URL cannot be used."""


class DatabaseUnavailable(RuntimeError):
    """The database cannot keep what it is given (its SQLite file was removed or replaced while the
    process had it open: writes would go to a file nobody will ever open again)."""


# What a unit of work that could not keep its change raises (it rolled back: nothing it meant to
# change was kept).
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, DatabaseUnavailable)


# user:password@ in anything that looks like a URL (also one SQLAlchemy cannot parse, e.g.
# ``postgresql//bob:PW@db``), and password=... in a query string or DSN.
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>\b[A-Za-z][\w+.-]*://)?(?P<user>[^\s:/@'\"]*):(?!//)(?P<password>[^\s'\"]*)@(?=[^\s@'\"]*(?:[\s'\"]|$))"
)
_PASSWORD_PARAM = re.compile(r"(?i)(?P<key>\bpassword\s*=\s*)(?P<password>[^\s&'\"]+)")
MASK = "***"


def shown_url(url: str | URL) -> str:
    """A database URL as it may be shown (messages, logs): its password masked. SQLAlchemy's
    ``hide_password`` where the URL parses; the pattern of :func:`mask_credentials` where it does not."""
    if isinstance(url, URL):
        return mask_credentials(url.render_as_string(hide_password=True))
    try:
        parsed = make_url(url.strip())
    except Exception:
        return mask_credentials(url)
    return mask_credentials(parsed.render_as_string(hide_password=True), url)


def mask_credentials(text: str, url: str | URL | None = None) -> str:
    """``text`` with every URL's ``user:password@`` shown as ``user:***@`` and every
    ``password=...`` as ``password=***``; and, when the ``url`` it is about is given, that URL's
    password masked wherever the text quotes it (a driver's error message may)."""
    masked = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme'] or ''}{m['user']}:{MASK}@", text)
    masked = _PASSWORD_PARAM.sub(lambda m: m["key"] + MASK, masked)
    for secret in _secrets_of(url) if url is not None else ():
        masked = masked.replace(secret, MASK)
    return masked


def _secrets_of(url: str | URL) -> list[str]:
    """The URL's password, and the part of its host before an ``@`` (an unencoded ``@`` in the
    password makes SQLAlchemy read the rest of the password as the host, which drivers quote)."""
    if isinstance(url, str):
        written = url
        try:
            url = make_url(written.strip())
        except Exception:
            match = _URL_CREDENTIALS.search(written)
            return [match["password"]] if match and len(match["password"]) >= 2 else []
    found = [url.password] if isinstance(url.password, str) else []
    if url.host and "@" in url.host:
        found.append(url.host.rsplit("@", 1)[0])
    return sorted((s for s in found if len(s) >= 2), key=len, reverse=True)


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL; plain ``postgresql://`` and ``postgres://`` use psycopg 3 (installed).
    DatabaseURLError's message shows the URL with its password masked."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError) as exc:  # ValueError: e.g. a port that is not a number
        hint = " (it starts or ends with a space)" if isinstance(url, str) and url != url.strip() else ""
        raise DatabaseURLError(f"DATABASE_URL: not a valid SQLAlchemy URL{hint}: {shown_url(url)!r}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseURLError(
            f"DATABASE_URL: unsupported database {parsed.get_backend_name()!r} (use sqlite or postgresql)"
        )
    return parsed


def rows_affected(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE run through ``Session.execute`` touched.
    ``Session.execute`` is typed as returning a ``Result``; for those statements it is a
    ``CursorResult``, which has the ``rowcount``."""
    return cast("CursorResult[Any]", result).rowcount or 0


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers wait on the busy
        # timeout instead of failing with "database is locked" when a read upgrades to a write.
        # A unit of work that only reads (Database.read) begins deferred: under WAL it never waits
        # for, nor holds up, the writers.
        read_only = conn.get_execution_options().get(READ_ONLY_OPTION)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """``pool_pre_ping`` for connections that sat in the pool ``idle_seconds`` or longer: one that
    fails the ping (the server restarted, a proxy dropped it) is replaced, with every connection
    pooled before it, and the caller gets a fresh one. A connection back from use moments ago skips
    the ping: under load that saves a round trip on every unit of work."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        if dbapi_conn is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or in use moments ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise InvalidatePoolError(f"pooled connection failed its ping: {exc}") from exc


def _make_folder(database: Path) -> None:
    """The SQLite file's folder, created if missing; DatabaseURLError naming it when it cannot be."""
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseURLError(
            f"DATABASE_URL: cannot create the folder {exc.filename or database.parent} of the SQLite database "
            f"{database}: {exc.strerror or exc}"
        ) from None


def make_engine(url: str | URL, *, ping_after_idle: float = PING_AFTER_IDLE_SECONDS, **kwargs: Any) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _make_folder(Path(parsed.database).expanduser())
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        drop_nul_from_parameters(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(parsed, **kwargs)
    drop_nul_from_parameters(engine)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, ping_after_idle)
    return engine


class Database:
    """An engine plus a session factory; ``session()`` is a unit of work that commits on success."""

    def __init__(self, url: str | URL, **engine_kwargs: Any) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process queue for it here, where the next
        # one goes as soon as the lock is free; left to SQLite, each would poll its busy handler,
        # which sleeps 1, 2, 5, 10… ms between tries. (Other processes still meet the busy timeout.)
        self._writer = threading.RLock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()
        # A SQLite file: which file it is (device, inode), seen when the first connection opens it.
        self._file: Path | None = None
        self._file_id: tuple[int, int] | None = None
        database = self.url.database if self.dialect == "sqlite" else None
        if database and database != ":memory:" and not database.startswith("file:"):
            self._file = Path(database).expanduser().resolve()
            event.listen(self.engine, "connect", self._remember_file)

    def _remember_file(self, _dbapi_conn: Any, _record: Any) -> None:
        if self._file_id is None and self._file is not None:
            with contextlib.suppress(OSError):
                stat = self._file.stat()
                self._file_id = (stat.st_dev, stat.st_ino)

    def file_problem(self) -> str | None:
        """Why a SQLite database can no longer keep what it is given (its file was removed or
        replaced since it was opened); None when it can, and always for PostgreSQL."""
        if self._file is None or self._file_id is None:
            return None
        try:
            stat = self._file.stat()
        except FileNotFoundError:
            return f"the database file {self._file} was removed"
        except OSError as exc:
            return f"the database file {self._file} cannot be read: {exc.strerror or exc}"
        if (stat.st_dev, stat.st_ino) != self._file_id:
            return f"the database file {self._file} was replaced by another file"
        return None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work that commits on success. DatabaseUnavailable, before anything is written,
        when the SQLite file is gone (see ``file_problem``): nothing may be confirmed that is lost."""
        problem = self.file_problem()
        if problem is not None:
            raise DatabaseUnavailable(problem)
        with self._writer, self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A unit of work that only reads. On SQLite it begins deferred instead of taking the write
        lock, so it neither waits for writers nor holds them up; on PostgreSQL it runs in
        autocommit (no BEGIN/COMMIT round trips; each statement reads the latest commits). Don't
        write in it."""
        options: dict[str, Any] = {READ_ONLY_OPTION: True}
        if self.dialect == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        with self._sessions() as session, session.begin():
            session.connection(execution_options=options)
            yield session

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection on which every statement commits by itself (for single-statement units)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    def health(self) -> str | None:
        """None when the database answers and can keep what it is given; else what is wrong."""
        problem = self.file_problem()
        if problem is not None:
            return problem
        return None if self.ping() else "database unreachable"

    def ping(self) -> bool:
        if self.file_problem() is not None:
            return False
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
