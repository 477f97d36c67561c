"""Raising alerts: read story counts and feed volume (db.alert_inputs), apply the arithmetic
(signals.baseline) to every country and region x indicator, store them (db.alerts).

Region alerts count only the stories not already explained by a country alerted the same day for the
same indicator, so one country's spike raises one alert, not two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from db.alert_inputs import AlertInputs, SettledDays, StoryFacts, read_inputs
from db.alerts import AlertInfo, AlertValues, record_alerts
from db.deliveries import Receiver
from db.engine import Database
from db.types import utcnow
from signals.baseline import (
    AlertConfig,
    coverage_gap,
    day_range,
    evaluate,
    weekday_expected_volume,
)


@dataclass(frozen=True, slots=True)
class _Volume:
    feeds: dict[int, int]  # feed_id -> row
    days: dict[date, int]  # day -> column
    matrix: np.ndarray  # items per feed and day

    def exposure(self, feeds: Iterable[int]) -> np.ndarray:
        rows = [self.feeds[f] for f in feeds if f in self.feeds]
        if not rows:
            return np.zeros(len(self.days))
        return np.asarray(self.matrix[rows].sum(axis=0), dtype=float)


def _volume(inputs: AlertInputs, days: list[date]) -> _Volume:
    feeds = {f: n for n, f in enumerate(sorted({f for f, _ in inputs.volume}))}
    cols = {d: n for n, d in enumerate(days)}
    matrix = np.zeros((max(1, len(feeds)), len(days)))
    for (feed, day), count in inputs.volume.items():
        if day in cols:
            matrix[feeds[feed], cols[day]] = count
    return _Volume(feeds, cols, matrix)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def compute_alerts(
    database: Database, config: AlertConfig, now: datetime, cache: SettledDays | None = None
) -> list[AlertValues]:
    """Every alert the arithmetic raises at ``now`` (before cooldown). A replay passes ``cache`` so
    each settled day is read once."""
    today = now.astimezone(UTC).date()
    window = day_range(today, config.window_days)
    baseline = day_range(window[0] - timedelta(days=1), config.baseline_days)
    days = baseline + window
    start, window_start = _midnight(days[0]), _midnight(window[0])
    inputs = read_inputs(database, start, now, window_start, cache)
    volume = _volume(inputs, days)
    nb = len(baseline)

    # stories per (scope key, indicator): key ("country", ISO3) or ("region", slug)
    by_scope: dict[tuple[str, str, str], list[StoryFacts]] = defaultdict(list)
    for story in inputs.stories.values():
        regions = {r for r in story.countries.values() if r}
        for indicator in story.indicators:
            for iso3 in story.countries:
                by_scope[("country", iso3, indicator)].append(story)
            for region in regions:
                by_scope[("region", region, indicator)].append(story)

    window_set = set(window)
    all_feeds = {f for f, _ in inputs.volume}
    out: list[AlertValues] = []
    alerted_countries: dict[str, set[str]] = defaultdict(set)  # indicator -> countries alerted
    region_of: dict[str, str | None] = {}
    for story in inputs.stories.values():
        for iso3, slug in story.countries.items():
            if slug:
                region_of[iso3] = slug

    def consider(scope: str, key: str, indicator: str, stories: list[StoryFacts]) -> AlertValues | None:
        recent = [s for s in stories if s.day in window_set]
        if len(recent) < config.min_stories:
            return None
        feeds = (
            inputs.feeds_by_country.get(key, set())
            if scope == "country"
            else inputs.feeds_by_region.get(key, set())
        )
        if not feeds:  # nothing about the scope in the baseline: its region's feeds, else every feed
            feeds = inputs.feeds_by_region.get(region_of.get(key) or "", set()) or all_feeds
        exposure = volume.exposure(feeds)
        past = sum(1 for s in stories if s.day not in window_set)
        ev = evaluate(len(recent), past, float(exposure[:nb].sum()), float(exposure[nb:].sum()), config)
        if not ev.marked:
            return None
        region = (region_of.get(key) or "") if scope == "country" else key
        return AlertValues(
            kind="signal",
            scope=scope,
            region=region,
            country=key if scope == "country" else "",
            indicator=indicator,
            day=_midnight(today),
            window_start=window_start,
            window_end=now,
            observed=ev.observed,
            expected=ev.expected,
            score=ev.score,
            threshold=config.threshold,
            sources=len(set().union(*(s.feeds for s in recent))),
            story_ids=tuple(sorted(s.id for s in recent)),
            detail={
                "explain": ev.explain(config),
                "baseline_stories": ev.baseline_stories,
                "baseline_exposure": ev.baseline_exposure,
                "window_exposure": ev.window_exposure,
                "covering_feeds": len(feeds),
                "computed_at": now.isoformat(),
            },
        )

    for (scope, key, indicator), stories in sorted(by_scope.items()):
        if scope != "country":
            continue
        alert = consider(scope, key, indicator, stories)
        if alert is not None:
            out.append(alert)
            alerted_countries[indicator].add(key)
    for (scope, key, indicator), stories in sorted(by_scope.items()):
        if scope != "region":
            continue
        explained = alerted_countries.get(indicator, set())
        rest = [s for s in stories if not (s.day in window_set and explained & set(s.countries))]
        alert = consider(scope, key, indicator, rest)
        if alert is not None:
            out.append(alert)
    out.extend(_coverage_gaps(inputs, baseline, today, config, now))
    return out


def _coverage_gaps(
    inputs: AlertInputs, baseline: list[date], today: date, config: AlertConfig, now: datetime
) -> list[AlertValues]:
    """Scopes about which far fewer items than usual (any topic) arrived over the last complete
    ``gap_days`` days: their feeds failed or fell silent, and a calm panel would mislead."""
    gap_days = day_range(today - timedelta(days=1), config.gap_days)
    history_days = [d for d in baseline if d < gap_days[0]]
    if not history_days:
        return []
    keys = {k for k, _ in inputs.mentions}
    region_of = {c: r for s in inputs.stories.values() for c, r in s.countries.items() if r}
    out: list[AlertValues] = []
    for key in sorted(keys):
        scope = "country" if key.isupper() else "region"  # ISO3 codes against region slugs
        history = [(d, float(inputs.mentions.get((key, d), 0))) for d in history_days]
        expected = weekday_expected_volume(history, gap_days)
        observed = float(sum(inputs.mentions.get((key, d), 0) for d in gap_days))
        if not coverage_gap(observed, expected, config):
            continue
        out.append(
            AlertValues(
                kind="coverage",
                scope=scope,
                region=key if scope == "region" else (region_of.get(key) or ""),
                country=key if scope == "country" else "",
                indicator="",
                day=_midnight(today),
                window_start=_midnight(gap_days[0]),
                window_end=_midnight(today),
                observed=int(observed),
                expected=round(expected, 2),
                score=round(observed / expected, 3),
                threshold=config.gap_ratio,
                detail={
                    "explain": (
                        f"{int(observed)} items about this {scope} (any topic) in the {config.gap_days} days to "
                        f"{gap_days[-1]:%Y-%m-%d}; the same weekdays of the previous {len(history_days)} days lead to "
                        f"expect {expected:.0f}; {observed / expected:.2f} of that is at or below {config.gap_ratio:g}: "
                        f"its feeds may have failed or fallen silent, so a calm panel would mislead"
                    ),
                    "computed_at": now.isoformat(),
                },
            )
        )
    return out


def raise_alerts(
    database: Database,
    config: AlertConfig,
    *,
    now: datetime | None = None,
    cache: SettledDays | None = None,
    receivers: Sequence[Receiver] = (),
) -> list[AlertInfo]:
    """Compute and store; returns the alerts that are new, each queued for the ``receivers`` that
    want it (sent later by ``ingest.delivery``, never here)."""
    now = now or utcnow()
    computed = compute_alerts(database, config, now, cache)
    return record_alerts(database, computed, cooldown_days=config.cooldown_days, now=now, receivers=receivers)
