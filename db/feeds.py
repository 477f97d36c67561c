"""Feed list queries: add, find, list with health, enable/disable, remove."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.audit import record
from db.counts import counted
from db.engine import Database
from db.feed_days import health, refreshed
from db.models import Feed, FetchLog, Item, ItemSighting
from db.types import utcnow


class DuplicateFeed(Exception):
    """The URL is already in the feed list."""


class FeedNotFound(Exception):
    """No feed has that id or URL."""


@dataclass(frozen=True, slots=True)
class NewFeed:
    url: str
    title: str | None = None
    category: str | None = None
    region: str | None = None
    language: str | None = None
    interval_minutes: int | None = None
    site_url: str | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class FeedInfo:
    id: int
    url: str
    title: str | None
    site_url: str | None
    category: str | None
    region: str | None
    language: str | None
    enabled: bool
    interval_minutes: int
    last_status: str
    last_error_kind: str | None
    last_error: str | None
    last_fetched_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int
    next_due_at: datetime | None
    disabled_reason: str | None
    fetch_requested: bool
    item_count: int
    items_per_day_30d: float
    last_item_at: datetime | None
    stale: bool

    def error_text(self) -> str | None:
        if self.last_status != "error" or not self.last_error_kind:
            return None
        return f"{self.last_error_kind}: {self.last_error or ''}".rstrip(": ")


# Bidirectional controls (U+202A–U+202E, U+2066–U+2069) could make a title read differently from what
# it is; they are dropped from titles wherever they come from (CLI, dashboard, OPML).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _title(value: str | None) -> str | None:
    return _BIDI.sub("", value) if value else value


def _insert(session: Session, new: NewFeed, default_interval: int) -> Feed:
    feed = Feed(
        url=new.url,
        title=_title(new.title),
        site_url=new.site_url,
        category=new.category,
        region=new.region,
        language=new.language,
        enabled=new.enabled,
        interval_minutes=new.interval_minutes or default_interval,
        next_due_at=utcnow(),
    )
    session.add(feed)
    return feed


def add_feed(
    database: Database, new: NewFeed, *, default_interval: int = 15, actor: str | None = None
) -> int:
    """Add one feed; raises DuplicateFeed when the URL is taken (and changes nothing)."""
    try:
        with database.write() as session:
            if session.scalar(select(Feed.id).where(Feed.url == new.url)) is not None:
                raise DuplicateFeed(new.url)
            feed = _insert(session, new, default_interval)
            session.flush()
            record(session, actor, "feed.add", new.url, {"feed": feed.id, "title": new.title})
            return feed.id
    except IntegrityError:
        raise DuplicateFeed(new.url) from None


def add_feeds(
    database: Database, feeds: Sequence[NewFeed], *, default_interval: int = 15, actor: str | None = None
) -> tuple[list[int], list[NewFeed]]:
    """Add many feeds in one transaction; returns (new ids, the ones already present)."""
    added: list[int] = []
    duplicates: list[NewFeed] = []
    with database.write() as session:
        existing = set(session.scalars(select(Feed.url)))
        for new in feeds:
            if new.url in existing:
                duplicates.append(new)
                continue
            existing.add(new.url)
            feed = _insert(session, new, default_interval)
            session.flush()
            added.append(feed.id)
        if added:
            record(session, actor, "feed.import", f"{len(added)} feeds", {"feeds": added})
    return added, duplicates


def _resolve(session: Session, ref: str | int) -> Feed:
    feed: Feed | None = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        feed = session.get(Feed, int(ref))
    if feed is None and isinstance(ref, str):
        feed = session.scalar(select(Feed).where(Feed.url == ref))
    if feed is None:
        raise FeedNotFound(str(ref))
    return feed


def find_feed_id(database: Database, ref: str | int) -> int:
    with database.read() as session:
        return _resolve(session, ref).id


def set_enabled(database: Database, ref: str | int, enabled: bool, *, actor: str | None = None) -> int:
    with database.write() as session:
        feed = _resolve(session, ref)
        record(session, actor, "feed.enable" if enabled else "feed.disable", feed.url, {"feed": feed.id})
        feed.enabled = enabled
        if enabled:
            feed.disabled_reason = None
            feed.next_due_at = utcnow()
        return feed.id


def update_feed(
    database: Database,
    ref: str | int,
    *,
    title: str | None = None,
    region: str | None = None,
    language: str | None = None,
    interval_minutes: int | None = None,
    enabled: bool | None = None,
    clear_region: bool = False,
    url: str | None = None,
    actor: str | None = None,
) -> int:
    with database.write() as session:
        feed = _resolve(session, ref)
        changes = {
            "title": title,
            "region": region,
            "language": language,
            "interval_minutes": interval_minutes,
            "enabled": enabled,
            "url": url,
        }
        record(
            session,
            actor,
            "feed.edit",
            feed.url,
            {
                "feed": feed.id,
                **{k: v for k, v in changes.items() if v is not None},
                **({"region": None} if clear_region else {}),
            },
        )
        if url is not None and url != feed.url:
            if session.scalar(select(Feed.id).where(Feed.url == url)) is not None:
                raise DuplicateFeed(url)
            feed.url = url
        if title is not None:
            feed.title = _title(title)
        if region is not None or clear_region:
            feed.region = region
        if language is not None:
            feed.language = language or None
        if interval_minutes is not None:
            feed.interval_minutes = interval_minutes
        if enabled is not None:
            feed.enabled = enabled
        return feed.id


def request_fetch(database: Database, ref: str | int) -> int:
    """Ask the scheduler to fetch this feed at its next tick."""
    with database.write() as session:
        feed = _resolve(session, ref)
        feed.fetch_requested_at = utcnow()
        return feed.id


def remove_feed(database: Database, ref: str | int, *, actor: str | None = None) -> tuple[int, int]:
    """Delete a feed and its sightings and fetch log. Items it alone carried are deleted too;
    items other feeds also carried stay. Returns (feed id, items deleted)."""
    with database.write() as session:
        feed = _resolve(session, ref)
        feed_id = feed.id
        only_here = _items_only_in(session, feed_id)
        carried = session.scalars(select(ItemSighting.item_id).where(ItemSighting.feed_id == feed_id)).all()
        with counted(session, carried), refreshed(session, carried):
            if only_here:
                session.execute(delete(Item).where(Item.id.in_(only_here)))
            session.execute(delete(ItemSighting).where(ItemSighting.feed_id == feed_id))
        session.execute(delete(FetchLog).where(FetchLog.feed_id == feed_id))
        record(session, actor, "feed.remove", feed.url, {"feed": feed_id, "items_deleted": len(only_here)})
        session.execute(delete(Feed).where(Feed.id == feed_id))
        return feed_id, len(only_here)


def _items_only_in(session: Session, feed_id: int) -> list[int]:
    other = select(ItemSighting.item_id).where(ItemSighting.feed_id != feed_id)
    stmt = (
        select(ItemSighting.item_id)
        .where(ItemSighting.feed_id == feed_id)
        .where(ItemSighting.item_id.not_in(other))
    )
    return list(session.scalars(stmt))


def removal_impact(database: Database, ref: str | int) -> tuple[int, int]:
    """(items only this feed carried, items shared with other feeds) — for the delete confirmation."""
    with database.read() as session:
        feed = _resolve(session, ref)
        only = len(_items_only_in(session, feed.id))
        total = session.scalar(
            select(func.count()).select_from(ItemSighting).where(ItemSighting.feed_id == feed.id)
        )
        return only, int(total or 0) - only


def list_feeds(database: Database, *, now: datetime | None = None) -> list[FeedInfo]:
    """Every feed with its health: item counts, items/day over 30 days, staleness (read from the
    per-feed daily aggregate, ``db.feed_days``: the cost follows feeds x days, not items stored)."""
    now = now or utcnow()
    with database.read() as session:
        stats = health(session, now)
        feeds = list(session.scalars(select(Feed).order_by(Feed.id)))
        out = []
        for f in feeds:
            n, n30, first, last = stats.get(f.id, (0, 0, None, None))
            out.append(
                FeedInfo(
                    id=f.id,
                    url=f.url,
                    title=f.title,
                    site_url=f.site_url,
                    category=f.category,
                    region=f.region,
                    language=f.language,
                    enabled=f.enabled,
                    interval_minutes=f.interval_minutes,
                    last_status=f.last_status,
                    last_error_kind=f.last_error_kind,
                    last_error=f.last_error,
                    last_fetched_at=f.last_fetched_at,
                    last_success_at=f.last_success_at,
                    consecutive_failures=f.consecutive_failures,
                    next_due_at=f.next_due_at,
                    disabled_reason=f.disabled_reason,
                    fetch_requested=f.fetch_requested_at is not None,
                    item_count=n,
                    items_per_day_30d=round(n30 / 30.0, 2),
                    last_item_at=last,
                    stale=is_stale(first, last, n, now),
                )
            )
        return out


def is_stale(first: datetime | None, last: datetime | None, count: int, now: datetime) -> bool:
    """Silent for much longer than the feed's own rhythm: 4x its mean gap between new items,
    and at least a day. A feed with fewer than 3 items has no rhythm yet and is never stale."""
    if first is None or last is None or count < 3:
        return False
    mean_gap = (last - first) / (count - 1)
    return now - last > max(4 * mean_gap, timedelta(days=1))
