"""Lists of items: the review grid's pages and the newest items, filtered by ``ItemFilter`` and by
per-column conditions, sorted and paged in the database.

The column conditions and sort keys are neutral values (``TextCondition``, ``NumberCondition``,
``DateCondition``, ``ColumnFilter``, ``SortKey``); the dashboard translates its grid's requests into them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select

from db.engine import Database
from db.filters import (
    SOURCE_EXPR,
    STATUS_EXPR,
    Column,
    ItemFilter,
    base_items,
    escape_like,
    filtered,
    needs_review,
)
from db.models import Item
from db.rows import ItemRow, item_rows
from db.substring import title_like

ListColumn = Literal["published_at", "source", "title", "score", "status", "language"]
#: list column -> SQL expression it sorts and filters on
LIST_COLUMNS: dict[str, Column] = {
    "published_at": Item.published_at,
    "source": SOURCE_EXPR,
    "title": Item.title,
    "score": Item.score,
    "status": STATUS_EXPR,
    "language": Item.language,
}

TextOp = Literal[
    "contains", "not_contains", "equals", "not_equal", "starts_with", "ends_with", "blank", "not_blank"
]
NumberOp = Literal[
    "equals",
    "not_equal",
    "less",
    "less_or_equal",
    "greater",
    "greater_or_equal",
    "between",
    "blank",
    "not_blank",
]
#: on the day of ``start``, not on it, before ``start``, after the day of ``start``, from the day of
#: ``start`` to the day of ``end`` inclusive
DateOp = Literal["on_day", "not_on_day", "before", "after_day", "days_between"]


@dataclass(frozen=True, slots=True)
class TextCondition:
    """Case-insensitive text test; ``value`` is literal text (no wildcards)."""

    op: TextOp
    value: str = ""


@dataclass(frozen=True, slots=True)
class NumberCondition:
    op: NumberOp
    value: float | None = None
    upper: float | None = None  # "between": value <= x <= upper


@dataclass(frozen=True, slots=True)
class DateCondition:
    op: DateOp
    start: datetime
    end: datetime | None = None  # "days_between" only


Condition = TextCondition | NumberCondition | DateCondition


@dataclass(frozen=True, slots=True)
class ColumnFilter:
    """Conditions on one column: all of them must hold, or any of them with ``any_of``."""

    column: ListColumn
    conditions: tuple[Condition, ...]
    any_of: bool = False


@dataclass(frozen=True, slots=True)
class SortKey:
    column: ListColumn
    descending: bool = False


_INDEXED_TEXT_OPS = ("contains", "starts_with", "ends_with")


def _text_sql(col: Column, cond: TextCondition) -> ColumnElement[bool] | None:
    if cond.op == "blank":
        return or_(col.is_(None), col == "")
    if cond.op == "not_blank":
        return and_(col.is_not(None), col != "")
    if not cond.value:
        return None
    esc = escape_like(cond.value)
    if cond.op == "contains":
        return col.ilike(f"%{esc}%", escape="\\")
    if cond.op == "not_contains":
        return not_(col.ilike(f"%{esc}%", escape="\\"))
    if cond.op == "starts_with":
        return col.ilike(f"{esc}%", escape="\\")
    if cond.op == "ends_with":
        return col.ilike(f"%{esc}", escape="\\")
    if cond.op == "equals":
        return func.lower(col) == cond.value.lower()
    return func.lower(col) != cond.value.lower()


def _number_sql(col: Column, cond: NumberCondition) -> ColumnElement[bool] | None:
    a, b = cond.value, cond.upper
    if cond.op == "blank":
        return col.is_(None)
    if cond.op == "not_blank":
        return col.is_not(None)
    if a is None:
        return None
    if cond.op == "between":
        return and_(col >= a, col <= b) if b is not None else None
    ops: dict[str, ColumnElement[bool]] = {
        "equals": col == a,
        "not_equal": col != a,
        "less": col < a,
        "less_or_equal": col <= a,
        "greater": col > a,
        "greater_or_equal": col >= a,
    }
    return ops[cond.op]


def _date_sql(col: Column, cond: DateCondition) -> ColumnElement[bool] | None:
    a, b, day = cond.start, cond.end, timedelta(days=1)
    if cond.op == "on_day":
        return and_(col >= a, col < a + day)
    if cond.op == "not_on_day":
        return or_(col < a, col >= a + day)
    if cond.op == "before":
        return col < a
    if cond.op == "after_day":
        return col >= a + day
    return and_(col >= a, col < b + day) if b is not None else None


def condition_sql(column: ListColumn, cond: Condition) -> ColumnElement[bool] | None:
    """One condition on one column as SQL (None: nothing to test, e.g. "contains" with no text)."""
    col = LIST_COLUMNS[column]
    if isinstance(cond, NumberCondition):
        return _number_sql(col, cond)
    if isinstance(cond, DateCondition):
        return _date_sql(col, cond)
    test = _text_sql(col, cond)
    if column == "title" and test is not None and cond.op in _INDEXED_TEXT_OPS:
        narrow = title_like(cond.value, start=cond.op == "starts_with", end=cond.op == "ends_with")
        return test if narrow is None else and_(narrow, test)
    return test


def column_filter_sql(cf: ColumnFilter) -> ColumnElement[bool] | None:
    kept = [c for c in (condition_sql(cf.column, cond) for cond in cf.conditions) if c is not None]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return or_(*kept) if cf.any_of else and_(*kept)


def _select(flt: ItemFilter, columns: Sequence[ColumnFilter], sort: Sequence[SortKey]) -> Select[Any]:
    used = {key.column for key in sort} | {cf.column for cf in columns}
    stmt = filtered(base_items(review=needs_review(flt) or "status" in used, feed="source" in used), flt)
    for cf in columns:
        cond = column_filter_sql(cf)
        if cond is not None:
            stmt = stmt.where(cond)
    return stmt


#: columns that are never NULL, so a page can start after the previous one's last row (keyset)
_KEYSET_COLUMNS = frozenset({"published_at", "source", "title", "score", "status"})


def _order_columns(sort: Sequence[SortKey]) -> list[tuple[Column, bool]]:
    """(expression, descending) in order, ending with the tie-breakers (newest first, then id)."""
    cols = [(LIST_COLUMNS[key.column], key.descending) for key in sort]
    return [*cols, (Item.published_at, True), (Item.id, True)]


def _order(sort: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    return [col.desc() if desc else col.asc() for col, desc in _order_columns(sort)]


def _after(sort: Sequence[SortKey], cursor: Sequence[Any]) -> ColumnElement[bool]:
    """Rows that sort after the row whose order values are ``cursor``."""
    cols = _order_columns(sort)
    alternatives: list[ColumnElement[bool]] = []
    for i, (col, desc) in enumerate(cols):
        same = [c == v for (c, _d), v in zip(cols[:i], cursor[:i], strict=True)]
        alternatives.append(and_(*same, col < cursor[i] if desc else col > cursor[i]))
    return or_(*alternatives)


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[ItemRow]
    total: int
    #: the last row's order values: pass as ``after`` to read the next block without an OFFSET scan
    cursor: tuple[Any, ...] | None = None


def item_page(
    database: Database,
    flt: ItemFilter,
    *,
    start: int = 0,
    end: int = 100,
    sort: Sequence[SortKey] = (),
    columns: Sequence[ColumnFilter] = (),
    after: Sequence[Any] | None = None,
    total: int | None = None,
    max_page: int = 500,
) -> Page:
    """One block of the review grid: rows ``start``..``end`` of the filtered, sorted items, and the total.

    With ``after`` (the ``cursor`` of the block that ended at ``start``) the block is found by the
    index from that row on instead of skipping ``start`` rows; with ``total`` known the count is not
    run again."""
    start = max(0, int(start))
    end = max(start, min(int(end), start + max_page))
    stmt = _select(flt, columns, sort)
    keyset = (
        after is not None and len(after) == len(sort) + 2 and all(k.column in _KEYSET_COLUMNS for k in sort)
    )
    with database.read() as session:
        if total is None:
            total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        cols = [col for col, _desc in _order_columns(sort)]
        page = stmt.with_only_columns(*cols).order_by(*_order(sort)).limit(end - start)
        page = page.where(_after(sort, after)) if keyset and after is not None else page.offset(start)
        found = session.execute(page).all()
        ids = [int(r[-1]) for r in found]
        return Page(item_rows(session, ids), total, tuple(found[-1]) if found else None)


def list_items(
    database: Database,
    flt: ItemFilter,
    *,
    limit: int = 50,
    sort: Sequence[SortKey] = (),
    columns: Sequence[ColumnFilter] = (),
    with_orgs: bool = False,
) -> list[ItemRow]:
    """The newest (or ``sort``-ordered) items matching the filters, up to ``limit``."""
    stmt = _select(flt, columns, sort).order_by(*_order(sort)).limit(limit)
    with database.read() as session:
        return item_rows(session, list(session.scalars(stmt)), with_orgs=with_orgs)
