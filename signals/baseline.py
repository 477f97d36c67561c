"""Expected story counts and how surprising an observed count is.

For a scope (a country or a region) and an indicator:

* the **exposure** of a day is the number of items published that day by the feeds that covered the
  scope during the baseline (any topic). It carries the day-of-week pattern (weekend volume drops by
  far more than half on many feeds) and the overall volume of those sources (feeds added, feeds down);
* the **rate** is the scope's story count over the baseline days divided by the exposure of those
  days, with at least ``prior_stories`` stories assumed so an empty past never makes one story a spike;
* the **expected** count of the window is ``rate x exposure of the window days``;
* the **score** is ``-log10 P(X >= observed)`` for X negative-binomial with that mean and size
  ``dispersion`` (variance = mean + mean^2 / dispersion: news is burstier than Poisson). An alert needs
  score >= ``threshold`` and observed >= ``min_stories``.

Coverage gaps: a scope about which far fewer items (any topic) arrived over the last complete
``gap_days`` days than on the same weekdays of the baseline (observed <= ``gap_ratio`` x expected,
expected >= ``gap_min_expected``) raises a coverage alert instead of looking calm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scipy.special import betainc, pdtrc  # scipy.stats' own tails, without its 1 s import


@dataclass(frozen=True, slots=True)
class AlertConfig:
    window_days: int = 2
    baseline_days: int = 56
    min_stories: int = 2
    threshold: float = 3.0
    dispersion: float = 5.0
    prior_stories: float = 1.0
    cooldown_days: int = 7
    gap_days: int = 2
    gap_ratio: float = 0.25
    gap_min_expected: float = 20.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    observed: int
    expected: float
    score: float
    baseline_stories: int
    baseline_exposure: float
    window_exposure: float
    marked: bool

    def explain(self, config: AlertConfig) -> str:
        return (
            f"{self.observed} stories in {config.window_days} days; the previous {config.baseline_days} days had "
            f"{self.baseline_stories} (at least {config.prior_stories:g} assumed) for {self.baseline_exposure:g} "
            f"items from the covering feeds, which published {self.window_exposure:g} in the window: expected "
            f"{self.expected:.2f}; -log10 P(X >= {self.observed}) = {self.score:.2f} (negative binomial, "
            f"size {config.dispersion:g}) against the threshold {config.threshold:g}, minimum "
            f"{config.min_stories} stories"
        )


def tail_score(observed: int, expected: float, dispersion: float) -> float:
    """-log10 of the probability of at least ``observed`` when ``expected`` is the mean."""
    if observed <= 0:
        return 0.0
    if expected <= 0:
        return math.inf
    if dispersion <= 0:
        p = float(pdtrc(observed - 1, expected))  # Poisson P(X >= observed)
    else:
        # negative binomial P(X >= observed) = I_{1-q}(observed, size), q = size / (size + mean)
        p = float(betainc(observed, dispersion, expected / (dispersion + expected)))
    if p <= 0.0:
        return math.inf
    return max(0.0, -math.log10(p))


def evaluate(
    observed: int,
    baseline_stories: int,
    baseline_exposure: float,
    window_exposure: float,
    config: AlertConfig,
) -> Evaluation:
    """Expected count, score and whether it is an alert (before cooldown)."""
    if baseline_exposure <= 0 or window_exposure <= 0:
        # No covering volume to learn from or to scale by: nothing can be called unusual.
        return Evaluation(observed, 0.0, 0.0, baseline_stories, baseline_exposure, window_exposure, False)
    rate = max(float(baseline_stories), config.prior_stories) / baseline_exposure
    expected = rate * window_exposure
    score = tail_score(observed, expected, config.dispersion)
    marked = observed >= config.min_stories and score >= config.threshold
    return Evaluation(
        observed,
        round(expected, 4),
        round(score, 3),
        baseline_stories,
        baseline_exposure,
        window_exposure,
        marked,
    )


def weekday_expected_volume(history: Sequence[tuple[date, float]], days: Sequence[date]) -> float:
    """Expected item volume over ``days``: for each, the mean volume of the same weekday in
    ``history`` (days without that weekday in the history count for nothing)."""
    by_weekday: dict[int, list[float]] = {}
    for day, volume in history:
        by_weekday.setdefault(day.weekday(), []).append(volume)
    total = 0.0
    for day in days:
        values = by_weekday.get(day.weekday())
        if values:
            total += sum(values) / len(values)
    return total


def coverage_gap(observed_volume: float, expected_volume: float, config: AlertConfig) -> bool:
    return (
        expected_volume >= config.gap_min_expected and observed_volume <= config.gap_ratio * expected_volume
    )


def day_range(last: date, days: int) -> list[date]:
    """``days`` calendar days ending with ``last``."""
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]
