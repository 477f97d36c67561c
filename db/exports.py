"""The one export schema of items (dashboard downloads and ``r2pwatch items export``) and its writers.

Every export carries, per item: id, published time, sources, title, summary, link, language, score,
flagged, indicators with their stage, countries, regions, organisations, and the review (status,
reviewer, time, note). JSON and JSON Lines add each tag's evidence. CSV is UTF-8 with a byte-order mark
(so spreadsheet programs read Arabic and accents) and every cell that a spreadsheet would run as a
formula is defused — feed text is untrusted.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.filters import ItemFilter, base_items, filtered
from db.models import Feed, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag, Review
from db.types import as_utc, utcnow

BATCH = 500
BOM = "\ufeff"
CSV_FIELDS = (
    "id",
    "published",
    "sources",
    "source_urls",
    "title",
    "summary",
    "link",
    "language",
    "score",
    "flagged",
    "indicators",
    "countries",
    "regions",
    "organisations",
    "review_status",
    "reviewer",
    "reviewed_at",
    "review_note",
)
# Spreadsheets run cells starting with these as formulas (or DDE commands): feed text is untrusted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True, slots=True)
class ExportTag:
    indicator: str
    stage: str | None
    score: float
    evidence: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class ExportRecord:
    id: int
    published: datetime
    sources: tuple[tuple[str, str], ...]  # (title or URL, URL) of every feed that carried it
    title: str
    summary: str
    link: str | None
    language: str | None
    score: float
    flagged: bool
    indicators: tuple[ExportTag, ...]
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    organisations: tuple[str, ...]
    review_status: str
    reviewer: str | None
    reviewed_at: datetime | None
    review_note: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "published": _iso(self.published),
            "sources": [{"title": t, "url": u} for t, u in self.sources],
            "title": self.title,
            "summary": self.summary,
            "link": self.link,
            "language": self.language,
            "score": self.score,
            "flagged": self.flagged,
            "indicators": [
                {"id": t.indicator, "stage": t.stage, "score": t.score, "evidence": list(t.evidence)}
                for t in self.indicators
            ],
            "countries": list(self.countries),
            "regions": list(self.regions),
            "organisations": list(self.organisations),
            "review_status": self.review_status,
            "reviewer": self.reviewer,
            "reviewed_at": _iso(self.reviewed_at),
            "review_note": self.review_note,
        }

    def to_csv_row(self) -> list[str]:
        values: dict[str, Any] = {
            **self.to_json(),
            "sources": "; ".join(t for t, _u in self.sources),
            "source_urls": " ".join(u for _t, u in self.sources),
            "flagged": "true" if self.flagged else "false",
            "indicators": ";".join(
                f"{t.indicator}:{t.stage}" if t.stage else t.indicator for t in self.indicators
            ),
            "countries": ";".join(self.countries),
            "regions": ";".join(self.regions),
            "organisations": ";".join(self.organisations),
        }
        return [safe_cell(values[f]) for f in CSV_FIELDS]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: a leading formula character gets a quote before it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


# --------------------------------------------------------------------------------------------------
# reading


def _records(session: Session, ids: Sequence[int]) -> list[ExportRecord]:
    items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))}
    sources: dict[int, list[tuple[str, str]]] = {}
    for item_id, title, url in session.execute(
        select(ItemSighting.item_id, Feed.title, Feed.url)
        .join(Feed, Feed.id == ItemSighting.feed_id)
        .where(ItemSighting.item_id.in_(ids))
        .order_by(ItemSighting.item_id, ItemSighting.seen_at, ItemSighting.id)
    ):
        carried = sources.setdefault(item_id, [])
        if all(u != url for _t, u in carried):
            carried.append((title or url, url))
    tags: dict[int, list[ExportTag]] = {}
    for t in session.scalars(
        select(ItemTag).where(ItemTag.item_id.in_(ids)).order_by(ItemTag.item_id, ItemTag.score.desc())
    ):
        tags.setdefault(t.item_id, []).append(
            ExportTag(t.indicator, t.stage, round(t.score, 3), tuple(t.evidence or ()))
        )
    countries: dict[int, list[str]] = {}
    regions: dict[int, set[str]] = {}
    for item_id, iso3, region in session.execute(
        select(ItemCountry.item_id, ItemCountry.iso3, ItemCountry.region)
        .where(ItemCountry.item_id.in_(ids))
        .order_by(ItemCountry.item_id, ItemCountry.iso3)
    ):
        countries.setdefault(item_id, []).append(iso3)
        if region:
            regions.setdefault(item_id, set()).add(region)
    orgs: dict[int, list[str]] = {}
    for item_id, org in session.execute(
        select(ItemOrganisation.item_id, ItemOrganisation.org_id)
        .where(ItemOrganisation.item_id.in_(ids))
        .order_by(ItemOrganisation.item_id, ItemOrganisation.org_id)
    ):
        orgs.setdefault(item_id, []).append(org)
    reviews = {r.item_id: r for r in session.scalars(select(Review).where(Review.item_id.in_(ids)))}
    out = []
    for item_id in ids:
        item = items.get(item_id)
        if item is None:
            continue
        review = reviews.get(item_id)
        out.append(
            ExportRecord(
                id=item.id,
                published=as_utc(item.published_at) or utcnow(),
                sources=tuple(sources.get(item_id, ())),
                title=item.title,
                summary=item.summary or "",
                link=item.link,
                language=item.language,
                score=round(float(item.score or 0.0), 3),
                flagged=bool(item.flagged),
                indicators=tuple(tags.get(item_id, ())),
                countries=tuple(countries.get(item_id, ())),
                regions=tuple(sorted(regions.get(item_id, ()))),
                organisations=tuple(orgs.get(item_id, ())),
                review_status=review.status if review is not None else "new",
                reviewer=review.analyst if review is not None else None,
                reviewed_at=as_utc(review.updated_at) if review is not None else None,
                review_note=review.note if review is not None else None,
            )
        )
    return out


def matching_ids(database: Database, flt: ItemFilter, *, batch: int = 2000) -> Iterator[int]:
    """Ids of every item ``flt`` selects, oldest id first, read in batches (keyset on the id)."""
    last = 0
    while True:
        stmt = filtered(base_items(), flt).where(Item.id > last).order_by(Item.id).limit(batch)
        with database.read() as session:
            ids = [int(i) for i in session.scalars(stmt)]
        if not ids:
            return
        yield from ids
        last = ids[-1]


def export_records(database: Database, ids: Iterable[int]) -> Iterator[ExportRecord]:
    """The records of ``ids``, in that order, read ``BATCH`` at a time in short transactions."""
    chunk: list[int] = []
    for item_id in ids:
        chunk.append(int(item_id))
        if len(chunk) >= BATCH:
            with database.read() as session:
                yield from _records(session, chunk)
            chunk = []
    if chunk:
        with database.read() as session:
            yield from _records(session, chunk)


def last_changed(database: Database, ids: Sequence[int]) -> dict[int, datetime]:
    """When each item last changed: fetched, updated, or reviewed, whichever is latest."""
    out: dict[int, datetime] = {}
    if not ids:
        return out
    with database.read() as session:
        for item_id, fetched, updated, reviewed in session.execute(
            select(Item.id, Item.fetched_at, Item.updated_at, Review.updated_at)
            .outerjoin(Review, Review.item_id == Item.id)
            .where(Item.id.in_(list(ids)))
        ):
            times = [t for t in (as_utc(fetched), as_utc(updated), as_utc(reviewed)) if t is not None]
            out[int(item_id)] = max(times) if times else utcnow()
    return out


# --------------------------------------------------------------------------------------------------
# writing


def write_csv_rows(
    header: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO, *, bom: bool = True
) -> int:
    """The one CSV writer (items, the audit log): UTF-8 with a byte-order mark unless ``bom`` is
    false, CRLF line ends, every cell defused (:func:`safe_cell`). Returns the number of rows."""
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        n += 1
    return n


def write_csv(records: Iterable[ExportRecord], out: TextIO, *, bom: bool = True) -> int:
    """Items as CSV (see :func:`write_csv_rows`), lists joined with ';'."""
    return write_csv_rows(CSV_FIELDS, (record.to_csv_row() for record in records), out, bom=bom)


def write_jsonl(records: Iterable[ExportRecord], out: TextIO) -> int:
    n = 0
    for record in records:
        out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_json(records: Iterable[ExportRecord], out: TextIO, filters: Mapping[str, Any] | None = None) -> int:
    """One JSON document: the filters that chose the items, their count, and the items."""
    items = [r.to_json() for r in records]
    json.dump(
        {"filters": dict(filters or {}), "count": len(items), "items": items},
        out,
        ensure_ascii=False,
        indent=1,
    )
    out.write("\n")
    return len(items)


FORMATS = ("jsonl", "csv", "json")
