"""The schema: SQLAlchemy 2.x typed models. Migrations in db/migrations mirror these exactly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.roles import ROLES
from db.types import JSONType, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

FEED_STATUSES = ("never", "ok", "not_modified", "error")
REVIEW_STATUSES = ("new", "confirmed", "dismissed", "escalated")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    """The text of a check constraint: ``column`` holds one of ``values`` (the migrations spell it
    the same way)."""
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str | None] = mapped_column(String(500))
    site_url: Mapped[str | None] = mapped_column(String(2048))
    category: Mapped[str | None] = mapped_column(String(500))  # OPML outline path, "A/B"
    region: Mapped[str | None] = mapped_column(String(40))  # region hint (slug)
    language: Mapped[str | None] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=15)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[str] = mapped_column(String(20), default="never")
    last_error_kind: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    fetch_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(_one_of("last_status", FEED_STATUSES), name="status"),
        Index(None, "enabled", "next_due_at"),
    )


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))  # first carrier
    guid: Mapped[str] = mapped_column(String(2048))
    link: Mapped[str | None] = mapped_column(String(2048))  # canonical link, for display
    # The canonical link as an identity; NULL when it identifies nothing (a placeholder link).
    link_key: Mapped[str | None] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(Text)
    title_key: Mapped[str] = mapped_column(String(500))  # normalised title for same-source dedupe
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    taxonomy_version: Mapped[str | None] = mapped_column(String(40))

    tags: Mapped[list[ItemTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    countries: Mapped[list[ItemCountry]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    organisations: Mapped[list[ItemOrganisation]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        # by date, covering the alert inputs' feed-per-day counts (db.alert_inputs)
        Index(None, "published_at", "id", "feed_id"),
        Index(None, "flagged", "published_at"),
        Index(None, "feed_id", "title_key"),
        Index(None, "title_key"),  # same title from the same feed (db.known_items), any first carrier
        # the review grid's sort by score, keyset-paged (db.listing)
        Index(None, "score", "published_at", "id"),
        Index(None, "flagged", "score", "published_at", "id"),
    )


class ItemSighting(Base):
    """Every feed that carried an item, with its guid there."""

    __tablename__ = "item_sightings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(2048))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("feed_id", "guid"),
        Index(None, "item_id"),
        Index(None, "feed_id", "seen_at"),
    )


class ItemTag(Base):
    __tablename__ = "item_tags"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(60), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    stage: Mapped[str | None] = mapped_column(String(40))
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    taxonomy_version: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index(None, "indicator", "item_id"),)


class ItemCountry(Base):
    __tablename__ = "item_countries"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    region: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)

    __table_args__ = (Index(None, "iso3", "item_id"), Index(None, "region", "item_id"))


class ItemOrganisation(Base):
    __tablename__ = "item_organisations"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)

    __table_args__ = (Index(None, "org_id", "item_id"),)


class Review(Base):
    """The current review state of an item; every change is also appended to review_history."""

    __tablename__ = "reviews"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    analyst: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(_one_of("status", REVIEW_STATUSES), name="status"),
        Index(None, "status"),
    )


class ReviewHistory(Base):
    __tablename__ = "review_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    analyst: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index(None, "item_id", "at"),)


class FetchLog(Base):
    __tablename__ = "fetch_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))  # ok / not_modified / error
    http_status: Mapped[int | None] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    new_items: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_items: Mapped[int] = mapped_column(Integer, default=0)
    skipped_entries: Mapped[int] = mapped_column(Integer, default=0)
    error_kind: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)  # e.g. bozo reason, permanent redirect

    __table_args__ = (Index(None, "feed_id", "started_at"),)


ALERT_STATES = ("new", "acknowledged", "dismissed")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class Story(Base):
    """Near-duplicate items across feeds: one event reported by many outlets."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)  # earliest published_at of its items
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    items: Mapped[int] = mapped_column(Integer, default=1)
    sources: Mapped[int] = mapped_column(Integer, default=1)  # distinct feeds

    __table_args__ = (Index(None, "first_seen_at"),)


class StoryItem(Base):
    """An item's story and its fingerprint (MinHash signature, the numbers in its title)."""

    __tablename__ = "story_items"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    feed_id: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    numbers: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index(None, "story_id"), Index(None, "published_at"))


class StoryKey(Base):
    """Locality-sensitive hashing band keys: items sharing a key are compared."""

    __tablename__ = "story_keys"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index(None, "key", "published_at"),)


class Alert(Base):
    """A scope x indicator whose story count is significantly above what was expected (kind
    ``signal``), or a scope whose feeds fell silent (kind ``coverage``), with the arithmetic."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # signal / coverage
    scope: Mapped[str] = mapped_column(String(20))  # country / region
    region: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(3), default="")  # ISO3 for country scope, else ""
    indicator: Mapped[str] = mapped_column(String(60), default="")  # "" for coverage alerts
    day: Mapped[datetime] = mapped_column(UTCDateTime)  # 00:00 UTC of the day it was raised
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    sources: Mapped[int] = mapped_column(Integer, default=0)
    story_ids: Mapped[list[int]] = mapped_column(JSONType)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(20), default="new")
    state_by: Mapped[str | None] = mapped_column(String(100))
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "scope", "region", "country", "indicator", "day"),
        CheckConstraint(_one_of("state", ALERT_STATES), name="state"),
        Index(None, "day"),
    )


class AlertDelivery(Base):
    """One alert to one receiver (a webhook URL or a mail address): ``pending`` until the first
    attempt, ``failed`` while attempts fail (retried at ``next_attempt_at``), ``delivered`` once done."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))  # webhook / email
    target: Mapped[str] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("alert_id", "channel", "target"),
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
        Index(None, "status", "next_attempt_at"),
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)


class DailyCount(Base):
    """Items per UTC day of publication x region or country (alone, or with an organisation the item
    mentions) x indicator, kept in the same transaction as the rows they count (``db.counts``).
    ``indicator`` "" counts every item; an item with two countries in one region counts once for the
    region."""

    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(12), primary_key=True)
    #: "region" or "country": a region slug or ISO3; "region-org" / "country-org": "africa|AU", "SDN|UN"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(60), primary_key=True)
    region: Mapped[str] = mapped_column(String(40))  # the region itself, or the country's ("" if none)
    items: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "scope", "key", "day"),)


class DailyFeedCount(Base):
    """Items per UTC day x region or country x carrying feed (every sighting's feed) x item language:
    who covers a place, in which languages."""

    __tablename__ = "daily_feed_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    feed_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" when unknown
    items: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "scope", "key", "day"),)


class DailyStoryCount(Base):
    """Stories per UTC day of first sighting (their earliest item) x region or country (alone, or with
    an organisation) x indicator, kept in the same transaction as the rows they count
    (``db.story_counts``). A story counts for the union of its items' places, organisations and
    indicators; ``indicator`` "" counts every story about the place."""

    __tablename__ = "daily_story_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(60), primary_key=True)
    region: Mapped[str] = mapped_column(String(40))  # the region itself, or the country's ("" if none)
    stories: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "scope", "key", "day"),)


class DailyStoryFeed(Base):
    """The stories of ``daily_story_counts`` per feed that carried one of their items (the feed a
    story's item was first stored from, as ``stories.sources`` counts them). Distinct sources over a
    window cannot be summed from daily totals (one feed reporting on three days is one source), so the
    feeds are kept: a window's sources are the distinct ``feed_id`` over its days."""

    __tablename__ = "daily_story_feeds"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(60), primary_key=True)
    feed_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stories: Mapped[int] = mapped_column(Integer)

    #: covering: a window's distinct feeds per place (and indicator) are read from the index alone
    __table_args__ = (Index(None, "scope", "key", "day", "indicator", "feed_id"),)


class FeedDay(Base):
    """A feed's sightings of items published on a UTC day, with the earliest and latest of those
    items' times: the feed list's health (counts, items per day, staleness) read per feed and day
    instead of from every sighting, kept in the same transaction as the sightings (``db.feed_days``)."""

    __tablename__ = "feed_days"

    feed_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    items: Mapped[int] = mapped_column(Integer)
    first_published: Mapped[datetime] = mapped_column(UTCDateTime)
    last_published: Mapped[datetime] = mapped_column(UTCDateTime)


class UserSession(Base):
    """A dashboard login. The cookie carries a random token; only its SHA-256 is stored, so the rows
    alone open nothing. Deleting a row ends that session at once."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index(None, "user_id"), Index(None, "expires_at"))


class InstanceSecret(Base):
    """Secrets of this database's instance (the session signing key), created once on first use."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginThrottle(Base):
    """Failed logins per key ("user:NAME" or "addr:ADDRESS") and until when that key is refused."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index(None, "last_failure_at"),)


class ItemSearch(Base):
    """Each item's search document: the stems of its title and summary (db/search.py writes it).

    SQLite indexes it with the FTS5 table ``item_fts`` (kept in step by triggers), PostgreSQL with a
    GIN index on ``to_tsvector('simple', document)``; both are made by the migration, not here."""

    __tablename__ = "item_search"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """Who did what and when: review decisions, feed changes, user changes, logins."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(100))  # None: the system or the command line
    action: Mapped[str] = mapped_column(String(60))  # e.g. review.confirm, feed.add, user.add, login
    target: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    __table_args__ = (Index(None, "at"), Index(None, "action", "at"))


class SavedView(Base):
    """A user's named view: a page path and its query string; ``seen_at`` is when it was last opened."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "name"),)
