"""The tagger against the sample data's own labels, per language (the multilingual check)."""

from __future__ import annotations

from collections import Counter

import pytest

from indicators import tag
from r2pwatch.sample import load_sample_feeds


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


@pytest.mark.parametrize("language", ["en", "fr", "es", "pt", "ar"])
def test_sample_items_tag_as_labelled(language: str) -> None:
    ind: Counter[str] = Counter()
    cty: Counter[str] = Counter()
    for feed in load_sample_feeds():
        if feed.language != language:
            continue
        for item in feed.items:
            result = tag(item.title, item.summary, language=language)
            got, want = {t.id for t in result.indicators}, set(item.expect_indicators)
            ind.update(tp=len(got & want), fp=len(got - want), fn=len(want - got))
            got_c, want_c = {c.iso3 for c in result.countries}, set(item.expect_countries)
            cty.update(tp=len(got_c & want_c), fp=len(got_c - want_c), fn=len(want_c - got_c))
    assert _f1(ind["tp"], ind["fp"], ind["fn"]) >= 0.88, ind
    assert _f1(cty["tp"], cty["fp"], cty["fn"]) >= 0.90, cty


def test_xss_probe_and_traps_are_not_flagged() -> None:
    traps = [i for f in load_sample_feeds() for i in f.items if not i.expect_indicators]
    flagged = [i.title for i in traps if tag(i.title, i.summary).flagged]
    assert len(flagged) <= 0.05 * len(traps), flagged
