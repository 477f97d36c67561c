"""Stories per UTC day x region (or country) x indicator for the overview, region and country charts:
a story counts on the day of its first item (``db.story_windows``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from db.engine import Database
from db.story_windows import StoryTotals, Where, raw_story_totals, story_totals
from db.types import utcnow


def _where(organisation: str | None, region: str | None, country: str | None) -> Where:
    scope = ("country" if country else "region") + ("-org" if organisation else "")
    suffix = f"|{organisation}" if organisation else ""
    if country:
        return Where(scope, keys=[country.upper() + suffix], region=region)
    if region:
        return Where(scope, keys=[region + suffix])
    return Where(scope, suffix=suffix or None)


def _rows(totals: StoryTotals) -> list[tuple[str, str, date, int]]:
    return [
        (k.split("|", 1)[0], i, d, n) for (k, i, d), n in totals.counts.items() if i and d is not None and n
    ]


def _raw_series(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    organisation: str | None,
    region: str | None,
    country: str | None,
) -> list[tuple[str, str, date, int]]:
    """(region or ISO3, indicator, day, stories) from the raw rows (the consistency tests' reference)."""
    return _rows(raw_story_totals(session, start, end, _where(organisation, region, country), by_day=True))


def daily_series(
    database: Database,
    *,
    now: datetime | None = None,
    days: int = 90,
    organisation: str | None = None,
    region: str | None = None,
    country: str | None = None,
) -> tuple[list[date], dict[tuple[str, str], list[int]]]:
    """Stories per UTC day of their first item for the last ``days`` days, keyed by (region,
    indicator); with ``country`` the key's first element is the country's ISO3 instead of the region."""
    now = now or utcnow()
    first = (now - timedelta(days=days - 1)).date()
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    dates = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(dates)}
    series: dict[tuple[str, str], list[int]] = {}
    with database.read() as session:
        totals = story_totals(session, start, now, _where(organisation, region, country), by_day=True)
    for key, indicator, day, n in _rows(totals):
        pos = index.get(day)
        if pos is not None:
            series.setdefault((key, indicator), [0] * days)[pos] += n
    return dates, series
