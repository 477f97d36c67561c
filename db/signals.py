"""Signals per region x indicator: a window's count of stories against the mean of the previous windows,
and the rule that marks a signal (the overview page's region panels). Recorded alerts have their own
arithmetic (``signals.baseline``), also over stories."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from db.engine import Database
from db.story_windows import StoryTotals, Where, raw_story_totals, story_totals
from db.types import utcnow


@dataclass(frozen=True, slots=True)
class AlertRule:
    ratio: float = 2.0
    min_count: int = 3
    min_baseline: float = 1.0


@dataclass(frozen=True, slots=True)
class Signal:
    """One region x indicator: the window's stories against the mean of the previous windows.

    ``count`` is the stories first seen in the window that carry the indicator and a country of the
    region (one event reported by forty outlets is one story), ``sources`` the distinct feeds that
    carried them; ``baseline_mean`` is the mean story count per window over the baseline period;
    ``ratio`` divides by that mean floored at the rule's ``min_baseline`` (``baseline_used``), so an
    empty past does not turn two stories into an "infinite" spike.
    """

    region: str
    indicator: str
    count: int
    baseline_total: int
    baseline_windows: int
    baseline_mean: float
    baseline_used: float
    ratio: float
    marked: bool
    sources: int = 0

    def explain(self) -> str:
        return (
            f"{self.count} {'story' if self.count == 1 else 'stories'} from {self.sources} "
            f"source{'' if self.sources == 1 else 's'} in the window; previous {self.baseline_windows} windows "
            f"had {self.baseline_total} ({self.baseline_mean:.1f} stories per window, floored at "
            f"{self.baseline_used:.1f}); ratio {self.ratio:.1f}"
        )


def make_signal(
    region: str,
    indicator: str,
    count: int,
    baseline_total: int,
    windows: int,
    rule: AlertRule,
    sources: int = 0,
) -> Signal:
    mean = baseline_total / windows if windows else 0.0
    used = max(mean, rule.min_baseline)
    ratio = count / used if used > 0 else 0.0
    marked = count >= rule.min_count and ratio >= rule.ratio
    return Signal(
        region,
        indicator,
        count,
        baseline_total,
        windows,
        round(mean, 3),
        round(used, 3),
        round(ratio, 3),
        marked,
        sources,
    )


def _where(organisation: str | None) -> Where:
    return Where("region-org", suffix=f"|{organisation}") if organisation else Where("region")


def _pairs(totals: StoryTotals) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Stories and distinct sources per (region, indicator) (a "region|ORG" key read as its region)."""
    counts: dict[tuple[str, str], int] = {}
    for (key, indicator, _day), n in totals.counts.items():
        if indicator:
            pair = (key.split("|", 1)[0], indicator)
            counts[pair] = counts.get(pair, 0) + n
    sources = {
        (key.split("|", 1)[0], indicator): len(feeds)
        for (key, indicator), feeds in totals.sources.items()
        if indicator
    }
    return counts, sources


def _raw_counts(
    session: Session, start: datetime, end: datetime, organisation: str | None
) -> dict[tuple[str, str], int]:
    """Stories per region x indicator first seen in ``[start, end)``, from the raw rows."""
    return _pairs(raw_story_totals(session, start, end, _where(organisation)))[0]


def region_signals(
    database: Database,
    rule: AlertRule,
    *,
    now: datetime | None = None,
    window_days: int = 7,
    baseline_windows: int = 4,
    organisation: str | None = None,
    regions: Iterable[str] = (),
    indicators: Iterable[str] = (),
) -> dict[tuple[str, str], Signal]:
    """Signals for every region x indicator pair (zero-filled over ``regions`` x ``indicators``)."""
    now = now or utcnow()
    window_start = now - timedelta(days=window_days)
    baseline_start = window_start - timedelta(days=window_days * baseline_windows)
    where = _where(organisation)
    with database.read() as session:
        recent, sources = _pairs(story_totals(session, window_start, now, where, sources=True))
        past, _ = _pairs(story_totals(session, baseline_start, window_start, where))
    keys = set(recent) | set(past) | {(r, i) for r in regions for i in indicators}
    return {
        key: make_signal(
            key[0], key[1], recent.get(key, 0), past.get(key, 0), baseline_windows, rule, sources.get(key, 0)
        )
        for key in keys
    }
