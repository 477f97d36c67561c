"""The matcher and the rules: one pass over the folded text, then indicator scores and geotags.

Matching works on tokens (maximal runs of Unicode word characters) of the folded text:

1. ``re.split`` with a capturing ``(\\w+)`` gives tokens and the gaps between them in one C call;
2. a set intersection with the first tokens of all phrases says which tokens can start a match
   (for nearly every item only a handful do);
3. at those positions the longest phrase wins (token-list slice comparisons, gap checks), so
   "South Sudan" beats "Sudan" and "Equatorial Guinea" beats "Guinea";
4. Arabic tokens that do not match as they are are tried without attached prefixes
   (و ف ب ك ل ال and combinations like وال بال لل).

Every phrase maps to one or more *entries* (an indicator term, a stage word, a cue, a negation, a
country name, a leader, an organisation, a geo support or veto cue). Entries of shorter phrases of a
different kind inside a longer phrase ("Kosovo" inside "Kosovo Specialist Chambers") are attached to
the longer phrase at build time, so no second pass is needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from .gazetteer import Gazetteer, get_gazetteer
from .model import CountryTag, Evidence, IndicatorTag, OrganisationTag, TagResult
from .taxonomy import Taxonomy, load_taxonomy
from .text import OffsetMap, fold, html_to_text

__all__ = ["Tagger", "load_tagger"]

# entry types
TERM, STAGE, CUE, NEG, COUNTRY, LEADER, ORG, SUPPORT, VETO = range(9)

_SPLIT = re.compile(r"(\w+)")
_ARABIC = re.compile("[\u0600-\u06ff]")
_SEP = "\n\x00\n"  # between title and summary: not a word, not a phrase gap
_AR_PREFIXES = (
    "وبال", "وكال", "وفال", "فبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل",
    "وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك", "ال",
)
LEADER_GRACE = timedelta(days=90)
_METHOD_RANK = {"name": 0, "demonym": 1, "capital": 2, "place": 3, "leader": 4}


class Entry(NamedTuple):
    etype: int
    key: str  # indicator id / cue / iso3 / org id
    arg: Any  # group index / stage / kind / (start, end) / None
    num: float  # weight, or 1.0 for ambiguous gazetteer forms
    lang: str
    cs: bool  # case-sensitive: the original text must have no lower-case letter
    rule: str


class _Match(NamedTuple):
    i0: int  # first token index
    i1: int  # last token index + 1
    fs: int  # folded char start
    fe: int  # folded char end
    entries: tuple[Entry, ...]


def _gap_class(g: str) -> str:
    s = g.strip()
    return " " if s in ("", "-", "/") and "\x00" not in g else s


def _tokens(phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    folded, _ = fold(phrase)
    parts = _SPLIT.split(folded)
    toks = tuple(parts[1::2])
    gaps = tuple(_gap_class(g) for g in parts[2:-1:2])
    return toks, gaps


def _case_sensitive(phrase: str) -> bool:
    return any(c.isupper() for c in phrase) and not any(c.islower() for c in phrase)


def _norm_lang(lang: str | None) -> str | None:
    if not lang:
        return None
    return lang.strip().lower().replace("_", "-").split("-")[0] or None


@dataclass(slots=True)
class _Phrase:
    toks: tuple[str, ...]
    gaps: tuple[str, ...]
    entries: list[Entry]
    nested: list[tuple[int, int, Entry]]


class PhraseIndex:
    """Phrases keyed by their first token; each bucket sorted longest first."""

    def __init__(self) -> None:
        self._phrases: dict[tuple[tuple[str, ...], tuple[str, ...]], _Phrase] = {}
        self.first: dict[str, list[tuple[list[str], tuple[str, ...], tuple[Entry, ...], tuple[tuple[int, int, Entry], ...]]]] = {}
        self.keys: frozenset[str] = frozenset()

    def add(self, phrase: str, entry: Entry, *, arabic_article: bool = True) -> None:
        toks, gaps = _tokens(phrase)
        if not toks:
            return
        variants = [toks]
        if arabic_article and toks[0].startswith("ال") and len(toks[0]) > 3 and _ARABIC.match(toks[0]):
            variants.append((toks[0][2:], *toks[1:]))
        for tk in variants:
            p = self._phrases.get((tk, gaps))
            if p is None:
                p = self._phrases[(tk, gaps)] = _Phrase(tk, gaps, [], [])
            if entry not in p.entries:
                p.entries.append(entry)

    def freeze(self) -> None:
        by_toks: dict[tuple[str, ...], list[_Phrase]] = {}
        for p in self._phrases.values():
            by_toks.setdefault(p.toks, []).append(p)
        # nested entries: shorter phrases of another kind inside a longer one
        for p in self._phrases.values():
            n = len(p.toks)
            if n < 2:
                continue
            kinds = {_nest_kind(e) for e in p.entries}
            has_org = any(e.etype == ORG for e in p.entries)
            for off in range(n):
                for ln in range(n - off, 0, -1):
                    if ln == n:
                        continue
                    for q in by_toks.get(p.toks[off : off + ln], ()):
                        if q.gaps != p.gaps[off : off + ln - 1]:
                            continue
                        for e in q.entries:
                            k = _nest_kind(e)
                            if k in kinds or (has_org and e.etype == COUNTRY and e.arg == "demonym"):
                                continue
                            if e.etype in (COUNTRY, LEADER) and any(x.etype in (COUNTRY, LEADER) for x in p.entries):
                                continue
                            p.nested.append((off, ln, e))
        first: dict[str, list[Any]] = {}
        for p in self._phrases.values():
            first.setdefault(p.toks[0], []).append((list(p.toks[1:]), p.gaps, tuple(p.entries), tuple(p.nested)))
        for bucket in first.values():
            bucket.sort(key=lambda b: -len(b[0]))
        self.first = first
        self.keys = frozenset(first)

    def __len__(self) -> int:
        return len(self._phrases)

    def phrases(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        return list(self._phrases)

    # ---------------------------------------------------------------------------- matching
    def match(self, folded: str) -> tuple[list[_Match], list[str]]:
        """Longest non-overlapping matches in ``folded``, plus its token list."""
        parts = _SPLIT.split(folded)
        toks = parts[1::2]
        hits = self.keys.intersection(toks)
        arabic = not folded.isascii() and _ARABIC.search(folded) is not None
        if not hits and not arabic:
            return [], toks
        # starting token indices (+ Arabic prefix length stripped, and the key to look up)
        starts: list[tuple[int, int, str]] = []
        for h in hits:
            i = toks.index(h)
            while True:
                starts.append((i, 0, h))
                try:
                    i = toks.index(h, i + 1)
                except ValueError:
                    break
        if arabic:
            keys = self.keys
            for i, t in enumerate(toks):
                if t in keys or not _ARABIC.match(t):
                    continue
                for pre in _AR_PREFIXES:
                    if t.startswith(pre) and len(t) - len(pre) >= 2 and t[len(pre) :] in keys:
                        starts.append((i, len(pre), t[len(pre) :]))
                        break
        starts.sort()
        offs = list(accumulate(map(len, parts)))
        first = self.first
        n = len(toks)
        out: list[_Match] = []
        last_end = 0
        for i, pre, key in starts:
            if i < last_end:
                continue
            for rest, gaps, entries, nested in first[key]:
                ln = len(rest)
                if ln:
                    if i + ln >= n or toks[i + 1 : i + 1 + ln] != rest:
                        continue
                    ok = True
                    for j in range(ln):
                        if _gap_class(parts[2 * (i + j) + 2]) != gaps[j]:
                            ok = False
                            break
                    if not ok:
                        continue
                out.append(_Match(i, i + ln + 1, offs[2 * i] + pre, offs[2 * (i + ln) + 1], entries))
                for off, nl, e in nested:
                    a = i + off
                    out.append(_Match(a, a + nl, offs[2 * a] + (pre if off == 0 else 0), offs[2 * (a + nl) - 1], (e,)))
                last_end = i + ln + 1
                break
        return out, toks


def _nest_kind(e: Entry) -> tuple[int, str]:
    if e.etype in (COUNTRY, LEADER):
        return (COUNTRY, "")
    if e.etype == ORG:
        return (ORG, "")
    return (e.etype, e.key)


# ------------------------------------------------------------------------------------------------


class _Field(NamedTuple):
    name: str
    text: str
    base: int  # folded offset where the field starts


class Tagger:
    """Tags items with indicators, countries, regions and organisations. Thread-safe, immutable."""

    def __init__(self, taxonomy: Taxonomy, gazetteer: Gazetteer) -> None:
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.version = taxonomy.version
        self._ind_index = {ind.id: n for n, ind in enumerate(taxonomy.indicators)}
        self._index = PhraseIndex()
        self._build()

    # ---------------------------------------------------------------------------- building
    def _build(self) -> None:
        add = self._index.add
        tax = self.taxonomy
        for ind in tax.indicators:
            for gi, g in enumerate(ind.groups):
                for lang, phrases in g.terms.items():
                    for p in phrases:
                        add(p, Entry(TERM, ind.id, gi, g.weight, lang, _case_sensitive(p), f"term:{lang}:{p}"))
            for stage, langs in ind.stages.items():
                for lang, phrases in langs.items():
                    for p in phrases:
                        add(p, Entry(STAGE, ind.id, stage, 0.0, lang, _case_sensitive(p), f"stage:{stage}"))
        for cue, langs in tax.cues.items():
            for lang, phrases in langs.items():
                for p in phrases:
                    add(p, Entry(CUE, cue, None, 0.0, lang, _case_sensitive(p), f"cue:{cue}"))
        for lang, phrases in tax.negation.items():
            for p in phrases:
                add(p, Entry(NEG, "", None, 0.0, lang, _case_sensitive(p), "negation"))
        for lang, phrases in tax.geo.support.items():
            for p in phrases:
                add(p, Entry(SUPPORT, "", None, 0.0, lang, _case_sensitive(p), "geo-support"))
        for iso3, langs in tax.geo.veto.items():
            for lang, phrases in langs.items():
                for p in phrases:
                    add(p, Entry(VETO, iso3, None, 0.0, lang, _case_sensitive(p), "geo-veto"))
        gz = self.gazetteer
        for cn in gz.names:
            add(
                cn.text,
                Entry(COUNTRY, cn.iso3, cn.kind, 1.0 if cn.ambiguous else 0.0, cn.lang, _case_sensitive(cn.text), f"{cn.kind}:{cn.lang}"),
            )
        for ld in gz.leaders:
            span = (ld.start - LEADER_GRACE, (ld.end + LEADER_GRACE) if ld.end else None)
            years = f"{ld.start.year}-{ld.end.year if ld.end else ''}"
            for form in _leader_forms(ld.name):
                add(form, Entry(LEADER, ld.iso3, span, 0.0, "any", False, f"leader:{years}"))
        for on in gz.org_names:
            add(
                on.text,
                Entry(ORG, on.org, on.kind, 1.0 if on.ambiguous else 0.0, on.lang, _case_sensitive(on.text), f"org:{on.lang}"),
            )
        self._index.freeze()

    # ---------------------------------------------------------------------------- public API
    def tag(
        self,
        title: str,
        summary: str = "",
        language: str | None = None,
        published: datetime | date | None = None,
        *,
        html: bool = True,
    ) -> TagResult:
        title = title or ""
        summary = summary or ""
        if html:
            title = html_to_text(title)
            summary = html_to_text(summary)
        raw = self.tag_plain(title, summary, language, published)
        return raw.result()

    def tag_plain(
        self, title: str, summary: str, language: str | None = None, published: datetime | date | None = None
    ) -> _Raw:
        """Tag plain text; returns the light-weight raw result (``.result()`` / ``.to_json()``)."""
        text = title + _SEP + summary if summary else title
        folded, omap = fold(text)
        matches, toks = self._index.match(folded)
        lang = _norm_lang(language)
        if lang is None:
            lang = _guess_language(toks, folded)
        return _evaluate(self, title, summary, text, omap, matches, lang, published)


def _leader_forms(name: str) -> list[str]:
    forms = [name]
    return forms


_LANG_HINTS: dict[str, frozenset[str]] = {
    "en": frozenset("the of and to in is for on that with was said by from".split()),
    "fr": frozenset("le la les des du une est dans pour sur avec qui au aux".split()),
    "es": frozenset("el los las del una es en por con para que al se".split()),
    "pt": frozenset("o os as do da dos das uma em por com para que ao não".split()),
}


def _guess_language(toks: list[str], folded: str) -> str | None:
    if not folded.isascii() and _ARABIC.search(folded):
        return "ar"
    if not toks:
        return None
    best, best_n = None, 1
    for lang, words in _LANG_HINTS.items():
        n = len(words.intersection(toks))
        if n > best_n:
            best, best_n = lang, n
    return best


# ------------------------------------------------------------------------------------------------
# evaluation


class _Hit(NamedTuple):
    i0: int
    i1: int
    field: str
    start: int
    end: int
    text: str
    entry: Entry


class _Raw:
    """The tagging result before it is turned into dataclasses or JSON."""

    __slots__ = ("countries", "flagged", "indicators", "language", "orgs", "regions", "summary", "title", "version")

    def __init__(
        self,
        title: str,
        summary: str,
        language: str | None,
        indicators: list[tuple[str, float, str | None, list[tuple[_Hit, float]]]],
        countries: list[tuple[str, str, list[_Hit]]],
        regions: list[str],
        orgs: list[tuple[str, list[_Hit]]],
        flagged: bool,
        version: str,
    ) -> None:
        self.title = title
        self.summary = summary
        self.language = language
        self.indicators = indicators
        self.countries = countries
        self.regions = regions
        self.orgs = orgs
        self.flagged = flagged
        self.version = version

    def result(self) -> TagResult:
        def ev(kind: str, ident: str, h: _Hit, w: float) -> Evidence:
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
                OrganisationTag(o, tuple(ev("organisation", o, h, 1.0) for h in hits)) for o, hits in self.orgs
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
                    {"kind": "indicator", "id": i, "field": h.field, "text": h.text, "start": h.start,
                     "end": h.end, "weight": w, "rule": h.entry.rule}
                )
        for iso3, _m, chits in self.countries:
            for h in chits:
                evidence.append(
                    {"kind": "country", "id": iso3, "field": h.field, "text": h.text, "start": h.start,
                     "end": h.end, "weight": 1.0, "rule": h.entry.rule}
                )
        for o, ohits in self.orgs:
            for h in ohits:
                evidence.append(
                    {"kind": "organisation", "id": o, "field": h.field, "text": h.text, "start": h.start,
                     "end": h.end, "weight": 1.0, "rule": h.entry.rule}
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


def _has_lower(s: str) -> bool:
    return s != s.upper()


def _evaluate(
    tagger: Tagger,
    title: str,
    summary: str,
    text: str,
    omap: OffsetMap | None,
    matches: list[_Match],
    lang: str | None,
    published: datetime | date | None,
) -> _Raw:
    tax = tagger.taxonomy
    version = tagger.version
    if not matches:
        return _Raw(title, summary, lang, [], [], [], [], False, version)
    tlen = len(title)
    sbase = tlen + len(_SEP)

    def hit(i0: int, i1: int, fs: int, fe: int, e: Entry) -> _Hit:
        if omap is not None:
            s, en = omap.to_orig(fs), omap.to_orig(fe)
        else:
            s, en = fs, fe
        if s < tlen:
            return _Hit(i0, i1, "title", s, en, title[s:en], e)
        return _Hit(i0, i1, "summary", s - sbase, en - sbase, summary[s - sbase : en - sbase], e)

    terms: list[_Hit] = []
    stages: list[_Hit] = []
    cues: dict[str, list[int]] = {}
    negs: list[int] = []
    countries: list[_Hit] = []
    orgs: list[_Hit] = []
    support: list[int] = []
    vetoes: set[str] = set()

    for i0, i1, fs, fe, ents in matches:
        for e in ents:
            if lang is not None and e.lang != lang and e.lang != "any":
                continue
            et = e.etype
            if et == TERM:
                terms.append(hit(i0, i1, fs, fe, e))
            elif et == COUNTRY or et == ORG:
                h = hit(i0, i1, fs, fe, e)
                if e.cs and _has_lower(h.text):
                    continue
                if e.num and not h.text[:1].isupper() and h.text[:1].lower() != h.text[:1].upper():
                    continue  # ambiguous proper-noun forms in cased scripts must be capitalised
                (countries if et == COUNTRY else orgs).append(h)
            elif et == LEADER:
                when = published.date() if isinstance(published, datetime) else published
                if when is None:
                    when = date.today()
                start, end = e.arg
                if start <= when and (end is None or when <= end):
                    countries.append(hit(i0, i1, fs, fe, e))
            elif et == STAGE:
                stages.append(hit(i0, i1, fs, fe, e))
            elif et == CUE:
                cues.setdefault(e.key, []).append(i0)
            elif et == NEG:
                negs.append(i1)
            elif et == SUPPORT:
                support.append(i0)
            elif et == VETO:
                vetoes.add(e.key)

    # ---- countries
    country_out, regions = _resolve_countries(tagger, countries, support, vetoes)
    if country_out:
        cues["country"] = [h.i0 for _, _, hs in country_out for h in hs]
        if any(h.entry.etype == LEADER for _, _, hs in country_out for h in hs):
            cues["leader"] = [h.i0 for _, _, hs in country_out for h in hs if h.entry.etype == LEADER]

    # ---- organisations
    org_out: dict[str, list[_Hit]] = {}
    if orgs:
        firm = {h.entry.key for h in orgs if not h.entry.num}
        for h in orgs:
            o = h.entry.key
            unless = tax.geo.org_unless.get(o)
            if unless and any(c in cues for c in unless):
                continue
            if h.entry.num and o not in firm and not h.text.isupper():
                continue
            org_out.setdefault(o, []).append(h)
        if org_out:
            cues["organisation"] = [h.i0 for hs in org_out.values() for h in hs]

    # ---- indicators
    settings = tax.settings
    per_ind: dict[str, list[tuple[_Hit, float]]] = {}
    seen_rule: dict[str, int] = {}
    for h in terms:
        e = h.entry
        ind = tax.indicators[tagger._ind_index[e.key]]
        g = ind.groups[e.arg]
        if g.unless and _cue_near(cues, g.unless, h, g.unless_window):
            continue
        if g.near and not all(_cue_near(cues, alts, h, g.window) for alts in g.near):
            continue
        w = g.weight
        if h.field == "title":
            w *= settings.title_factor
        if g.negatable and negs and any(h.i0 - settings.negation_window <= j <= h.i0 for j in negs):
            w *= settings.negation_factor
        n = seen_rule.get(e.rule, 0)
        seen_rule[e.rule] = n + 1
        if n:
            w *= settings.repeat_factor**n
        per_ind.setdefault(e.key, []).append((h, round(w, 4)))
    ind_out: list[tuple[str, float, str | None, list[tuple[_Hit, float]]]] = []
    flagged = False
    for ind in tax.indicators:
        hs = per_ind.get(ind.id)
        if not hs:
            continue
        score = round(sum(w for _, w in hs), 4)
        if score < ind.threshold:
            continue
        if ind.kind in settings.flag_kinds:
            flagged = True
        stage = _stage_of(ind.id, ind.groups, ind.stage_window, hs, stages)
        ind_out.append((ind.id, score, stage, [(h, w) for h, w in hs if w > 0]))
    orgs_list = list(org_out.items())
    return _Raw(title, summary, lang, ind_out, country_out, regions, orgs_list, flagged, version)


def _cue_near(cues: dict[str, list[int]], names: Sequence[str], h: _Hit, window: int) -> bool:
    for c in names:
        pos = cues.get(c)
        if not pos:
            continue
        if window <= 0:
            return True
        lo, hi = h.i0 - window, h.i1 + window
        for p in pos:
            if lo <= p <= hi:
                return True
    return False


def _stage_of(
    ind_id: str,
    groups: Sequence[Any],
    window: int,
    hits: list[tuple[_Hit, float]],
    stages: list[_Hit],
) -> str | None:
    best: tuple[int, int, str] | None = None
    for h, w in hits:
        if w <= 0:
            continue
        st = groups[h.entry.arg].stage
        if st:
            cand = (0, h.i0, st)
            if best is None or cand < best:
                best = cand
    if best is not None:
        return best[2]
    for s in stages:
        if s.entry.key != ind_id:
            continue
        for h, w in hits:
            if w <= 0:
                continue
            d = min(abs(s.i0 - h.i1), abs(h.i0 - s.i1))
            if d <= window:
                cand = (d + 1, s.i0, s.entry.arg)
                if best is None or cand < best:
                    best = cand
    return best[2] if best else None


def _resolve_countries(
    tagger: Tagger, hits: list[_Hit], support: list[int], vetoes: set[str]
) -> tuple[list[tuple[str, str, list[_Hit]]], list[str]]:
    if not hits:
        return [], []
    gz = tagger.gazetteer
    geo = tagger.taxonomy.geo
    firm: set[str] = {h.entry.key for h in hits if not h.entry.num}
    firm_regions = {gz.region_of(c) for c in firm}
    accepted: dict[str, list[_Hit]] = {}
    for h in hits:
        iso3 = h.entry.key
        if h.entry.num:  # ambiguous form
            if iso3 in vetoes:
                continue
            ok = iso3 in firm
            if not ok and support:
                ok = any(h.i0 - geo.support_window <= p <= h.i1 + geo.support_window for p in support)
            if not ok:
                ok = gz.region_of(iso3) in firm_regions
            if not ok:
                continue
        accepted.setdefault(iso3, []).append(h)
    out: list[tuple[str, str, list[_Hit]]] = []
    for iso3, hs in accepted.items():
        method = min(
            ("leader" if h.entry.etype == LEADER else str(h.entry.arg) for h in hs), key=lambda m: _METHOD_RANK.get(m, 9)
        )
        out.append((iso3, method, hs))
    regions = sorted({r for r in (gz.region_of(c) for c in accepted) if r})
    return out, regions


_default_tagger: Tagger | None = None


def load_tagger(extra_taxonomy_files: Sequence[Path | str] = (), *, gazetteer: Gazetteer | None = None) -> Tagger:
    """Build a tagger from the built-in taxonomy plus ``extra_taxonomy_files`` (merged in order)."""
    return Tagger(load_taxonomy(extra_taxonomy_files), gazetteer or get_gazetteer())


def default_tagger() -> Tagger:
    global _default_tagger
    if _default_tagger is None:
        _default_tagger = load_tagger()
    return _default_tagger
