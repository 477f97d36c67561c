"""What the dashboard knows about indicators, countries, regions and organisations.

Read from the ``indicators`` package when it is there; otherwise a small built-in fallback keeps
the dashboard usable (names become codes, colours come from :mod:`dashboard.colours`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dashboard.colours import FALLBACK_INDICATOR_COLOURS, OTHER
from indicators import REGIONS
from indicators.config import TaggerConfig

log = logging.getLogger(__name__)

_FALLBACK_NAMES: dict[str, tuple[str, str]] = {
    "incitement": ("Incitement and hate speech", "pillar3"),
    "membership": ("Suspension from regional organisations", "pillar3"),
    "peacekeeping": ("Peacekeeping and protection forces", "pillar3"),
    "sanctions": ("Targeted sanctions and embargoes", "pillar3"),
    "icc": ("International Criminal Court and tribunals", "pillar3"),
    "genocide": ("Genocide", "crime"),
    "war_crimes": ("War crimes", "crime"),
    "ethnic_cleansing": ("Ethnic cleansing", "crime"),
    "crimes_against_humanity": ("Crimes against humanity", "crime"),
}


_SHORT_NAMES: dict[str, str] = {
    "incitement": "Incitement",
    "membership": "Suspension",
    "peacekeeping": "Peacekeeping",
    "sanctions": "Sanctions",
    "icc": "ICC & tribunals",
    "genocide": "Genocide",
    "war_crimes": "War crimes",
    "ethnic_cleansing": "Ethnic cleansing",
    "crimes_against_humanity": "Crimes against humanity",
}


@dataclass(frozen=True, slots=True)
class IndicatorMeta:
    id: str
    name: str
    kind: str  # pillar3 | crime | other
    colour: str
    description: str = ""
    threshold: float = 1.0
    terms: dict[str, dict[str, float]] = field(default_factory=dict)  # lang -> phrase -> weight


def _load_indicators(extra_files: Sequence[str]) -> tuple[tuple[IndicatorMeta, ...], str]:
    try:
        from indicators.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(list(extra_files))
        return tuple(
            IndicatorMeta(
                i.id,
                i.name,
                i.kind,
                i.colour or FALLBACK_INDICATOR_COLOURS.get(i.id, OTHER),
                i.description,
                i.threshold,
                i.terms,
            )
            for i in taxonomy.indicators
        ), taxonomy.version
    except Exception as exc:  # the dashboard must still open on a broken or missing taxonomy
        log.warning("taxonomy not available, using built-in indicator names: %s", exc)
        return tuple(
            IndicatorMeta(i, name, kind, FALLBACK_INDICATOR_COLOURS.get(i, OTHER))
            for i, (name, kind) in _FALLBACK_NAMES.items()
        ), "fallback"


class Meta:
    """Indicators, regions, country and organisation names for one app."""

    def __init__(self, tagger: TaggerConfig | None = None) -> None:
        self.tagger_config = tagger or TaggerConfig()
        self.taxonomy_files = tuple(str(f) for f in self.tagger_config.taxonomy_files)
        self.indicators, self.taxonomy_version = _load_indicators(self.taxonomy_files)
        self.by_id = {i.id: i for i in self.indicators}
        self.regions: dict[str, str] = dict(REGIONS)

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicators)

    @property
    def tools(self) -> tuple[str, ...]:
        """The pillar-three tools (as opposed to the atrocity crimes)."""
        return tuple(i.id for i in self.indicators if i.kind == "pillar3")

    @property
    def crimes(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicators if i.kind == "crime")

    def colour(self, indicator: str) -> str:
        meta = self.by_id.get(indicator)
        return meta.colour if meta else FALLBACK_INDICATOR_COLOURS.get(indicator, OTHER)

    def indicator_name(self, indicator: str) -> str:
        meta = self.by_id.get(indicator)
        return meta.name if meta else indicator.replace("_", " ")

    def short_name(self, indicator: str) -> str:
        """A label for legends and narrow columns."""
        if indicator in _SHORT_NAMES:
            return _SHORT_NAMES[indicator]
        return self.indicator_name(indicator).split(" and ")[0].split(" (")[0]

    def region_name(self, slug: str | None) -> str:
        return self.regions.get(slug or "", slug or "—")

    @cached_property
    def _gazetteer(self) -> Any:
        try:
            from indicators.gazetteer import get_gazetteer

            return get_gazetteer()
        except Exception as exc:
            log.warning("gazetteer not available: %s", exc)
            return None

    def country_name(self, iso3: str) -> str:
        g = self._gazetteer
        return str(g.country_name(iso3)) if g is not None else iso3

    def region_of(self, iso3: str) -> str | None:
        g = self._gazetteer
        return str(g.region_of(iso3)) if g is not None and g.region_of(iso3) else None

    def countries_in_region(self, slug: str) -> list[str]:
        g = self._gazetteer
        return list(g.countries_in_region(slug)) if g is not None else []

    def organisation_name(self, org_id: str) -> str:
        g = self._gazetteer
        return str(g.organisation_name(org_id)) if g is not None else org_id

    def is_country(self, iso3: str) -> bool:
        g = self._gazetteer
        return g is not None and iso3.upper() in g.countries

    @cached_property
    def tagger(self) -> Any:
        """The tagger for the "try it" box, built on first use (None when unavailable)."""
        try:
            return self.tagger_config.load()
        except Exception as exc:
            log.warning("tagger not available: %s", exc)
            return None
