"""Substring filters on item titles ("contains", "starts with", "ends with" in the review grid) served by
a trigram index instead of a scan of every title.

SQLite keeps an FTS5 table with the ``trigram`` tokenizer over ``items.title`` (``item_title_fts``,
kept in step by triggers); PostgreSQL a GIN ``gin_trgm_ops`` index on ``items.title`` (extension
``pg_trgm``, which PostgreSQL 13+ lets a database owner install). Both made by migration 0007.

The index only narrows the rows: the caller keeps its own ``ILIKE`` test, so the meaning of a filter is
exactly what it was without the index. Patterns of fewer than three characters between wildcards cannot
use a trigram index and stay a scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, bindparam, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from db.models import Base
from db.search import item_id_in_first

MIN_CHARS = 3  # a trigram needs three characters in a row
OBJECT_NAMES = ("item_title_fts", "ix_items_title_trgm")


def is_substring_object(name: str | None) -> bool:
    """Objects the migration makes outside the models (for the models-vs-migrations comparison)."""
    return bool(name) and any(str(name).startswith(n) for n in OBJECT_NAMES)


class _TitleLike(ColumnElement[bool]):
    """``items.id`` is among the items whose title matches ``pattern`` (LIKE, no escapes)."""

    inherit_cache = False  # the pattern lives outside the cache key
    type = Boolean()
    _is_implicitly_boolean = True

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern


def _item_id(compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(Base.metadata.tables["items"].c.id, **kw))


@compiles(_TitleLike, "sqlite")
def _title_like_sqlite(element: _TitleLike, compiler: SQLCompiler, **kw: Any) -> str:
    # FTS5's trigram tokenizer answers LIKE from its index (case-insensitive, as SQLite's LIKE)
    ids = text("SELECT rowid FROM item_title_fts WHERE title LIKE :tlike").bindparams(
        bindparam("tlike", element.pattern, unique=True)
    )
    return f"{_item_id(compiler, **kw)} IN ({compiler.process(ids.columns(rowid=Integer()), **kw)})"


@compiles(_TitleLike)
def _title_like_postgresql(element: _TitleLike, compiler: SQLCompiler, **kw: Any) -> str:
    ids = text("SELECT id FROM items WHERE title ILIKE :tlike").bindparams(
        bindparam("tlike", element.pattern, unique=True)
    )
    return item_id_in_first(compiler, ids, **kw)


def title_like(literal: str, *, start: bool, end: bool) -> ColumnElement[bool] | None:
    """A condition narrowing to the titles that may contain ``literal`` (anchored at the start or end),
    by the trigram index; None when the index cannot serve it (too short, or LIKE's own characters)."""
    if len(literal) < MIN_CHARS or any(c in literal for c in "%_\\"):
        return None
    return _TitleLike(("" if start else "%") + literal + ("" if end else "%"))
