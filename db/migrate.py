"""Apply Alembic migrations, under a lock so processes starting together do not race."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import text

from db.engine import Database

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x72327077  # "r2pw"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``. Safe to call from several processes at once."""
    cfg = alembic_config()
    path = database.sqlite_path
    if path is not None:
        with FileLock(str(path) + ".migrate.lock"), database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_current(database: Database) -> None:
    """Migrate when behind; cheap when already at head."""
    if current_revision(database) != head_revision():
        upgrade(database)
