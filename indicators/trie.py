"""The phrase trie: its nodes, and the builder that turns phrases and their entries into one.

Built once per tagger (and kept in its cache file); :mod:`.matcher` walks it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .entries import BLOCK, COUNTRY, LEADER, ORG, Entry, nest_kind
from .stemming import ARABIC
from .text import fold

__all__ = ["Anchored", "Nested", "Node", "TrieBuilder", "gap_class", "phrase_tokens", "strip_article"]

_SPLIT = re.compile(r"(\w+)")  # for phrases at build time: tokens and the gaps between them

# phrases starting with one of these are anchored on their first other token (see PhraseIndex.freeze)
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

# an entry nested in a longer phrase: (token offset in the phrase, token count, entry)
Nested = tuple[int, int, Entry]


def gap_class(gap: str) -> str:
    """What separates two tokens: " " for spaces, hyphens and slashes, else the punctuation itself
    (the title-summary separator, holding a NUL, never equals a phrase's gap)."""
    s = gap.strip()
    return " " if s in ("", "-", "/") and "\x00" not in gap else s


_gap_class_cached = functools.lru_cache(maxsize=4096)(gap_class)


def phrase_tokens(phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tokens, gap classes) of a phrase after folding."""
    folded, _ = fold(phrase)
    parts = _SPLIT.split(folded)
    return tuple(parts[1::2]), tuple(map(_gap_class_cached, parts[2:-1:2]))


def strip_article(token: str) -> str:
    """An Arabic token without its article (phrases are indexed both ways)."""
    if token.startswith("ال") and len(token) > 3 and ARABIC.match(token):
        return token[2:]
    return token


def edge(gap: str, token: str) -> str:
    """Trie edge key: the token alone after a space (nearly always), else gap + \\x01 + token."""
    return token if gap == " " else f"{gap}\x01{token}"


_LANG_SETS: dict[frozenset[str], frozenset[str]] = {}  # one shared set per combination


class Node:
    """A trie node: the entries of the phrase ending here, the children by edge key, the entries
    nested inside that phrase, whether an edge needs a gap other than a space, and the OR of the
    entries' flags (what else a match here needs read)."""

    __slots__ = ("children", "entries", "flags", "gapped", "langs", "nested")

    def __init__(
        self,
        entries: tuple[Entry, ...],
        children: dict[str, Node] | None,
        nested: tuple[Nested, ...],
        gapped: bool,
        flags: int,
    ) -> None:
        self.entries = entries
        self.children = children
        self.nested = nested
        self.gapped = gapped
        self.flags = flags
        # languages of the entries (None: some entry holds for any language), so that a longer
        # phrase of another language does not hide a shorter one of the item's ("un tribunal")
        langs = frozenset(e.lang for e in entries)
        self.langs: frozenset[str] | None = None if "any" in langs else _LANG_SETS.setdefault(langs, langs)

    # no __reduce__: the default pickling of a slotted object is loaded without running Python code


class Anchored:
    """A phrase starting with a frequent word, indexed on its first other token (the anchor)."""

    __slots__ = ("after", "after_gaps", "before", "before_gaps", "node")

    def __init__(
        self,
        before: list[str],
        before_gaps: tuple[str, ...],
        after: list[str],
        after_gaps: tuple[str, ...],
        node: Node,
    ) -> None:
        self.before = before  # tokens before the anchor
        self.before_gaps = before_gaps  # their gaps, including the one before the anchor
        self.after = after  # tokens after the anchor
        self.after_gaps = after_gaps
        self.node = node  # entries, nested entries and flags (no children)


@dataclass(slots=True)
class _Phrase:  # build time only
    tokens: tuple[str, ...]
    gaps: tuple[str, ...]
    entries: list[Entry]
    nested: list[Nested]


def _drop_shadowed(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """Drop an ambiguous country entry when the same phrase is also a firm form of that country."""
    firm = {(e.key, e.lang) for e in entries if e.kind == COUNTRY and not e.ambiguous}
    return tuple(e for e in entries if not (e.ambiguous and e.kind == COUNTRY and (e.key, e.lang) in firm))


class TrieBuilder:
    """Collects phrases and their entries, then builds the trie (:meth:`build`)."""

    def __init__(self) -> None:
        self.phrases: dict[tuple[tuple[str, ...], tuple[str, ...]], _Phrase] = {}

    def add(
        self,
        phrase: str,
        entry: Entry,
        *,
        variant: Callable[[tuple[str, ...]], tuple[str, ...] | None] | None = None,
    ) -> None:
        """Index ``phrase`` for ``entry``; ``variant`` gives another token sequence to index it under."""
        tokens, gaps = phrase_tokens(phrase)
        if not tokens:
            return
        forms = [tokens]
        bare = strip_article(tokens[0])
        if bare != tokens[0]:
            forms.append((bare, *tokens[1:]))
        if variant is not None:
            other = variant(tokens)
            if other is not None and other not in forms:
                forms.append(other)
        for form in forms:
            p = self.phrases.get((form, gaps))
            if p is None:
                p = self.phrases[(form, gaps)] = _Phrase(form, gaps, [], [])
            if entry not in p.entries:
                p.entries.append(entry)

    def build(
        self, flag_of: Callable[[Entry], int] | None = None
    ) -> tuple[dict[str, Node], dict[str, list[Anchored]]]:
        """The trie (first token -> node) and the anchored phrases (anchor -> candidates, longest
        first); ``flag_of`` gives an entry's flags."""
        # "the Gambia" is redundant next to "Gambia": drop it, so that "the" need not start a match
        for key, p in list(self.phrases.items()):
            if len(p.tokens) > 1 and p.tokens[0] in _ARTICLES:
                q = self.phrases.get((p.tokens[1:], p.gaps[1:]))
                if q is not None and all(e in q.entries for e in p.entries):
                    del self.phrases[key]
        self._nest()

        def flags_of(entries: Sequence[Entry], nested: Sequence[Nested]) -> int:
            flags = 0
            if flag_of is not None:
                for e in [*entries, *(x[2] for x in nested)]:
                    flags |= flag_of(e)
            return flags

        # phrases starting with a frequent word ("the States", "To Lam", "Be'eri") are anchored on
        # their first other token and checked backwards, so that "the" need not start a walk
        anchored: dict[str, list[Anchored]] = {}
        root: dict[str, list[Any]] = {}  # token -> [entries, children, nested] while building
        for p in self.phrases.values():
            if len(p.tokens) > 1 and p.tokens[0] in _WEAK_FIRST:
                a = next((k for k, t in enumerate(p.tokens) if t not in _WEAK_FIRST), None)
                if a is not None:
                    node = Node(
                        _drop_shadowed(p.entries), None, tuple(p.nested), False, flags_of(p.entries, p.nested)
                    )
                    anchored.setdefault(p.tokens[a], []).append(
                        Anchored(list(p.tokens[:a]), p.gaps[:a], list(p.tokens[a + 1 :]), p.gaps[a:], node)
                    )
                    continue
            building = root.setdefault(p.tokens[0], [[], {}, []])
            for gap, token in zip(p.gaps, p.tokens[1:], strict=True):
                building = building[1].setdefault(edge(gap, token), [[], {}, []])
            building[0].extend(e for e in p.entries if e not in building[0])
            building[2].extend(p.nested)

        def freeze_node(b: list[Any]) -> Node:
            children = {k: freeze_node(v) for k, v in b[1].items()} or None
            gapped = children is not None and any("\x01" in k for k in children)
            return Node(_drop_shadowed(b[0]), children, tuple(b[2]), gapped, flags_of(b[0], b[2]))

        first = {k: freeze_node(v) for k, v in root.items()}
        for cands in anchored.values():
            cands.sort(key=lambda c: -(len(c.before) + len(c.after)))
        return first, anchored

    def _nest(self) -> None:
        """Attach the entries of shorter phrases of another kind found inside longer phrases."""
        by_tokens: dict[tuple[str, ...], list[_Phrase]] = {}
        for p in self.phrases.values():
            by_tokens.setdefault(p.tokens, []).append(p)
        starts = {p.tokens[0] for p in self.phrases.values()}
        for p in self.phrases.values():
            n = len(p.tokens)
            if n < 2 or not any(t in starts for t in p.tokens):
                continue
            kinds = {nest_kind(e) for e in p.entries}
            has_org = any(e.kind == ORG for e in p.entries)
            has_place = any(e.kind in (COUNTRY, LEADER, BLOCK) for e in p.entries)
            # a blocking phrase names nothing: no country and no organisation inside it
            # ("Confederation of African Football" is not the African Union)
            has_block = any(e.kind == BLOCK for e in p.entries)
            for off in range(n):
                if p.tokens[off] not in starts:
                    continue
                for length in range(n - off, 0, -1):
                    if length == n:
                        continue
                    for q in by_tokens.get(p.tokens[off : off + length], ()):
                        if q.gaps != p.gaps[off : off + length - 1]:
                            continue
                        for e in q.entries:
                            if nest_kind(e) in kinds:
                                continue
                            if has_org and e.kind == COUNTRY and e.arg == "demonym":
                                continue
                            if has_place and e.kind in (COUNTRY, LEADER):
                                continue
                            if has_block and e.kind == ORG:
                                continue
                            p.nested.append((off, length, e))
