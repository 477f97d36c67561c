"""The tagger: builds the phrase tries from the taxonomy and the gazetteer, then tags an item in one
pass (fold, cut into slots, match, apply the rules).

The parts live in their own modules: :mod:`.matcher` (token tries), :mod:`.rules` (scores, stages,
geotags), :mod:`.result` (the result's shapes), :mod:`.language` and :mod:`.cache` (the built tagger
on disk).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .cache import cached
from .entries import (
    BLOCK,
    CAPS,
    COUNTRY,
    CUE,
    LEADER,
    NEED_CONTEXT,
    NEED_GEO,
    NEG,
    ORG,
    STAGE,
    SUPPORT,
    TERM,
    VETO,
    Entry,
    case_rule,
    case_sensitive,
)
from .gazetteer import Gazetteer, get_gazetteer
from .language import guess_language, normalise_language
from .matcher import Match, PhraseIndex, phrase_tokens, slots
from .model import TagResult
from .result import RawResult
from .rules import SEPARATOR, Rules
from .stemming import ARABIC, Normaliser
from .taxonomy import BUILTIN_TAXONOMY, Taxonomy, load_taxonomy
from .text import fold, html_to_text
from .trie import strip_article

__all__ = ["Tagger", "default_tagger", "load_tagger"]

LEADER_GRACE = timedelta(days=90)


class Tagger:
    """Tags items with indicators, countries, regions and organisations. Thread-safe, immutable."""

    def __init__(self, taxonomy: Taxonomy, gazetteer: Gazetteer) -> None:
        self.taxonomy = taxonomy
        self._gazetteer: Gazetteer | None = gazetteer
        self.version = taxonomy.version
        self._primary = PhraseIndex()  # terms, countries, leaders, organisations
        self._context = PhraseIndex()  # cues, stages, negations: read only when a term matched
        self._geo = PhraseIndex()  # geo support and veto cues: read only for ambiguous names
        self._build()
        # ambiguous acronyms become firm when written in capitals: their firm twins, made once
        firm = {
            e: e._replace(ambiguous=False)
            for node in self._primary.nodes()
            for e in node.entries
            if e.ambiguous and e.case == CAPS
        }
        region = {iso3: row["region"] for iso3, row in gazetteer.countries.items()}
        regional = frozenset(
            o for o, row in gazetteer.org_meta.items() if row.get("kind") in ("regional", "subregional")
        )
        self._rules = Rules(taxonomy, region, firm, regional)

    # ---------------------------------------------------------------------------- building
    def _build(self) -> None:
        tax = self.taxonomy
        self._normaliser = Normaliser(self._protected())
        variant = self._normaliser.phrase_variant

        def adder(index: PhraseIndex) -> Callable[[str, Entry], None]:
            def add(phrase: str, entry: Entry) -> None:
                index.add(phrase, entry, variant=lambda tokens: variant(entry.lang, tokens))

            return add

        add_primary = adder(self._primary)
        add_context = adder(self._context)
        add_geo = adder(self._geo)
        for ind in tax.indicators:
            for gi, g in enumerate(ind.groups):
                for lang, phrases in g.terms.items():
                    for p in phrases:
                        add_primary(
                            p, Entry(TERM, ind.id, gi, False, lang, case_sensitive(p), f"term:{lang}:{p}")
                        )
            for stage, langs in ind.stages.items():
                for lang, phrases in langs.items():
                    for p in phrases:
                        add_context(
                            p, Entry(STAGE, ind.id, stage, False, lang, case_sensitive(p), f"stage:{stage}")
                        )
        for cue, langs in tax.cues.items():
            for lang, phrases in langs.items():
                for p in phrases:
                    add_context(p, Entry(CUE, cue, None, False, lang, case_sensitive(p), f"cue:{cue}"))
        for lang, phrases in tax.negation.items():
            for p in phrases:
                add_context(p, Entry(NEG, "", None, False, lang, case_sensitive(p), "negation"))
        for lang, phrases in tax.geo.support.items():
            for p in phrases:
                add_geo(p, Entry(SUPPORT, "", None, False, lang, case_sensitive(p), "geo-support"))
        for iso3, langs in tax.geo.veto.items():
            for lang, phrases in langs.items():
                for p in phrases:
                    add_geo(p, Entry(VETO, iso3, None, False, lang, case_sensitive(p), "geo-veto"))
        self._build_places(add_primary)
        org_unless = set(tax.geo.org_unless)

        def flag_of(e: Entry) -> int:
            if e.kind == TERM or (e.kind == ORG and e.key in org_unless):
                return NEED_CONTEXT
            if e.kind == COUNTRY and e.ambiguous and e.case != CAPS:
                return NEED_GEO
            return 0

        self._normaliser.vocab = frozenset().union(
            *(i.tokens() for i in (self._primary, self._context, self._geo))
        )
        self._primary.freeze(flag_of)
        self._context.freeze()
        self._geo.freeze()

    def _protected(self) -> frozenset[str]:
        """Tokens of the gazetteer's names (and of the taxonomy's extra forms and blocking phrases):
        stemming leaves them as they are."""
        gz = self.gazetteer
        geo = self.taxonomy.geo
        texts = (
            [cn.text for cn in gz.names] + [ld.name for ld in gz.leaders] + [on.text for on in gz.org_names]
        )
        texts += [f for a in geo.add for fs in a.forms.values() for f in fs]
        texts += [p for ps in geo.block.values() for p in ps]
        out: set[str] = set()
        for text in texts:
            tokens = phrase_tokens(text)[0]
            out.update(tokens)
            if tokens:
                out.add(strip_article(tokens[0]))
        return frozenset(out)

    def _build_places(self, add: Any) -> None:
        """Country forms, blocking phrases, leaders and organisations into the primary trie."""
        gz = self.gazetteer
        geo = self.taxonomy.geo
        dropped = {(iso3, phrase_tokens(f)) for iso3, forms in geo.drop.items() for f in forms}
        names = [(cn.iso3, cn.lang, cn.kind, cn.text, cn.ambiguous) for cn in gz.names]
        names += [
            (a.iso3, lang, a.kind, f, a.ambiguous)
            for a in geo.add
            for lang, fs in a.forms.items()
            for f in fs
        ]
        for iso3, lang, kind, text, ambiguous in names:
            if iso3 in geo.drop and (iso3, phrase_tokens(text)) in dropped:
                continue
            add(text, Entry(COUNTRY, iso3, kind, bool(ambiguous), lang, case_rule(text), f"{kind}:{lang}"))
        # "ethnic Armenians", "Arméniens de souche" name a group, not a country: markers the rules
        # read next to a demonym (not every combination as a phrase: that would triple the trie)
        for lang, prefixes in geo.ethnic_prefix.items():
            for prefix in prefixes:
                add(prefix, Entry(BLOCK, "ethnic_before", None, False, lang, 0, "block:ethnic"))
        for lang, suffixes in geo.ethnic_suffix.items():
            for suffix in suffixes:
                add(suffix, Entry(BLOCK, "ethnic_after", None, False, lang, 0, "block:ethnic"))
        for lang, phrases in geo.block.items():
            for p in phrases:
                add(p, Entry(BLOCK, "", None, False, lang, 0, "block"))
        for ld in gz.leaders:
            span = (ld.start - LEADER_GRACE, (ld.end + LEADER_GRACE) if ld.end else None)
            years = f"{ld.start.year}-{ld.end.year if ld.end else ''}"
            add(ld.name, Entry(LEADER, ld.iso3, span, False, "any", case_rule(ld.name), f"leader:{years}"))
        for on in gz.org_names:
            add(
                on.text,
                Entry(
                    ORG, on.org, on.kind, bool(on.ambiguous), on.lang, case_rule(on.text), f"org:{on.lang}"
                ),
            )

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
        return self.tag_plain(title, summary, language, published).result()

    def tag_plain(
        self, title: str, summary: str, language: str | None = None, published: datetime | date | None = None
    ) -> RawResult:
        """Tag plain text; returns the light-weight raw result (``.result()`` / ``.to_json()``)."""
        text = title + SEPARATOR + summary if summary else title
        folded, omap = fold(text)
        tokens = slots(folded)
        lang = normalise_language(language)
        if lang is None:
            lang = guess_language(text, tokens=tokens)
        matches = self.match(folded, tokens, lang)
        return self._rules.evaluate(title, summary, omap, matches, lang, published)

    def match(self, folded: str, tokens: list[str], lang: str | None) -> list[Match]:
        """Every match in the folded text (``tokens = slots(folded)``), in slot order."""
        if lang == "en" or (lang is None and folded.isascii()):
            lookup, skips = tokens, None
        else:
            arabic = not folded.isascii() and ARABIC.search(folded) is not None
            lookup, skips = self._normaliser.lookup(lang, tokens, arabic)
        matches: list[Match] = []
        cursor = [0, 0]
        need = self._primary.match(folded, tokens, lookup, skips, matches, cursor, lang)
        if need:
            self._match_context(folded, tokens, lookup, skips, matches, cursor, need, lang)
        return matches

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:  # not kept in the cache file: the tagger itself needs only regions
            self._gazetteer = get_gazetteer()
        return self._gazetteer

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_gazetteer"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _match_context(
        self,
        folded: str,
        tokens: list[str],
        lookup: list[str],
        skips: dict[int, int] | None,
        matches: list[Match],
        cursor: list[int],
        need: int,
        lang: str | None,
    ) -> None:
        """Add the cue, stage and negation matches (when a term or a conditional organisation
        matched) and the geo cues (when an ambiguous name matched)."""
        n = len(matches)
        if need & NEED_CONTEXT:
            self._context.match(folded, tokens, lookup, skips, matches, cursor, lang)
        if need & NEED_GEO:
            self._geo.match(folded, tokens, lookup, skips, matches, cursor, lang)
        if len(matches) > n:
            matches.sort(key=_first_slot)


def _first_slot(m: Match) -> int:
    return m[0]


def load_tagger(
    extra_taxonomy_files: Sequence[Path | str] = (),
    *,
    gazetteer: Gazetteer | None = None,
    cache: bool = True,
    cache_dir: Path | None = None,
) -> Tagger:
    """Build a tagger from the built-in taxonomy plus ``extra_taxonomy_files`` (merged in order).

    Building takes a few hundred milliseconds, so with a ``cache_dir`` (the caller's choice, from
    the ``indicators.cache`` setting) the built tagger is kept there in a file keyed by a hash of
    every input: the taxonomy files, the data files and this package's code. Without one, or with
    ``cache=False``, it is built in memory and nothing is written.
    """
    extra = [Path(f) for f in extra_taxonomy_files]
    if gazetteer is not None:
        return Tagger(load_taxonomy(extra), gazetteer)
    here = Path(__file__).resolve().parent
    inputs = [
        *sorted(here.glob("*.py")),
        BUILTIN_TAXONOMY,
        *sorted(p for p in (here / "data").iterdir() if p.is_file()),
        *extra,
    ]
    return cached(
        lambda: Tagger(load_taxonomy(extra), get_gazetteer()),
        inputs,
        Tagger,
        directory=cache_dir if cache else None,
    )


_default_tagger: Tagger | None = None


def default_tagger(cache_dir: Path | None = None) -> Tagger:
    """The process's one tagger with the built-in taxonomy (built, or read from ``cache_dir``, on
    the first call)."""
    global _default_tagger
    if _default_tagger is None:
        _default_tagger = load_tagger(cache_dir=cache_dir)
    return _default_tagger
