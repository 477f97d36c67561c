"""What a matched phrase means: an :class:`Entry` (its kind, key, argument, ambiguity, language, case rule).

Every phrase of the tries maps to one or more entries: an indicator term, a stage word, a context cue,
a negation, a country form, a leader, an organisation, a geo support or veto cue, or a blocking phrase.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "BLOCK",
    "CAPS",
    "COUNTRY",
    "CUE",
    "INITIAL",
    "LEADER",
    "NEED_CONTEXT",
    "NEED_GEO",
    "NEG",
    "ORG",
    "STAGE",
    "SUPPORT",
    "TERM",
    "VETO",
    "Entry",
    "case_rule",
    "case_sensitive",
    "nest_kind",
]

# entry kinds
TERM, STAGE, CUE, NEG, COUNTRY, LEADER, ORG, SUPPORT, VETO, BLOCK = range(10)

# case rules: CAPS = the text must have no lower-case letter, INITIAL = it must start with a capital
CAPS, INITIAL = 1, 2

# what else a match needs read (flags OR-ed over the matched trie nodes)
NEED_CONTEXT, NEED_GEO = 1, 2


class Entry(NamedTuple):
    kind: int  # TERM, STAGE, ...
    key: str  # indicator id / cue name / iso3 / org id
    arg: Any  # term group index / stage / country form kind / leader's (start, end) / None
    ambiguous: bool  # a gazetteer form that needs support (Georgia, Jordan, US in a shouting title)
    lang: str  # "en", "fr", ... or "any"
    case: int  # 0, CAPS or INITIAL
    rule: str  # shown in the evidence

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # loaded from the cache file by C code (a NamedTuple's own __new__ is Python)
        return (tuple.__new__, (Entry, tuple(self)))


def case_sensitive(phrase: str) -> int:
    """CAPS for acronyms written in capitals ("ICC", "AU"), else 0."""
    return CAPS if phrase.upper() == phrase and phrase.lower() != phrase else 0


def case_rule(phrase: str) -> int:
    """Gazetteer forms: CAPS for acronyms, INITIAL for capitalised names ("Chad", not "chad")."""
    return case_sensitive(phrase) or (INITIAL if phrase[:1].isupper() else 0)


def nest_kind(e: Entry) -> tuple[int, str]:
    """Entries of the same nest kind do not nest inside each other's phrases."""
    if e.kind in (COUNTRY, LEADER):
        return (COUNTRY, "")
    if e.kind == ORG:
        return (ORG, "")
    return (e.kind, e.key)
