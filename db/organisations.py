"""Organisations on the region and country pages: items per organisation x indicator, and per
organisation, at a place over a period (from the daily aggregates; from the raw rows for other filters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from db.aggregates import EPOCH, FAR_FUTURE
from db.days import Span, countable, counts_select, split
from db.engine import Database
from db.filters import ItemFilter, escape_like, filtered_ids
from db.models import DailyCount, ItemOrganisation, ItemTag


def _raw_organisation_matrix(
    session: Session, flt: ItemFilter, indicators: Sequence[str]
) -> dict[tuple[str, str], int]:
    stmt = (
        select(ItemOrganisation.org_id, ItemTag.indicator, func.count(distinct(ItemTag.item_id)))
        .join(ItemTag, ItemTag.item_id == ItemOrganisation.item_id)
        .where(ItemOrganisation.item_id.in_(filtered_ids(flt)), ItemTag.indicator.in_(list(indicators)))
        .group_by(ItemOrganisation.org_id, ItemTag.indicator)
    )
    return {(str(o), str(i)): int(n) for o, i, n in session.execute(stmt)}


def _org_place_counts(
    session: Session, flt: ItemFilter, scope: str, place: str, indicators: Sequence[str]
) -> dict[tuple[str, str], int] | None:
    """Items per (organisation, indicator) at one place from the aggregates (None: they cannot answer)."""
    if flt.organisation or not countable(flt):
        return None
    span = split(flt.since or EPOCH, flt.until or FAR_FUTURE)
    out: dict[tuple[str, str], int] = {}
    if span.first_day is not None:
        stmt = counts_select(span, scope, DailyCount.key, DailyCount.indicator).where(
            DailyCount.key.like(f"{escape_like(place)}|%", escape="\\"),
            DailyCount.indicator.in_(list(indicators)),
        )
        for key, indicator, n, _f in session.execute(stmt):
            out[(str(key).split("|", 1)[1], str(indicator))] = int(n or 0)
    return _with_edges(session, flt, span, out, indicators)


def _with_edges(
    session: Session, flt: ItemFilter, span: Span, out: dict[tuple[str, str], int], indicators: Sequence[str]
) -> dict[tuple[str, str], int]:
    for lo, hi in span.edges:
        edge = replace(flt, since=lo, until=hi)
        if "" in indicators:
            for org, n in _raw_organisation_counts(session, edge):
                out[(org, "")] = out.get((org, ""), 0) + n
        for key, n in _raw_organisation_matrix(session, edge, [i for i in indicators if i]).items():
            out[key] = out.get(key, 0) + n
    return out


def organisation_matrix(
    database: Database, flt: ItemFilter, indicators: Sequence[str]
) -> dict[tuple[str, str], int]:
    """Items per (organisation, indicator) among ``indicators`` (the pillar-three tools) for the filter."""
    with database.read() as session:
        found = None
        if flt.region and not flt.country:
            found = _org_place_counts(session, flt, "region-org", flt.region, indicators)
        elif flt.country and not flt.region:
            found = _org_place_counts(session, flt, "country-org", flt.country.upper(), indicators)
        return found if found is not None else _raw_organisation_matrix(session, flt, indicators)


def _raw_organisation_counts(session: Session, flt: ItemFilter) -> list[tuple[str, int]]:
    stmt = (
        select(ItemOrganisation.org_id, func.count(distinct(ItemOrganisation.item_id)))
        .where(ItemOrganisation.item_id.in_(filtered_ids(flt)))
        .group_by(ItemOrganisation.org_id)
    )
    return [(str(o), int(n)) for o, n in session.execute(stmt)]


def organisation_counts(database: Database, flt: ItemFilter) -> list[tuple[str, int]]:
    """Organisations mentioned in the filtered items, with item counts, most first."""
    with database.read() as session:
        found = None
        if flt.region and not flt.country:
            found = _org_place_counts(session, flt, "region-org", flt.region, [""])
        elif flt.country and not flt.region:
            found = _org_place_counts(session, flt, "country-org", flt.country.upper(), [""])
        rows = (
            [(org, n) for (org, _i), n in found.items() if n]
            if found is not None
            else _raw_organisation_counts(session, flt)
        )
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows
