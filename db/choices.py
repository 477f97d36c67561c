"""Options for the dashboard's filter controls: organisations, countries and feeds that occur."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import Database
from db.filters import SOURCE_EXPR
from db.models import DailyCount, Feed, ItemOrganisation


def known_organisations(database: Database) -> list[str]:
    with database.read() as session:
        return sorted(str(o) for o in session.scalars(select(ItemOrganisation.org_id).distinct()))


def known_countries(database: Database, region: str | None = None) -> list[str]:
    """Countries that items were geotagged to (read from the daily aggregates, which count them all)."""
    stmt = select(DailyCount.key).where(DailyCount.scope == "country", DailyCount.indicator == "").distinct()
    if region:
        stmt = stmt.where(DailyCount.region == region)
    with database.read() as session:
        return sorted(str(c) for c in session.scalars(stmt))


def feed_choices(database: Database) -> list[tuple[int, str]]:
    with database.read() as session:
        rows = session.execute(select(Feed.id, SOURCE_EXPR).order_by(SOURCE_EXPR)).all()
    return [(int(i), str(t)) for i, t in rows]
