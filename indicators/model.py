"""The typed values the tagger returns, the regions, and the built-in indicator ids (cheap to import:
no data is loaded here until ``INDICATOR_IDS`` is first read)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

__all__ = [
    "INDICATOR_IDS",
    "REGIONS",
    "CountryTag",
    "Evidence",
    "IndicatorTag",
    "OrganisationTag",
    "TagResult",
]

if TYPE_CHECKING:
    #: the built-in taxonomy's indicator ids, in its order (read from indicators/taxonomy.toml on first
    #: use, so importing this module stays cheap)
    INDICATOR_IDS: tuple[str, ...]

REGIONS: dict[str, str] = {
    "africa": "Africa",
    "americas": "Americas",
    "asia-pacific": "Asia-Pacific",
    "europe-central-asia": "Europe & Central Asia",
    "middle-east-north-africa": "Middle East & North Africa",
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of matched text: ``text == plain_field[start:end]``."""

    kind: str  # "indicator" | "country" | "organisation"
    id: str  # indicator id, ISO3 or organisation id
    field: str  # "title" | "summary"
    text: str
    start: int
    end: int
    weight: float
    rule: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "field": self.field,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "weight": self.weight,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class IndicatorTag:
    id: str
    score: float
    stage: str | None
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class CountryTag:
    iso3: str
    method: str  # name | demonym | capital | place | leader
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class OrganisationTag:
    id: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class TagResult:
    title: str  # plain text the offsets refer to
    summary: str
    language: str | None
    indicators: tuple[IndicatorTag, ...]  # only those at or above their threshold
    countries: tuple[CountryTag, ...]
    regions: tuple[str, ...]  # region slugs of the countries, sorted
    organisations: tuple[OrganisationTag, ...]
    flagged: bool
    taxonomy_version: str

    def evidence(self) -> list[Evidence]:
        """All evidence (indicators, then countries, then organisations), in text order within each."""
        out: list[Evidence] = []
        for t in self.indicators:
            out.extend(t.evidence)
        for c in self.countries:
            out.extend(c.evidence)
        for o in self.organisations:
            out.extend(o.evidence)
        return out

    def to_json(self) -> dict[str, Any]:
        """The ``r2pwatch tag`` output object, without ``id``/``line``."""
        return {
            "indicators": [t.id for t in self.indicators],
            "countries": [c.iso3 for c in self.countries],
            "regions": list(self.regions),
            "organisations": [o.id for o in self.organisations],
            "flagged": self.flagged,
            "stages": {t.id: t.stage for t in self.indicators if t.stage},
            "scores": {t.id: t.score for t in self.indicators},
            "language": self.language,
            "taxonomy_version": self.taxonomy_version,
            "evidence": [e.to_json() for e in self.evidence()],
        }


@cache
def _builtin_indicator_ids() -> tuple[str, ...]:
    import tomllib
    from pathlib import Path

    text = (Path(__file__).resolve().parent / "taxonomy.toml").read_text(encoding="utf-8")
    return tuple(tomllib.loads(text)["indicators"])


def __getattr__(name: str) -> Any:
    if name == "INDICATOR_IDS":
        return _builtin_indicator_ids()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
