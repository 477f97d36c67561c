"""Full-text search: several words, stems in five languages, other-language place names; SQLite and
PostgreSQL alike, kept in step with inserts, text updates, retags and deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from db import Database
from db.models import Feed, Item
from db.search import document, index_missing, match_condition, parse_query, reindex
from indicators.names import name_variants

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TEXTS = [
    ("UN peacekeepers deployed to the border", "The mission grows.", "en"),
    ("Peacekeeper killed in ambush", "", "en"),
    ("Nuevas sanciones contra el gobierno", "La UE anuncia medidas.", "es"),
    ("Sanción a un ministro", "", "es"),
    ("Violences au Darfour", "Des civils fuient.", "fr"),
    ("اشتباكات في دارفور", "نزوح المدنيين", "ar"),
    ("Fighting in North Darfur spreads", "", "en"),
    ("Sanctions on Darfur militia leaders", "", "en"),
    ("Weather: sunny in Geneva", "", "en"),
]


def seed(db: Database) -> list[int]:
    with db.write() as s:
        feed = Feed(url="https://a.example.org/rss", title="A")
        s.add(feed)
        s.flush()
        items = []
        for n, (title, summary, lang) in enumerate(TEXTS):
            item = Item(
                feed_id=feed.id,
                guid=f"g{n}",
                link=None,
                link_key=None,
                title=title,
                title_key=title.lower(),
                summary=summary,
                published_at=NOW - timedelta(hours=n),
                fetched_at=NOW,
                language=lang,
                content_hash=str(n),
            )
            s.add(item)
            items.append(item)
        s.flush()
        return [i.id for i in items]


def found(db: Database, text: str, *, places: bool = True) -> set[int]:
    query = parse_query(text, name_variants if places else None)
    with db.read() as s:
        return set(s.scalars(select(Item.id).where(match_condition(query))))


def test_several_words_mean_all_of_them(db: Database) -> None:
    ids = seed(db)
    assert found(db, "darfur sanctions") == {ids[7]}
    assert found(db, "peacekeepers border") == {ids[0]}
    assert found(db, "peacekeepers nowhere") == set()


def test_stems_match_in_each_language(db: Database) -> None:
    ids = seed(db)
    assert found(db, "peacekeepers") == {ids[0], ids[1]}
    assert found(db, "peacekeeper") == {ids[0], ids[1]}
    assert found(db, "sanción") == {ids[2], ids[3]}
    assert found(db, "SANCIONES") == {ids[2], ids[3]}
    assert found(db, "civil") >= {ids[4]}
    assert found(db, "المدنيين") == {ids[5]}


def test_place_names_find_their_other_language_names(db: Database) -> None:
    ids = seed(db)
    darfur = {ids[4], ids[5], ids[6], ids[7]}
    assert found(db, "Darfur") == darfur
    assert found(db, "Darfour") == darfur
    assert found(db, "دارفور") == darfur
    assert found(db, "Darfour", places=False) == {ids[4]}
    assert found(db, "Nord-Darfour") == {ids[6]}


def test_index_follows_updates_retags_and_deletes(db: Database) -> None:
    ids = seed(db)
    with db.write() as s:
        s.execute(update(Item).where(Item.id == ids[8]).values(title="Massacre reported in Geneina"))
        reindex(s.connection(), [ids[8]])
    assert found(db, "massacre") == {ids[8]} and found(db, "sunny") == set()
    with db.write() as s:
        s.execute(delete(Item).where(Item.id == ids[0]))
    assert found(db, "peacekeepers") == {ids[1]}
    with db.write() as s:  # ORM changes are indexed on flush
        item = s.get(Item, ids[1])
        assert item is not None
        item.title = "Observer killed in ambush"
    assert found(db, "peacekeeper") == set() and found(db, "observers") == {ids[1]}
    with db.write() as s:
        assert index_missing(s.connection()) == 0


def test_hostile_queries_are_plain_words(db: Database) -> None:
    ids = seed(db)
    for text in ['"', "' | !", "*", "((", "-"]:
        assert found(db, text) == set(ids)
    for text in ["a OR", "NEAR(x y)", "a:b", "-x", "peacekeepers AND NOT border"]:
        assert found(db, text) == set()
    assert found(db, "sunny:") == {ids[8]}


@pytest.mark.parametrize("lang", ["en", "fr", "es", "pt", "ar"])
def test_documents_hold_words_and_stems(lang: str) -> None:
    doc = document("Sanctions", "", lang).split()
    assert doc[0] == "sanctions"


def test_sqlite_search_is_driven_by_the_full_text_index(sqlite_db: Database) -> None:
    """The match list drives the query: a search must not read every item to test each one."""
    seed(sqlite_db)
    stmt = (
        select(Item.id)
        .where(match_condition(parse_query("darfur")))
        .order_by(Item.published_at.desc(), Item.id.desc())
        .limit(100)
    )
    with sqlite_db.read() as s:
        sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = " / ".join(str(row[-1]) for row in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        assert set(s.scalars(stmt)) == found(sqlite_db, "darfur", places=False)
    assert "SCAN items" not in plan, plan
