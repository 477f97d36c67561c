"""The item's language: the given code normalised ("en-US" -> "en"), else a guess from function
words and the Arabic script."""

from __future__ import annotations

from .stemming import ARABIC

__all__ = ["guess_language", "normalise_language"]

_NORMALISED: dict[str, str | None] = {}

_FUNCTION_WORDS: dict[str, frozenset[str]] = {
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


def normalise_language(lang: str | None) -> str | None:
    """'en-US' -> 'en'; '' / None -> None."""
    if not lang:
        return None
    v = _NORMALISED.get(lang)
    if v is None and lang not in _NORMALISED:
        v = lang.strip().lower().replace("_", "-").split("-")[0] or None
        if len(_NORMALISED) < 1000:
            _NORMALISED[lang] = v
    return v


def guess_language(tokens: list[str], folded: str) -> str | None:
    """The language whose function words are most frequent among ``tokens`` (at least two), "ar"
    for Arabic script, else None."""
    if not folded.isascii() and ARABIC.search(folded):
        return "ar"
    if not tokens:
        return None
    best, best_n = None, 1
    for lang, words in _FUNCTION_WORDS.items():
        n = len(words.intersection(tokens))
        if n > best_n:
            best, best_n = lang, n
    return best
