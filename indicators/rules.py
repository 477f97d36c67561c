"""The rules, read on the matches only: language and case filters, leaders by date, ambiguous names
by support, near/unless windows, negation, scores, thresholds and stages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from .entries import BLOCK, CAPS, COUNTRY, CUE, INITIAL, LEADER, NEG, ORG, STAGE, SUPPORT, TERM, VETO, Entry
from .matcher import Match
from .result import Hit, RawResult, new_tuple
from .taxonomy import Taxonomy
from .text import OffsetMap

__all__ = ["SEPARATOR", "Rules"]

SEPARATOR = "\n\x00\n"  # between title and summary: not a word, not a phrase gap
_METHOD_RANK = {"name": 0, "demonym": 1, "capital": 2, "place": 3, "leader": 4}

IndicatorOut = tuple[str, float, str | None, list[tuple[Hit, float]]]


def _has_lower(s: str) -> bool:
    return s != s.upper()


class Rules:
    """The taxonomy's rules and the tables they need, applied to one item's matches."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        region: Mapping[str, str],
        firm: Mapping[Entry, Entry],
        regional_orgs: frozenset[str] = frozenset(),
    ) -> None:
        self.taxonomy = taxonomy
        self.version = taxonomy.version
        self.region = dict(region)  # iso3 -> region slug
        self.firm = dict(firm)  # ambiguous acronym entry -> its firm twin (written in capitals)
        self.regional_orgs = regional_orgs  # regional bodies: their "General Assembly" is not the UN's
        self.indicator_index = {ind.id: n for n, ind in enumerate(taxonomy.indicators)}

    def evaluate(
        self,
        title: str,
        summary: str,
        omap: OffsetMap | None,
        matches: list[Match],
        lang: str | None,
        published: datetime | date | None,
    ) -> RawResult:
        version = self.version
        if not matches:
            return new_tuple(RawResult, (title, summary, lang, [], [], [], [], False, version))
        title_len = len(title)
        summary_base = title_len + len(SEPARATOR)

        def hit(slot: int, slot_end: int, start: int, end: int, e: Entry) -> Hit:
            if omap is not None:
                start, end = omap.to_orig(start), omap.to_orig(end)
            if start < title_len:
                return new_tuple(Hit, (slot, slot_end, "title", start, end, title[start:end], e))
            start -= summary_base
            end -= summary_base
            return new_tuple(Hit, (slot, slot_end, "summary", start, end, summary[start:end], e))

        terms: list[Hit] = []
        stages: list[Hit] = []
        cues: dict[str, list[int]] = {}  # cue name -> slots
        negations: list[int] = []  # slot ends
        countries: list[Hit] = []
        orgs: list[Hit] = []
        support: list[int] = []
        vetoes: set[str] = set()
        ethnic: list[tuple[str, int, int]] = []  # ("ethnic_before" | "ethnic_after", slot, slot end)
        when: date | None = None
        ambiguous = False

        for slot, slot_end, start, end, entries in matches:
            for e in entries:
                if lang is not None and e.lang != lang and e.lang != "any":
                    continue
                kind = e.kind
                if kind == TERM:
                    h = hit(slot, slot_end, start, end, e)
                    if e.case == CAPS and _has_lower(h.text):
                        continue  # an acronym phrase ("ICC") written in lower case is a word
                    terms.append(h)
                elif kind in (COUNTRY, ORG):
                    h = hit(slot, slot_end, start, end, e)
                    if e.case == CAPS:
                        if _has_lower(h.text):
                            continue
                    elif e.case == INITIAL and h.text[:1].islower():
                        continue  # a capitalised name written in lower case is a common word ("turkey")
                    if (
                        e.ambiguous
                        and e.case == CAPS
                        and not (title if h.field == "title" else summary).isupper()
                    ):
                        # an ambiguous acronym (US, UN) in capitals is unambiguous unless the whole
                        # field is in capitals (a shouting headline)
                        h = new_tuple(Hit, (*h[:6], self.firm[e]))
                    if kind == COUNTRY:
                        countries.append(h)
                        if h.entry.ambiguous:
                            ambiguous = True
                    else:
                        orgs.append(h)
                elif e.case == CAPS and _has_lower(hit(slot, slot_end, start, end, e).text):
                    continue  # an acronym phrase ("WHO") written in lower case is a word
                elif kind == LEADER:
                    if when is None:
                        when = published.date() if isinstance(published, datetime) else published
                        if when is None:
                            when = date.today()
                    term_start, term_end = e.arg
                    if e.case == INITIAL and hit(slot, slot_end, start, end, e).text[:1].islower():
                        continue
                    if term_start <= when and (term_end is None or when <= term_end):
                        countries.append(hit(slot, slot_end, start, end, e))
                elif kind == STAGE:
                    stages.append(hit(slot, slot_end, start, end, e))
                elif kind == CUE:
                    cues.setdefault(e.key, []).append(slot)
                elif kind == NEG:
                    negations.append(slot_end)
                elif kind == SUPPORT:
                    support.append(slot)
                elif kind == VETO:
                    vetoes.add(e.key)
                elif kind == BLOCK and e.key:
                    ethnic.append((e.key, slot, slot_end))

        if ethnic and countries:
            countries = [h for h in countries if not _ethnic_group(h, ethnic)]

        country_out, regions = self._countries(countries, support, vetoes, ambiguous)
        if country_out and terms:
            cues["country"] = [h.slot for _, _, hs in country_out for h in hs]
            leaders = [h.slot for _, _, hs in country_out for h in hs if h.entry.kind == LEADER]
            if leaders:
                cues["leader"] = leaders

        org_out = self._organisations(orgs, cues)
        if org_out:
            cues["organisation"] = [h.slot for hs in org_out.values() for h in hs]

        if not terms:
            return new_tuple(
                RawResult,
                (title, summary, lang, [], country_out, regions, list(org_out.items()), False, version),
            )
        ind_out, flagged = self._indicators(terms, cues, negations, stages)
        return new_tuple(
            RawResult,
            (title, summary, lang, ind_out, country_out, regions, list(org_out.items()), flagged, version),
        )

    def _organisations(self, orgs: list[Hit], cues: dict[str, list[int]]) -> dict[str, list[Hit]]:
        out: dict[str, list[Hit]] = {}
        if not orgs:
            return out
        org_unless = self.taxonomy.geo.org_unless
        firm = {h.entry.key for h in orgs if not h.entry.ambiguous}
        for h in orgs:
            org = h.entry.key
            unless = org_unless.get(org)
            if unless and any(c in cues for c in unless):
                continue
            if h.entry.ambiguous and not h.text.isupper() and firm <= self.regional_orgs:
                # an ambiguous name ("Security Council") needs a firm organisation beside it, and a
                # regional one does not do: the OAS General Assembly is not the UN's
                continue
            prev = out.get(org)
            if prev is None:
                out[org] = [h]
            elif prev[-1].slot != h.slot:
                prev.append(h)
        return out

    def _indicators(
        self, terms: list[Hit], cues: dict[str, list[int]], negations: list[int], stages: list[Hit]
    ) -> tuple[list[IndicatorOut], bool]:
        tax = self.taxonomy
        settings = tax.settings
        # one weight per (indicator, match): the best surviving entry (a phrase may sit in several
        # groups or languages)
        best: dict[tuple[str, int], tuple[float, Hit]] = {}
        for h in terms:
            e = h.entry
            group = tax.indicators[self.indicator_index[e.key]].groups[e.arg]
            if group.unless and cue_near(cues, group.unless, h, group.unless_window):
                continue
            if group.near and not all(cue_near(cues, alts, h, group.window) for alts in group.near):
                continue
            w = group.weight
            if h.field == "title":
                w *= settings.title_factor
            if (
                group.negatable
                and negations
                and any(h.slot - settings.negation_window <= j <= h.slot for j in negations)
            ):
                w *= settings.negation_factor
            k = (e.key, h.slot)
            cur = best.get(k)
            if cur is None or w > cur[0]:
                best[k] = (w, h)
        per_indicator: dict[str, list[tuple[Hit, float]]] = {}
        seen: dict[tuple[str, str], int] = {}
        for (ind_id, _slot), (w, h) in sorted(best.items(), key=lambda kv: kv[0][1]):
            repeat_key = (ind_id, h.text.casefold())
            n = seen.get(repeat_key, 0)
            seen[repeat_key] = n + 1
            if n and w > 0:
                w *= settings.repeat_factor**n
            per_indicator.setdefault(ind_id, []).append((h, round(w, 4)))
        out: list[IndicatorOut] = []
        flagged = False
        for ind in tax.indicators if per_indicator else ():
            hits = per_indicator.get(ind.id)
            if not hits:
                continue
            score = round(sum(w for _, w in hits), 4)
            if score < ind.threshold:
                continue
            if ind.kind in settings.flag_kinds:
                flagged = True
            stage = stage_of(ind.id, ind.groups, ind.stage_window, hits, stages)
            out.append((ind.id, score, stage, [(h, w) for h, w in hits if w > 0]))
        return out, flagged

    def _countries(
        self, hits: list[Hit], support: list[int], vetoes: set[str], ambiguous: bool
    ) -> tuple[list[tuple[str, str, list[Hit]]], list[str]]:
        if not hits:
            return [], []
        region = self.region
        accepted: dict[str, list[Hit]] = {}
        if ambiguous:
            support_window = self.taxonomy.geo.support_window
            firm = {h.entry.key for h in hits if not h.entry.ambiguous}
            firm_regions = {region.get(c) for c in firm}
        for h in hits:
            iso3 = h.entry.key
            if ambiguous and h.entry.ambiguous:
                if iso3 in vetoes:
                    continue
                ok = iso3 in firm
                if not ok and support:
                    ok = any(h.slot - support_window <= p <= h.slot_end + support_window for p in support)
                if not ok:
                    ok = region.get(iso3) in firm_regions
                if not ok:
                    continue
            prev = accepted.get(iso3)
            if prev is None:
                accepted[iso3] = [h]
            elif prev[-1].slot != h.slot:  # one evidence per span (forms in several languages)
                prev.append(h)
        out: list[tuple[str, str, list[Hit]]] = []
        for iso3, hs in accepted.items():
            method = _method(hs[0].entry)
            rank = _METHOD_RANK.get(method, 9)
            for h in hs[1:]:  # the surest way the country was named: its name, then a demonym ...
                other = _method(h.entry)
                if other != method and _METHOD_RANK.get(other, 9) < rank:
                    method, rank = other, _METHOD_RANK.get(other, 9)
            out.append((iso3, method, hs))
        if len(accepted) == 1:
            r = region.get(next(iter(accepted)))
            return out, [r] if r else []
        return out, sorted({r for r in map(region.get, accepted) if r})


def _ethnic_group(h: Hit, markers: list[tuple[str, int, int]]) -> bool:
    """A demonym right after "ethnic" or right before "de souche" names a group, not a country."""
    if h.entry.kind != COUNTRY or h.entry.arg != "demonym":
        return False
    for side, slot, slot_end in markers:
        if side == "ethnic_before" and 0 <= h.slot - slot_end <= 1:
            return True
        if side == "ethnic_after" and 0 <= slot - h.slot_end <= 1:
            return True
    return False


def _method(e: Entry) -> str:
    return "leader" if e.kind == LEADER else str(e.arg)


def cue_near(cues: dict[str, list[int]], names: Sequence[str], h: Hit, window: int) -> bool:
    """Whether one of the cues ``names`` is within ``window`` slots of ``h`` (0: anywhere)."""
    for c in names:
        positions = cues.get(c)
        if not positions:
            continue
        if window <= 0:
            return True
        lo, hi = h.slot - window, h.slot_end + window
        for p in positions:
            if lo <= p <= hi:
                return True
    return False


def stage_of(
    ind_id: str, groups: Sequence[Any], window: int, hits: list[tuple[Hit, float]], stages: list[Hit]
) -> str | None:
    """The group's fixed stage, else the nearest stage phrase within ``window`` slots of a counted
    hit; a threat ("threatens to impose sanctions") outranks the action it threatens."""
    best: tuple[int, int, str] | None = None
    fixed: tuple[int, str] | None = None
    for h, w in hits:
        if w <= 0:
            continue
        st = groups[h.entry.arg].stage
        if st and (fixed is None or h.slot < fixed[0]):
            fixed = (h.slot, st)
    for s in stages:
        if s.entry.key != ind_id:
            continue
        for h, w in hits:
            if w <= 0:
                continue
            d = min(abs(s.slot - h.slot_end), abs(h.slot - s.slot_end))
            if d <= window:
                cand = (0 if s.entry.arg == "threatened" else 1, d, s.entry.arg)
                if best is None or cand < best:
                    best = cand
    if best is not None and (fixed is None or best[0] == 0):
        return best[2]
    return fixed[1] if fixed else (best[2] if best else None)
