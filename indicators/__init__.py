"""r2pwatch indicators: the pillar-three / atrocity-crime tagger, the geotagger and the gazetteer.

Pure functions of text (no database, no network). Importing this package is cheap: the taxonomy and
the gazetteer are loaded on first use.

    from indicators import tag
    r = tag("ECOWAS threatens to deploy standby force in Niger")
    [t.id for t in r.indicators], [c.iso3 for c in r.countries]   # ['peacekeeping'], ['NER']
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from .model import (
    REGIONS,
    CountryTag,
    Evidence,
    IndicatorTag,
    OrganisationTag,
    TagResult,
)

if TYPE_CHECKING:
    from .engine import Tagger as Tagger
    from .engine import load_tagger as load_tagger
    from .model import INDICATOR_IDS as INDICATOR_IDS
    from .taxonomy import Indicator as Indicator
    from .taxonomy import Taxonomy as Taxonomy
    from .taxonomy import TaxonomyError as TaxonomyError

__all__ = [
    "INDICATOR_IDS",
    "REGIONS",
    "CountryTag",
    "Evidence",
    "Indicator",
    "IndicatorTag",
    "OrganisationTag",
    "TagResult",
    "Tagger",
    "Taxonomy",
    "TaxonomyError",
    "countries_in_region",
    "country_name",
    "load_tagger",
    "memberships",
    "organisation_name",
    "region_of",
    "tag",
]


def tag(
    title: str,
    summary: str = "",
    language: str | None = None,
    published: datetime | date | None = None,
    *,
    html: bool = True,
) -> TagResult:
    """Tag one item with the built-in taxonomy. ``html=False`` when the text is already plain."""
    from .engine import default_tagger

    return default_tagger().tag(title, summary, language, published, html=html)


def region_of(iso3: str) -> str | None:
    """The monitoring region slug of a country (``None`` for an unknown code)."""
    from .gazetteer import get_gazetteer

    return get_gazetteer().region_of(iso3)


def country_name(iso3: str) -> str:
    """The English short name of a country (the code itself when unknown)."""
    from .gazetteer import get_gazetteer

    return get_gazetteer().country_name(iso3)


def countries_in_region(slug: str) -> list[str]:
    """ISO3 codes of the countries in a region, sorted."""
    from .gazetteer import get_gazetteer

    return get_gazetteer().countries_in_region(slug)


def organisation_name(org_id: str) -> str:
    """The display name of an organisation id such as ``AU`` (the id itself when unknown)."""
    from .gazetteer import get_gazetteer

    return get_gazetteer().organisation_name(org_id)


def memberships(iso3: str) -> list[str]:
    """Organisation ids the country belongs to, sorted."""
    from .gazetteer import get_gazetteer

    return get_gazetteer().memberships(iso3)


def __getattr__(name: str) -> object:
    if name == "INDICATOR_IDS":
        from . import model

        return model.INDICATOR_IDS
    if name in ("Tagger", "load_tagger"):
        from . import engine

        return getattr(engine, name)
    if name in ("Taxonomy", "TaxonomyError", "Indicator"):
        from . import taxonomy

        return getattr(taxonomy, name)
    raise AttributeError(f"module 'indicators' has no attribute {name!r}")
