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

import functools
import hashlib
import json
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from .gazetteer import Gazetteer, get_gazetteer
from .model import CountryTag, Evidence, IndicatorTag, OrganisationTag, TagResult
from .taxonomy import BUILTIN_TAXONOMY, Taxonomy, load_taxonomy
from .text import OffsetMap, fold, html_to_text

__all__ = ["Tagger", "load_tagger"]

# entry types
TERM, STAGE, CUE, NEG, COUNTRY, LEADER, ORG, SUPPORT, VETO, BLOCK = range(10)

_SPLIT = re.compile(r"(\w+)")  # for phrases at build time: tokens and the gaps between them
_NON_WORD = re.compile(r"\W")
# ASCII text: every non-word byte becomes a space in one C-level bytes.translate
_ASCII_SPACE = bytes.maketrans(
    bytes(range(256)), bytes(c if (chr(c).isalnum() or c == 95) and c < 128 else 32 for c in range(256))
)


def slots(folded: str) -> list[str]:
    """The folded text cut at every non-word character (Unicode ``\\W``): tokens, and an empty
    string for each extra separator, so slot ``m`` starts at ``sum(len(sl[k]) + 1 for k < m)``.

    Three to four times faster than a regex split: the text is ASCII after folding nearly always,
    and then a ``bytes.translate`` and a ``str.split`` do it all.
    """
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_SPACE).decode("ascii").split(" ")
    return _NON_WORD.sub(" ", folded).split(" ")


_ARABIC = re.compile("[\u0600-\u06ff]")
_SEP = "\n\x00\n"  # between title and summary: not a word, not a phrase gap
_AR_PREFIXES = (  # proclitics; tried so that the article stays in the evidence where it can
    "وب",
    "ول",
    "وك",
    "فب",
    "فل",
    "فك",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
    "ولل",
    "فلل",
    "لل",
    "وبال",
    "وكال",
    "وفال",
    "فبال",
    "وال",
    "فال",
    "بال",
    "كال",
    "ال",
)
_WEAK_FIRST = frozenset(
    [
        "the",
        "to",
        "a",
        "an",
        "s",
        "i",
        "be",
        "of",
        "in",
        "and",
        "on",
        "for",
        "at",
        "by",
        "de",
        "la",
        "le",
        "les",
        "l",
        "d",
        "el",
        "los",
        "las",
        "del",
        "o",
        "os",
        "as",
        "do",
        "da",
        "e",
        "et",
        "y",
        "al",
    ]
)
_ARTICLES = frozenset({"the", "le", "la", "les", "l", "el", "los", "las", "o", "a", "os", "as"})
_CACHE_FORMAT = 1
LEADER_GRACE = timedelta(days=90)
_METHOD_RANK = {"name": 0, "demonym": 1, "capital": 2, "place": 3, "leader": 4}


class Entry(NamedTuple):
    etype: int
    key: str  # indicator id / cue / iso3 / org id
    arg: Any  # group index / stage / kind / (start, end) / None
    num: float  # weight, or 1.0 for ambiguous gazetteer forms
    lang: str
    cs: int  # case rule: 0 none, CAPS the text must have no lower-case letter, INITIAL it must start with one
    rule: str


# a match: (first token index, last token index + 1, folded char start, folded char end, entries);
# a plain tuple because a NamedTuple's __new__ is Python code and matching makes many of them
_Match = tuple[int, int, int, int, tuple[Entry, ...]]


def _gap_class(g: str) -> str:
    s = g.strip()
    return " " if s in ("", "-", "/") and "\x00" not in g else s


@functools.lru_cache(maxsize=4096)
def _gap_class_cached(g: str) -> str:
    return _gap_class(g)


def _tokens(phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    folded, _ = fold(phrase)
    parts = _SPLIT.split(folded)
    return tuple(parts[1::2]), tuple(map(_gap_class_cached, parts[2:-1:2]))


CAPS, INITIAL = 1, 2
NEED_CONTEXT, NEED_GEO = 1, 2


def _case_sensitive(phrase: str) -> int:
    """CAPS for acronyms written in capitals ("ICC", "AU"), else 0."""
    return CAPS if phrase.upper() == phrase and phrase.lower() != phrase else 0


def _case_rule(phrase: str) -> int:
    """Gazetteer forms: CAPS for acronyms, INITIAL for capitalised names ("Chad", not "chad")."""
    return _case_sensitive(phrase) or (INITIAL if phrase[:1].isupper() else 0)


_LANG_CACHE: dict[str, str | None] = {}


def _norm_lang(lang: str | None) -> str | None:
    """'en-US' -> 'en'; '' / None -> None."""
    if not lang:
        return None
    v = _LANG_CACHE.get(lang)
    if v is None and lang not in _LANG_CACHE:
        v = lang.strip().lower().replace("_", "-").split("-")[0] or None
        if len(_LANG_CACHE) < 1000:
            _LANG_CACHE[lang] = v
    return v


@dataclass(slots=True)
class _Phrase:
    toks: tuple[str, ...]
    gaps: tuple[str, ...]
    entries: list[Entry]
    nested: list[tuple[int, int, Entry]]


# a trie node: entries ending here, children by edge key, nested entries, whether an edge needs a
# gap other than a space, and the OR of the entries' "flags" (what else a match here needs read)
_Node = tuple[tuple[Entry, ...], "dict[str, Any] | None", tuple[tuple[int, int, Entry], ...], bool, int]


def _child_key(gap: str, tok: str) -> str:
    """Trie edge key: the token alone after a space (nearly always), else gap + \x01 + token."""
    return tok if gap == " " else f"{gap}\x01{tok}"


_GAPS: dict[str, str] = {" ": " "}


# an anchored phrase: tokens before the anchor, their gaps (incl. the one before the anchor), tokens
# after it, their gaps, entries, nested entries
_Anchored = tuple[
    list[str],
    tuple[str, ...],
    list[str],
    tuple[str, ...],
    tuple[Entry, ...],
    tuple[tuple[int, int, Entry], ...],
    int,
]


class PhraseIndex:
    """A token trie: first token -> node; node = (entries, children keyed by edge, nested)."""

    def __init__(self) -> None:
        self._phrases: dict[tuple[tuple[str, ...], tuple[str, ...]], _Phrase] = {}
        self.first: dict[str, _Node] = {}
        self.anchored: dict[str, list[_Anchored]] = {}
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

    def freeze(self, flag_of: Callable[[Entry], int] | None = None) -> None:
        # "the Gambia" is redundant next to "Gambia": drop it, so that "the" need not start a match
        for key, p in list(self._phrases.items()):
            if len(p.toks) > 1 and p.toks[0] in _ARTICLES:
                q = self._phrases.get((p.toks[1:], p.gaps[1:]))
                if q is not None and all(e in q.entries for e in p.entries):
                    del self._phrases[key]
        by_toks: dict[tuple[str, ...], list[_Phrase]] = {}
        for p in self._phrases.values():
            by_toks.setdefault(p.toks, []).append(p)
        # nested entries: shorter phrases of another kind inside a longer one
        starts = {p.toks[0] for p in self._phrases.values()}
        for p in self._phrases.values():
            n = len(p.toks)
            if n < 2 or not any(t in starts for t in p.toks):
                continue
            kinds = {_nest_kind(e) for e in p.entries}
            has_org = any(e.etype == ORG for e in p.entries)
            has_place = any(e.etype in (COUNTRY, LEADER, BLOCK) for e in p.entries)
            for off in range(n):
                if p.toks[off] not in starts:
                    continue
                for ln in range(n - off, 0, -1):
                    if ln == n:
                        continue
                    for q in by_toks.get(p.toks[off : off + ln], ()):
                        if q.gaps != p.gaps[off : off + ln - 1]:
                            continue
                        for e in q.entries:
                            if _nest_kind(e) in kinds:
                                continue
                            if has_org and e.etype == COUNTRY and e.arg == "demonym":
                                continue
                            if has_place and e.etype in (COUNTRY, LEADER):
                                continue
                            p.nested.append((off, ln, e))

        # phrases starting with a frequent word ("the States", "To Lam", "Be'eri") are anchored on
        # their first other token and checked backwards, so that "the" need not start a walk
        def flags_of(entries: Sequence[Entry], nested: Sequence[tuple[int, int, Entry]]) -> int:
            f = 0
            if flag_of is not None:
                for e in [*entries, *(x[2] for x in nested)]:
                    f |= flag_of(e)
            return f

        anchored: dict[str, list[_Anchored]] = {}
        root: dict[str, list[Any]] = {}
        for p in self._phrases.values():
            if len(p.toks) > 1 and p.toks[0] in _WEAK_FIRST:
                a = next((k for k, t in enumerate(p.toks) if t not in _WEAK_FIRST), None)
                if a is not None:
                    anchored.setdefault(p.toks[a], []).append(
                        (
                            list(p.toks[:a]),
                            p.gaps[:a],
                            list(p.toks[a + 1 :]),
                            p.gaps[a:],
                            _drop_shadowed(p.entries),
                            tuple(p.nested),
                            flags_of(p.entries, p.nested),
                        )
                    )
                    continue
            node = root.setdefault(p.toks[0], [[], {}, []])
            for gap, tok in zip(p.gaps, p.toks[1:], strict=True):
                node = node[1].setdefault(_child_key(gap, tok), [[], {}, []])
            node[0].extend(e for e in p.entries if e not in node[0])
            node[2].extend(p.nested)

        def freeze_node(node: list[Any]) -> _Node:
            children = {k: freeze_node(v) for k, v in node[1].items()} or None
            special = children is not None and any("\x01" in k for k in children)
            return (_drop_shadowed(node[0]), children, tuple(node[2]), special, flags_of(node[0], node[2]))

        self.first = {k: freeze_node(v) for k, v in root.items()}
        for cands in anchored.values():
            cands.sort(key=lambda c: -(len(c[0]) + len(c[2])))
        self.anchored = anchored
        self.keys = frozenset(self.first) | frozenset(anchored)

    def __getstate__(self) -> dict[str, Any]:
        # the build-time phrase table is not needed for matching (and triples the cache file)
        return {
            "first": self.first,
            "anchored": self.anchored,
            "keys": self.keys,
            "_phrases": {},
            "_count": len(self),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __len__(self) -> int:
        return len(self._phrases) or int(self.__dict__.get("_count", 0))

    def phrases(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """(tokens, gaps) of every phrase; empty for an index loaded from the cache."""
        return list(self._phrases)

    # ---------------------------------------------------------------------------- matching
    def match(self, folded: str, sl: list[str], arabic: bool, out: list[_Match], cur: list[int]) -> int:
        """Append the longest non-overlapping matches to ``out``.

        ``sl`` is ``slots(folded)``; match positions are slot indices. ``cur`` is a cursor
        ``[slot index, its char offset]`` shared by successive calls (positions only move forward).
        Returns the OR of the flags of the matched nodes.
        """
        need = 0
        keys = self.keys
        stems: dict[int, tuple[int, str]] | None = None
        if arabic:
            # Arabic tokens that are not keys may be keys once their proclitics are removed
            stems = {}
            for i, t in enumerate(sl):
                if not t or t in keys or not _ARABIC.match(t):
                    continue
                for prefix in _AR_PREFIXES:
                    stem = t[len(prefix) :]
                    if t.startswith(prefix) and len(stem) >= 2 and stem in keys:
                        stems[i] = (len(prefix), stem)
                        break
            idxs = sorted({i for i, t in enumerate(sl) if t in keys} | set(stems))
        else:
            idxs = [i for i, t in enumerate(sl) if t in keys]
        if not idxs:
            return 0
        first = self.first
        anchored = self.anchored
        n = len(sl)
        last_end = 0
        ck, cp = cur  # char offset cursor: slot index, its char offset
        for i in idxs:
            if i < last_end:
                continue
            pre = 0
            key = sl[i]
            if stems is not None and i in stems:
                pre, key = stems[i]
            node = first.get(key)
            best: _Node | None = None
            children = None
            if node is not None:
                if node[0]:
                    best = node
                children = node[1]
                if children is not None:
                    # peek: does the next token continue any phrase? (most starts end here)
                    k = i + 1
                    while k < n and not sl[k]:
                        k += 1
                    if k >= n or (sl[k] not in children and not node[3]):
                        children = None
            anch = anchored and not pre and key in anchored
            if best is None and children is None and not anch:
                continue
            # char offset of slot i
            if i < ck:
                ck, cp = 0, 0
            cp += sum(map(len, sl[ck:i])) + i - ck
            ck = i
            best_j = i
            best_e = cp + len(sl[i])
            path: list[int] | None = None
            best_n = 1
            if children is not None:
                j = i
                e = best_e  # char end of slot j
                path = [i]
                while True:
                    k = j + 1
                    while k < n and not sl[k]:
                        k += 1
                    if k >= n:
                        break
                    glen = k - j
                    nt = sl[k]
                    if glen == 1 and folded[e] == " ":
                        nxt = children.get(nt)
                    else:
                        g = folded[e : e + glen]
                        gc = _GAPS.get(g)
                        if gc is None:
                            gc = _gap_class(g)
                            if len(_GAPS) < 10000:
                                _GAPS[g] = gc
                        nxt = children.get(_child_key(gc, nt))
                    if nxt is None:
                        break
                    path.append(k)
                    j = k
                    e += glen + len(nt)
                    if nxt[0]:
                        best, best_j, best_e, best_n = nxt, j, e, len(path)
                    children = nxt[1]
                    if children is None:
                        break
            start = i
            start_c = cp
            if anch:
                got = _match_anchored(anchored[key], folded, sl, i, cp, last_end)
                if got is not None and got[2] - got[1] > best_e - cp:
                    start, start_c, best, best_j, best_e, path = (
                        got[0],
                        got[1],
                        got[3],
                        i + got[4],
                        got[2],
                        got[5],
                    )
                    best_n = len(path)
            if best is None:
                continue
            out.append((start, best_j + 1, start_c + pre, best_e, best[0]))
            need |= best[4]
            if best[2]:
                if path is None:
                    path = [i]
                for off, nl, e2 in best[2]:
                    if off + nl > best_n:
                        continue
                    a, b = path[off], path[off + nl - 1]
                    s0 = start_c + sum(map(len, sl[start:a])) + a - start
                    s1 = s0 + sum(map(len, sl[a:b])) + b - a + len(sl[b])
                    out.append((a, b + 1, s0 + (pre if a == start else 0), s1, (e2,)))
            last_end = best_j + 1
        cur[0] = ck
        cur[1] = cp
        return need


def _drop_shadowed(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """Drop an ambiguous country entry when the same phrase is also a firm form of that country."""
    firm = {(e.key, e.lang) for e in entries if e.etype == COUNTRY and not e.num}
    return tuple(e for e in entries if not (e.num and e.etype == COUNTRY and (e.key, e.lang) in firm))


def _walk_nodes(first: dict[str, _Node]) -> Iterator[_Node]:
    stack = list(first.values())
    while stack:
        node = stack.pop()
        yield node
        if node[1]:
            stack.extend(node[1].values())


def _match_anchored(
    cands: list[_Anchored], folded: str, sl: list[str], i: int, ci: int, last_end: int
) -> tuple[int, int, int, _Node, int, list[int]] | None:
    """The longest anchored phrase whose anchor is slot ``i`` (at char ``ci``).

    Returns (first slot, its char offset, char end, node, last slot - i, slot path)."""
    n = len(sl)
    for ptoks, pgaps, stoks, sgaps, entries, nested, flags in cands:
        # backwards over the prefix tokens
        ok = True
        path = [i]
        k = i
        ck = ci
        for m in range(len(ptoks) - 1, -1, -1):
            q = k - 1
            while q >= 0 and not sl[q]:
                q -= 1
            if q < last_end or sl[q] != ptoks[m]:
                ok = False
                break
            gap = folded[ck - (k - q) : ck]
            if (" " if gap == " " else _gap_class(gap)) != pgaps[m]:
                ok = False
                break
            ck = ck - (k - q) - len(sl[q])
            k = q
            path.insert(0, q)
        if not ok:
            continue
        # forwards over the suffix tokens
        j = i
        e = ci + len(sl[i])
        for m, tok in enumerate(stoks):
            q = j + 1
            while q < n and not sl[q]:
                q += 1
            if q >= n or sl[q] != tok:
                ok = False
                break
            gap = folded[e : e + q - j]
            if (" " if gap == " " else _gap_class(gap)) != sgaps[m]:
                ok = False
                break
            e += q - j + len(tok)
            j = q
            path.append(q)
        if ok:
            return k, ck, e, (entries, None, nested, False, flags), j - i, path
    return None


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
        self._gazetteer: Gazetteer | None = gazetteer
        self._region = {iso3: row["region"] for iso3, row in gazetteer.countries.items()}
        self.version = taxonomy.version
        self._ind_index = {ind.id: n for n, ind in enumerate(taxonomy.indicators)}
        self._primary = PhraseIndex()  # terms, countries, leaders, organisations
        self._context = PhraseIndex()  # cues, stages, negations: read only when a term matched
        self._geo = PhraseIndex()  # geo support and veto cues: read only for ambiguous names
        self._build()

    # ---------------------------------------------------------------------------- building
    def _build(self) -> None:
        add1 = self._primary.add
        add2 = self._context.add
        add3 = self._geo.add
        tax = self.taxonomy
        for ind in tax.indicators:
            for gi, g in enumerate(ind.groups):
                for lang, phrases in g.terms.items():
                    for p in phrases:
                        add1(
                            p, Entry(TERM, ind.id, gi, g.weight, lang, _case_sensitive(p), f"term:{lang}:{p}")
                        )
            for stage, langs in ind.stages.items():
                for lang, phrases in langs.items():
                    for p in phrases:
                        add2(p, Entry(STAGE, ind.id, stage, 0.0, lang, _case_sensitive(p), f"stage:{stage}"))
        for cue, langs in tax.cues.items():
            for lang, phrases in langs.items():
                for p in phrases:
                    add2(p, Entry(CUE, cue, None, 0.0, lang, _case_sensitive(p), f"cue:{cue}"))
        for lang, phrases in tax.negation.items():
            for p in phrases:
                add2(p, Entry(NEG, "", None, 0.0, lang, _case_sensitive(p), "negation"))
        for lang, phrases in tax.geo.support.items():
            for p in phrases:
                add3(p, Entry(SUPPORT, "", None, 0.0, lang, _case_sensitive(p), "geo-support"))
        for iso3, langs in tax.geo.veto.items():
            for lang, phrases in langs.items():
                for p in phrases:
                    add3(p, Entry(VETO, iso3, None, 0.0, lang, _case_sensitive(p), "geo-veto"))
        gz = self.gazetteer
        geo = tax.geo
        dropped = {(iso3, _tokens(f)) for iso3, forms in geo.drop.items() for f in forms}
        names = [(cn.iso3, cn.lang, cn.kind, cn.text, cn.ambiguous) for cn in gz.names]
        names += [
            (a.iso3, lang, a.kind, f, a.ambiguous)
            for a in geo.add
            for lang, fs in a.forms.items()
            for f in fs
        ]
        demonyms: dict[str, set[str]] = {}
        for iso3, lang, kind, text, ambiguous in names:
            if iso3 in geo.drop and (iso3, _tokens(text)) in dropped:
                continue
            add1(
                text,
                Entry(
                    COUNTRY, iso3, kind, 1.0 if ambiguous else 0.0, lang, _case_rule(text), f"{kind}:{lang}"
                ),
            )
            if kind == "demonym":
                demonyms.setdefault(lang, set()).add(text)
        # "ethnic Armenians" names a group, not a country
        for lang, prefixes in geo.ethnic_prefix.items():
            for pre in prefixes:
                for d in demonyms.get(lang, ()):
                    add1(f"{pre} {d}", Entry(BLOCK, "", None, 0.0, lang, 0, "block:ethnic"))
        for lang, phrases in geo.block.items():
            for p in phrases:
                add1(p, Entry(BLOCK, "", None, 0.0, lang, 0, "block"))
        for ld in gz.leaders:
            span = (ld.start - LEADER_GRACE, (ld.end + LEADER_GRACE) if ld.end else None)
            years = f"{ld.start.year}-{ld.end.year if ld.end else ''}"
            for form in _leader_forms(ld.name):
                add1(form, Entry(LEADER, ld.iso3, span, 0.0, "any", _case_rule(form), f"leader:{years}"))
        for on in gz.org_names:
            add1(
                on.text,
                Entry(
                    ORG,
                    on.org,
                    on.kind,
                    1.0 if on.ambiguous else 0.0,
                    on.lang,
                    _case_rule(on.text),
                    f"org:{on.lang}",
                ),
            )
        org_unless = set(tax.geo.org_unless)

        def flag_of(e: Entry) -> int:
            if e.etype == TERM or (e.etype == ORG and e.key in org_unless):
                return NEED_CONTEXT
            if e.etype == COUNTRY and e.num and e.cs != CAPS:
                return NEED_GEO
            return 0

        self._primary.freeze(flag_of)
        # ambiguous acronyms become firm when written in capitals: their firm twins, made once
        self._firm = {
            e: e._replace(num=0.0)
            for node in _walk_nodes(self._primary.first)
            for e in node[0]
            if e.num and e.cs == CAPS
        }
        self._context.freeze()
        self._geo.freeze()
        self._org_unless = frozenset(tax.geo.org_unless)

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
        sl = slots(folded)
        arabic = not folded.isascii() and _ARABIC.search(folded) is not None
        matches: list[_Match] = []
        cur = [0, 0]
        need = self._primary.match(folded, sl, arabic, matches, cur)
        if need:
            self._match_context(folded, sl, arabic, matches, cur, need)
        lang = _norm_lang(language)
        if lang is None:
            lang = _guess_language(sl, folded)
        return _evaluate(self, title, summary, text, omap, matches, lang, published)

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:  # not kept in the cache file: the tagger itself needs only regions
            self._gazetteer = get_gazetteer()
        return self._gazetteer

    def __getstate__(self) -> dict[str, Any]:
        state = {k: getattr(self, k) for k in self.__dict__}
        state["_gazetteer"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _match_context(
        self, folded: str, sl: list[str], arabic: bool, matches: list[_Match], cur: list[int], need: int
    ) -> None:
        """Add the cue, stage and negation matches (when a term or a conditional organisation
        matched) and the geo cues (when an ambiguous name matched)."""
        n = len(matches)
        if need & NEED_CONTEXT:
            self._context.match(folded, sl, arabic, matches, cur)
        if need & NEED_GEO:
            self._geo.match(folded, sl, arabic, matches, cur)
        if len(matches) > n:
            matches.sort(key=_first)


def _first(m: _Match) -> int:
    return m[0]


def _leader_forms(name: str) -> list[str]:
    forms = [name]
    return forms


_LANG_HINTS: dict[str, frozenset[str]] = {
    "en": frozenset(
        ["the", "of", "and", "to", "in", "is", "for", "on", "that", "with", "was", "said", "by", "from"]
    ),
    "fr": frozenset(
        ["le", "la", "les", "des", "du", "une", "est", "dans", "pour", "sur", "avec", "qui", "au", "aux"]
    ),
    "es": frozenset(["el", "los", "las", "del", "una", "es", "en", "por", "con", "para", "que", "al", "se"]),
    "pt": frozenset(
        ["o", "os", "as", "do", "da", "dos", "das", "uma", "em", "por", "com", "para", "que", "ao", "não"]
    ),
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


_tnew = tuple.__new__
_esc: Callable[[str], str] = json.encoder.encode_basestring_ascii


class _Hit(NamedTuple):
    i0: int
    i1: int
    field: str
    start: int
    end: int
    text: str
    entry: Entry


class _Raw(NamedTuple):
    """The tagging result before it is turned into dataclasses or JSON (made with tuple.__new__)."""

    title: str
    summary: str
    language: str | None
    indicators: list[tuple[str, float, str | None, list[tuple[_Hit, float]]]]
    countries: list[tuple[str, str, list[_Hit]]]
    regions: list[str]
    orgs: list[tuple[str, list[_Hit]]]
    flagged: bool
    version: str

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
            inds = ",".join(esc(t[0]) for t in self.indicators)
            stages = ",".join(f"{esc(t[0])}:{esc(t[2])}" for t in self.indicators if t[2])
            scores = ",".join(f"{esc(t[0])}:{t[1]!r}" for t in self.indicators)
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
        countries = ",".join(esc(c[0]) for c in self.countries)
        regions = ",".join(esc(r) for r in self.regions)
        orgs = ",".join(esc(o[0]) for o in self.orgs)
        lang = esc(self.language) if self.language is not None else "null"
        return (
            f'{head}"indicators":[{inds}],"countries":[{countries}],"regions":[{regions}],'
            f'"organisations":[{orgs}],"flagged":{"true" if self.flagged else "false"},'
            f'"stages":{{{stages}}},"scores":{{{scores}}},"language":{lang},'
            f'"taxonomy_version":{esc(self.version)},"evidence":[{",".join(ev)}]}}'
        )


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
        return _tnew(_Raw, (title, summary, lang, [], [], [], [], False, version))
    tlen = len(title)
    sbase = tlen + len(_SEP)

    def hit(i0: int, i1: int, fs: int, fe: int, e: Entry) -> _Hit:
        # tuple.__new__ directly: a NamedTuple's own __new__ is Python code
        if omap is not None:
            fs, fe = omap.to_orig(fs), omap.to_orig(fe)
        if fs < tlen:
            return _tnew(_Hit, (i0, i1, "title", fs, fe, title[fs:fe], e))
        fs -= sbase
        fe -= sbase
        return _tnew(_Hit, (i0, i1, "summary", fs, fe, summary[fs:fe], e))

    terms: list[_Hit] = []
    stages: list[_Hit] = []
    cues: dict[str, list[int]] = {}
    negs: list[int] = []
    countries: list[_Hit] = []
    orgs: list[_Hit] = []
    support: list[int] = []
    vetoes: set[str] = set()
    when: date | None = None
    ambiguous = False

    for i0, i1, fs, fe, ents in matches:
        for e in ents:
            if lang is not None and e.lang != lang and e.lang != "any":
                continue
            et = e.etype
            if e.cs == CAPS and et != COUNTRY and et != ORG and _has_lower(hit(i0, i1, fs, fe, e).text):
                continue  # an acronym phrase ("ICC", "WHO") written in lower case is a word
            if et == TERM:
                terms.append(hit(i0, i1, fs, fe, e))
            elif et in (COUNTRY, ORG):
                h = hit(i0, i1, fs, fe, e)
                if e.cs == CAPS:
                    if _has_lower(h.text):
                        continue
                elif e.cs == INITIAL and h.text[:1].islower():
                    continue  # a capitalised name written in lower case is a common word ("turkey")
                if e.num and e.cs == CAPS and not (title if h.field == "title" else summary).isupper():
                    # an ambiguous acronym (US, UN) in capitals is unambiguous unless the whole
                    # field is in capitals (a shouting headline)
                    h = _tnew(_Hit, (*h[:6], tagger._firm[e]))
                if et == COUNTRY:
                    countries.append(h)
                    if h.entry.num:
                        ambiguous = True
                else:
                    orgs.append(h)
            elif et == LEADER:
                if when is None:
                    when = published.date() if isinstance(published, datetime) else published
                    if when is None:
                        when = date.today()
                start, end = e.arg
                if e.cs == INITIAL and hit(i0, i1, fs, fe, e).text[:1].islower():
                    continue
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
    country_out, regions = _resolve_countries(tagger, countries, support, vetoes, ambiguous)
    if country_out and terms:
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
            if h.entry.num and not firm and not h.text.isupper():
                continue  # an ambiguous name ("Security Council") needs a firm organisation beside it
            prev = org_out.get(o)
            if prev is None:
                org_out[o] = [h]
            elif prev[-1].i0 != h.i0:
                prev.append(h)
        if org_out:
            cues["organisation"] = [h.i0 for hs in org_out.values() for h in hs]

    if not terms:
        return _tnew(
            _Raw, (title, summary, lang, [], country_out, regions, list(org_out.items()), False, version)
        )

    # ---- indicators
    settings = tax.settings
    per_ind: dict[str, list[tuple[_Hit, float]]] = {}
    # one weight per (indicator, match): the best surviving entry (a phrase may sit in several
    # groups or languages)
    best: dict[tuple[str, int], tuple[float, _Hit]] = {}
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
        k = (e.key, h.i0)
        cur = best.get(k)
        if cur is None or w > cur[0]:
            best[k] = (w, h)
    seen: dict[tuple[str, str], int] = {}
    for (ind_id, _i0), (w, h) in sorted(best.items(), key=lambda kv: kv[0][1]):
        rk = (ind_id, h.text.casefold())
        n = seen.get(rk, 0)
        seen[rk] = n + 1
        if n and w > 0:
            w *= settings.repeat_factor**n
        per_ind.setdefault(ind_id, []).append((h, round(w, 4)))
    ind_out: list[tuple[str, float, str | None, list[tuple[_Hit, float]]]] = []
    flagged = False
    for ind in tax.indicators if per_ind else ():
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
    return _tnew(_Raw, (title, summary, lang, ind_out, country_out, regions, orgs_list, flagged, version))


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
    fixed: tuple[int, str] | None = None
    for h, w in hits:
        if w <= 0:
            continue
        st = groups[h.entry.arg].stage
        if st and (fixed is None or h.i0 < fixed[0]):
            fixed = (h.i0, st)
    for s in stages:
        if s.entry.key != ind_id:
            continue
        for h, w in hits:
            if w <= 0:
                continue
            d = min(abs(s.i0 - h.i1), abs(h.i0 - s.i1))
            if d <= window:
                # a threat ("threatens to impose sanctions") outranks the action it threatens
                cand = (0 if s.entry.arg == "threatened" else 1, d, s.entry.arg)
                if best is None or cand < best:
                    best = cand
    if best is not None and (fixed is None or best[0] == 0):
        return best[2]
    return fixed[1] if fixed else (best[2] if best else None)


def _resolve_countries(
    tagger: Tagger, hits: list[_Hit], support: list[int], vetoes: set[str], ambiguous: bool
) -> tuple[list[tuple[str, str, list[_Hit]]], list[str]]:
    if not hits:
        return [], []
    region = tagger._region
    accepted: dict[str, list[_Hit]] = {}
    if ambiguous:
        geo = tagger.taxonomy.geo
        firm: set[str] = {h.entry.key for h in hits if not h.entry.num}
        firm_regions = {region.get(c) for c in firm}
        for h in hits:
            iso3 = h.entry.key
            if h.entry.num:  # ambiguous form
                if iso3 in vetoes:
                    continue
                ok = iso3 in firm
                if not ok and support:
                    ok = any(h.i0 - geo.support_window <= p <= h.i1 + geo.support_window for p in support)
                if not ok:
                    ok = region.get(iso3) in firm_regions
                if not ok:
                    continue
            if iso3 in accepted:
                if accepted[iso3][-1].i0 != h.i0:  # one evidence per span (forms in several languages)
                    accepted[iso3].append(h)
            else:
                accepted[iso3] = [h]
    else:
        for h in hits:
            iso3 = h.entry.key
            if iso3 in accepted:
                if accepted[iso3][-1].i0 != h.i0:
                    accepted[iso3].append(h)
            else:
                accepted[iso3] = [h]
    out: list[tuple[str, str, list[_Hit]]] = []
    for iso3, hs in accepted.items():
        e = hs[0].entry
        method = "leader" if e.etype == LEADER else e.arg
        if len(hs) > 1:
            rank = _METHOD_RANK.get(method, 9)
            for h in hs:
                m = "leader" if h.entry.etype == LEADER else h.entry.arg
                if _METHOD_RANK.get(m, 9) < rank:
                    method, rank = m, _METHOD_RANK.get(m, 9)
        out.append((iso3, method, hs))
    if len(accepted) == 1:
        r = region.get(next(iter(accepted)))
        return out, [r] if r else []
    return out, sorted({r for r in map(region.get, accepted) if r})


_default_tagger: Tagger | None = None


def load_tagger(
    extra_taxonomy_files: Sequence[Path | str] = (),
    *,
    gazetteer: Gazetteer | None = None,
    cache: bool = True,
) -> Tagger:
    """Build a tagger from the built-in taxonomy plus ``extra_taxonomy_files`` (merged in order).

    Building takes a few hundred milliseconds, so the built tagger is kept in a cache file
    (``$XDG_CACHE_HOME/r2pwatch`` or ``~/.cache/r2pwatch``) keyed by a hash of every input: the
    taxonomy files, the data files and this package's code. ``R2PWATCH_INDICATORS_CACHE=0`` turns it off.
    """
    if (
        gazetteer is not None
        or not cache
        or os.environ.get("R2PWATCH_INDICATORS_CACHE", "1") in ("0", "off", "no")
    ):
        return Tagger(load_taxonomy(extra_taxonomy_files), gazetteer or get_gazetteer())
    extra = [Path(f) for f in extra_taxonomy_files]
    path = _cache_path(extra)
    if path is not None:
        try:
            with path.open("rb") as fh:
                tagger = pickle.load(fh)
            if isinstance(tagger, Tagger):
                return tagger
        except Exception:  # noqa: BLE001 - a stale or broken cache is rebuilt
            pass
    tagger = Tagger(load_taxonomy(extra), get_gazetteer())
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(tagger, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            # keep the few newest cache files (each code or data change makes a new one)
            old = sorted(path.parent.glob("tagger-*.pickle"), key=lambda f: f.stat().st_mtime, reverse=True)
            for f in old[8:]:
                f.unlink(missing_ok=True)
        except OSError:
            pass
    return tagger


def _cache_path(extra: Sequence[Path]) -> Path | None:
    here = Path(__file__).resolve().parent
    inputs = (
        sorted(here.glob("*.py")) + [BUILTIN_TAXONOMY] + sorted((here / "data").glob("*.tsv")) + list(extra)
    )
    h = hashlib.sha256(f"{sys.version}|{_CACHE_FORMAT}".encode())
    try:
        for f in inputs:
            h.update(str(f).encode() + b"\0" + f.read_bytes() + b"\0")
    except OSError:
        return None  # a missing file: let the normal path report it
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "r2pwatch" / f"tagger-{h.hexdigest()[:32]}.pickle"


def default_tagger() -> Tagger:
    global _default_tagger
    if _default_tagger is None:
        _default_tagger = load_tagger()
    return _default_tagger
