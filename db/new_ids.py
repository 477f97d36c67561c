"""Inserting rows and learning their new ids, in the rows' order, on both databases.

SQLAlchemy's ``INSERT ... RETURNING`` sorted by parameter order sends PostgreSQL one statement per
batch, but SQLite one statement per row (it cannot promise the order of a multi-row RETURNING): for
a feed's items and stories that was about a tenth of storing them. On SQLite the ids are therefore
given here, as SQLite itself gives them (one more than the largest id in the table, then counting up;
the tables have no AUTOINCREMENT), and the rows go to the driver as one ``executemany``. This runs
in a write transaction, which on SQLite holds the database's one write lock from its start
(``BEGIN IMMEDIATE``), so no other writer can take those ids in between; if one ever did (a deferred
transaction), the insert fails on the primary key instead of storing anything wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select


def insert_new_ids(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``table`` (whose primary key is ``id``); their new ids, in order."""
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        return list(result.scalars().all())
    first = (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    ids = list(range(first, first + len(rows)))
    conn.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids
