"""Read-only queries for the dashboard: aggregates per region/indicator/country/organisation, item lists,
the review grid (paging, sorting and filtering in the database) and exports.

Every function takes the ``Database`` and returns typed values (frozen dataclasses, plain dicts of
JSON-ready values for grid rows), never ORM rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    case,
    distinct,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from db.engine import Database
from db.models import (
    REVIEW_STATUSES,
    Feed,
    Item,
    ItemCountry,
    ItemOrganisation,
    ItemSighting,
    ItemTag,
    Review,
)
from db.search import TextQuery, match_condition
from db.types import as_utc, utcnow
from db.values import CountryValues, IndicatorValues, OrganisationValues

# --------------------------------------------------------------------------------------------------
# SQL helpers


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


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


Column = ColumnElement[Any] | InstrumentedAttribute[Any]
STATUS_EXPR: ColumnElement[str] = func.coalesce(Review.status, literal("new", String))
SOURCE_EXPR: ColumnElement[str] = func.coalesce(Feed.title, Feed.url, literal("", String))


# --------------------------------------------------------------------------------------------------
# filters


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


def _base_items() -> Select[Any]:
    """Items with their review status and first carrier (outer joins: both may be missing)."""
    return (
        select(Item.id)
        .select_from(Item)
        .outerjoin(Review, Review.item_id == Item.id)
        .outerjoin(Feed, Feed.id == Item.feed_id)
    )


def _filtered(stmt: Select[Any], flt: ItemFilter) -> Select[Any]:
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
        pattern = _like_pattern(flt.text.strip())
        conds.append(or_(Item.title.ilike(pattern, escape="\\"), Item.summary.ilike(pattern, escape="\\")))
    if flt.search is not None and not flt.search.empty:
        conds.append(match_condition(flt.search))
    return stmt.where(and_(*conds)) if conds else stmt


# --------------------------------------------------------------------------------------------------
# overview: signals per region x indicator


@dataclass(frozen=True, slots=True)
class AlertRule:
    ratio: float = 2.0
    min_count: int = 3
    min_baseline: float = 1.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | Any) -> AlertRule:
        return cls(
            ratio=float(settings["alerts.ratio"]),
            min_count=int(settings["alerts.min_count"]),
            min_baseline=float(settings["alerts.min_baseline"]),
        )


@dataclass(frozen=True, slots=True)
class Signal:
    """One region x indicator: the window's count against the mean of the previous windows.

    ``baseline_mean`` is the mean count per window over the baseline period; ``ratio`` divides by
    that mean floored at the rule's ``min_baseline`` (``baseline_used``), so an empty past does not
    turn two items into an "infinite" spike.
    """

    region: str
    indicator: str
    count: int
    baseline_total: int
    baseline_windows: int
    baseline_mean: float
    baseline_used: float
    ratio: float
    marked: bool

    def explain(self) -> str:
        return (
            f"{self.count} in the window; previous {self.baseline_windows} windows had "
            f"{self.baseline_total} ({self.baseline_mean:.1f} per window, floored at "
            f"{self.baseline_used:.1f}); ratio {self.ratio:.1f}"
        )


def make_signal(
    region: str, indicator: str, count: int, baseline_total: int, windows: int, rule: AlertRule
) -> Signal:
    mean = baseline_total / windows if windows else 0.0
    used = max(mean, rule.min_baseline)
    ratio = count / used if used > 0 else 0.0
    marked = count >= rule.min_count and ratio >= rule.ratio
    return Signal(
        region,
        indicator,
        count,
        baseline_total,
        windows,
        round(mean, 3),
        round(used, 3),
        round(ratio, 3),
        marked,
    )


def region_signals(
    database: Database,
    rule: AlertRule,
    *,
    now: datetime | None = None,
    window_days: int = 7,
    baseline_windows: int = 4,
    organisation: str | None = None,
    regions: Iterable[str] = (),
    indicators: Iterable[str] = (),
) -> dict[tuple[str, str], Signal]:
    """Signals for every region x indicator pair (zero-filled over ``regions`` x ``indicators``)."""
    now = now or utcnow()
    window_start = now - timedelta(days=window_days)
    baseline_start = window_start - timedelta(days=window_days * baseline_windows)
    pairs = (
        select(ItemCountry.region, ItemTag.indicator, Item.id, Item.published_at)
        .join(ItemTag, ItemTag.item_id == Item.id)
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .where(Item.published_at >= baseline_start, Item.published_at < now)
        .where(ItemCountry.region.is_not(None))
        .distinct()
    )
    if organisation:
        pairs = pairs.where(
            exists().where(ItemOrganisation.item_id == Item.id, ItemOrganisation.org_id == organisation)
        )
    sub = pairs.subquery()
    stmt = select(
        sub.c.region,
        sub.c.indicator,
        func.sum(case((sub.c.published_at >= window_start, 1), else_=0)),
        func.sum(case((sub.c.published_at < window_start, 1), else_=0)),
    ).group_by(sub.c.region, sub.c.indicator)
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    with database.read() as session:
        for region, indicator, recent, past in session.execute(stmt):
            counts[(str(region), str(indicator))] = (int(recent or 0), int(past or 0))
    keys = set(counts) | {(r, i) for r in regions for i in indicators}
    return {
        key: make_signal(key[0], key[1], *counts.get(key, (0, 0)), baseline_windows, rule) for key in keys
    }


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
    key_col = ItemCountry.iso3 if country else ItemCountry.region
    pairs = (
        select(key_col.label("k"), ItemTag.indicator, Item.id, utc_day(Item.published_at).label("day"))
        .join(ItemTag, ItemTag.item_id == Item.id)
        .join(ItemCountry, ItemCountry.item_id == Item.id)
        .where(Item.published_at >= start, Item.published_at < now, key_col.is_not(None))
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
    dates = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(dates)}
    series: dict[tuple[str, str], list[int]] = {}
    with database.read() as session:
        for key, indicator, day, n in session.execute(stmt):
            pos = index.get(_as_date(day))
            if pos is None:
                continue
            series.setdefault((str(key), str(indicator)), [0] * days)[pos] += int(n)
    return dates, series


@dataclass(frozen=True, slots=True)
class Coverage:
    """Who covers a region: feeds with the region as hint or that carried items geotagged there."""

    region: str
    sources: int
    languages: tuple[str, ...]
    failing: int
    items: int


def region_coverage(
    database: Database, *, now: datetime | None = None, days: int = 30
) -> dict[str, Coverage]:
    now = now or utcnow()
    since = now - timedelta(days=days)
    feeds_by_region: dict[str, set[int]] = {}
    languages: dict[str, set[str]] = {}
    items: dict[str, int] = {}
    with database.read() as session:
        feed_rows = session.execute(
            select(Feed.id, Feed.region, Feed.language, Feed.last_status, Feed.enabled)
        ).all()
        for fid, region, _lang, _status, enabled in feed_rows:
            if region and enabled:
                feeds_by_region.setdefault(region, set()).add(fid)
        carried = (
            select(ItemCountry.region, ItemSighting.feed_id)
            .join(Item, Item.id == ItemCountry.item_id)
            .join(ItemSighting, ItemSighting.item_id == Item.id)
            .where(Item.published_at >= since, ItemCountry.region.is_not(None))
            .distinct()
        )
        for region, fid in session.execute(carried):
            feeds_by_region.setdefault(str(region), set()).add(int(fid))
        langs = (
            select(ItemCountry.region, Item.language, func.count(distinct(Item.id)))
            .join(Item, Item.id == ItemCountry.item_id)
            .where(Item.published_at >= since, ItemCountry.region.is_not(None))
            .group_by(ItemCountry.region, Item.language)
        )
        for region, lang, n in session.execute(langs):
            items[str(region)] = items.get(str(region), 0) + int(n)
            if lang:
                languages.setdefault(str(region), set()).add(str(lang))
    feed_info = {fid: (lang, status, enabled) for fid, _r, lang, status, enabled in feed_rows}
    out: dict[str, Coverage] = {}
    for region in set(feeds_by_region) | set(languages) | set(items):
        fids = feeds_by_region.get(region, set())
        langs_here = set(languages.get(region, set()))
        langs_here |= {feed_info[f][0] for f in fids if f in feed_info and feed_info[f][0]}  # type: ignore[misc]
        failing = sum(1 for f in fids if f in feed_info and feed_info[f][2] and feed_info[f][1] == "error")
        out[region] = Coverage(region, len(fids), tuple(sorted(langs_here)), failing, items.get(region, 0))
    return out


# --------------------------------------------------------------------------------------------------
# region and country pages


@dataclass(frozen=True, slots=True)
class CountryRow:
    iso3: str
    items: int
    flagged: int
    top_indicator: str | None
    top_indicator_count: int
    sources: int
    last_item_at: datetime | None


def country_table(database: Database, flt: ItemFilter) -> list[CountryRow]:
    """Per country of ``flt.region`` (items matching the rest of the filter), most items first."""
    ids = _filtered(_base_items(), flt).subquery()
    per_country = (
        select(
            ItemCountry.iso3,
            func.count(distinct(Item.id)),
            func.count(distinct(case((Item.flagged.is_(True), Item.id), else_=None))),
            func.max(Item.published_at),
        )
        .join(Item, Item.id == ItemCountry.item_id)
        .where(ItemCountry.item_id.in_(select(ids.c.id)))
        .group_by(ItemCountry.iso3)
    )
    if flt.region:
        per_country = per_country.where(ItemCountry.region == flt.region)
    sources = (
        select(ItemCountry.iso3, func.count(distinct(ItemSighting.feed_id)))
        .join(ItemSighting, ItemSighting.item_id == ItemCountry.item_id)
        .where(ItemCountry.item_id.in_(select(ids.c.id)))
        .group_by(ItemCountry.iso3)
    )
    tops = (
        select(ItemCountry.iso3, ItemTag.indicator, func.count(distinct(ItemTag.item_id)))
        .join(ItemTag, ItemTag.item_id == ItemCountry.item_id)
        .where(ItemCountry.item_id.in_(select(ids.c.id)))
        .group_by(ItemCountry.iso3, ItemTag.indicator)
    )
    with database.read() as session:
        base = session.execute(per_country).all()
        src = dict(session.execute(sources).all())
        best: dict[str, tuple[int, str]] = {}
        for iso3, indicator, n in session.execute(tops):
            current = best.get(iso3)
            if current is None or (int(n), str(indicator)) > current:
                best[iso3] = (int(n), str(indicator))
    rows = [
        CountryRow(
            iso3=str(iso3),
            items=int(n),
            flagged=int(nf),
            top_indicator=best[iso3][1] if iso3 in best else None,
            top_indicator_count=best[iso3][0] if iso3 in best else 0,
            sources=int(src.get(iso3, 0)),
            last_item_at=as_utc(last),
        )
        for iso3, n, nf, last in base
    ]
    rows.sort(key=lambda r: (-r.items, r.iso3))
    return rows


def organisation_matrix(
    database: Database, flt: ItemFilter, indicators: Sequence[str]
) -> dict[tuple[str, str], int]:
    """Items per (organisation, indicator) among ``indicators`` (the pillar-three tools) for the filter."""
    ids = _filtered(_base_items(), flt).subquery()
    stmt = (
        select(ItemOrganisation.org_id, ItemTag.indicator, func.count(distinct(ItemTag.item_id)))
        .join(ItemTag, ItemTag.item_id == ItemOrganisation.item_id)
        .where(ItemOrganisation.item_id.in_(select(ids.c.id)), ItemTag.indicator.in_(list(indicators)))
        .group_by(ItemOrganisation.org_id, ItemTag.indicator)
    )
    with database.read() as session:
        return {(str(o), str(i)): int(n) for o, i, n in session.execute(stmt)}


def organisation_counts(database: Database, flt: ItemFilter) -> list[tuple[str, int]]:
    """Organisations mentioned in the filtered items, with item counts, most first."""
    ids = _filtered(_base_items(), flt).subquery()
    stmt = (
        select(ItemOrganisation.org_id, func.count(distinct(ItemOrganisation.item_id)))
        .where(ItemOrganisation.item_id.in_(select(ids.c.id)))
        .group_by(ItemOrganisation.org_id)
    )
    with database.read() as session:
        rows = [(str(o), int(n)) for o, n in session.execute(stmt)]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows


def indicator_counts(database: Database, flt: ItemFilter) -> dict[str, int]:
    ids = _filtered(_base_items(), flt).subquery()
    stmt = (
        select(ItemTag.indicator, func.count(distinct(ItemTag.item_id)))
        .where(ItemTag.item_id.in_(select(ids.c.id)))
        .group_by(ItemTag.indicator)
    )
    with database.read() as session:
        return {str(i): int(n) for i, n in session.execute(stmt)}


def known_organisations(database: Database) -> list[str]:
    with database.read() as session:
        return sorted(str(o) for o in session.scalars(select(ItemOrganisation.org_id).distinct()))


def known_countries(database: Database, region: str | None = None) -> list[str]:
    stmt = select(ItemCountry.iso3).distinct()
    if region:
        stmt = stmt.where(ItemCountry.region == region)
    with database.read() as session:
        return sorted(str(c) for c in session.scalars(stmt))


def feed_choices(database: Database) -> list[tuple[int, str]]:
    with database.read() as session:
        rows = session.execute(select(Feed.id, SOURCE_EXPR).order_by(SOURCE_EXPR)).all()
    return [(int(i), str(t)) for i, t in rows]


# --------------------------------------------------------------------------------------------------
# item rows: lists, the review grid, exports


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


#: grid column id -> SQL expression it sorts and filters on
GRID_COLUMNS: dict[str, Column] = {
    "published_at": Item.published_at,
    "source": SOURCE_EXPR,
    "title": Item.title,
    "score": Item.score,
    "status": STATUS_EXPR,
    "language": Item.language,
}
_TEXT_OPS = {"contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank", "notBlank"}


def _text_condition(col: Column, model: Mapping[str, Any]) -> ColumnElement[bool] | None:
    op = model.get("type", "contains")
    value = str(model.get("filter") or "")
    if op not in _TEXT_OPS:
        return None
    if op == "blank":
        return or_(col.is_(None), col == "")
    if op == "notBlank":
        return and_(col.is_not(None), col != "")
    if not value:
        return None
    esc = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if op == "contains":
        return col.ilike(f"%{esc}%", escape="\\")
    if op == "notContains":
        return not_(col.ilike(f"%{esc}%", escape="\\"))
    if op == "startsWith":
        return col.ilike(f"{esc}%", escape="\\")
    if op == "endsWith":
        return col.ilike(f"%{esc}", escape="\\")
    if op == "equals":
        return func.lower(col) == value.lower()
    return func.lower(col) != value.lower()


def _number_condition(col: Column, model: Mapping[str, Any]) -> ColumnElement[bool] | None:
    op = model.get("type")
    try:
        a = float(model["filter"]) if model.get("filter") is not None else None
        b = float(model["filterTo"]) if model.get("filterTo") is not None else None
    except (TypeError, ValueError):
        return None
    if op == "blank":
        return col.is_(None)
    if op == "notBlank":
        return col.is_not(None)
    if a is None:
        return None
    ops: dict[str, ColumnElement[bool]] = {
        "equals": col == a,
        "notEqual": col != a,
        "lessThan": col < a,
        "lessThanOrEqual": col <= a,
        "greaterThan": col > a,
        "greaterThanOrEqual": col >= a,
    }
    if op == "inRange" and b is not None:
        return and_(col >= a, col <= b)
    return ops.get(str(op))


def _parse_grid_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _date_condition(col: Column, model: Mapping[str, Any]) -> ColumnElement[bool] | None:
    op = model.get("type")
    a = _parse_grid_date(model.get("dateFrom"))
    b = _parse_grid_date(model.get("dateTo"))
    if a is None:
        return None
    day = timedelta(days=1)
    if op == "equals":
        return and_(col >= a, col < a + day)
    if op == "notEqual":
        return or_(col < a, col >= a + day)
    if op == "lessThan":
        return col < a
    if op == "greaterThan":
        return col >= a + day
    if op == "inRange" and b is not None:
        return and_(col >= a, col < b + day)
    return None


def grid_condition(col_id: str, model: Mapping[str, Any]) -> ColumnElement[bool] | None:
    """One ag-grid column filter model as SQL (None: ignored: unknown column or incomplete filter)."""
    col = GRID_COLUMNS.get(col_id)
    if col is None:
        return None
    if "conditions" in model or "operator" in model:
        parts = [grid_condition(col_id, m) for m in model.get("conditions") or ()]
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        return or_(*kept) if str(model.get("operator", "AND")).upper() == "OR" else and_(*kept)
    kind = model.get("filterType", "text")
    if kind == "number":
        return _number_condition(col, model)
    if kind == "date":
        return _date_condition(col, model)
    return _text_condition(col, model)


def _grid_select(flt: ItemFilter, filter_model: Mapping[str, Any] | None) -> Select[Any]:
    stmt = _filtered(_base_items(), flt)
    for col_id, model in (filter_model or {}).items():
        if isinstance(model, Mapping):
            cond = grid_condition(str(col_id), model)
            if cond is not None:
                stmt = stmt.where(cond)
    return stmt


def _order(sort_model: Sequence[Mapping[str, Any]] | None) -> list[ColumnElement[Any]]:
    order: list[ColumnElement[Any]] = []
    for s in sort_model or ():
        col = GRID_COLUMNS.get(str(s.get("colId")))
        if col is None:
            continue
        order.append(col.desc() if s.get("sort") == "desc" else col.asc())
    order += [Item.published_at.desc(), Item.id.desc()]
    return order


def _item_rows(session: Session, ids: Sequence[int], with_orgs: bool = False) -> list[ItemRow]:
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
class Page:
    rows: list[ItemRow]
    total: int


def grid_page(
    database: Database,
    flt: ItemFilter,
    *,
    start: int = 0,
    end: int = 100,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
    max_page: int = 500,
) -> Page:
    """One block of the review grid: rows ``start``..``end`` of the filtered, sorted items, and the total."""
    start = max(0, int(start))
    end = max(start, min(int(end), start + max_page))
    stmt = _grid_select(flt, filter_model)
    with database.read() as session:
        total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        ids = list(session.scalars(stmt.order_by(*_order(sort_model)).offset(start).limit(end - start)))
        return Page(_item_rows(session, ids), total)


def list_items(
    database: Database,
    flt: ItemFilter,
    *,
    limit: int = 50,
    sort_model: Sequence[Mapping[str, Any]] | None = None,
    filter_model: Mapping[str, Any] | None = None,
    with_orgs: bool = False,
) -> list[ItemRow]:
    """The newest (or ``sort_model``-ordered) items matching the filter, up to ``limit``."""
    stmt = _grid_select(flt, filter_model).order_by(*_order(sort_model)).limit(limit)
    with database.read() as session:
        return _item_rows(session, list(session.scalars(stmt)), with_orgs=with_orgs)


# --------------------------------------------------------------------------------------------------
# one item


@dataclass(frozen=True, slots=True)
class ItemDetail:
    row: ItemRow
    tags: tuple[IndicatorValues, ...]
    countries: tuple[CountryValues, ...]
    organisations: tuple[OrganisationValues, ...]
    sources: tuple[str, ...] = field(default=())


def item_detail(database: Database, item_id: int) -> ItemDetail | None:
    with database.read() as session:
        rows = _item_rows(session, [item_id], with_orgs=True)
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


# --------------------------------------------------------------------------------------------------
# indicators page


@dataclass(frozen=True, slots=True)
class ReviewShare:
    indicator: str
    confirmed: int
    dismissed: int
    escalated: int

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.dismissed + self.escalated

    @property
    def confirmed_share(self) -> float | None:
        decided = self.confirmed + self.dismissed
        return self.confirmed / decided if decided else None


def review_shares(database: Database) -> dict[str, ReviewShare]:
    """Per indicator, how many tagged items analysts confirmed, dismissed or escalated."""
    stmt = (
        select(ItemTag.indicator, Review.status, func.count())
        .join(Review, Review.item_id == ItemTag.item_id)
        .where(Review.status.in_([s for s in REVIEW_STATUSES if s != "new"]))
        .group_by(ItemTag.indicator, Review.status)
    )
    counts: dict[str, dict[str, int]] = {}
    with database.read() as session:
        for ind, status, n in session.execute(stmt):
            counts.setdefault(str(ind), {})[str(status)] = int(n)
    return {
        ind: ReviewShare(ind, c.get("confirmed", 0), c.get("dismissed", 0), c.get("escalated", 0))
        for ind, c in counts.items()
    }
