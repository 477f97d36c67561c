"""Storage: schema, migrations, engines and every query the other packages run.

The names below are imported on first use, so a cheap module of this package (``db.roles``) can be
imported without loading SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from db.engine import Database
    from db.migrate import ensure_current, upgrade

__all__ = ["Database", "ensure_current", "open_database", "upgrade"]


def open_database(url: str, *, migrate: bool = True, durable: bool = True) -> Database:
    """Open the database at ``url``, applying pending migrations first (under a lock).
    ``durable=False``: a scratch SQLite file, written without journal or fsync (see ``Database``)."""
    from db.engine import Database
    from db.migrate import ensure_current

    database = Database(url, durable=durable)
    if migrate:
        ensure_current(database)
    return database


def __getattr__(name: str) -> Any:
    if name == "Database":
        from db.engine import Database

        return Database
    if name in ("ensure_current", "upgrade"):
        from db import migrate

        return getattr(migrate, name)
    raise AttributeError(f"module 'db' has no attribute {name!r}")
