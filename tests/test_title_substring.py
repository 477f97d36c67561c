"""The review grid's title filters ("contains", "starts with", "ends with") answer exactly as a scan of
every title would, while the trigram index (db.substring, migration 0007) narrows the rows; the index
follows inserts, title changes and deletes. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from db import Database
from db.filters import ItemFilter
from db.listing import ColumnFilter, TextCondition, column_filter_sql, item_page
from db.models import Feed, Item

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TITLES = [
    "Ceasefire holds in Sudan",
    "CEASEFIRE talks collapse",
    "Talks on a ceasefire",
    "Élections à Abidjan",
    "élections reportées",
    "100% of aid blocked_now",
    "Peacekeepers leave Mali",
    "Sanctions on militia leaders",
    "",
]
CASES = [
    ("contains", "ceasefire"),
    ("contains", "Fire"),
    ("contains", "élections"),
    ("contains", "100%"),
    ("contains", "d_n"),
    ("contains", "ce"),  # too short for trigrams: a scan, same answer
    ("starts_with", "ceasefire"),
    ("starts_with", "talks"),
    ("ends_with", "sudan"),
    ("ends_with", "leaders"),
    ("contains", "nothing like it"),
]


def seed(db: Database) -> None:
    with db.write() as s:
        feed = Feed(url="https://a.example.org/rss", title="A")
        s.add(feed)
        s.flush()
        for n, title in enumerate(TITLES):
            s.add(
                Item(
                    feed_id=feed.id,
                    guid=f"g{n}",
                    link=None,
                    link_key=None,
                    title=title,
                    title_key=title.lower(),
                    summary="",
                    published_at=NOW - timedelta(hours=n),
                    fetched_at=NOW,
                    language="en",
                    content_hash=str(n),
                )
            )


def titles(db: Database, op: str, value: str) -> set[str]:
    page = item_page(db, ItemFilter(), columns=[ColumnFilter("title", (TextCondition(op, value),))])  # type: ignore[arg-type]
    return {row.title for row in page.rows}


def scanned(db: Database, op: str, value: str) -> set[str]:
    """The same test as a plain scan of every title, without the index."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = {"contains": f"%{escaped}%", "starts_with": f"{escaped}%", "ends_with": f"%{escaped}"}[op]
    with db.read() as s:
        return set(s.scalars(select(Item.title).where(Item.title.ilike(pattern, escape="\\"))))


@pytest.mark.parametrize(("op", "value"), CASES)
def test_title_filters_answer_as_a_scan_would(db: Database, op: str, value: str) -> None:
    seed(db)
    assert titles(db, op, value) == scanned(db, op, value)


def test_known_answers(db: Database) -> None:
    seed(db)
    assert titles(db, "contains", "ceasefire") == {TITLES[0], TITLES[1], TITLES[2]}
    assert titles(db, "starts_with", "ceasefire") == {TITLES[0], TITLES[1]}
    assert titles(db, "contains", "100%") == {TITLES[5]}
    assert titles(db, "contains", "d_n") == {TITLES[5]}


def test_the_index_follows_inserts_title_changes_and_deletes(db: Database) -> None:
    seed(db)
    with db.write() as s:
        s.execute(update(Item).where(Item.title == TITLES[0]).values(title="Truce holds in Sudan"))
        s.execute(delete(Item).where(Item.title == TITLES[1]))
    assert titles(db, "contains", "ceasefire") == {TITLES[2]}
    assert titles(db, "contains", "truce") == {"Truce holds in Sudan"}


def test_sqlite_title_filter_is_driven_by_the_trigram_index(sqlite_db: Database) -> None:
    seed(sqlite_db)
    cond = column_filter_sql(ColumnFilter("title", (TextCondition("contains", "ceasefire"),)))
    assert cond is not None
    stmt = select(Item.id).where(cond).order_by(Item.published_at.desc()).limit(100)
    with sqlite_db.read() as s:
        sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = " / ".join(str(r[-1]) for r in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "SCAN items" not in plan, plan
