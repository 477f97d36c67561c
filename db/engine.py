"""Engines and sessions: SQLite pragmas (WAL, busy timeout, foreign keys, IMMEDIATE writes), PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db.limits import install_length_guard

BUSY_TIMEOUT_MS = 30_000


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    db = parsed.database
    return Path(db) if db and db != ":memory:" else None


def create_db_engine(url: str, *, durable: bool = True, **kwargs: Any) -> Engine:
    """An engine whose errors never carry the SQL parameters (they may hold a password hash, a
    session or feed token, or a feed URL with credentials) into logs and tracebacks. ``durable=False``
    (SQLite only: a scratch database thrown away afterwards, such as the backtest's) writes without
    a journal file or fsync (the journal is kept in memory, so a rollback still works) and with a
    256 MB page cache: a crash may corrupt it, which does not matter there."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine, durable=durable)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine, *, durable: bool = True) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL" if durable else "PRAGMA journal_mode=MEMORY")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL" if durable else "PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-16384" if durable else "PRAGMA cache_size=-262144")
        cur.execute("PRAGMA wal_autocheckpoint=8000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so a read-then-write transaction waits for the
        # busy timeout instead of failing at once with SQLITE_BUSY.
        mode = "IMMEDIATE" if conn.get_execution_options().get("r2p_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One database: its engine and session factories for reading and writing."""

    def __init__(self, url: str, *, engine: Engine | None = None, durable: bool = True) -> None:
        self.url = url
        self.engine = engine or create_db_engine(url, durable=durable)
        self.dialect = self.engine.dialect.name
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(r2p_write=True), expire_on_commit=False)
        install_length_guard(self._write)
        # SQLite has one writer at a time. Threads of this process queue on a lock that wakes the next
        # one at once, instead of polling SQLite's busy handler, which sleeps up to 100 ms between
        # tries and leaves the database idle while writers wait (other processes still use it).
        self._write_turn = threading.RLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return _sqlite_path(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: commits on success, rolls back on any exception."""
        if self._write_turn is None:
            with self._write() as session, session.begin():
                yield session
            return
        with self._write_turn, self._write() as session, session.begin():
            yield session

    def reachable(self) -> bool:
        """Whether the database answers now (one round trip; a dead pooled connection is replaced)."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except exc.DBAPIError:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()
