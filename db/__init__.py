"""Storage: schema, migrations, engines and every query the other packages run."""

from db.engine import Database
from db.migrate import ensure_current, upgrade

__all__ = ["Database", "ensure_current", "open_database", "upgrade"]


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open the database at ``url``, applying pending migrations first (under a lock)."""
    database = Database(url)
    if migrate:
        ensure_current(database)
    return database
