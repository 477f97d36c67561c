"""Adding deltas to an aggregate table: one upsert per row, rows that fall to zero deleted; and deltas
gathered during a transaction, written once at its commit (:func:`write_at_commit`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def add_rows(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    keys: Sequence[str],
    add: Sequence[str],
    count: str = "items",
) -> None:
    """Add each row's ``add`` columns to the stored row of the same ``keys`` (inserting it if new)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = ins.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + ins.excluded[c] for c in add}
    )
    session.connection().execute(stmt, rows)
    # Rows that fell to zero count nothing: drop them so the tables stay as small as the data. Only a
    # row whose ``count`` went down can fall to zero (stored rows count at least one), and each is
    # deleted by its primary key (a row-value IN list made SQLite scan the whole table).
    shrunk = [{f"k_{k}": r[k] for k in keys} for r in rows if r[count] <= 0]
    if shrunk:
        match = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys), table.c[count] <= 0)
        session.connection().execute(delete(table).where(match), shrunk)


#: ``session.info`` key of each aggregate's pending delta -> the function that writes it
_AT_COMMIT: dict[str, Callable[[Session, Any], None]] = {}


def write_at_commit(key: str, write: Callable[[Session, Any], None]) -> None:
    """The delta an aggregate keeps in ``session.info[key]`` is written by ``write`` just before the
    session commits (once, in key order: concurrent writers lock rows in the same order), and dropped
    on rollback. Aggregates are written in the order they were registered."""
    _AT_COMMIT[key] = write


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    for key, write in _AT_COMMIT.items():
        delta = session.info.pop(key, None)
        if delta is not None:
            write(session, delta)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    for key in _AT_COMMIT:
        session.info.pop(key, None)
