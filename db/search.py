"""Full-text search over item titles and summaries, the same on SQLite (FTS5) and PostgreSQL (tsvector).

Each item has a search *document* (table ``item_search``): its words, case- and accent-folded, each
followed by its stem in the item's language (Snowball: en, fr, es, pt, ar). The database indexes that
document — SQLite with the FTS5 table ``item_fts``, PostgreSQL with a GIN index on
``to_tsvector('simple', document)`` — so both backends match the very same tokens.

A query is a list of *groups*, all of which must match; a group matches when any of its alternatives
does, and an alternative is a word or a phrase. Each query word stands for itself and its stems in every
supported language (``peacekeepers`` finds ``peacekeeper``; ``sanción`` finds ``sanciones``). The caller
may add alternatives, e.g. a place's names in other languages from the gazetteer (``variants``), which
this package does not know about.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Integer,
    bindparam,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from db.chunks import chunks
from db.models import Base, Item, ItemSearch

STEMMERS = {"en": "english", "fr": "french", "es": "spanish", "pt": "portuguese", "ar": "arabic"}
MAX_GROUPS = 12  # words kept from one query
MAX_ALTERNATIVES = 24  # alternatives kept per word
_WORD = re.compile(r"[^\W_]+")
_SEARCH = Base.metadata.tables["item_search"]
_CHUNK = 500

#: a word or phrase -> other names for it (e.g. the gazetteer's names of the same place)
Variants = Callable[[str], Iterable[str]]


@cache
def _stemmer(lang: str) -> Any:
    return snowballstemmer.stemmer(STEMMERS[lang])


def fold(word: str) -> str:
    """Lower case without accents or Arabic diacritics (harakat, tatweel)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c != "\u0640")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _stem(lang: str, word: str) -> str:
    return fold(_stemmer(lang).stemWord(word.casefold()))


@lru_cache(maxsize=32_768)
def _word_entry(lang: str, word: str) -> tuple[str, str]:
    """(folded word, its stem or "" when the same): news vocabulary repeats, so this is mostly a lookup.
    An entry costs about 380 bytes: 32,768 of them (12 MB) hold a news vocabulary's frequent words;
    300,000 held 115 MB for the life of an ingest process, and every distinct number took one."""
    folded = fold(word)
    stem = _stem(lang, word) if folded else ""
    return folded, (stem if stem != folded else "")


def document(title: str, summary: str, language: str | None) -> str:
    """The search document of one item: its folded words in order (so phrases match), then the stems
    that differ from their word."""
    lang = language if language in STEMMERS else "en"
    folded: list[str] = []
    stems: dict[str, None] = {}
    entry = _word_entry
    for word in words(f"{title}\n{summary}"):
        f, stem = entry(lang, word)
        if f:
            folded.append(f)
            if stem:
                stems[stem] = None
    return " ".join([*folded, *stems])


def word_forms(word: str) -> set[str]:
    """What a query word may match: itself and its stem in each supported language."""
    forms = {fold(word)}
    forms.update(_stem(lang, word) for lang in STEMMERS)
    return {f for f in forms if f}


# --------------------------------------------------------------------------------------------------
# queries


@dataclass(frozen=True, slots=True)
class TextQuery:
    """All ``groups`` must match; a group is alternatives, each a phrase of token alternatives."""

    text: str
    groups: tuple[tuple[tuple[frozenset[str], ...], ...], ...]

    @property
    def empty(self) -> bool:
        return not self.groups


def _phrase(text: str) -> tuple[frozenset[str], ...]:
    """One word: any of its forms. Several words (a place name): those words, in order, folded."""
    ws = words(text)
    if len(ws) == 1:
        return (frozenset(word_forms(ws[0])),)
    return tuple(frozenset({fold(w)}) for w in ws if fold(w))


def parse_query(text: str, variants: Variants | None = None, *, max_ngram: int = 4) -> TextQuery:
    """Words of ``text``, each a group that must match. With ``variants``, a run of up to ``max_ngram``
    words that has variants (e.g. "North Darfur") becomes one group: the run or any of its variants."""
    tokens = words(text)
    groups: list[tuple[tuple[frozenset[str], ...], ...]] = []
    i = 0
    while i < len(tokens) and len(groups) < MAX_GROUPS:
        taken = 1
        alternatives: list[str] = [tokens[i]]
        if variants is not None:
            for n in range(min(max_ngram, len(tokens) - i), 0, -1):
                run = " ".join(tokens[i : i + n])
                found = [v for v in variants(run) if v.strip()]
                if found:
                    taken, alternatives = n, [run, *found]
                    break
        phrases = []
        seen: set[tuple[frozenset[str], ...]] = set()
        for alt in alternatives[:MAX_ALTERNATIVES]:
            phrase = _phrase(alt)
            if phrase and phrase not in seen:
                seen.add(phrase)
                phrases.append(phrase)
        if phrases:
            groups.append(tuple(phrases))
        i += taken
    return TextQuery(text, tuple(groups))


def _quote_fts(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts5_expression(query: TextQuery) -> str:
    """The FTS5 MATCH expression: AND of groups, OR of alternatives, a phrase's tokens joined by ``+``."""

    def phrase(p: tuple[frozenset[str], ...]) -> str:
        if len(p) == 1:
            return " OR ".join(_quote_fts(f) for f in sorted(p[0]))
        return "(" + " + ".join(_quote_fts(min(forms)) for forms in p) + ")"

    return " AND ".join("(" + " OR ".join(phrase(p) for p in group) + ")" for group in query.groups)


def tsquery_expression(query: TextQuery) -> str:
    """The PostgreSQL tsquery text (lexemes quoted, so 'simple' keeps them as they are)."""

    def lexeme(token: str) -> str:
        return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'"

    def phrase(p: tuple[frozenset[str], ...]) -> str:
        return " <-> ".join("(" + " | ".join(lexeme(f) for f in sorted(forms)) + ")" for forms in p)

    return " & ".join("(" + " | ".join(phrase(p) for p in group) + ")" for group in query.groups)


class _Matches(ColumnElement[bool]):
    """``items.id`` is among the items whose document matches; compiled for each backend."""

    inherit_cache = False  # the query text lives outside the cache key
    type = Boolean()
    # an IN condition already: without this SQLite gets ``items.id IN (...) = 1``, which its planner
    # cannot drive from the match list, so every search scanned the whole items table
    _is_implicitly_boolean = True

    def __init__(self, query: TextQuery) -> None:
        self.query = query


@compiles(_Matches, "sqlite")
def _matches_sqlite(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    ids = text("SELECT rowid FROM item_fts WHERE item_fts MATCH :fts").bindparams(
        bindparam("fts", fts5_expression(element.query), unique=True)
    )
    return str(compiler.process(Item.id.in_(ids.columns(rowid=Integer())), **kw))


@compiles(_Matches)
def _matches_postgresql(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    ids = text(
        "SELECT item_id FROM item_search WHERE to_tsvector('simple', document) @@ to_tsquery('simple', :tsq)"
    ).bindparams(bindparam("tsq", tsquery_expression(element.query), unique=True))
    return item_id_in_first(compiler, ids, **kw)


def item_id_in_first(compiler: SQLCompiler, ids: Any, **kw: Any) -> str:
    """``items.id`` among ``ids`` (a query of item ids) on PostgreSQL, the ids computed before the items
    are read: as a plain IN, the planner walks the items newest first testing each (17 s at 200,000
    items for a rare word); this way a rare match costs milliseconds, one in a quarter of the items a
    few hundred."""
    item_id = Base.metadata.tables["items"].c.id
    return f"{compiler.process(item_id, **kw)} = ANY (ARRAY({compiler.process(ids, **kw)}))"


def match_condition(query: TextQuery) -> ColumnElement[bool]:
    """A condition on ``Item.id``: the item's document matches ``query`` (the one search entry point,
    the same on SQLite and PostgreSQL). A query without words matches every item."""
    if query.empty:
        return true()
    return _Matches(query)


# --------------------------------------------------------------------------------------------------
# keeping the index in step (insert and update here; deletes cascade, and SQLite triggers follow)


def index_items(
    conn: Session | Connection, rows: Iterable[tuple[int, str, str, str | None]], *, replace: bool = False
) -> int:
    """Write the documents of ``rows`` (id, title, summary, language); ``replace`` drops old ones first."""
    values = [{"item_id": i, "document": document(t, s or "", lang)} for i, t, s, lang in rows]
    execute = conn.execute
    for chunk in chunks(values, _CHUNK):
        if replace:
            execute(delete(_SEARCH).where(_SEARCH.c.item_id.in_([v["item_id"] for v in chunk])))
        execute(insert(_SEARCH), chunk)
    return len(values)


def reindex(session: Session | Connection, item_ids: Sequence[int]) -> int:
    """Rebuild the documents of these stored items from their current text."""
    total = 0
    for part in chunks(item_ids, _CHUNK):
        chunk = list(part)
        rows = session.execute(
            select(Item.id, Item.title, Item.summary, Item.language).where(Item.id.in_(chunk))
        ).all()
        total += index_items(session, [(r[0], r[1], r[2], r[3]) for r in rows], replace=True)
    return total


def index_missing(conn: Session | Connection, batch: int = 2000) -> int:
    """Index every item that has no document yet (after the migration, or items written by hand)."""
    total = 0
    while True:
        rows = conn.execute(
            select(Item.id, Item.title, Item.summary, Item.language)
            .where(~select(ItemSearch.item_id).where(ItemSearch.item_id == Item.id).exists())
            .order_by(Item.id)
            .limit(batch)
        ).all()
        if not rows:
            return total
        total += index_items(conn, [(r[0], r[1], r[2], r[3]) for r in rows])


SQLITE_DDL = (
    "CREATE VIRTUAL TABLE item_fts USING fts5(document, content='item_search', content_rowid='item_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER item_search_ai AFTER INSERT ON item_search BEGIN "
    "INSERT INTO item_fts(rowid, document) VALUES (new.item_id, new.document); END",
    "CREATE TRIGGER item_search_ad AFTER DELETE ON item_search BEGIN "
    "INSERT INTO item_fts(item_fts, rowid, document) VALUES ('delete', old.item_id, old.document); END",
    "CREATE TRIGGER item_search_au AFTER UPDATE ON item_search BEGIN "
    "INSERT INTO item_fts(item_fts, rowid, document) VALUES ('delete', old.item_id, old.document); "
    "INSERT INTO item_fts(rowid, document) VALUES (new.item_id, new.document); END",
)
POSTGRES_DDL = (
    "CREATE INDEX ix_item_search_document ON item_search USING gin (to_tsvector('simple', document))",
)


def is_search_object(name: str | None) -> bool:
    """Objects the migration makes outside the models (for the models-vs-migrations comparison)."""
    return bool(name) and (str(name).startswith("item_fts") or name == "ix_item_search_document")


@event.listens_for(Session, "after_flush")
def _index_orm_items(session: Session, _context: Any) -> None:
    """Items added or retitled through the ORM (seeds, tests, tools) are indexed like ingested ones."""
    new = [o for o in session.new if isinstance(o, Item)]
    changed = [
        o.id
        for o in session.dirty
        if isinstance(o, Item)
        and any(inspect(o).attrs[a].history.has_changes() for a in ("title", "summary"))
    ]
    if new:
        index_items(session.connection(), [(o.id, o.title, o.summary or "", o.language) for o in new])
    if changed:
        reindex(session.connection(), changed)
