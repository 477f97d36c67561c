"""Which feeds to fetch now, claimed with a lease so several workers could share them.

On PostgreSQL the claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` plus a lease with an expiry, so a
crashed worker's feeds come back after the lease runs out. On SQLite a file lock already keeps to
one scheduler; the lease is still written (cheap) and cleared when that scheduler starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from db.engine import Database
from db.models import Feed


@dataclass(frozen=True, slots=True)
class FeedToFetch:
    id: int
    url: str
    title: str | None
    language: str | None
    etag: str | None
    last_modified: str | None
    interval_minutes: int
    consecutive_failures: int
    fetch_requested: bool


def claim_feeds(
    database: Database,
    *,
    owner: str,
    now: datetime,
    lease_seconds: float,
    limit: int | None = None,
    all_feeds: bool = False,
    exclude: frozenset[int] = frozenset(),
) -> list[FeedToFetch]:
    """Claim enabled feeds that are due (or asked for with "fetch now"), or every enabled one with
    ``all_feeds``; skips feeds another worker holds a live lease on. Fetch-now requests go first."""
    free = or_(Feed.lease_expires_at.is_(None), Feed.lease_expires_at < now)
    cond = and_(Feed.enabled.is_(True), free)
    if not all_feeds:
        cond = and_(
            cond,
            or_(Feed.next_due_at.is_(None), Feed.next_due_at <= now, Feed.fetch_requested_at.is_not(None)),
        )
    if exclude:
        cond = and_(cond, Feed.id.not_in(sorted(exclude)))
    stmt = (
        select(Feed)
        .where(cond)
        .order_by(Feed.fetch_requested_at.is_(None), Feed.next_due_at.is_not(None), Feed.next_due_at, Feed.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Feed)
    )
    expires = now + timedelta(seconds=lease_seconds)
    with database.write() as session:
        feeds = list(session.scalars(stmt))
        if feeds:
            session.execute(
                update(Feed)
                .where(Feed.id.in_([f.id for f in feeds]))
                .values(lease_owner=owner, lease_expires_at=expires)
                .execution_options(synchronize_session=False)
            )
        return [
            FeedToFetch(
                id=f.id,
                url=f.url,
                title=f.title,
                language=f.language,
                etag=f.etag,
                last_modified=f.last_modified,
                interval_minutes=f.interval_minutes,
                consecutive_failures=f.consecutive_failures,
                fetch_requested=f.fetch_requested_at is not None,
            )
            for f in feeds
        ]


def release_leases(database: Database, *, owner: str | None = None, feed_ids: list[int] | None = None) -> int:
    """Drop leases: one owner's, some feeds', or (both None) all of them. Returns how many."""
    stmt = update(Feed).where(Feed.lease_owner.is_not(None))
    if owner is not None:
        stmt = stmt.where(Feed.lease_owner == owner)
    if feed_ids is not None:
        stmt = stmt.where(Feed.id.in_(feed_ids))
    with database.write() as session:
        result = session.execute(
            stmt.values(lease_owner=None, lease_expires_at=None).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def next_due_at(database: Database) -> datetime | None:
    """When the next enabled feed falls due (for the scheduler's status line)."""
    with database.read() as session:
        value: datetime | None = session.scalar(
            select(Feed.next_due_at).where(Feed.enabled.is_(True)).order_by(Feed.next_due_at).limit(1)
        )
        return value


def leased_elsewhere(database: Database, *, owner: str, now: datetime) -> tuple[int, datetime | None]:
    """Enabled feeds another worker holds a live lease on (a worker that died keeps them until its
    leases expire): how many, and when the last of those leases runs out."""
    with database.read() as session:
        count, until = session.execute(
            select(func.count(), func.max(Feed.lease_expires_at)).where(
                Feed.enabled.is_(True),
                Feed.lease_expires_at > now,
                or_(Feed.lease_owner.is_(None), Feed.lease_owner != owner),
            )
        ).one()
    return int(count or 0), until
