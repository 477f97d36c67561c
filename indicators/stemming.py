"""Language-aware normal forms of tokens, used by the matcher in its single pass.

Phrases of the taxonomy in French, Spanish, Portuguese and Arabic are indexed twice: as written and
with every token in its normal form; an item in one of those languages is looked up with every
token in its normal form. Both sides use :meth:`Normaliser.normal`, so they agree by construction.
Names from the gazetteer (countries, capitals, leaders, organisations) are *protected*: they keep
their written form, so stemming never turns a common word into a country or a country into nothing.

- French, Spanish, Portuguese: the Snowball stemmer of the language (``snowballstemmer``) on the
  folded token, then one final vowel dropped from stems longer than four letters, because folding
  removed the accents the stemmers rely on ("suspendió" and "suspende", "suspensão" and "suspensa"
  end up alike).
- Arabic: attached proclitics (و ف ب ك ل, the article ال and combinations like وال بال لل) and
  common suffixes (plural ات ون ين, pronouns ها هم هما كم نا, ta marbuta / ه, nisba يه) are
  removed, and a few broken plurals around the key terms are mapped to their singular. A protected
  name keeps its article; a proclitic before it is skipped in the evidence. A word still unknown is
  tried as a verb in another person or tense (the person's prefix and ending removed), kept only when
  that leaves a word of the taxonomy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

__all__ = ["ARABIC", "NORMALISED_LANGUAGES", "Normaliser"]

ARABIC = re.compile("[\u0600-\u06ff]")
NORMALISED_LANGUAGES = frozenset({"fr", "es", "pt", "ar"})
_SNOWBALL = {"fr": "french", "es": "spanish", "pt": "portuguese"}
_VOWELS = frozenset("aeiou")
_CACHE_MAX = 50_000  # distinct tokens remembered per language

MARK = "\x02"  # starts every normal form, so that one never equals a written gazetteer name

# particles attached before a word (longest first) and what they leave: لل is ل + the article
_AR_PARTICLES = (
    ("ولل", "ال"),
    ("فلل", "ال"),
    ("لل", "ال"),
    ("وب", ""),
    ("ول", ""),
    ("وك", ""),
    ("فب", ""),
    ("فل", ""),
    ("فك", ""),
    ("و", ""),
    ("ف", ""),
    ("ب", ""),
    ("ل", ""),
    ("ك", ""),
)
_AR_SUFFIXES = ("هما", "كما", "ات", "ون", "ين", "ها", "هم", "كم", "نا")
_AR_PRONOUNS = frozenset({"هما", "كما", "ها", "هم", "كم", "نا"})
# broken plurals (folded: ة→ه, أ→ا, ى→ي) of the words around the key terms -> their singular
_AR_PLURALS = {
    "قوات": "قوه",
    "جرائم": "جريمه",
    "جرايم": "جريمه",
    "مجازر": "مجزره",
    "مذابح": "مذبحه",
    "محاكم": "محكمه",
    "صراصير": "صرصور",
    "افاعي": "افعي",
    "ثعابين": "ثعبان",
    "جرذان": "جرذ",
    "كلاب": "كلب",
    "خنازير": "خنزير",
    "قرود": "قرد",
    "حشرات": "حشره",
    "اقليات": "اقليه",
    "اعضاء": "عضو",
    "بعثات": "بعثه",
    "عقوبات": "عقوبه",
    "دول": "دوله",
    "شعوب": "شعب",
    "قبائل": "قبيله",
    "قبايل": "قبيله",
    "اعراق": "عرق",
    "طوائف": "طايفه",
    "طوايف": "طايفه",
}
_AR_MIN = 3  # letters a stem keeps
# verbs: and/then/so-that before, the present tense's person prefix (and future س), the persons'
# endings; tried (longest first) only when the plain word is unknown, and kept only when they leave a
# known word
_AR_VERB_PARTICLES = ("", "و", "ف", "ل")
_AR_VERB_PREFIXES = ("سي", "ست", "سن", "ي", "ت", "ن", "")
_AR_VERB_SUFFIXES = ("تما", "تم", "تن", "ون", "ين", "ان", "وا", "تا", "ت", "ن", "ا", "")


def arabic_base(token: str) -> str:
    """The Arabic word without its article and common suffixes, broken plurals made singular
    (without the particles و ف ب ك ل: phrases are written without them, text is tried both ways)."""
    t = token
    if t.startswith("ال") and len(t) - 2 >= _AR_MIN:
        t = t[2:]
    t = _AR_PLURALS.get(t, t)
    for suffix in _AR_SUFFIXES:
        if t.endswith(suffix) and len(t) - len(suffix) >= _AR_MIN:
            t = t[: -len(suffix)]
            if suffix in _AR_PRONOUNS and t.endswith("ت") and len(t) > _AR_MIN:
                t = t[:-1]  # عضويتها -> عضوي: the ta marbuta before a pronoun
            break
    t = _AR_PLURALS.get(t, t)
    if t.endswith("ا") and len(t) > _AR_MIN:
        t = t[:-1]  # the accusative tanween: تطهيرا عرقيا
    if t.endswith("ه") and len(t) > _AR_MIN:
        t = t[:-1]
    return t


class Normaliser:
    """Normal forms of folded tokens per language; ``protected`` tokens (gazetteer names) are left
    as they are. ``vocab`` (set once the phrases are indexed) holds the normal forms in use, so
    that Arabic particles are stripped only where that leaves a known word."""

    def __init__(self, protected: frozenset[str], vocab: frozenset[str] = frozenset()) -> None:
        self.protected = protected
        self.vocab = vocab
        self._caches: dict[str, dict[str, tuple[str, int]]] = {}
        self._stemmers: dict[str, Callable[[str], str]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"protected": self.protected, "vocab": self.vocab}  # caches are rebuilt on use

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["protected"], state["vocab"])  # type: ignore[misc]

    def phrase_variant(self, lang: str, tokens: tuple[str, ...]) -> tuple[str, ...] | None:
        """The phrase with every token in its normal form (None for a language not normalised)."""
        if lang not in NORMALISED_LANGUAGES:
            return None
        if lang == "ar":
            # as a token of the text is looked up (a protected name after a particle, «للسامية», keeps
            # its written form there too); the vocabulary is not known yet, so no verb forms here
            return tuple(self._arabic(t)[0] for t in tokens)
        return tuple(self._romance(lang, t) for t in tokens)

    def lookup(
        self, lang: str | None, tokens: list[str], arabic: bool
    ) -> tuple[list[str], dict[int, int] | None]:
        """The tokens to look up (``tokens`` itself when nothing is normalised) and, for Arabic,
        slot -> characters of a particle to skip in the evidence."""
        if arabic:
            lang = "ar"
        if lang is None or lang not in NORMALISED_LANGUAGES:
            return tokens, None
        cache = self._caches.get(lang)
        if cache is None:
            cache = self._caches[lang] = {}
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        out: list[str] = []
        skips: dict[int, int] = {}
        for i, t in enumerate(tokens):
            if not t:
                out.append(t)
                continue
            got = cache.get(t)
            if got is None:
                got = cache[t] = self._arabic(t) if lang == "ar" else (self._romance(lang, t), 0)
            out.append(got[0])
            if got[1]:
                skips[i] = got[1]
        return out, (skips if lang == "ar" else None)

    # ------------------------------------------------------------------------------------------
    def _romance(self, lang: str, token: str) -> str:
        if token in self.protected or not token.isalpha():
            return token
        stem = self._stemmers.get(lang)
        if stem is None:
            import snowballstemmer

            stem = self._stemmers[lang] = snowballstemmer.stemmer(_SNOWBALL[lang]).stemWord
        s: str = stem(token)
        if len(s) > 4 and s[-1] in _VOWELS:
            s = s[:-1]
        if (
            lang == "fr"
            and s == token
            and token.endswith("ent")
            and len(token) >= 7
            and MARK + s not in self.vocab
        ):
            # the present's third person plural (sanctionnent, suspendent, expulsent, déploient): the
            # French stemmer leaves "-ent" alone (it is as often a noun's), so it is read as the verb
            # only when that gives a known term's word and the written form is not one
            base = token[:-3]
            forms = [base + "er", base + "re", base + "ir"]
            if base.endswith("i"):
                forms.append(base[:-1] + "yer")
            for form in forms:
                v: str = stem(form)
                if len(v) > 4 and v[-1] in _VOWELS:
                    v = v[:-1]
                if MARK + v in self.vocab:
                    return MARK + v
        return MARK + s

    def _arabic(self, token: str) -> tuple[str, int]:
        protected = self.protected
        if token in protected or not ARABIC.match(token):
            return token, 0
        if token.endswith("يا") and token[:-1] in protected:
            return token[:-1], 0  # a demonym with the accusative ending: مصريًا, سودانيًا (Syria is a name)
        for p, left in _AR_PARTICLES:  # a name with a particle: وسوريا, والسودان
            # (ك "like" before a short name is too often part of a word: «كنيس» is not «نيس», Nice)
            rest = left + token[len(p) :]
            if token.startswith(p) and rest in protected and (len(rest) >= 4 or not p.endswith("ك")):
                return rest, len(p) - len(left)
        vocab = self.vocab
        base = MARK + arabic_base(token)
        if base in vocab:
            return base, 0
        for p, left in _AR_PARTICLES:
            if token.startswith(p) and len(token) - len(p) >= 2:
                cand = MARK + arabic_base(left + token[len(p) :])
                if cand in vocab:
                    return cand, len(p) - len(left)
        verb = self._arabic_verb(token)
        return verb if verb is not None else (base, 0)

    def _arabic_verb(self, token: str) -> tuple[str, int] | None:
        """A verb of a key term in another person or tense (حرّضوا، تحرّض، حرّضت، يفرضون، وعلّقوا ->
        حرض، فرض، علق), when the stem left is a known word; the particle before it is skipped."""
        vocab = self.vocab
        for particle in _AR_VERB_PARTICLES:
            if not token.startswith(particle):
                continue
            word = token[len(particle) :]
            if len(word) <= _AR_MIN:
                continue
            prefixes = [p for p in _AR_VERB_PREFIXES if word.startswith(p)]
            suffixes = [s for s in _AR_VERB_SUFFIXES if word.endswith(s)]
            for prefix in prefixes:
                for suffix in suffixes:
                    stem = word[len(prefix) : len(word) - len(suffix)]
                    if not (prefix or suffix) or len(stem) < _AR_MIN:
                        continue
                    # the forms the taxonomy writes verbs in: the stem (حرض), the present of the
                    # third person (يحرض, يستعيد), the past of the feminine (علقت, جمدت)
                    for form in (stem, "ي" + stem, stem + "ت"):
                        cand = MARK + _arabic_base_cached(form)
                        if cand in vocab:
                            return cand, len(particle)
        return None


_arabic_base_cached = functools.lru_cache(maxsize=1 << 16)(arabic_base)
