"""Reading items as values: the row shown in lists, the grid and exports (``ItemRow``), and one item
with its evidence (``ItemDetail``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.filters import SOURCE_EXPR, STATUS_EXPR
from db.models import Feed, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag, Review
from db.types import as_utc, utcnow
from db.values import CountryValues, IndicatorValues, OrganisationValues


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    published_at: datetime
    source: str
    title: str
    summary: str
    link: str | None
    language: str | None
    score: float
    flagged: bool
    status: str
    indicators: tuple[str, ...]
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    organisations: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "published_at": self.published_at.isoformat(),
            "source": self.source,
            "title": self.title,
            "summary": self.summary,
            "link": self.link,
            "language": self.language,
            "score": self.score,
            "flagged": self.flagged,
            "status": self.status,
            "indicators": list(self.indicators),
            "countries": list(self.countries),
            "regions": list(self.regions),
            "organisations": list(self.organisations),
        }


def item_rows(session: Session, ids: Sequence[int], with_orgs: bool = False) -> list[ItemRow]:
    """The rows of ``ids``, in that order (ids that do not exist are left out)."""
    if not ids:
        return []
    stmt = (
        select(
            Item.id,
            Item.published_at,
            SOURCE_EXPR,
            Item.title,
            Item.summary,
            Item.link,
            Item.language,
            Item.score,
            Item.flagged,
            STATUS_EXPR,
        )
        .select_from(Item)
        .outerjoin(Review, Review.item_id == Item.id)
        .outerjoin(Feed, Feed.id == Item.feed_id)
        .where(Item.id.in_(ids))
    )
    base = {r[0]: r for r in session.execute(stmt)}
    tags: dict[int, list[tuple[float, str]]] = {}
    for item_id, ind, score in session.execute(
        select(ItemTag.item_id, ItemTag.indicator, ItemTag.score).where(ItemTag.item_id.in_(ids))
    ):
        tags.setdefault(item_id, []).append((-float(score), str(ind)))
    countries: dict[int, list[str]] = {}
    regions: dict[int, set[str]] = {}
    for item_id, iso3, region in session.execute(
        select(ItemCountry.item_id, ItemCountry.iso3, ItemCountry.region).where(ItemCountry.item_id.in_(ids))
    ):
        countries.setdefault(item_id, []).append(str(iso3))
        if region:
            regions.setdefault(item_id, set()).add(str(region))
    orgs: dict[int, list[str]] = {}
    if with_orgs:
        for item_id, org in session.execute(
            select(ItemOrganisation.item_id, ItemOrganisation.org_id).where(ItemOrganisation.item_id.in_(ids))
        ):
            orgs.setdefault(item_id, []).append(str(org))
    out = []
    for item_id in ids:
        r = base.get(item_id)
        if r is None:
            continue
        out.append(
            ItemRow(
                id=int(r[0]),
                published_at=as_utc(r[1]) or utcnow(),
                source=str(r[2] or ""),
                title=str(r[3]),
                summary=str(r[4] or ""),
                link=r[5],
                language=r[6],
                score=round(float(r[7] or 0.0), 3),
                flagged=bool(r[8]),
                status=str(r[9]),
                indicators=tuple(i for _s, i in sorted(tags.get(item_id, []))),
                countries=tuple(sorted(countries.get(item_id, []))),
                regions=tuple(sorted(regions.get(item_id, set()))),
                organisations=tuple(sorted(orgs.get(item_id, []))),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class ItemDetail:
    row: ItemRow
    tags: tuple[IndicatorValues, ...]
    countries: tuple[CountryValues, ...]
    organisations: tuple[OrganisationValues, ...]
    sources: tuple[str, ...] = field(default=())


def item_detail(database: Database, item_id: int) -> ItemDetail | None:
    with database.read() as session:
        rows = item_rows(session, [item_id], with_orgs=True)
        if not rows:
            return None
        tags = tuple(
            IndicatorValues(t.indicator, round(t.score, 3), t.stage, tuple(t.evidence or ()))
            for t in session.scalars(
                select(ItemTag).where(ItemTag.item_id == item_id).order_by(ItemTag.score.desc())
            )
        )
        countries = tuple(
            CountryValues(c.iso3, c.region, c.method, tuple(c.evidence or ()))
            for c in session.scalars(
                select(ItemCountry).where(ItemCountry.item_id == item_id).order_by(ItemCountry.iso3)
            )
        )
        orgs = tuple(
            OrganisationValues(o.org_id, tuple(o.evidence or ()))
            for o in session.scalars(
                select(ItemOrganisation)
                .where(ItemOrganisation.item_id == item_id)
                .order_by(ItemOrganisation.org_id)
            )
        )
        sources = tuple(
            str(s)
            for s in session.scalars(
                select(SOURCE_EXPR)
                .select_from(ItemSighting)
                .join(Feed, Feed.id == ItemSighting.feed_id)
                .where(ItemSighting.item_id == item_id)
                .order_by(ItemSighting.seen_at)
            )
        )
        return ItemDetail(rows[0], tags, countries, orgs, sources)
