"""The phrase matcher: token tries over the folded text, longest match wins, one pass.

Matching works on *slots* of the folded text (:func:`slots`: the text cut at every non-word
character, so a slot is a token or an empty string for each extra separator):

1. a set intersection with the first tokens of all phrases says which slots can start a match
   (for nearly every item only a handful do);
2. at those positions the longest phrase wins (trie walk, gap checks), so "South Sudan" beats
   "Sudan" and "Equatorial Guinea" beats "Guinea";
3. in French, Spanish, Portuguese and Arabic items every token is looked up in its normal form
   (a stem; Arabic without particles, article and suffixes), and the phrases of those languages are
   indexed in that form too (see :mod:`indicators.stemming`); the offsets stay those of the text.

Every phrase maps to one or more :class:`~indicators.entries.Entry`. Entries of shorter phrases of a
different kind inside a longer phrase ("Kosovo" inside "Kosovo Specialist Chambers") are attached to
the longer phrase at build time, so no second pass is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from .entries import Entry
from .trie import Anchored, Node, TrieBuilder, edge, gap_class, phrase_tokens

__all__ = ["Match", "PhraseIndex", "phrase_tokens", "slots"]

_NON_WORD = re.compile(r"\W")
# ASCII text: every non-word byte becomes a space in one C-level bytes.translate
_ASCII_SPACE = bytes.maketrans(
    bytes(range(256)), bytes(c if (chr(c).isalnum() or c == 95) and c < 128 else 32 for c in range(256))
)

_GAPS: dict[str, str] = {" ": " "}  # gap text -> class, filled while matching (bounded)

# a match: (first slot, last slot + 1, folded char start, folded char end, entries); a plain tuple
# because matching makes many of them and a NamedTuple's __new__ is Python code
Match = tuple[int, int, int, int, tuple[Entry, ...]]


def slots(folded: str) -> list[str]:
    """The folded text cut at every non-word character (Unicode ``\\W``): tokens, and an empty
    string for each extra separator, so slot ``m`` starts at ``sum(len(s[k]) + 1 for k < m)``.

    Three to four times faster than a regex split: the text is ASCII after folding nearly always,
    and then a ``bytes.translate`` and a ``str.split`` do it all.
    """
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_SPACE).decode("ascii").split(" ")
    return _NON_WORD.sub(" ", folded).split(" ")


class PhraseIndex:
    """A token trie: first token -> :class:`~indicators.trie.Node`; phrases with a weak first word
    are anchored on their first other token. ``add`` phrases, ``freeze``, then ``match``."""

    def __init__(self) -> None:
        self._builder: TrieBuilder | None = TrieBuilder()
        self._count = 0
        self.first: dict[str, Node] = {}
        self.anchored: dict[str, list[Anchored]] = {}
        self.keys: frozenset[str] = frozenset()

    def add(
        self,
        phrase: str,
        entry: Entry,
        *,
        variant: Callable[[tuple[str, ...]], tuple[str, ...] | None] | None = None,
    ) -> None:
        """Index ``phrase`` for ``entry``; ``variant`` gives another token sequence to index it under."""
        assert self._builder is not None, "frozen"
        self._builder.add(phrase, entry, variant=variant)

    def freeze(self, flag_of: Callable[[Entry], int] | None = None) -> None:
        """Build the trie from the phrases added (``flag_of`` gives an entry's flags)."""
        assert self._builder is not None, "frozen"
        self.first, self.anchored = self._builder.build(flag_of)
        self._count = len(self._builder.phrases)
        self.keys = frozenset(self.first) | frozenset(self.anchored)

    def tokens(self) -> set[str]:
        """Every token of the phrases added (before :meth:`freeze` reads them)."""
        assert self._builder is not None, "frozen"
        return {t for tokens, _gaps in self._builder.phrases for t in tokens}

    def __getstate__(self) -> dict[str, Any]:
        # the build-time phrase table is not needed for matching (and triples the cache file)
        return {**self.__dict__, "_builder": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __len__(self) -> int:
        return self._count

    def phrases(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """(tokens, gaps) of every phrase; empty for an index loaded from the cache."""
        return list(self._builder.phrases) if self._builder is not None else []

    def nodes(self) -> Iterator[Node]:
        """Every node of the trie (anchored phrases excluded)."""
        stack = list(self.first.values())
        while stack:
            node = stack.pop()
            yield node
            if node.children:
                stack.extend(node.children.values())

    # ---------------------------------------------------------------------------- matching
    def match(
        self,
        folded: str,
        tokens: list[str],
        lookup: list[str],
        skips: dict[int, int] | None,
        out: list[Match],
        cursor: list[int],
        lang: str | None = None,
    ) -> int:
        """Append the longest non-overlapping matches to ``out``; return the OR of their flags.

        ``tokens`` is ``slots(folded)``, ``lookup`` the tokens to look up (the same list, or each
        token's normal form, see :mod:`.stemming`), ``skips`` slot -> characters of an Arabic particle
        to leave out of the evidence; match positions are slot indices. ``cursor`` is
        ``[slot index, its char offset]``, shared by successive calls so that char offsets are
        summed only once (positions only move forward).
        """
        keys = self.keys
        starts = [i for i, t in enumerate(lookup) if t in keys]
        if not starts:
            return 0
        flags = 0
        first = self.first
        anchored = self.anchored
        n = len(tokens)
        last_end = 0
        cursor_slot, cursor_char = cursor
        for i in starts:
            if i < last_end:
                continue
            prefix_len = 0  # chars of an Arabic proclitic stripped from the first token
            key = lookup[i]
            if skips and i in skips:
                prefix_len = skips[i]
            node = first.get(key)
            best: Node | None = None
            children = None
            if node is not None:
                if node.entries and (lang is None or node.langs is None or lang in node.langs):
                    best = node
                children = node.children
                if children is not None:
                    # peek: does the next token continue any phrase? (most starts end here)
                    k = i + 1
                    while k < n and not tokens[k]:
                        k += 1
                    if k >= n or (lookup[k] not in children and not node.gapped):
                        children = None
            is_anchor = anchored and not prefix_len and key in anchored
            if best is None and children is None and not is_anchor:
                continue
            # char offset of slot i
            if i < cursor_slot:
                cursor_slot, cursor_char = 0, 0
            cursor_char += sum(map(len, tokens[cursor_slot:i])) + i - cursor_slot
            cursor_slot = i
            best_last = i  # last slot of the best phrase
            best_end = cursor_char + len(tokens[i])  # its char end
            path: list[int] | None = None  # slots of the phrase's tokens
            best_len = 1
            if children is not None:
                j = i
                end = best_end  # char end of slot j
                path = [i]
                while True:
                    k = j + 1
                    while k < n and not tokens[k]:
                        k += 1
                    if k >= n:
                        break
                    gap_len = k - j
                    token = lookup[k]
                    if gap_len == 1 and folded[end] == " ":
                        child = children.get(token)
                    else:
                        gap = folded[end : end + gap_len]
                        cls = _GAPS.get(gap)
                        if cls is None:
                            cls = gap_class(gap)
                            if len(_GAPS) < 10000:
                                _GAPS[gap] = cls
                        child = children.get(edge(cls, token))
                    if child is None:
                        break
                    path.append(k)
                    j = k
                    end += gap_len + len(tokens[k])
                    if child.entries and (lang is None or child.langs is None or lang in child.langs):
                        best, best_last, best_end, best_len = child, j, end, len(path)
                    children = child.children
                    if children is None:
                        break
            start = i
            start_char = cursor_char
            if is_anchor:
                got = _match_anchored(anchored[key], folded, tokens, lookup, i, cursor_char, last_end)
                if (
                    got is not None
                    and got[2] - got[1] > best_end - cursor_char
                    and (lang is None or got[3].langs is None or lang in got[3].langs)
                ):
                    start, start_char, best_end, best, last_offset, path = got
                    best_last = i + last_offset
                    best_len = len(path)
            if best is None:
                continue
            out.append((start, best_last + 1, start_char + prefix_len, best_end, best.entries))
            flags |= best.flags
            if best.nested:
                if path is None:
                    path = [i]
                for off, length, entry in best.nested:
                    if off + length > best_len:
                        continue
                    a, b = path[off], path[off + length - 1]
                    s0 = start_char + sum(map(len, tokens[start:a])) + a - start
                    s1 = s0 + sum(map(len, tokens[a:b])) + b - a + len(tokens[b])
                    out.append((a, b + 1, s0 + (prefix_len if a == start else 0), s1, (entry,)))
            last_end = best_last + 1
        cursor[0] = cursor_slot
        cursor[1] = cursor_char
        return flags


def _match_anchored(
    cands: list[Anchored],
    folded: str,
    tokens: list[str],
    lookup: list[str],
    i: int,
    char_i: int,
    last_end: int,
) -> tuple[int, int, int, Node, int, list[int]] | None:
    """The longest anchored phrase whose anchor is slot ``i`` (at char ``char_i``).

    Returns (first slot, its char offset, char end, node, last slot - i, slot path)."""
    n = len(tokens)
    for cand in cands:
        ok = True
        path = [i]
        k = i
        char_k = char_i
        for m in range(len(cand.before) - 1, -1, -1):  # backwards over the tokens before the anchor
            q = k - 1
            while q >= 0 and not tokens[q]:
                q -= 1
            if q < last_end or lookup[q] != cand.before[m]:
                ok = False
                break
            gap = folded[char_k - (k - q) : char_k]
            if (" " if gap == " " else gap_class(gap)) != cand.before_gaps[m]:
                ok = False
                break
            char_k = char_k - (k - q) - len(tokens[q])
            k = q
            path.insert(0, q)
        if not ok:
            continue
        j = i
        end = char_i + len(tokens[i])
        for m, token in enumerate(cand.after):  # forwards over the tokens after it
            q = j + 1
            while q < n and not tokens[q]:
                q += 1
            if q >= n or lookup[q] != token:
                ok = False
                break
            gap = folded[end : end + q - j]
            if (" " if gap == " " else gap_class(gap)) != cand.after_gaps[m]:
                ok = False
                break
            end += q - j + len(tokens[q])
            j = q
            path.append(q)
        if ok:
            return k, char_k, end, cand.node, j - i, path
    return None
