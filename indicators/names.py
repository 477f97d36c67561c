"""Other-language names of a country or place, from the gazetteer: what a search for "Darfur" should
also look for ("Darfour", "دارفور").

A country name stands for every name of that country in every language. A place or capital stands for
the names of the same country's places whose *sound key* is the same: consonants only, Arabic letters
read as their usual Latin transcription, articles (al-, el-, ال) and compass words (North, Nord, Norte,
شمال …) set aside, so "North Darfur", "Nord-Darfour", "Darfur del Norte" and "شمال دارفور" share one key.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict

from .gazetteer import get_gazetteer

_COMPASS = {
    "N": ("north", "nord", "norte", "شمال"),
    "S": ("south", "sud", "sur", "sul", "جنوب"),
    "W": ("west", "ouest", "oeste", "occidental", "غرب"),
    "E": ("east", "est", "este", "leste", "oriental", "شرق"),
    "C": ("central", "centre", "centro", "centrale", "وسط"),
}
_COMPASS_WORD = {w: k for k, ws in _COMPASS.items() for w in ws}
_FILLERS = {"del", "de", "do", "da", "du", "des", "la", "le", "of", "the", "state", "etat", "estado", "ولاية"}
_LATIN_ARTICLES = {"el", "al", "ad", "ag", "an", "ar", "as", "at", "ash", "az", "ed", "en", "es"}
_DIGRAPHS = (
    ("kh", "k"),
    ("sh", "s"),
    ("ch", "s"),
    ("th", "t"),
    ("dh", "d"),
    ("gh", "g"),
    ("ph", "f"),
    ("dj", "j"),
    ("ou", ""),
)
_LATIN = str.maketrans({"c": "k", "q": "k", "z": "s", "p": "b", "v": "f", "x": "ks"})
_ARABIC = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ج": "j",
    "خ": "k",
    "د": "d",
    "ذ": "d",
    "ر": "r",
    "ز": "s",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "s",
    "غ": "g",
    "ف": "f",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "پ": "b",
    "ڤ": "f",
    "گ": "g",
    "چ": "s",
}
_WORD = re.compile(r"[^\W_]+")
_KINDS_FOR_PLACES = ("place", "capital")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(_WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c))))


def _consonants(word: str) -> str:
    if any("\u0600" <= c <= "\u06ff" for c in word):
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        out = "".join(_ARABIC.get(c, "") for c in word)
    else:
        for a, b in _DIGRAPHS:
            word = word.replace(a, b)
        out = re.sub(r"[aeiouyhw]", "", word.translate(_LATIN))
    return re.sub(r"(.)\1+", r"\1", out)


def sound_key(name: str) -> tuple[frozenset[str], str]:
    """Compass words, and the consonant skeleton of the rest (articles and fillers dropped)."""
    words = _fold(name).split()
    compass = frozenset(_COMPASS_WORD[w] for w in words if w in _COMPASS_WORD)
    rest = [w for w in words if w not in _COMPASS_WORD and w not in _FILLERS]
    if len(rest) > 1 and rest[0] in _LATIN_ARTICLES:
        rest = rest[1:]
    return compass, "".join(_consonants(w) for w in rest)


class _Index:
    def __init__(self) -> None:
        gaz = get_gazetteer()
        self.by_text: dict[str, set[tuple[str, str]]] = defaultdict(set)  # folded text -> (iso3, kind)
        self.country_names: dict[str, set[str]] = defaultdict(set)
        self.places: dict[tuple[str, tuple[frozenset[str], str]], set[str]] = defaultdict(set)
        for n in gaz.names:
            folded = _fold(n.text)
            if not folded:
                continue
            self.by_text[folded].add((n.iso3, n.kind))
            if n.ambiguous:  # e.g. an Arabic capital spelled like a common word: never a variant
                continue
            if n.kind == "name":
                self.country_names[n.iso3].add(n.text)
            elif n.kind in _KINDS_FOR_PLACES:
                key = sound_key(n.text)
                if key[1]:
                    self.places[(n.iso3, key)].add(n.text)


_index: _Index | None = None
_lock = threading.Lock()


def _get_index() -> _Index:
    global _index
    with _lock:
        if _index is None:
            _index = _Index()
        return _index


def name_variants(text: str) -> list[str]:
    """The other names of the country or place ``text`` names (in any language); [] when it names none."""
    index = _get_index()
    folded = _fold(text)
    found: set[str] = set()
    for iso3, kind in index.by_text.get(folded, ()):
        if kind == "name":
            found |= index.country_names[iso3]
        elif kind in _KINDS_FOR_PLACES:
            found |= index.places.get((iso3, sound_key(text)), set())
    return sorted(v for v in found if _fold(v) != folded)
