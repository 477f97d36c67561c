"""CSV and JSON exports of what the current filters show."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from dashboard.auth import current_user
from dashboard.context import AppContext
from dashboard.dashtyped import send_string
from dashboard.redact import mask_record, reveals
from db import Database
from db.exports import export_records, write_csv, write_json
from db.filters import ItemFilter
from db.listing import ColumnFilter, SortKey, list_items

EXPORT_LIMIT = 20_000


def export_text(
    database: Database, ids: Sequence[int], fmt: str, filters: Mapping[str, Any], *, reveal: bool = True
) -> str:
    """The export of ``ids`` in the one schema and writers that ``r2pwatch items export`` uses; without
    ``reveal`` (readers who are not admins) credentials in feed addresses are masked."""
    buf = io.StringIO()
    records = export_records(database, ids)
    if not reveal:
        records = (mask_record(r) for r in records)
    if fmt == "json":
        write_json(records, buf, filters)
    else:
        write_csv(records, buf)
    return buf.getvalue()


def filter_summary(flt: ItemFilter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ItemFilter.__slots__:
        value = getattr(flt, key)
        if key == "search":
            if value is not None:
                out["query"] = value.text
        elif value not in (None, False):
            out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def export_download(
    ctx: AppContext,
    flt: ItemFilter,
    fmt: str,
    stem: str,
    *,
    sort: Sequence[SortKey] = (),
    columns: Sequence[ColumnFilter] = (),
) -> dict[str, Any]:
    rows = list_items(ctx.database, flt, limit=EXPORT_LIMIT, sort=sort, columns=columns)
    body = export_text(
        ctx.database, [r.id for r in rows], fmt, filter_summary(flt), reveal=reveals(current_user())
    )
    if fmt == "json":
        return send_string(body, f"{stem}.json", type="application/json")
    return send_string(body, f"{stem}.csv", type="text/csv; charset=utf-8")
