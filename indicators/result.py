"""The tagging result as the rules leave it (:class:`RawResult`), and its three shapes: the typed
:class:`~indicators.model.TagResult`, a JSON-ready dict, and a JSON line built directly.

Hits and raw results are made with ``tuple.__new__`` in the rules: a NamedTuple's own ``__new__`` is
Python code and tagging makes many of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from .entries import Entry
from .model import CountryTag, Evidence, IndicatorTag, OrganisationTag, TagResult

__all__ = ["Hit", "RawResult", "new_tuple"]

new_tuple = tuple.__new__
_esc: Callable[[str], str] = json.encoder.encode_basestring_ascii


class Hit(NamedTuple):
    """One matched entry with its place: slots, field and offsets in the plain field text."""

    slot: int  # first slot of the match
    slot_end: int  # last slot + 1
    field: str  # "title" | "summary"
    start: int
    end: int
    text: str
    entry: Entry


class RawResult(NamedTuple):
    """The tagging result before it is turned into dataclasses or JSON (made with tuple.__new__)."""

    title: str
    summary: str
    language: str | None
    indicators: list[tuple[str, float, str | None, list[tuple[Hit, float]]]]
    countries: list[tuple[str, str, list[Hit]]]
    regions: list[str]
    orgs: list[tuple[str, list[Hit]]]
    flagged: bool
    version: str

    def result(self) -> TagResult:
        def ev(kind: str, ident: str, h: Hit, w: float) -> Evidence:
            return Evidence(kind, ident, h.field, h.text, h.start, h.end, w, h.entry.rule)

        return TagResult(
            title=self.title,
            summary=self.summary,
            language=self.language,
            indicators=tuple(
                IndicatorTag(i, score, stage, tuple(ev("indicator", i, h, w) for h, w in hits))
                for i, score, stage, hits in self.indicators
            ),
            countries=tuple(
                CountryTag(iso3, method, tuple(ev("country", iso3, h, 1.0) for h in hits))
                for iso3, method, hits in self.countries
            ),
            regions=tuple(self.regions),
            organisations=tuple(
                OrganisationTag(o, tuple(ev("organisation", o, h, 1.0) for h in hits))
                for o, hits in self.orgs
            ),
            flagged=self.flagged,
            taxonomy_version=self.version,
        )

    def to_json(self) -> dict[str, Any]:
        """Same as ``self.result().to_json()``, without building the dataclasses."""
        evidence: list[dict[str, Any]] = []
        for i, _score, _stage, hits in self.indicators:
            for h, w in hits:
                evidence.append(
                    {
                        "kind": "indicator",
                        "id": i,
                        "field": h.field,
                        "text": h.text,
                        "start": h.start,
                        "end": h.end,
                        "weight": w,
                        "rule": h.entry.rule,
                    }
                )
        for iso3, _m, chits in self.countries:
            for h in chits:
                evidence.append(
                    {
                        "kind": "country",
                        "id": iso3,
                        "field": h.field,
                        "text": h.text,
                        "start": h.start,
                        "end": h.end,
                        "weight": 1.0,
                        "rule": h.entry.rule,
                    }
                )
        for o, ohits in self.orgs:
            for h in ohits:
                evidence.append(
                    {
                        "kind": "organisation",
                        "id": o,
                        "field": h.field,
                        "text": h.text,
                        "start": h.start,
                        "end": h.end,
                        "weight": 1.0,
                        "rule": h.entry.rule,
                    }
                )
        return {
            "indicators": [t[0] for t in self.indicators],
            "countries": [c[0] for c in self.countries],
            "regions": self.regions,
            "organisations": [o[0] for o in self.orgs],
            "flagged": self.flagged,
            "stages": {t[0]: t[2] for t in self.indicators if t[2]},
            "scores": {t[0]: t[1] for t in self.indicators},
            "language": self.language,
            "taxonomy_version": self.version,
            "evidence": evidence,
        }

    def json_line(self, head: str) -> str:
        """``head`` + the members of :meth:`to_json` as compact ASCII JSON, built directly.

        Equal to ``json.dumps({**head_members, **self.to_json()}, ensure_ascii=True,
        separators=(",", ":"))`` (tested), about twice as fast: no dicts are built and only the
        strings that can hold anything (texts, rules, ids) go through the C string encoder.
        ``head`` is the opening of the object, such as ``'{"id":"abc",'``.
        """
        esc = _esc
        ev: list[str] = []
        if self.indicators:
            for i, _score, _stage, hits in self.indicators:
                for h, w in hits:
                    ev.append(
                        f'{{"kind":"indicator","id":{esc(i)},"field":"{h.field}","text":{esc(h.text)},'
                        f'"start":{h.start},"end":{h.end},"weight":{w!r},"rule":{esc(h.entry.rule)}}}'
                    )
            inds = ",".join([esc(t[0]) for t in self.indicators])
            stages = ",".join([f"{esc(t[0])}:{esc(t[2])}" for t in self.indicators if t[2]])
            scores = ",".join([f"{esc(t[0])}:{t[1]!r}" for t in self.indicators])
        else:
            inds = stages = scores = ""
        for iso3, _m, chits in self.countries:
            for h in chits:
                ev.append(
                    f'{{"kind":"country","id":{esc(iso3)},"field":"{h.field}","text":{esc(h.text)},'
                    f'"start":{h.start},"end":{h.end},"weight":1.0,"rule":{esc(h.entry.rule)}}}'
                )
        for o, ohits in self.orgs:
            for h in ohits:
                ev.append(
                    f'{{"kind":"organisation","id":{esc(o)},"field":"{h.field}","text":{esc(h.text)},'
                    f'"start":{h.start},"end":{h.end},"weight":1.0,"rule":{esc(h.entry.rule)}}}'
                )
        # list comprehensions, not generators: join makes a list of its argument anyway
        countries = ",".join([esc(c[0]) for c in self.countries])
        regions = ",".join(map(esc, self.regions))
        orgs = ",".join([esc(o[0]) for o in self.orgs])
        lang = esc(self.language) if self.language is not None else "null"
        return (
            f'{head}"indicators":[{inds}],"countries":[{countries}],"regions":[{regions}],'
            f'"organisations":[{orgs}],"flagged":{"true" if self.flagged else "false"},'
            f'"stages":{{{stages}}},"scores":{{{scores}}},"language":{lang},'
            f'"taxonomy_version":{esc(self.version)},"evidence":[{",".join(ev)}]}}'
        )
