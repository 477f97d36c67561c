"""CSV and JSON exports of what the current filters show."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from dashboard.context import AppContext
from dashboard.dashtyped import send_string
from db.filters import ItemFilter
from db.listing import ColumnFilter, SortKey, list_items
from db.rows import ItemRow

EXPORT_LIMIT = 20_000
CSV_FIELDS = ("id", "published_at", "source", "title", "summary", "link", "language", "score", "flagged",
              "status", "indicators", "countries", "regions", "organisations")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    text = "" if value is None else str(value)
    # Spreadsheets run cells starting with these as formulas: feed text is untrusted.
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: Sequence[ItemRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_FIELDS)
    for row in rows:
        data = row.to_json()
        writer.writerow([_cell(data[f]) for f in CSV_FIELDS])
    return buf.getvalue()


def to_json(rows: Sequence[ItemRow], flt: ItemFilter) -> str:
    filters = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
               for k in ItemFilter.__slots__ if (v := getattr(flt, k)) not in (None, False)}
    return json.dumps({"filters": filters, "count": len(rows), "items": [r.to_json() for r in rows]},
                      ensure_ascii=False, indent=1)


def export_download(
    ctx: AppContext,
    flt: ItemFilter,
    fmt: str,
    stem: str,
    *,
    sort: Sequence[SortKey] = (),
    columns: Sequence[ColumnFilter] = (),
) -> dict[str, Any]:
    rows = list_items(ctx.database, flt, limit=EXPORT_LIMIT, sort=sort, columns=columns, with_orgs=True)
    if fmt == "json":
        return send_string(to_json(rows, flt), f"{stem}.json", type="application/json")
    return send_string(to_csv(rows), f"{stem}.csv", type="text/csv")
