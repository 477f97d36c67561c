"""One feed attempt: fetch → parse → normalise → tag the new entries → store in one transaction.

``process_feed`` never raises: whatever goes wrong with one feed is recorded on that feed.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import httpx

from db.attempt import FeedAttempt, StoreResult
from db.claims import FeedToFetch
from db.engine import Database
from db.intents import Dedupe, EntryValues
from db.item_tags import ItemTags, Tagger
from db.known_items import known_items
from db.store import Clustering, store_attempt, store_batch
from db.stories import StoryValues
from db.types import utcnow
from ingest.deadline import StopGroup
from ingest.dedupe import decide, needs_tags
from ingest.fetch import FetchConfig, FetchRequest, FetchResult, fetch
from ingest.normalise import NormaliseStream, normalise_feed
from ingest.outage import UNREACHABLE, one_line
from ingest.parse import parse_feed
from ingest.schedule import SchedulePolicy, next_due

log = logging.getLogger("r2pwatch.ingest")

BATCH_ENTRIES = 2000  # a bigger document is tagged and stored in batches of this many entries


@dataclass(frozen=True, slots=True)
class IngestContext:
    database: Database
    client: httpx.Client
    fetch_config: FetchConfig
    tagger: Tagger | None
    parse_slots: threading.BoundedSemaphore
    parse_timeout: float | None = 120.0  # CPU seconds for parsing one document (None: unbounded)
    schedule: SchedulePolicy = SchedulePolicy()
    clock: Callable[[], datetime] = utcnow
    rng: random.Random = field(default_factory=random.Random)
    clustering: Clustering | None = None
    stop: StopGroup | None = None  # aborts fetches in flight when the scheduler stops
    dedupe: Dedupe = decide


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    feed_id: int
    url: str
    status: str  # ok / not_modified / error
    error_kind: str | None = None
    error: str | None = None
    http_status: int | None = None
    new_items: int = 0
    duplicate_items: int = 0
    updated_items: int = 0
    skipped_entries: int = 0
    duration_ms: int = 0
    notes: tuple[str, ...] = ()


class _Interrupted(Exception):
    """The fetch was aborted because r2pwatch is stopping: nothing is recorded for the feed."""


def process_feed(ctx: IngestContext, feed: FeedToFetch) -> FeedOutcome:
    started = ctx.clock()
    try:
        attempt, stream = _attempt(ctx, feed, started)
        stored, attempt = _store(ctx, feed, attempt, stream)
    except _Interrupted as exc:
        return FeedOutcome(
            feed_id=feed.id, url=feed.url, status="error", error_kind="interrupted", error=str(exc)
        )
    except Exception as exc:  # a bug or a database hiccup must stay this feed's problem
        if isinstance(exc, UNREACHABLE):
            log.error("feed %s: database unreachable: %s", feed.id, one_line(exc))
        else:
            log.exception("feed %s (%s): internal error", feed.id, feed.url)
        return _record_internal_error(ctx, feed, started, exc)
    for note in attempt.notes:
        log.info("feed %s: %s", feed.id, note)
    return FeedOutcome(
        feed_id=feed.id,
        url=feed.url,
        status=attempt.status,
        error_kind=attempt.error_kind,
        error=attempt.error,
        http_status=attempt.http_status,
        new_items=stored.new_items,
        duplicate_items=stored.duplicate_items,
        updated_items=stored.updated_items,
        skipped_entries=attempt.skipped_entries,
        duration_ms=attempt.duration_ms,
        notes=attempt.notes,
    )


def _attempt(
    ctx: IngestContext, feed: FeedToFetch, started: datetime
) -> tuple[FeedAttempt, NormaliseStream | None]:
    """The fetch and parse of one feed; a big document's entries come as a stream, to be normalised,
    tagged and stored a batch at a time (``_store``)."""
    result = fetch(
        ctx.client, FetchRequest(feed.url, feed.etag, feed.last_modified), ctx.fetch_config, stop=ctx.stop
    )
    if result.error_kind == "interrupted":
        raise _Interrupted(result.error or "interrupted")
    notes: list[str] = []
    if result.redirects and result.permanent_url is None:
        notes.append(f"redirected to {result.final_url}")
    base = dict(
        feed_id=feed.id,
        started_at=started,
        http_status=result.http_status,
        bytes=len(result.body),
        duration_ms=result.duration_ms,
        etag=result.etag,
        last_modified=result.last_modified,
        new_url=result.permanent_url,
    )
    if result.outcome == "error":
        kind = result.error_kind or "internal"
        return _failed(ctx, feed, result, base, notes, kind, result.error or ""), None
    if result.outcome == "not_modified":
        return FeedAttempt(
            status="not_modified",
            finished_at=ctx.clock(),
            notes=tuple(notes),
            next_due_at=_due(ctx, feed, result, failed=False),
            **base,  # type: ignore[arg-type]
        ), None

    with ctx.parse_slots:  # parsing and tagging are CPU and memory heavy: bound them
        parsed = parse_feed(result.body, result.headers, result.final_url, cpu_seconds=ctx.parse_timeout)
        if parsed.bozo_reason:
            notes.append(f"ill-formed feed, used anyway: {parsed.bozo_reason}")
        if parsed.error_kind:
            return _failed(ctx, feed, result, base, notes, parsed.error_kind, parsed.error or ""), None
        now = ctx.clock()
        if len(parsed.entries) > BATCH_ENTRIES:  # normalised, tagged and stored batch by batch (_store)
            stream = NormaliseStream(
                parsed, feed_url=result.final_url, feed_language=feed.language, fetched_at=now, now=now
            )
            del parsed
            ok = FeedAttempt(
                status="ok",
                finished_at=ctx.clock(),
                next_due_at=_due(ctx, feed, result, failed=False),
                notes=tuple(notes),
                title=None,
                **base,  # type: ignore[arg-type]
            )
            return ok, stream
        normalised = normalise_feed(
            parsed, feed_url=result.final_url, feed_language=feed.language, fetched_at=now, now=now
        )
        del parsed
        tags, fingerprints = _tag_new(ctx, feed, normalised.entries, notes)
    notes.extend(_count_notes(normalised.skipped, normalised.repeated))
    return FeedAttempt(
        status="ok",
        finished_at=ctx.clock(),
        next_due_at=_due(ctx, feed, result, failed=False),
        notes=tuple(notes),
        skipped_entries=normalised.skipped,
        repeated_entries=normalised.repeated,
        entries=normalised.entries,
        tags=tags,
        fingerprints=fingerprints,
        title=None,
        **base,  # type: ignore[arg-type]
    ), None


def _count_notes(skipped: int, repeated: int) -> list[str]:
    notes = [f"{skipped} unreadable or empty entries skipped"] if skipped else []
    if repeated:
        notes.append(f"{repeated} entries repeated a guid within the document")
    return notes


def _tag_new(
    ctx: IngestContext, feed: FeedToFetch, entries: Sequence[EntryValues], notes: list[str]
) -> tuple[dict[str, ItemTags], dict[str, StoryValues]]:
    """Tags and story fingerprints of the entries that look new (CPU work, outside the write)."""
    if ctx.tagger is None and ctx.clustering is None:
        return {}, {}
    tags: dict[str, ItemTags] = {}
    fingerprints: dict[str, StoryValues] = {}
    failures = 0
    for entry in needs_tags(ctx.dedupe(entries, known_items(ctx.database, feed.id, entries))):
        if ctx.clustering is not None:
            fingerprints[entry.guid] = ctx.clustering.fingerprint(entry)
        if ctx.tagger is None:
            continue
        try:
            tags[entry.guid] = ctx.tagger(entry)
        except Exception:
            failures += 1
            log.exception("feed %s: tagging failed for entry %r", feed.id, entry.guid)
            tags[entry.guid] = ItemTags()
    if failures:
        notes.append(f"tagging failed for {failures} entries (stored untagged)")
    return tags, fingerprints


def _failed(
    ctx: IngestContext,
    feed: FeedToFetch,
    result: FetchResult,
    base: dict[str, object],
    notes: list[str],
    kind: str,
    message: str,
) -> FeedAttempt:
    disable = f"the server answered 410 Gone ({ctx.clock():%Y-%m-%d})" if kind == "gone" else None
    return FeedAttempt(
        status="error",
        finished_at=ctx.clock(),
        error_kind=kind,
        error=message[:2000],
        notes=tuple(notes),
        next_due_at=_due(ctx, feed, result, failed=True),
        disable_reason=disable,
        **base,  # type: ignore[arg-type]
    )


def _due(ctx: IngestContext, feed: FeedToFetch, result: FetchResult, *, failed: bool) -> datetime:
    return next_due(
        ctx.clock(),
        ctx.schedule,
        interval_minutes=feed.interval_minutes,
        failed=failed,
        failures_before=feed.consecutive_failures,
        retry_after=result.retry_after,
        max_age=result.max_age,
        rng=ctx.rng,
    )


def _store(
    ctx: IngestContext, feed: FeedToFetch, attempt: FeedAttempt, stream: NormaliseStream | None
) -> tuple[StoreResult, FeedAttempt]:
    """Store the attempt. A document of more than BATCH_ENTRIES entries (``stream``) is normalised,
    tagged and stored in batches of that size, each its own transaction, so memory and the time other
    feeds wait to write stay bounded whatever the feed holds; the last batch records the fetch.
    Returns what was stored and the attempt as recorded."""
    earlier: StoreResult | None = None
    if stream is not None:
        notes: list[str] = []
        earlier = StoreResult()
        batches = stream.batches(BATCH_ENTRIES)
        batch = _next_batch(ctx, batches)
        while (following := _next_batch(ctx, batches)) is not None:
            tagged = _tagged_batch(ctx, feed, attempt, batch or (), notes)
            del batch
            stored = store_batch(
                ctx.database, tagged, dedupe=ctx.dedupe, tagger=ctx.tagger, clustering=ctx.clustering
            )
            del tagged
            if stored.feed_missing:
                return stored, attempt
            earlier = earlier.plus(stored)
            batch = following
        attempt = _tagged_batch(ctx, feed, attempt, batch or (), notes)
        attempt = replace(
            attempt,
            notes=(
                attempt.notes
                + tuple(_count_notes(stream.skipped, stream.repeated))
                + tuple(dict.fromkeys(notes))
            ),
            skipped_entries=stream.skipped,
            repeated_entries=stream.repeated,
        )
    stored = store_attempt(
        ctx.database,
        attempt,
        dedupe=ctx.dedupe,
        tagger=ctx.tagger,
        clustering=ctx.clustering,
        earlier=earlier,
    )
    return stored, attempt


def _next_batch(
    ctx: IngestContext, batches: Iterator[tuple[EntryValues, ...]]
) -> tuple[EntryValues, ...] | None:
    with ctx.parse_slots:  # normalising is CPU work like parsing
        return next(batches, None)


def _tagged_batch(
    ctx: IngestContext,
    feed: FeedToFetch,
    attempt: FeedAttempt,
    batch: Sequence[EntryValues],
    notes: list[str],
) -> FeedAttempt:
    with ctx.parse_slots:
        tags, fingerprints = _tag_new(ctx, feed, batch, notes)
    return replace(attempt, entries=tuple(batch), tags=tags, fingerprints=fingerprints)


def _record_internal_error(
    ctx: IngestContext, feed: FeedToFetch, started: datetime, exc: Exception
) -> FeedOutcome:
    message = f"{type(exc).__name__}: {exc}"[:2000]
    now = ctx.clock()
    attempt = FeedAttempt(
        feed_id=feed.id,
        started_at=started,
        finished_at=now,
        status="error",
        error_kind="internal",
        error=message,
        next_due_at=next_due(
            now,
            ctx.schedule,
            interval_minutes=feed.interval_minutes,
            failed=True,
            failures_before=feed.consecutive_failures,
            rng=ctx.rng,
        ),
    )
    try:
        store_attempt(ctx.database, attempt)
    except UNREACHABLE as again:
        log.error("feed %s: could not record the error either: %s", feed.id, one_line(again))
    except Exception:
        log.exception("feed %s: could not record the error either", feed.id)
    return FeedOutcome(feed_id=feed.id, url=feed.url, status="error", error_kind="internal", error=message)
