"""The alert arithmetic: expected counts from exposure (weekday-aware), tail scores, floors, gaps."""

from __future__ import annotations

import math
from datetime import date, timedelta

from signals.baseline import (
    AlertConfig,
    coverage_gap,
    day_range,
    evaluate,
    tail_score,
    weekday_expected_volume,
)

CFG = AlertConfig(
    window_days=1, baseline_days=28, min_stories=2, threshold=3.0, dispersion=5.0, prior_stories=1.0
)


def test_expected_follows_the_volume_of_the_covering_feeds() -> None:
    # 8 stories over 28 days in which the feeds published 2,800 items: 1 story per 350 items.
    weekday = evaluate(3, 8, 2800.0, 140.0, CFG)  # a weekday: 140 items
    sunday = evaluate(3, 8, 2800.0, 35.0, CFG)  # a Sunday: the same feeds publish a quarter of that
    assert weekday.expected == 0.4 and sunday.expected == 0.1
    assert sunday.score > weekday.score
    assert sunday.marked and not weekday.marked  # 3 stories on a quiet Sunday is the surprise


def test_tail_score_grows_with_the_count_and_shrinks_with_dispersion() -> None:
    assert tail_score(0, 1.0, 5.0) == 0.0
    assert tail_score(5, 0.5, 5.0) > tail_score(3, 0.5, 5.0) > tail_score(1, 0.5, 5.0)
    poisson, bursty = tail_score(6, 0.5, 0.0), tail_score(6, 0.5, 1.0)
    assert poisson > bursty  # news is bursty: a heavier tail makes the same count less surprising
    assert abs(tail_score(1, 1.0, 0.0) - (-__import__("math").log10(1 - __import__("math").exp(-1)))) < 1e-9


def test_tail_scores_match_closed_forms() -> None:
    # Poisson: P(X >= 3 | mean 2) = 1 - e^-2 (1 + 2 + 2); negative binomial of size 1 is geometric:
    # P(X >= k) = (mean / (1 + mean))^k.
    assert abs(tail_score(3, 2.0, 0.0) + math.log10(1 - math.exp(-2) * 5)) < 1e-9
    assert abs(tail_score(4, 0.5, 1.0) + 4 * math.log10(0.5 / 1.5)) < 1e-9
    assert tail_score(400, 0.001, 0.0) == math.inf  # beyond double precision: infinitely surprising


def test_floors_minimum_count_and_empty_past() -> None:
    one = evaluate(1, 0, 1000.0, 100.0, CFG)  # an empty past: at least prior_stories assumed
    assert one.expected == 0.1 and not one.marked  # under min_stories, however unlikely
    assert not evaluate(2, 0, 1000.0, 100.0, CFG).marked  # p = 0.005: not enough
    assert evaluate(3, 0, 1000.0, 100.0, CFG).marked
    assert not evaluate(9, 0, 0.0, 100.0, CFG).marked  # no covering volume to learn from
    assert not evaluate(9, 3, 1000.0, 0.0, CFG).marked  # the covering feeds published nothing


def test_coverage_gap_compares_the_same_weekdays() -> None:
    start = date(2023, 5, 1)  # a Monday
    history = [
        (start + timedelta(days=n), 100.0 if (start + timedelta(days=n)).weekday() < 5 else 10.0)
        for n in range(28)
    ]
    weekend = [date(2023, 5, 27), date(2023, 5, 28)]
    assert weekday_expected_volume(history, weekend) == 20.0
    assert not coverage_gap(
        12.0, 20.0, AlertConfig(gap_ratio=0.25, gap_min_expected=20.0)
    )  # a normal weekend
    monday_tuesday = [date(2023, 5, 29), date(2023, 5, 30)]
    assert weekday_expected_volume(history, monday_tuesday) == 200.0
    assert coverage_gap(30.0, 200.0, AlertConfig(gap_ratio=0.25, gap_min_expected=20.0))
    assert not coverage_gap(
        0.0, 10.0, AlertConfig(gap_ratio=0.25, gap_min_expected=20.0)
    )  # too small to judge
    assert day_range(date(2023, 1, 2), 3) == [date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)]
