"""The bridge from the indicators package's TagResult to the values storage takes."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from db.intents import EntryValues
from db.item_tags import ItemTags
from db.values import CountryValues, IndicatorValues, OrganisationValues
from indicators.config import TaggerConfig
from indicators.model import Evidence

if TYPE_CHECKING:
    from indicators import Tagger, TagResult

_EVIDENCE_FIELDS = tuple(f.name for f in dataclasses.fields(Evidence))


class EntryTagger:
    """Tags entries with the built-in taxonomy plus any extra files; the taxonomy loads on first use."""

    def __init__(self, config: TaggerConfig | None = None) -> None:
        self._config = config or TaggerConfig()
        self._lock = threading.Lock()
        self._tagger: Tagger | None = None

    def _get(self) -> Tagger:
        with self._lock:
            if self._tagger is None:
                self._tagger = self._config.load()
            return self._tagger

    def tag_text(self, title: str, summary: str, language: str | None, published: object) -> ItemTags:
        result = self._get().tag(title, summary, language, published, html=False)  # type: ignore[arg-type]
        return to_item_tags(result)

    def __call__(self, entry: EntryValues) -> ItemTags:
        return self.tag_text(entry.title, entry.summary, entry.language, entry.published_at)


def to_item_tags(result: TagResult) -> ItemTags:
    from indicators import region_of

    def ev(evidence: Sequence[Evidence]) -> tuple[dict[str, object], ...]:
        # Flat dataclasses: a field-by-field copy is many times faster than dataclasses.asdict.
        return tuple({f: getattr(e, f) for f in _EVIDENCE_FIELDS} for e in evidence)

    return ItemTags(
        indicators=tuple(
            IndicatorValues(t.id, float(t.score), t.stage, ev(t.evidence)) for t in result.indicators
        ),
        countries=tuple(
            CountryValues(c.iso3, region_of(c.iso3), c.method, ev(c.evidence)) for c in result.countries
        ),
        organisations=tuple(OrganisationValues(o.id, ev(o.evidence)) for o in result.organisations),
        flagged=bool(result.flagged),
        taxonomy_version=result.taxonomy_version,
    )
