"""ag-grid's getRows requests translated into the database's neutral filter and sort values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.grid import column_filters, grid_request, sort_keys
from db import Database
from db.filters import ItemFilter
from db.listing import ColumnFilter, DateCondition, NumberCondition, SortKey, TextCondition, item_page
from tests.dashboard_seed import Seeder

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_request_block_sort_and_filters() -> None:
    req = grid_request(
        {
            "startRow": 200,
            "endRow": 300,
            "sortModel": [{"colId": "score", "sort": "desc"}, {"colId": "source", "sort": "asc"}],
            "filterModel": {"title": {"filterType": "text", "type": "startsWith", "filter": "Sudan"}},
        }
    )
    assert (req.start, req.end) == (200, 300)
    assert req.sort == (SortKey("score", True), SortKey("source", False))
    assert req.columns == (ColumnFilter("title", (TextCondition("starts_with", "Sudan"),)),)
    empty = grid_request(None)
    assert (empty.start, empty.end, empty.sort, empty.columns) == (0, 100, (), ())


def test_filter_models_become_conditions() -> None:
    assert column_filters(
        {"score": {"filterType": "number", "type": "inRange", "filter": "1", "filterTo": 2}}
    ) == (ColumnFilter("score", (NumberCondition("between", 1.0, 2.0),)),)
    assert column_filters(
        {"published_at": {"filterType": "date", "type": "greaterThan", "dateFrom": "2026-11-17 00:00:00"}}
    ) == (ColumnFilter("published_at", (DateCondition("after_day", datetime(2026, 11, 17, tzinfo=UTC)),)),)
    both = column_filters(
        {
            "title": {
                "filterType": "text",
                "operator": "OR",
                "conditions": [
                    {"filterType": "text", "type": "contains", "filter": "a"},
                    {"filterType": "text", "type": "bogus", "filter": "b"},
                ],
            }
        }
    )
    assert both == (ColumnFilter("title", (TextCondition("contains", "a"),), any_of=True),)
    assert column_filters({"title": {"filterType": "text"}}) == (
        ColumnFilter("title", (TextCondition("contains"),)),
    )


def test_what_the_database_cannot_use_is_dropped() -> None:
    assert column_filters({"nope": {"filterType": "text", "filter": "x"}}) == ()
    assert column_filters({"score": {"filterType": "number", "type": "greaterThan", "filter": "many"}}) == ()
    assert column_filters({"score": {"filterType": "number", "type": "greaterThan"}}) == ()
    assert (
        column_filters({"published_at": {"filterType": "date", "type": "equals", "dateFrom": "someday"}})
        == ()
    )
    assert column_filters({"title": {"operator": "AND", "conditions": [{"type": "bogus"}]}}) == ()
    assert column_filters(["not", "a", "mapping"]) == ()
    assert sort_keys([{"colId": "drop table"}, "x", {"colId": "title"}]) == (SortKey("title"),)
    assert sort_keys("score") == ()


def test_grid_models_through_to_the_database(db: Database) -> None:
    seeded = Seeder(db, NOW)
    f = seeded.feed("https://a.example/rss", "Alpha")
    for k in range(10):
        seeded.item(
            f,
            f"Item {k:02d} genocide",
            days_ago=k + 0.5,
            indicators={"genocide": 1.0 + k / 10},
            countries=["SDN"],
        )
    day = (NOW - timedelta(days=3)).strftime("%Y-%m-%d 00:00:00")
    req = grid_request(
        {
            "startRow": 0,
            "endRow": 5,
            "sortModel": [{"colId": "score", "sort": "desc"}],
            "filterModel": {
                "published_at": {"filterType": "date", "type": "greaterThan", "dateFrom": day},
                "nope": {"filter": "x"},
            },
        }
    )
    page = item_page(
        db, ItemFilter(flagged_only=True), start=req.start, end=req.end, sort=req.sort, columns=req.columns
    )
    assert page.total == 3 and [r.title[:7] for r in page.rows] == ["Item 02", "Item 01", "Item 00"]
