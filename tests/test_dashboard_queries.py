"""Dashboard queries: aggregates, the review grid and item details, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.aggregates import (
    country_table,
    indicator_counts,
    region_coverage,
    review_shares,
)
from db.filters import ItemFilter
from db.listing import (
    ColumnFilter,
    DateCondition,
    NumberCondition,
    SortKey,
    TextCondition,
    item_page,
    list_items,
)
from db.organisations import organisation_matrix
from db.reviews import ReviewError, apply_action, record_review, review_history, review_statuses
from db.rows import item_detail
from db.series import daily_series
from db.signals import AlertRule, make_signal, region_signals
from tests.dashboard_seed import XSS_TITLE, Seeder, seed_sample

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded(db: Database) -> Seeder:
    return Seeder(db, NOW)


def test_signal_arithmetic() -> None:
    rule = AlertRule(ratio=2.0, min_count=3, min_baseline=1.0)
    s = make_signal("africa", "genocide", 6, 8, 4, rule)
    assert (s.baseline_mean, s.baseline_used, s.ratio, s.marked) == (2.0, 2.0, 3.0, True)
    # an empty past is floored, and a small count is never marked
    s = make_signal("africa", "genocide", 2, 0, 4, rule)
    assert (s.baseline_used, s.ratio, s.marked) == (1.0, 2.0, False)
    s = make_signal("africa", "genocide", 3, 0, 4, rule)
    assert s.marked and "ratio 3.0" in s.explain()
    assert not make_signal("africa", "icc", 5, 12, 4, rule).marked  # 5 / 3 < 2


def test_region_signals_counts_window_and_baseline(db: Database, seeded: Seeder) -> None:
    f = seeded.feed("https://a.example/rss", "A", region="africa")
    for d in (0.5, 1, 2, 3, 6.9):
        seeded.item(f, "peacekeepers in Sudan", days_ago=d, indicators=["peacekeeping"], countries=["SDN"])
    for d in (8, 20, 34):  # baseline: 3 items over 4 weeks
        seeded.item(f, "peacekeepers in Sudan", days_ago=d, indicators=["peacekeeping"], countries=["SDN"])
    seeded.item(f, "peacekeepers old", days_ago=40, indicators=["peacekeeping"], countries=["SDN"])
    # two countries of the same region count the item once
    seeded.item(
        f,
        "peacekeepers in Sudan and South Sudan",
        days_ago=1,
        indicators=["peacekeeping"],
        countries=["SDN", "SSD"],
        organisations=["UN"],
    )
    signals = region_signals(db, AlertRule(), now=NOW, regions=["americas"], indicators=["peacekeeping"])
    s = signals[("africa", "peacekeeping")]
    assert (s.count, s.baseline_total, s.baseline_windows) == (6, 3, 4)
    assert s.baseline_used == 1.0 and s.ratio == 6.0 and s.marked
    assert signals[("americas", "peacekeeping")].count == 0
    only_un = region_signals(db, AlertRule(), now=NOW, organisation="UN")
    assert only_un[("africa", "peacekeeping")].count == 1
    wide = region_signals(db, AlertRule(), now=NOW, window_days=14, baseline_windows=2)
    assert (wide[("africa", "peacekeeping")].count, wide[("africa", "peacekeeping")].baseline_total) == (7, 3)


def test_daily_series_by_utc_day(db: Database, seeded: Seeder) -> None:
    f = seeded.feed("https://a.example/rss", "A")
    seeded.item(f, "genocide warning", days_ago=0.1, indicators=["genocide"], countries=["MMR"])
    seeded.item(f, "genocide warning 2", days_ago=0.2, indicators=["genocide"], countries=["MMR"])
    seeded.item(f, "genocide warning 3", days_ago=2.0, indicators=["genocide"], countries=["MMR"])
    seeded.item(f, "genocide too old", days_ago=120, indicators=["genocide"], countries=["MMR"])
    dates, series = daily_series(db, now=NOW, days=90)
    assert len(dates) == 90 and dates[-1] == NOW.date()
    values = series[("asia-pacific", "genocide")]
    assert values[-1] == 2 and values[-3] == 1 and sum(values) == 3
    _, by_country = daily_series(db, now=NOW, days=90, country="mmr")
    assert sum(by_country[("MMR", "genocide")]) == 3


def test_region_coverage_tells_no_news_from_no_sources(db: Database, seeded: Seeder) -> None:
    ok = seeded.feed("https://a.example/rss", "A", region="africa", language="fr")
    seeded.feed("https://b.example/rss", "B", region="africa", status="error", error="timeout")
    world = seeded.feed("https://w.example/rss", "W", language="en")
    seeded.item(ok, "Sudan news", days_ago=1, countries=["SDN"], also_in=[world])
    seeded.item(world, "Haiti news", days_ago=2, countries=["HTI"], language="es")
    cov = region_coverage(db, now=NOW)
    assert (cov["africa"].sources, cov["africa"].failing, cov["africa"].items) == (3, 1, 1)
    assert cov["africa"].languages == ("en", "fr")
    assert (cov["americas"].sources, cov["americas"].languages) == (1, ("en", "es"))
    assert "asia-pacific" not in cov


def test_country_table_and_organisation_matrix(db: Database, seeded: Seeder) -> None:
    f = seeded.feed("https://a.example/rss", "A")
    g = seeded.feed("https://b.example/rss", "B")
    seeded.item(
        f,
        "UN peacekeepers in Sudan",
        indicators=["peacekeeping"],
        countries=["SDN"],
        organisations=["UN"],
        also_in=[g],
    )
    seeded.item(
        f,
        "Sudan sanctions by the EU",
        indicators=["sanctions", "peacekeeping"],
        countries=["SDN"],
        organisations=["EU", "UN"],
    )
    market = seeded.item(f, "Sudan market", countries=["SDN"])
    # outlet G's own report of the market story: one more item and source, not one more story
    seeded.item(g, "Sudan: markets calm", countries=["SDN"], story=seeded.story_of[market])
    seeded.item(f, "Haiti sanctions", indicators=["sanctions"], countries=["HTI"], organisations=["OAS"])
    rows = country_table(db, ItemFilter(region="africa"))
    # a story's sources are the outlets its items were stored from (G's copy of the first item's link
    # is a sighting of that item, not a report of its own)
    assert [(r.iso3, r.stories, r.sources, r.items, r.flagged, r.top_indicator) for r in rows] == [
        ("SDN", 3, 2, 4, 2, "peacekeeping")
    ]
    matrix = organisation_matrix(db, ItemFilter(region="africa"), ["peacekeeping", "sanctions", "icc"])
    assert matrix == {
        ("UN", "peacekeeping"): 2,
        ("UN", "sanctions"): 1,
        ("EU", "peacekeeping"): 1,
        ("EU", "sanctions"): 1,
    }
    assert indicator_counts(db, ItemFilter(country="HTI")) == {"sanctions": 1}


def test_grid_paging_sorting_filtering_in_database(db: Database, seeded: Seeder) -> None:
    f = seeded.feed("https://a.example/rss", "Alpha")
    g = seeded.feed("https://b.example/rss", "Beta")
    for k in range(30):
        seeded.item(
            f if k % 2 else g,
            f"Item {k:02d} genocide 100%_done",
            days_ago=k + 0.5,
            indicators={"genocide": 1.0 + k / 10},
            countries=["SDN" if k % 3 else "HTI"],
        )
    seeded.item(f, "unflagged", days_ago=0.1, countries=["SDN"])
    flt = ItemFilter(flagged_only=True)
    page = item_page(db, flt, start=0, end=10)
    assert page.total == 30 and [r.title[:7] for r in page.rows[:2]] == ["Item 00", "Item 01"]
    page2 = item_page(db, flt, start=10, end=20)
    assert page2.rows[0].title.startswith("Item 10")
    by_score = item_page(db, flt, start=0, end=3, sort=[SortKey("score", descending=True)])
    assert by_score.rows[0].score == pytest.approx(3.9)
    by_source = item_page(db, flt, end=30, sort=[SortKey("source")])
    assert by_source.rows[0].source == "Alpha" and by_source.rows[-1].source == "Beta"

    # column filters
    def total(*columns: ColumnFilter) -> int:
        return item_page(db, flt, columns=columns).total

    assert total(ColumnFilter("score", (NumberCondition("greater", 3.5),))) == 4
    assert total(ColumnFilter("score", (NumberCondition("between", 1.0, 1.15),))) == 2
    assert total(ColumnFilter("title", (TextCondition("contains", "item 2"),))) == 10
    assert total(ColumnFilter("title", (TextCondition("contains", ""),))) == 30  # nothing to test yet
    either = (TextCondition("starts_with", "Item 01"), TextCondition("starts_with", "Item 02"))
    assert total(ColumnFilter("title", either, any_of=True)) == 2
    assert total(ColumnFilter("title", either)) == 0
    day = datetime.combine((NOW - timedelta(days=3)).date(), datetime.min.time(), UTC)
    assert total(ColumnFilter("published_at", (DateCondition("after_day", day),))) == 3
    assert total(ColumnFilter("published_at", (DateCondition("on_day", day),))) == 1
    assert (
        total(ColumnFilter("published_at", (DateCondition("days_between", day - timedelta(days=1), day),)))
        == 2
    )
    # like wildcards in user text are literal
    assert item_page(db, ItemFilter(text="100%_d")).total == 30
    assert item_page(db, ItemFilter(text="100%%")).total == 0
    # external filters
    assert item_page(db, ItemFilter(country="hti", flagged_only=True)).total == 10
    assert item_page(db, ItemFilter(region="africa", flagged_only=True)).total == 20
    assert item_page(db, ItemFilter(feed_id=f, flagged_only=True)).total == 15
    assert item_page(db, ItemFilter(since=NOW - timedelta(days=5), flagged_only=True)).total == 5
    record_review(db, [page.rows[0].id], "confirmed", "ann")
    assert item_page(db, ItemFilter(status="confirmed")).total == 1
    assert item_page(db, ItemFilter(status="new", flagged_only=True)).total == 29


def test_item_detail_and_xss_text_kept_verbatim(db: Database) -> None:
    info = seed_sample(db, NOW)
    detail = item_detail(db, info["xss"])
    assert detail is not None and detail.row.title == XSS_TITLE
    assert detail.tags[0].id == "genocide"
    ev = detail.tags[0].evidence[0]
    assert detail.row.summary[ev["start"] : ev["end"]] == "genocide"
    assert detail.countries[0].iso3 == "SSD" and detail.countries[0].region == "africa"
    assert item_detail(db, 10**9) is None
    kosovo = item_detail(db, info["kosovo"])
    assert kosovo is not None and kosovo.row.regions == ("europe-central-asia",)
    assert [o.id for o in kosovo.organisations] == ["EU"]


def test_reviews_append_history_and_refuse_bad_input(db: Database, seeded: Seeder) -> None:
    f = seeded.feed("https://a.example/rss", "A")
    a = seeded.item(f, "war crimes", indicators=["war_crimes"], countries=["UKR"])
    b = seeded.item(f, "war crimes 2", indicators=["war_crimes"], countries=["UKR"])
    assert review_statuses(db, [a, b]) == {a: "new", b: "new"}
    assert apply_action(db, [a, b], "confirm", "ann", "  seen in two sources ") == 2
    assert apply_action(db, [a], "dismiss", "bob") == 1
    assert review_statuses(db, [a, b]) == {a: "dismissed", b: "confirmed"}
    history = review_history(db, a)
    assert [(h.status, h.analyst, h.note) for h in history] == [
        ("confirmed", "ann", "seen in two sources"),
        ("dismissed", "bob", None),
    ]
    with pytest.raises(ReviewError):
        apply_action(db, [a], "delete", "ann")
    with pytest.raises(ReviewError):
        record_review(db, [a, 999999], "confirmed", "ann")
    with pytest.raises(ReviewError):
        record_review(db, [a], "confirmed", "")
    assert len(review_history(db, a)) == 2  # nothing written by the refused actions
    shares = review_shares(db)
    assert (shares["war_crimes"].confirmed, shares["war_crimes"].dismissed) == (1, 1)
    assert shares["war_crimes"].confirmed_share == 0.5


def test_sample_seed_lists(db: Database) -> None:
    info = seed_sample(db, NOW)
    latest = list_items(db, ItemFilter(region="africa", flagged_only=True), limit=5)
    assert latest[0].published_at >= latest[-1].published_at and all(r.flagged for r in latest)
    signals = region_signals(db, AlertRule(), now=NOW)
    assert signals[("africa", "peacekeeping")].marked
    assert info["xss"] in {r.id for r in list_items(db, ItemFilter(text="<script>"), limit=5)}


@pytest.mark.parametrize(
    "sort",
    [
        (),
        (SortKey("score", descending=True),),
        (SortKey("source"), SortKey("title")),
        (SortKey("status", descending=True),),
    ],
)
def test_keyset_pages_equal_offset_pages(db: Database, seeded: Seeder, sort: tuple[SortKey, ...]) -> None:
    f = seeded.feed("https://a.example/rss", "Alpha")
    g = seeded.feed("https://b.example/rss", "Beta")
    for k in range(23):  # equal scores and equal times: the tie-breakers decide
        seeded.item(
            f if k % 3 else g,
            f"Item {k % 5}",
            days_ago=(k // 2) + 0.5,
            indicators={"genocide": 1.0 + k % 4},
            countries=["SDN"],
        )
    flt = ItemFilter(flagged_only=True)
    everything = [r.id for r in item_page(db, flt, end=100, sort=sort).rows]
    assert len(everything) == 23
    seen: list[int] = []
    cursor = None
    total = None
    for start in range(0, 30, 5):
        page = item_page(db, flt, start=start, end=start + 5, sort=sort, after=cursor, total=total)
        assert [r.id for r in page.rows] == everything[start : start + 5]
        seen += [r.id for r in page.rows]
        cursor, total = page.cursor, page.total
    assert seen == everything and total == 23
