"""An item's tags (:class:`ItemTags`: indicators, countries, organisations, the flag) and writing them:
with new items (``db.store``) or in place of the old ones (:func:`replace_tags`, for updates and
retagging; reviews are untouched)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from db.chunks import chunks
from db.counts import counted
from db.intents import EntryValues
from db.models import Base, Item, ItemCountry, ItemOrganisation, ItemTag
from db.values import CountryValues, IndicatorValues, OrganisationValues

_TAGS = Base.metadata.tables["item_tags"]
_COUNTRIES = Base.metadata.tables["item_countries"]
_ORGS = Base.metadata.tables["item_organisations"]
_CHUNK = 400  # bound on IN (...) lists


@dataclass(frozen=True, slots=True)
class ItemTags:
    indicators: tuple[IndicatorValues, ...] = ()
    countries: tuple[CountryValues, ...] = ()
    organisations: tuple[OrganisationValues, ...] = ()
    flagged: bool = False
    taxonomy_version: str | None = None

    @property
    def score(self) -> float:
        return max((i.score for i in self.indicators), default=0.0)


Tagger = Callable[[EntryValues], ItemTags]


def replace_tags(session: Session, tagged: Sequence[tuple[int, ItemTags]]) -> None:
    """Swap the tags of existing items (reviews are untouched)."""
    ids = [item_id for item_id, _ in tagged]
    with counted(session, ids):
        for chunk in chunks(ids, _CHUNK):
            session.execute(delete(ItemTag).where(ItemTag.item_id.in_(chunk)))
            session.execute(delete(ItemCountry).where(ItemCountry.item_id.in_(chunk)))
            session.execute(delete(ItemOrganisation).where(ItemOrganisation.item_id.in_(chunk)))
        insert_tags(session, tagged, set_flags=True)


def flag_values(tags: ItemTags) -> dict[str, Any]:
    """The item columns the tags decide."""
    return {"flagged": tags.flagged, "score": tags.score, "taxonomy_version": tags.taxonomy_version}


def insert_tags(session: Session, tagged: Iterable[tuple[int, ItemTags]], *, set_flags: bool) -> None:
    """Write the tag rows of items that have none; with ``set_flags``, their item columns too."""
    tag_rows: list[dict[str, Any]] = []
    country_rows: list[dict[str, Any]] = []
    org_rows: list[dict[str, Any]] = []
    flag_rows: list[dict[str, Any]] = []
    for item_id, tags in tagged:
        version = tags.taxonomy_version or ""
        flag_rows.append({"id": item_id, **flag_values(tags)})
        tag_rows += [
            {
                "item_id": item_id,
                "indicator": t.id,
                "score": t.score,
                "stage": t.stage,
                "evidence": [dict(e) for e in t.evidence],
                "taxonomy_version": version,
            }
            for t in tags.indicators
        ]
        country_rows += [
            {
                "item_id": item_id,
                "iso3": c.iso3,
                "region": c.region,
                "method": c.method,
                "evidence": [dict(e) for e in c.evidence],
            }
            for c in tags.countries
        ]
        org_rows += [
            {"item_id": item_id, "org_id": o.id, "evidence": [dict(e) for e in o.evidence]}
            for o in tags.organisations
        ]
    if tag_rows:
        session.connection().execute(insert(_TAGS), tag_rows)
    if country_rows:
        session.connection().execute(insert(_COUNTRIES), country_rows)
    if org_rows:
        session.connection().execute(insert(_ORGS), org_rows)
    if set_flags and flag_rows:
        session.execute(update(Item), flag_rows)  # ORM bulk UPDATE by primary key
