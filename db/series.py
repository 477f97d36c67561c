"""Items per UTC day x region (or country) x indicator for the overview, region and country charts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from db.days import counts_select, split
from db.engine import Database
from db.filters import as_date, escape_like, utc_day
from db.models import DailyCount, Item, ItemCountry, ItemOrganisation, ItemTag
from db.types import utcnow


def _raw_series(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    organisation: str | None,
    region: str | None,
    country: str | None,
) -> list[tuple[str, str, date, int]]:
    key_col = ItemCountry.iso3 if country else ItemCountry.region
    pairs = (
        select(key_col.label("k"), ItemTag.indicator, Item.id, utc_day(Item.published_at).label("day"))
        .join(ItemTag, ItemTag.item_id == Item.id)
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .where(Item.published_at >= start, Item.published_at < end, key_col.is_not(None))
        .distinct()
    )
    if region:
        pairs = pairs.where(ItemCountry.region == region)
    if country:
        pairs = pairs.where(ItemCountry.iso3 == country.upper())
    if organisation:
        pairs = pairs.where(
            exists().where(ItemOrganisation.item_id == Item.id, ItemOrganisation.org_id == organisation)
        )
    sub = pairs.subquery()
    stmt = select(sub.c.k, sub.c.indicator, sub.c.day, func.count()).group_by(
        sub.c.k, sub.c.indicator, sub.c.day
    )
    return [(str(k), str(i), as_date(d), int(n)) for k, i, d, n in session.execute(stmt)]


def _counted_series(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    organisation: str | None,
    region: str | None,
    country: str | None,
) -> list[tuple[str, str, date, int]]:
    span = split(start, end)
    out: list[tuple[str, str, date, int]] = []
    if span.first_day is not None:
        scope = ("country" if country else "region") + ("-org" if organisation else "")
        stmt = counts_select(span, scope, DailyCount.key, DailyCount.indicator, DailyCount.day).where(
            DailyCount.indicator != ""
        )
        suffix = f"|{organisation}" if organisation else ""
        if country:
            stmt = stmt.where(DailyCount.key == country.upper() + suffix)
        elif region:
            stmt = stmt.where(DailyCount.key == region + suffix)
        elif organisation:
            stmt = stmt.where(DailyCount.key.like(f"%|{escape_like(organisation)}", escape="\\"))
        out += [
            (str(k).split("|", 1)[0], str(i), as_date(d), int(n or 0))
            for k, i, d, n, _f in session.execute(stmt)
        ]
    for lo, hi in span.edges:
        out += _raw_series(session, lo, hi, organisation=organisation, region=region, country=country)
    return out


def daily_series(
    database: Database,
    *,
    now: datetime | None = None,
    days: int = 90,
    organisation: str | None = None,
    region: str | None = None,
    country: str | None = None,
) -> tuple[list[date], dict[tuple[str, str], list[int]]]:
    """Items per UTC day for the last ``days`` days, keyed by (region, indicator); with ``country``
    the key's first element is the country's ISO3 instead of the region."""
    now = now or utcnow()
    first = (now - timedelta(days=days - 1)).date()
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    dates = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(dates)}
    series: dict[tuple[str, str], list[int]] = {}
    with database.read() as session:
        if region and country:
            rows = _raw_series(session, start, now, organisation=organisation, region=region, country=country)
        else:
            rows = _counted_series(
                session, start, now, organisation=organisation, region=region, country=country
            )
    for key, indicator, day, n in rows:
        pos = index.get(day)
        if pos is not None:
            series.setdefault((key, indicator), [0] * days)[pos] += n
    return dates, series
