"""What the dashboard knows about indicators, countries, regions and organisations.

Indicators' names, kinds and colours come from the taxonomy (the built-in one alone when the
configured files are refused); countries, regions and organisations from the gazetteer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from dashboard.colours import OTHER
from indicators import REGIONS
from indicators.config import TaggerConfig

if TYPE_CHECKING:
    from indicators.gazetteer import Gazetteer

log = logging.getLogger(__name__)

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
    """The indicators of the configured taxonomy; when it is refused, those of the built-in one alone
    (version "fallback"): the dashboard must still open on a broken taxonomy file."""
    from indicators.taxonomy import load_taxonomy

    try:
        taxonomy, version = load_taxonomy(list(extra_files)), None
    except Exception as exc:
        log.warning("taxonomy not available, using the built-in indicators: %s", exc)
        taxonomy, version = load_taxonomy(), "fallback"
    return tuple(
        IndicatorMeta(i.id, i.name, i.kind, i.colour, i.description, i.threshold, i.terms)
        for i in taxonomy.indicators
    ), version or taxonomy.version


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
        return meta.colour if meta else OTHER

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
    def _gazetteer(self) -> Gazetteer:
        from indicators.gazetteer import get_gazetteer

        return get_gazetteer()

    def country_name(self, iso3: str) -> str:
        return self._gazetteer.country_name(iso3)

    def region_of(self, iso3: str) -> str | None:
        return self._gazetteer.region_of(iso3) or None

    def countries_in_region(self, slug: str) -> list[str]:
        return list(self._gazetteer.countries_in_region(slug))

    def organisation_name(self, org_id: str) -> str:
        return self._gazetteer.organisation_name(org_id)

    def is_country(self, iso3: str) -> bool:
        return iso3.upper() in self._gazetteer.countries

    @cached_property
    def tagger(self) -> Any:
        """The tagger for the "try it" box, built on first use (None when unavailable)."""
        try:
            return self.tagger_config.load()
        except Exception as exc:
            log.warning("tagger not available: %s", exc)
            return None
