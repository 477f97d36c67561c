"""ag-grid's request format (``startRow``, ``sortModel``, ``filterModel`` with ``filterType``,
``colId``, ``conditions`` …) translated into the neutral values ``db.listing`` understands.

Anything the database cannot use is dropped here: unknown columns, unknown operators, incomplete
filters (no value yet), values that do not parse.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock
from typing import Any, cast

from db.listing import (
    LIST_COLUMNS,
    ColumnFilter,
    Condition,
    DateCondition,
    DateOp,
    ListColumn,
    NumberCondition,
    NumberOp,
    SortKey,
    TextCondition,
    TextOp,
)

#: ag-grid filter type -> our operator
TEXT_OPS: dict[str, TextOp] = {
    "contains": "contains",
    "notContains": "not_contains",
    "equals": "equals",
    "notEqual": "not_equal",
    "startsWith": "starts_with",
    "endsWith": "ends_with",
    "blank": "blank",
    "notBlank": "not_blank",
}
NUMBER_OPS: dict[str, NumberOp] = {
    "equals": "equals",
    "notEqual": "not_equal",
    "lessThan": "less",
    "lessThanOrEqual": "less_or_equal",
    "greaterThan": "greater",
    "greaterThanOrEqual": "greater_or_equal",
    "inRange": "between",
    "blank": "blank",
    "notBlank": "not_blank",
}
DATE_OPS: dict[str, DateOp] = {
    "equals": "on_day",
    "notEqual": "not_on_day",
    "lessThan": "before",
    "greaterThan": "after_day",
    "inRange": "days_between",
}


@dataclass(frozen=True, slots=True)
class GridRequest:
    """One getRows request of the infinite row model, as values for ``db.listing.item_page``."""

    start: int
    end: int
    sort: tuple[SortKey, ...]
    columns: tuple[ColumnFilter, ...]


def _column(col_id: Any) -> ListColumn | None:
    return cast(ListColumn, col_id) if isinstance(col_id, str) and col_id in LIST_COLUMNS else None


def _text(model: Mapping[str, Any]) -> TextCondition | None:
    op = TEXT_OPS.get(str(model.get("type", "contains")))
    if op is None:
        return None
    return TextCondition(op, str(model.get("filter") or ""))


def _number(model: Mapping[str, Any]) -> NumberCondition | None:
    op = NUMBER_OPS.get(str(model.get("type")))
    try:
        a = float(model["filter"]) if model.get("filter") is not None else None
        b = float(model["filterTo"]) if model.get("filterTo") is not None else None
    except (TypeError, ValueError):
        return None
    if op is None or (a is None and op not in ("blank", "not_blank")):
        return None
    return NumberCondition(op, a, b)


def _grid_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _date(model: Mapping[str, Any]) -> DateCondition | None:
    op = DATE_OPS.get(str(model.get("type")))
    start = _grid_date(model.get("dateFrom"))
    if op is None or start is None:
        return None
    return DateCondition(op, start, _grid_date(model.get("dateTo")))


def _condition(model: Mapping[str, Any]) -> Condition | None:
    kind = model.get("filterType", "text")
    if kind == "number":
        return _number(model)
    if kind == "date":
        return _date(model)
    return _text(model)


def column_filter(col_id: Any, model: Any) -> ColumnFilter | None:
    """One entry of ag-grid's ``filterModel`` (None: nothing the database can use)."""
    column = _column(col_id)
    if column is None or not isinstance(model, Mapping):
        return None
    if "conditions" in model or "operator" in model:
        parts = [_condition(m) for m in model.get("conditions") or () if isinstance(m, Mapping)]
        kept = tuple(p for p in parts if p is not None)
        if not kept:
            return None
        return ColumnFilter(column, kept, any_of=str(model.get("operator", "AND")).upper() == "OR")
    cond = _condition(model)
    return ColumnFilter(column, (cond,)) if cond is not None else None


def column_filters(filter_model: Any) -> tuple[ColumnFilter, ...]:
    """ag-grid's ``filterModel`` ({colId: model}) as column filters."""
    if not isinstance(filter_model, Mapping):
        return ()
    found = (column_filter(col_id, model) for col_id, model in filter_model.items())
    return tuple(cf for cf in found if cf is not None)


def sort_keys(sort_model: Any) -> tuple[SortKey, ...]:
    """ag-grid's ``sortModel`` ([{colId, sort}]) as sort keys; unknown columns are dropped."""
    keys: list[SortKey] = []
    for entry in sort_model if isinstance(sort_model, list | tuple) else ():
        column = _column(entry.get("colId")) if isinstance(entry, Mapping) else None
        if column is not None:
            keys.append(SortKey(column, descending=entry.get("sort") == "desc"))
    return tuple(keys)


MAX_BLOCK = 1000  # rows in one getRows block (the grid asks for 100)
MAX_ROW = 10**9
MAX_FILTERS = 20  # columns filtered at once
MAX_CONDITIONS = 10  # conditions in one column's filter
MAX_SORT = 10
MAX_FILTER_TEXT = 500
MAX_DEPTH = 4  # request > filterModel > column > conditions > condition


class BadGridRequest(ValueError):
    """A getRows request no grid sends: the message says what is wrong, in a few words."""


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of JSON-like ``value``, counting no further than ``limit`` + 1."""
    if limit < 0 or not isinstance(value, Mapping | list | tuple):
        return 0
    children = value.values() if isinstance(value, Mapping) else value
    return 1 + max((_depth(c, limit - 1) for c in children), default=0)


def _row(req: Mapping[str, Any], key: str, default: int) -> int:
    value = req.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise BadGridRequest(f"{key} must be a whole number")
    if not 0 <= value <= MAX_ROW:
        raise BadGridRequest(f"{key} out of range")
    return int(value)


def check_request(req: Any) -> Mapping[str, Any]:
    """The request when its shape and sizes are what a grid sends; else BadGridRequest."""
    if req is None:
        return {}
    if not isinstance(req, Mapping):
        raise BadGridRequest("the request must be an object")
    if _depth(req, MAX_DEPTH + 1) > MAX_DEPTH + 1:
        raise BadGridRequest("the filter model is nested too deeply")
    filters = req.get("filterModel") or {}
    sorts = req.get("sortModel") or []
    if not isinstance(filters, Mapping) or not isinstance(sorts, list):
        raise BadGridRequest("filterModel must be an object and sortModel a list")
    if len(filters) > MAX_FILTERS or len(sorts) > MAX_SORT:
        raise BadGridRequest("too many filters or sort columns")
    for model in filters.values():
        if not isinstance(model, Mapping):
            raise BadGridRequest("each column filter must be an object")
        conditions = model.get("conditions") or []
        if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
            raise BadGridRequest("too many conditions in one column filter")
        for part in (model, *conditions):
            if not isinstance(part, Mapping):
                raise BadGridRequest("each condition must be an object")
            if any(
                len(str(part.get(k) or "")) > MAX_FILTER_TEXT
                for k in ("filter", "filterTo", "dateFrom", "dateTo")
            ):
                raise BadGridRequest(f"filter values are limited to {MAX_FILTER_TEXT} characters")
    return req


def grid_request(request: Mapping[str, Any] | None) -> GridRequest:
    """A getRows request as the block to read, its sort keys and its column filters. Raises
    BadGridRequest for anything a grid would not send (non-numeric rows, huge or deep filters)."""
    req = check_request(request)
    start = _row(req, "startRow", 0)
    end = _row(req, "endRow", start + 100)
    if end < start or end - start > MAX_BLOCK:
        raise BadGridRequest(f"a block is 0 to {MAX_BLOCK} rows")
    return GridRequest(start, end, sort_keys(req.get("sortModel")), column_filters(req.get("filterModel")))


class GridCursors:
    """Where each block of a grid ended (its last row's order values) and the total, per query, so that
    the next block is read from that row on (keyset) and the count is not run again. Bounded; per process
    (a request another worker served just reads its block with an offset)."""

    def __init__(self, size: int = 2000) -> None:
        self._size = size
        self._seen: OrderedDict[tuple[str, int], tuple[tuple[Any, ...] | None, int]] = OrderedDict()
        self._lock = Lock()

    def get(self, query: str, start: int) -> tuple[tuple[Any, ...] | None, int | None]:
        """(cursor, total) of the block that ended at ``start``; (None, None) when unknown."""
        if start == 0:
            return None, None  # the first block always counts afresh: new items show up
        with self._lock:
            found = self._seen.get((query, start))
        return found if found is not None else (None, None)

    def put(self, query: str, end: int, cursor: tuple[Any, ...] | None, total: int) -> None:
        with self._lock:
            self._seen[(query, end)] = (cursor, total)
            self._seen.move_to_end((query, end))
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
