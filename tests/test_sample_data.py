from __future__ import annotations

from collections import Counter

from indicators import INDICATOR_IDS, REGIONS
from r2pwatch.sample import TITLE_PREFIXES, load_sample_feeds


def test_sample_set_size_languages_and_regions() -> None:
    feeds = load_sample_feeds()
    items = [i for f in feeds for i in f.items]
    assert len(feeds) >= 15 and len(items) >= 300
    assert {f.format for f in feeds} == {"rss", "atom"}
    assert {f.region for f in feeds} == set(REGIONS)
    per_language = Counter(f.language for f in feeds for _ in f.items)
    for lang in ("fr", "es", "pt", "ar"):
        assert per_language[lang] >= 30, (lang, per_language[lang])


def test_sample_items_are_labelled_as_sample_and_unique() -> None:
    feeds = load_sample_feeds()
    guids = [i.guid for f in feeds for i in f.items]
    assert len(guids) == len(set(guids))
    for f in feeds:
        assert f.title.startswith("r2pwatch sample — ")
        for i in f.items:
            assert i.title.startswith(TITLE_PREFIXES[f.language]), i.guid
            assert i.link.startswith("https://example.org/sample/")
            assert 0 < i.hours_ago <= 2160


def test_every_indicator_appears_often_and_there_is_plenty_of_unflagged_news() -> None:
    items = [i for f in load_sample_feeds() for i in f.items]
    counts = Counter(ind for i in items for ind in i.expect_indicators)
    for ind in INDICATOR_IDS:
        assert counts[ind] >= 10, (ind, counts[ind])
    unflagged = sum(1 for i in items if not i.expect_indicators)
    assert unflagged >= 0.4 * len(items)


def test_recent_spikes_exist() -> None:
    recent = Counter(
        (f.region, ind)
        for f in load_sample_feeds()
        for i in f.items
        if i.hours_ago < 168
        for ind in i.expect_indicators
    )
    assert recent[("africa", "peacekeeping")] >= 5
    assert recent[("europe-central-asia", "sanctions")] >= 5
