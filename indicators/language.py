"""Languages, in one place: the ones r2pwatch reads (:data:`LANGUAGES`), a given code normalised
("en-US" -> "en"), and guessing an item's language.

:func:`detect_language` is the guess ingestion stores with an item (py3langid's offline model,
restricted to :data:`LANGUAGES`, None when unsure). When an item comes to the tagger without a
language — that guess was unsure, or the caller gave none — the tagger falls back on
:func:`guess_language`, which counts function words among the tokens it already has (and knows the
Arabic script): cheap on the hot path, and an answer for the short texts the model declines.
"""

from __future__ import annotations

import threading

from .stemming import ARABIC

__all__ = ["LANGUAGES", "detect_language", "guess_language", "normalise_language"]

#: the languages of the taxonomy, the gazetteer and the development sets
LANGUAGES = ("en", "fr", "es", "pt", "ar")
MIN_LANGUAGE_CONFIDENCE = 0.6

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


_identifier_lock = threading.Lock()
_identifier: object | None = None


def detect_language(text: str, *, min_confidence: float = MIN_LANGUAGE_CONFIDENCE) -> str | None:
    """Offline detection (py3langid, model shipped in the package), restricted to our languages.
    None when unsure, or when the script does not fit any of them."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 12:
        return None
    arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f")
    latin = sum(1 for ch in letters if ch < "\u0250")
    if arabic < len(letters) / 2 and latin < len(letters) / 2:
        return None
    lang, prob = _get_identifier().classify(text)  # type: ignore[attr-defined]
    if prob < min_confidence:
        return None
    if (lang == "ar") != (arabic >= len(letters) / 2):
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
