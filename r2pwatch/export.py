"""Writers for item exports: JSON Lines and CSV (lists joined with ';')."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from db.items import ExportRow

FIELDS = (
    "feed_url",
    "guid",
    "link",
    "title",
    "summary",
    "published",
    "language",
    "indicators",
    "countries",
    "regions",
    "organisations",
    "flagged",
    "review_status",
)


def row_dict(row: ExportRow) -> dict[str, Any]:
    return {
        "feed_url": row.feed_url,
        "guid": row.guid,
        "link": row.link,
        "title": row.title,
        "summary": row.summary,
        "published": row.published.isoformat().replace("+00:00", "Z"),
        "language": row.language,
        "indicators": row.indicators,
        "countries": row.countries,
        "regions": row.regions,
        "organisations": row.organisations,
        "flagged": row.flagged,
        "review_status": row.review_status,
    }


def write_jsonl(rows: Iterable[ExportRow], out: TextIO) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row_dict(row), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(rows: Iterable[ExportRow], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        d = row_dict(row)
        for key in ("indicators", "countries", "regions", "organisations"):
            d[key] = ";".join(d[key])
        d["flagged"] = "true" if d["flagged"] else "false"
        writer.writerow(d)
        n += 1
    return n
