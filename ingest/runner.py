"""The scheduler loop (APScheduler 3.x tick job) and single passes, configured by an IngestConfig.

A tick claims due feeds up to the number of free workers and hands them to a bounded thread pool;
each feed attempt is one transaction (ingest.pipeline). SIGTERM/SIGINT stop claiming, cut the fetches
in flight (ingest.deadline), let the feeds already being stored finish, release the leases of the rest
and return. Results come back as values (a PassSummary, outcomes to a callback) and log records; the
application renders them.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from types import FrameType

from db.alert_inputs import SettledDays
from db.alerts import AlertInfo
from db.claims import FeedToFetch, claim_feeds, leased_elsewhere, release_leases
from db.engine import Database
from db.types import utcnow
from ingest.alerting import raise_alerts as _raise_alerts
from ingest.config import AlertConfig, IngestConfig
from ingest.deadline import StopGroup
from ingest.delivery import Deliverer, DeliveryConfig, DeliveryReport
from ingest.fetch import make_client
from ingest.outage import UNREACHABLE, Outage
from ingest.pipeline import FeedOutcome, IngestContext, process_feed
from ingest.summary import PassSummary
from ingest.tagging import EntryTagger

log = logging.getLogger("r2pwatch.ingest")


class SchedulerBusy(Exception):
    """Another scheduler holds this SQLite database."""


@contextmanager
def single_scheduler(database: Database) -> Iterator[None]:
    """On SQLite, an exclusive file lock next to the database (released by the OS if we die)."""
    path = database.sqlite_path
    if path is None:
        yield
        return
    from filelock import FileLock, Timeout

    lock = FileLock(str(path) + ".ingest.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SchedulerBusy(
            f"another r2pwatch ingest is already running on {path} (lock {lock.lock_file}); not starting"
        ) from None
    try:
        release_leases(database)  # left by a scheduler that was killed; we are the only one now
        yield
    finally:
        lock.release()


class Ingestor:
    """What a pass or the scheduler shares: HTTP client, tagger, bounded pools, lease owner."""

    def __init__(
        self, database: Database, config: IngestConfig, *, tagger: EntryTagger | None = None
    ) -> None:
        self.database = database
        self.config = config
        self.workers = max(1, config.workers)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = config.lease_seconds
        self.client = make_client(
            config.addresses, max_connections=self.workers, user_agent=config.fetch.user_agent
        )
        self.tagger = tagger or EntryTagger(config.tagger)
        self.fetches = StopGroup()
        self.context = IngestContext(
            database=database,
            client=self.client,
            fetch_config=config.fetch,
            tagger=self.tagger,
            parse_slots=threading.BoundedSemaphore(max(1, config.parse_workers)),
            parse_timeout=config.parse_timeout,
            schedule=config.schedule,
            clustering=config.stories.clustering(),
            stop=self.fetches,
        )
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ingest")

    def claim(
        self, *, limit: int | None, all_feeds: bool = False, exclude: frozenset[int] = frozenset()
    ) -> list[FeedToFetch]:
        return claim_feeds(
            self.database,
            owner=self.owner,
            now=utcnow(),
            lease_seconds=self.lease_seconds,
            limit=limit,
            all_feeds=all_feeds,
            exclude=exclude,
        )

    def submit(self, feed: FeedToFetch) -> Future[FeedOutcome]:
        return self.pool.submit(process_feed, self.context, feed)

    def abort_fetches(self) -> None:
        """Cut the fetches in flight (and refuse new ones): their feeds are left as they were."""
        n = self.fetches.stop()
        if n:
            log.info("stopping: %d fetches in flight aborted", n)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        release_leases(self.database, owner=self.owner)
        self.client.close()


@contextmanager
def _stop_on_signals(stop: threading.Event, on_stop: Callable[[], None] = lambda: None) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            return
        log.warning(
            "%s received: stopping (fetches in flight are cut; feeds being stored finish)",
            signal.Signals(signum).name,
        )
        stop.set()
        on_stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_pass(
    database: Database,
    config: IngestConfig,
    *,
    all_feeds: bool = False,
    tagger: EntryTagger | None = None,
    on_claimed: Callable[[int], None] | None = None,
    on_outcome: Callable[[FeedOutcome], None] | None = None,
) -> PassSummary:
    """One pass over the due (or all enabled) feeds; returns what happened to each. ``on_claimed``
    hears how many feeds the pass took, ``on_outcome`` each feed's outcome as it finishes (progress)."""
    started = time.monotonic()
    stop = threading.Event()
    ingestor = Ingestor(database, config, tagger=tagger)
    outcomes: list[FeedOutcome] = []
    try:
        with _stop_on_signals(stop, ingestor.abort_fetches):
            feeds = ingestor.claim(limit=None, all_feeds=all_feeds)
            held, held_until = leased_elsewhere(database, owner=ingestor.owner, now=utcnow())
            futures = [ingestor.submit(f) for f in feeds]
            if on_claimed is not None:
                on_claimed(len(futures))
            for fut in _as_completed_or_stopped(futures, stop):
                outcome = fut.result()
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
    finally:
        ingestor.close()
    return PassSummary.of(
        outcomes,
        claimed=len(outcomes),
        elapsed=time.monotonic() - started,
        interrupted=stop.is_set(),
        leased_elsewhere=held,
        leased_until=held_until,
    )


def _as_completed_or_stopped(
    futures: list[Future[FeedOutcome]], stop: threading.Event
) -> Iterator[Future[FeedOutcome]]:
    from concurrent.futures import FIRST_COMPLETED, wait

    pending = set(futures)
    while pending:
        if stop.is_set():
            for fut in pending:
                fut.cancel()
            pending = {f for f in pending if not f.cancelled()}
            if not pending:
                return
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        yield from done


class AlertTimer:
    """When the scheduler computes alerts again, and the days it need not read again.

    Alerts are per day and each computation reads weeks of history, so new items trigger one at most
    every ``every`` seconds. The settled days (db.alert_inputs.SettledDays) are kept between
    computations and dropped every ``SETTLED_SECONDS``, so retags, reviews, deleted feeds and late items
    dated days back reach the alerts within that time."""

    SETTLED_SECONDS = 3600.0

    def __init__(self, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self.last = -math.inf
        self.cache = SettledDays()
        self.cache_born = clock()

    def due(self) -> bool:
        now = self.clock()
        if now - self.last < self.every:
            return False
        self.last = now
        return True

    def settled(self) -> SettledDays:
        if self.clock() - self.cache_born > self.SETTLED_SECONDS:
            self.cache, self.cache_born = SettledDays(), self.clock()
        return self.cache


def alert_title(alert: AlertInfo) -> str:
    where = alert.country or alert.region
    return f"{where} / {alert.indicator or 'coverage gap'}"


def raise_alerts(
    database: Database,
    config: AlertConfig,
    quiet: tuple[type[BaseException], ...] = (),
    *,
    delivery: DeliveryConfig | None = None,
    cache: SettledDays | None = None,
) -> list[AlertInfo]:
    """Record the country and region alerts raised now (ingest/alerting.py), each queued for
    ``delivery``'s receivers; returns the new ones. Errors in ``quiet`` are raised to the caller
    (which logs them its own way)."""
    try:
        receivers = delivery.receivers() if delivery is not None else ()
        return _raise_alerts(database, config, receivers=receivers, cache=cache)
    except quiet:
        raise
    except Exception:
        log.exception("computing alerts failed; ingestion goes on")
        return []


def deliver(database: Database, config: DeliveryConfig, deliverer: Deliverer | None = None) -> DeliveryReport:
    """Send the deliveries that are due; a failure is logged and retried later, never raised."""
    own = deliverer is None
    deliverer = deliverer or Deliverer(database, config)
    try:
        return deliverer.run()
    except Exception:
        log.exception("alert delivery failed; trying again at the next run")
        return DeliveryReport()
    finally:
        if own:
            deliverer.close()


def run_scheduler(
    database: Database, config: IngestConfig, *, delivery: DeliveryConfig | None = None
) -> None:
    """The foreground scheduler: a tick every ``config.tick_seconds`` until SIGTERM/SIGINT, and, when
    receivers are configured, a ``deliver`` job every ``delivery.tick_seconds`` in its own thread. It
    reports through the ``r2pwatch.ingest`` logger; the application decides where log records go."""
    from apscheduler.schedulers.background import BackgroundScheduler

    tick_seconds = max(0.5, config.tick_seconds)
    stop = threading.Event()
    ingestor = Ingestor(database, config)
    inflight: set[int] = set()
    new_items = threading.Event()
    lock = threading.Lock()

    def finished(feed: FeedToFetch, fut: Future[FeedOutcome]) -> None:
        with lock:
            inflight.discard(feed.id)
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            log.error("feed %s: %s", feed.id, exc)
        else:
            outcome = fut.result()
            _log_outcome(outcome)
            if outcome.new_items:
                new_items.set()

    outage = Outage(first=tick_seconds)
    alerting = AlertTimer(config.alerts_seconds)

    def tick() -> None:
        if stop.is_set() or not outage.ready():
            return
        try:
            if new_items.is_set() and alerting.due():
                new_items.clear()
                alerts = raise_alerts(
                    database, config.alerts, quiet=UNREACHABLE, delivery=delivery, cache=alerting.settled()
                )
                for alert in alerts:
                    log.warning("ALERT %s: %s", alert_title(alert), alert.explain())
            with lock:
                free = ingestor.workers - len(inflight)
                busy = frozenset(inflight)
            if free <= 0:
                return
            for feed in ingestor.claim(limit=free, exclude=busy):
                with lock:
                    inflight.add(feed.id)
                fut = ingestor.submit(feed)
                fut.add_done_callback(functools.partial(finished, feed))
            outage.succeeded()
        except UNREACHABLE as exc:
            outage.failed(exc, "claiming due feeds")
        except Exception:
            log.exception("scheduler tick failed; trying again at the next tick")

    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(30, int(tick_seconds * 10)),
        },
    )
    scheduler.add_job(tick, "interval", seconds=tick_seconds, id="ingest-tick", next_run_time=utcnow())
    delivery = delivery or DeliveryConfig()
    deliverer = Deliverer(database, delivery)
    if delivery.enabled:
        # Its own job, so APScheduler runs it on another thread: a receiver that hangs never holds a tick.
        scheduler.add_job(
            lambda: None if stop.is_set() else deliver(database, delivery, deliverer),
            "interval",
            seconds=delivery.tick_seconds,
            id="deliver",
            next_run_time=utcnow(),
        )
    log.info(
        "r2pwatch ingest: scheduler started (tick %.1f s, %d workers, %d alert receivers); Ctrl-C to stop",
        tick_seconds,
        ingestor.workers,
        len(delivery.receivers()),
    )

    def abort() -> None:
        ingestor.abort_fetches()
        deliverer.abort()

    with _stop_on_signals(stop, abort):
        scheduler.start()
        try:
            while not stop.wait(1.0):
                pass
        finally:
            abort()
            scheduler.shutdown(wait=True)
            ingestor.close()
            deliverer.close()
    log.info("r2pwatch ingest: stopped cleanly")


def _log_outcome(o: FeedOutcome) -> None:
    if o.status == "error":
        log.warning("feed %s failed (%s): %s", o.feed_id, o.error_kind, o.error)
    elif o.status == "not_modified":
        log.info("feed %s not modified", o.feed_id)
    else:
        log.info(
            "feed %s ok: %d new, %d already stored (%d ms)",
            o.feed_id,
            o.new_items,
            o.duplicate_items,
            o.duration_ms,
        )
