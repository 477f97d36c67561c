"""``r2pwatch backtest FILE``: replay a year of news through the live code into a temporary database.

Items (JSON Lines, optionally gzipped: ``title``, ``summary``, ``link``, ``published``, ``source``, and
optionally ``language``) are replayed in time order, one day at a time: each source's items of the day
go through the same normalising (ingest.normalise), tagging (ingest.tagging), clustering (db.stories)
and storing (db.store) as a feed fetch, and after each day the alert code (ingest.alerting) runs as if
the scheduler ran at midnight. The database is a temporary SQLite file, never the user's, written
without journal file or fsync, one transaction per day; a second process normalises and tags the days
a few ahead of the one being stored.
"""

from __future__ import annotations

import gzip
import json
import math
import multiprocessing
import os
import sys
import tempfile
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from r2pwatch.errors import UserError

REQUIRED = ("title", "published", "source")
#: items from which a second process prepares the days (starting it costs about a second)
PARALLEL_FROM = 5_000


@dataclass(frozen=True, slots=True)
class BacktestItem:
    title: str
    summary: str
    link: str | None
    published: datetime
    source: str
    language: str | None


def _parse_time(value: Any) -> datetime:
    text = str(value).strip().replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_items(path: Path) -> tuple[list[BacktestItem], list[str]]:
    """Every readable item, and one message per unreadable line (the replay goes on without them)."""
    if not path.is_file():
        raise UserError(f"backtest: no such file: {path}")
    opener: Callable[..., Any] = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    items: list[BacktestItem] = []
    problems: list[str] = []
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError("not a JSON object")
                    missing = [k for k in REQUIRED if not obj.get(k)]
                    if missing:
                        raise ValueError(f"missing {', '.join(missing)}")
                    items.append(
                        BacktestItem(
                            str(obj["title"]),
                            str(obj.get("summary") or ""),
                            obj.get("link") or None,
                            _parse_time(obj["published"]),
                            str(obj["source"]),
                            obj.get("language") or None,
                        )
                    )
                except (ValueError, TypeError) as exc:
                    problems.append(f"{path}:{n}: skipped: {exc}")
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise UserError(f"backtest: cannot read {path}: {exc}") from None
    items.sort(key=lambda i: i.published)
    return items, problems


def _by_day(items: list[BacktestItem]) -> Iterator[tuple[date, dict[str, list[BacktestItem]]]]:
    day: date | None = None
    batch: dict[str, list[BacktestItem]] = defaultdict(list)
    for item in items:
        d = item.published.date()
        if day is not None and d != day:
            yield day, batch
            batch = defaultdict(list)
        day = d
        batch[item.source].append(item)
    if day is not None:
        yield day, batch


def run_backtest(
    items: list[BacktestItem],
    settings: Any,
    *,
    first: date | None = None,
    last: date | None = None,
    progress: Callable[[date, int, int], None] | None = None,
) -> list[Any]:
    """Replay ``items`` into a temporary database; returns the alerts (db.alerts.AlertInfo) raised on
    days in [first, last]. Items before ``first`` still feed the baseline."""
    from db import open_database

    with tempfile.TemporaryDirectory(prefix="r2pwatch-backtest-") as tmp:
        # a scratch file, thrown away at the end: no journal, no fsync
        database = open_database(f"sqlite:///{Path(tmp) / 'backtest.sqlite'}", durable=False)
        try:
            return replay(database, items, settings, first=first, last=last, progress=progress)
        finally:
            database.dispose()


#: days prepared ahead of the one being stored (by the preparing process)
_AHEAD = 4
#: the preparing process's tagger and fingerprinting (built once, in that process)
_TOOLS: tuple[Any, Any] | None = None


def _make_tools(tagging: Any, stories: Any) -> tuple[Any, Any]:
    from ingest.tagging import EntryTagger

    return EntryTagger(tagging), stories.clustering()


def _start_preparing(tagging: Any, stories: Any) -> None:
    global _TOOLS
    _TOOLS = _make_tools(tagging, stories)


def _prepare_day(day: date, batch: dict[str, list[BacktestItem]]) -> list[Prepared]:
    """Each source's items of ``day`` as a feed fetch would hand them to the store: normalised,
    tagged and fingerprinted (pure functions of the text: no database)."""
    from ingest.normalise import normalise_feed
    from ingest.parse import ParsedFeed, RawEntry

    assert _TOOLS is not None, "tools are made before days are prepared"
    tagger, clustering = _TOOLS
    day_end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    out: list[Prepared] = []
    for source, group in sorted(batch.items()):
        raw = tuple(
            RawEntry(
                guid=i.link,
                link=i.link,
                title=i.title,
                title_html=True,
                summary=i.summary,
                summary_html=True,
                published=i.published,
                updated=None,
                language=i.language,
            )
            for i in group
        )
        parsed = ParsedFeed("backtest", source, None, None, raw, 0, None, None, None)
        entries = normalise_feed(
            parsed,
            feed_url=source if "://" in source else "http://backtest/",
            feed_language=None,
            fetched_at=day_end,
            now=day_end,
        ).entries
        out.append(
            Prepared(
                source,
                entries,
                {e.guid: tagger(e) for e in entries},
                {e.guid: clustering.fingerprint(e) for e in entries},
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Prepared:
    """One source's items of one day, ready to store."""

    source: str
    entries: tuple[Any, ...]
    tags: dict[str, Any]
    fingerprints: dict[str, Any]


def _prepared_days(
    days: Iterator[tuple[date, dict[str, list[BacktestItem]]]], tagging: Any, stories: Any, *, parallel: bool
) -> Iterator[tuple[date, list[Prepared]]]:
    """The days in order, prepared by a second process a few days ahead of the caller storing them
    (normalising and tagging are a fifth of the work and need no database), or here when
    ``parallel`` is off."""
    global _TOOLS
    if not parallel:
        _TOOLS = _make_tools(tagging, stories)
        for day, batch in days:
            yield day, _prepare_day(day, batch)
        return
    # forked: a spawned process would run the caller's main module again; the child never touches
    # the database connection it inherits, and leaves without closing it (os._exit)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=_start_preparing, initargs=(tagging, stories)
    ) as pool:
        ahead: deque[tuple[date, Future[list[Prepared]]]] = deque()
        for day, batch in days:
            ahead.append((day, pool.submit(_prepare_day, day, batch)))
            if len(ahead) > _AHEAD:
                done_day, future = ahead.popleft()
                yield done_day, future.result()
        while ahead:
            done_day, future = ahead.popleft()
            yield done_day, future.result()


def replay(
    database: Any,
    items: list[BacktestItem],
    settings: Any,
    *,
    first: date | None = None,
    last: date | None = None,
    progress: Callable[[date, int, int], None] | None = None,
    alerts: bool = True,
    parallel: bool | None = None,
) -> list[Any]:
    """The replay itself, into ``database`` (run_backtest hands it a temporary one). ``parallel``:
    prepare days in a second process (default: when there are several processors and enough items
    to be worth starting it)."""
    from db.alert_inputs import SettledDays
    from db.alerts import list_alerts
    from db.attempt import FeedAttempt
    from db.feeds import NewFeed, add_feed
    from db.store import store_attempts
    from ingest.alerting import raise_alerts
    from ingest.dedupe import decide
    from r2pwatch.config import alert_config, story_config, tagger_config

    config = alert_config(settings)
    stories = story_config(settings)
    clustering = stories.clustering()
    if last is not None:
        items = [i for i in items if i.published.date() <= last]
    if first is not None:  # what the first alert days need to learn from, no more
        lead = timedelta(days=config.baseline_days + config.window_days + 1)
        items = [i for i in items if i.published.date() >= first - lead]
    if parallel is None:
        parallel = (
            (os.cpu_count() or 1) > 1
            and len(items) >= PARALLEL_FROM
            and "fork" in multiprocessing.get_all_start_methods()
        )
    days_total = len({i.published.date() for i in items})
    feed_ids: dict[str, int] = {}
    settled = SettledDays(settle_days=max(2, math.ceil(clustering.rule.window / timedelta(days=1)) + 1))
    days = _prepared_days(_by_day(items), tagger_config(settings), stories, parallel=parallel)
    for done, (day, prepared) in enumerate(days, 1):
        day_end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        attempts = []
        for p in prepared:
            if p.source not in feed_ids:
                feed_ids[p.source] = add_feed(database, NewFeed(url=p.source[:2048], title=p.source[:500]))
            attempts.append(
                FeedAttempt(
                    feed_id=feed_ids[p.source],
                    started_at=day_end,
                    finished_at=day_end,
                    status="ok",
                    next_due_at=day_end,
                    entries=p.entries,
                    tags=p.tags,
                    fingerprints=p.fingerprints,
                )
            )
        # one transaction per day (the same writes, in the same order, as one per source); the
        # tagger is only asked again for an entry another source stored in between: none here. Nobody
        # searches the scratch database's text, so it is not indexed.
        store_attempts(database, attempts, dedupe=decide, clustering=clustering, search=False)
        if alerts and (first is None or day >= first - timedelta(days=1)):
            raise_alerts(database, config, now=day_end - timedelta(microseconds=1), cache=settled)
        if progress is not None:
            progress(day, done, days_total)
    since = datetime.combine(first, datetime.min.time(), UTC) if first else None
    raised = list_alerts(database, since=since, limit=1_000_000)
    return sorted(raised, key=lambda a: (a.day, a.kind, -a.score, a.scope, a.country, a.region))


def alert_json(alert: Any) -> dict[str, Any]:
    """The backtest's output object (also ``r2pwatch alerts --format json``)."""
    return {
        "date": f"{alert.day:%Y-%m-%d}",
        "kind": alert.kind,
        "indicator": alert.indicator or None,
        "scope": alert.scope,
        "country": alert.country or None,
        "region": alert.region or None,
        "observed": alert.observed,
        "expected": alert.expected,
        "score": alert.score,
        "threshold": alert.threshold,
        "stories": len(alert.story_ids),
        "sources": alert.sources,
        "story_ids": list(alert.story_ids),
        "explain": alert.explain(),
    }


def print_progress(day: date, done: int, total: int) -> None:
    if done == total or done % 10 == 0:
        print(f"backtest: {day:%Y-%m-%d} ({done}/{total} days)", file=sys.stderr, flush=True)
