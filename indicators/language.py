"""Languages, in one place: the ones r2pwatch reads (:data:`LANGUAGES`), a given code normalised
("en-US" -> "en"), and guessing an item's language.

:func:`guess_language` is the one guess: ingestion stores it with an item whose feed does not say
its language, and the tagger uses it for an item that comes without one, so both read a text the same
way. ``python benchmarks/language_guess.py`` measures it on the development sets and the corpus.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

__all__ = ["LANGUAGES", "guess_language", "normalise_language"]

#: the languages of the taxonomy, the gazetteer and the development sets
LANGUAGES = ("en", "fr", "es", "pt", "ar")
MIN_LANGUAGE_CONFIDENCE = 0.6
#: fewer letters than this, and no guess is made
MIN_LETTERS = 12
#: function words decide when the leading language has at least this many distinct ones among the
#: tokens, and this many times the runner-up's (else the model decides)
MIN_FUNCTION_WORDS = 3
FUNCTION_WORD_LEAD = 2

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
        ["o", "os", "as", "do", "da", "dos", "das", "uma", "em", "por", "com", "para", "que", "ao", "nao"]
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


_identifier_lock = threading.Lock()
_identifier: object | None = None


def function_word_language(tokens: Sequence[str]) -> str | None:
    """The Latin-script language whose function words clearly lead among the folded ``tokens``."""
    counts = sorted(
        ((len(words.intersection(tokens)), lang) for lang, words in _FUNCTION_WORDS.items()), reverse=True
    )
    (best_n, best), (second_n, _) = counts[0], counts[1]
    if best_n >= MIN_FUNCTION_WORDS and best_n >= FUNCTION_WORD_LEAD * second_n:
        return best
    return None


def guess_language(
    text: str, *, tokens: Sequence[str] | None = None, min_confidence: float = MIN_LANGUAGE_CONFIDENCE
) -> str | None:
    """The one guess of a text's language among :data:`LANGUAGES`, or None when unsure.

    The script decides Arabic, and rules out texts in neither Latin nor Arabic script. Then the
    function words: when one language's are clearly the most frequent among the folded tokens, that
    is the answer — nearly every item of a few sentences, at the cost of a set intersection. Titles
    and texts without a clear count go to py3langid's offline model, which is right on the development
    sets' every item but costs about 0.1–0.4 ms. ``tokens`` are ``slots(fold(text))`` when the caller
    (the tagger) has them already.
    """
    if text.isascii():
        if sum(1 for ch in text if ch.isalpha()) < MIN_LETTERS:
            return None
    else:
        letters = [ch for ch in text if ch.isalpha()]
        if len(letters) < MIN_LETTERS:
            return None
        arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f")
        if arabic >= len(letters) / 2:
            return "ar"
        if sum(1 for ch in letters if ch < "\u0250") < len(letters) / 2:
            return None
    if tokens is None:
        from .matcher import slots
        from .text import fold

        tokens = slots(fold(text)[0])
    lang = function_word_language(tokens)
    if lang is not None:
        return lang
    lang, prob = _get_identifier().classify(text)  # type: ignore[attr-defined]
    if prob < min_confidence or lang == "ar":
        return None
    return str(lang)


def _get_identifier() -> object:
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            _identifier = _restricted_identifier()
        return _identifier


def _restricted_identifier() -> object:
    """py3langid's identifier over :data:`LANGUAGES` only. ``set_languages`` would keep the model's
    full table of 142 languages beside the restricted one (28 MB for the life of the process); built
    from the restricted columns, the identifier is the same and the full table is freed at once."""
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    keep = [i for i, code in enumerate(classes) if code in LANGUAGES]
    return LanguageIdentifier(
        np.asarray(ptc)[:, keep],
        np.asarray(pc)[keep],
        [classes[i] for i in keep],
        nextmove,
        output,
        norm_probs=True,
        tk_row=row,
    )
