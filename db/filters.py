"""What the dashboard's filter controls select (``ItemFilter``) and how it becomes SQL, shared by the
aggregate, listing and row queries; with the small SQL helpers they have in common."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, String, and_, exists, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from db.models import Feed, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag, Review
from db.search import TextQuery, match_condition

Column = ColumnElement[Any] | InstrumentedAttribute[Any]
STATUS_EXPR: ColumnElement[str] = func.coalesce(Review.status, literal("new", String))
SOURCE_EXPR: ColumnElement[str] = func.coalesce(Feed.title, Feed.url, literal("", String))


class utc_day(FunctionElement[date]):  # noqa: N801 - reads like the SQL function it stands for
    """The UTC calendar day of a UTC timestamp column, on SQLite and PostgreSQL alike."""

    type = Date()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day)
def _utc_day_default(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS DATE)"


def as_date(value: Any) -> date:
    """A day read back from SQL (a date, a datetime, or ISO text on SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards and the escape character made literal (escape is backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """What the dashboard's filter controls select. ``None`` means "any"."""

    region: str | None = None
    country: str | None = None
    indicator: str | None = None
    status: str | None = None
    feed_id: int | None = None
    organisation: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    flagged_only: bool = False
    search: TextQuery | None = None  # full-text search by words (db.search)
    exclude_statuses: tuple[str, ...] = ()  # e.g. ("dismissed",) for the Atom feed


def needs_review(flt: ItemFilter) -> bool:
    """Whether the filter reads the review status (so the reviews must be joined)."""
    return bool(flt.status or flt.exclude_statuses)


def base_items(*, review: bool = True, feed: bool = True) -> Select[Any]:
    """Items with their review status and first carrier (outer joins: both may be missing). Leave out
    a join nothing refers to: without them the database can count and order from the items' indexes."""
    stmt = select(Item.id).select_from(Item)
    if review:
        stmt = stmt.outerjoin(Review, Review.item_id == Item.id)
    if feed:
        stmt = stmt.outerjoin(Feed, Feed.id == Item.feed_id)
    return stmt


def filtered(stmt: Select[Any], flt: ItemFilter) -> Select[Any]:
    """``stmt`` (over ``base_items()``) restricted to what ``flt`` selects."""
    conds: list[ColumnElement[bool]] = []
    if flt.flagged_only:
        conds.append(Item.flagged.is_(True))
    if flt.region:
        conds.append(exists().where(ItemCountry.item_id == Item.id, ItemCountry.region == flt.region))
    if flt.country:
        conds.append(exists().where(ItemCountry.item_id == Item.id, ItemCountry.iso3 == flt.country.upper()))
    if flt.indicator:
        conds.append(exists().where(ItemTag.item_id == Item.id, ItemTag.indicator == flt.indicator))
    if flt.organisation:
        conds.append(
            exists().where(ItemOrganisation.item_id == Item.id, ItemOrganisation.org_id == flt.organisation)
        )
    if flt.status:
        conds.append(STATUS_EXPR.in_([flt.status]))
    if flt.feed_id is not None:
        conds.append(exists().where(ItemSighting.item_id == Item.id, ItemSighting.feed_id == flt.feed_id))
    if flt.since is not None:
        conds.append(Item.published_at >= flt.since)
    if flt.until is not None:
        conds.append(Item.published_at < flt.until)
    if flt.text and flt.text.strip():
        pattern = f"%{escape_like(flt.text.strip())}%"
        conds.append(or_(Item.title.ilike(pattern, escape="\\"), Item.summary.ilike(pattern, escape="\\")))
    if flt.exclude_statuses:
        conds.append(STATUS_EXPR.not_in(list(flt.exclude_statuses)))
    if flt.search is not None and not flt.search.empty:
        conds.append(match_condition(flt.search))
    return stmt.where(and_(*conds)) if conds else stmt


def filtered_ids(flt: ItemFilter) -> Select[Any]:
    """The ids of the items ``flt`` selects, for ``IN (...)`` subqueries."""
    ids = filtered(base_items(review=needs_review(flt), feed=False), flt).subquery()
    return select(ids.c.id)
