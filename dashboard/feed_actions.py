"""What the Feeds page does, as plain functions (tested directly): validate and add a feed, preview a
feed before saving it (through the ingester's own guarded fetcher and parser), edit, fetch now, delete,
OPML."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace

from dashboard.context import PREVIEW_CONCURRENCY, AppContext
from dashboard.redact import mask_credentials
from db.feeds import (
    DuplicateFeed,
    FeedNotFound,
    NewFeed,
    add_feed,
    add_feeds,
    list_feeds,
    remove_feed,
    request_fetch,
    update_feed,
)
from db.limits import FEED_TITLE, FEED_URL, BadInterval, FieldTooLong, check_interval, check_text
from ingest.public import (
    BadFeedURL,
    BadLanguage,
    OPMLError,
    new_feeds,
    normalise_language,
    outlines,
    parse_opml,
    preview_feed,
    validate_feed_url,
    write_opml,
)

PREVIEW_ITEMS = 5
#: A Test click holds a server thread for at most this long (a hard deadline over the whole fetch);
#: at most PREVIEW_CONCURRENCY clicks run at once.
PREVIEW_SECONDS = 10.0
MAX_OPML_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    message: str
    details: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class FeedForm:
    url: str | None
    title: str | None = None
    region: str | None = None
    language: str | None = None
    interval: int | float | str | None = None


def _check_fields(
    ctx: AppContext, region: str | None, language: str | None, interval: object
) -> tuple[tuple[str | None, str | None, int | None], str | None]:
    """(region, language, interval) checked, or an error message."""
    region = region or None
    if region is not None and region not in ctx.meta.regions:
        return (None, None, None), f"unknown region {region!r}"
    language = (language or "").strip() or None
    if language is not None:
        try:
            language = normalise_language(language)
        except BadLanguage as exc:
            return (None, None, None), str(exc)
    minutes: int | None = None
    if interval not in (None, ""):
        text = str(interval).strip()
        try:
            value = float(text) if len(text) <= 20 else float("nan")
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            return (None, None, None), "the interval must be a number of minutes"
        try:
            minutes = check_interval(int(value))
        except BadInterval as exc:
            return (None, None, None), str(exc)
    return (region, language, minutes), None


def _check_form(ctx: AppContext, form: FeedForm) -> tuple[NewFeed | None, str | None]:
    try:
        url = check_text("feed address", validate_feed_url(form.url or ""), FEED_URL) or ""
        title = check_text("title", (form.title or "").strip() or None, FEED_TITLE)
    except (BadFeedURL, FieldTooLong) as exc:
        return None, f"Not added: {exc}"
    (region, language, interval), error = _check_fields(ctx, form.region, form.language, form.interval)
    if error:
        return None, f"Not added: {error}"
    return NewFeed(url=url, title=title, region=region, language=language, interval_minutes=interval), None


def _actor() -> str | None:
    """The logged-in user, for the audit log."""
    import flask

    from dashboard.auth import current_user

    if not flask.has_request_context():
        return None
    user = current_user()
    return user.name if user is not None else None


def add_from_form(ctx: AppContext, form: FeedForm) -> Outcome:
    new, error = _check_form(ctx, form)
    if new is None:
        return Outcome(False, error or "Not added")
    try:
        feed_id = add_feed(ctx.database, new, default_interval=ctx.config.default_interval, actor=_actor())
    except DuplicateFeed:
        return Outcome(False, f"Not added: this feed is already in the list: {new.url}")
    return Outcome(True, f"Added feed {feed_id}: {new.url}. It will be fetched at the next scheduler tick.")


def edit(
    ctx: AppContext,
    feed_id: int,
    *,
    region: str | None,
    language: str | None,
    interval: object,
    enabled: bool,
) -> Outcome:
    (region, language, minutes), error = _check_fields(ctx, region, language, interval)
    if error:
        return Outcome(False, f"Not saved: {error}")
    try:
        update_feed(
            ctx.database,
            feed_id,
            region=region,
            clear_region=region is None,
            language=language or "",
            interval_minutes=minutes,
            enabled=enabled,
            actor=_actor(),
        )
    except FeedNotFound:
        return Outcome(False, "Not saved: that feed no longer exists")
    return Outcome(True, f"Saved feed {feed_id}.")


def fetch_now(ctx: AppContext, feed_id: int) -> Outcome:
    """Ask the scheduler to fetch the feed at its next tick."""
    try:
        request_fetch(ctx.database, feed_id)
    except FeedNotFound:
        return Outcome(False, "That feed no longer exists.")
    return Outcome(True, "Fetch requested: the scheduler picks it up at its next tick.")


def delete(ctx: AppContext, feed_id: int) -> Outcome:
    """Delete the feed and the items only it carried."""
    try:
        _fid, deleted = remove_feed(ctx.database, feed_id, actor=_actor())
    except FeedNotFound:
        return Outcome(False, "That feed no longer exists.")
    return Outcome(True, f"Deleted the feed and {deleted} items only it carried.")


def preview(ctx: AppContext, url: str | None) -> Outcome:
    """Fetch the feed once with the ingester's limits and address guard, parse it, list its first items."""
    try:
        url = validate_feed_url(url or "")
    except BadFeedURL as exc:
        return Outcome(False, str(exc))
    test = ctx.config.feed_test
    config = replace(test.fetch, total_timeout=min(test.fetch.total_timeout, PREVIEW_SECONDS))
    if not ctx.preview_slots.acquire(blocking=False):
        return Outcome(
            False, f"{PREVIEW_CONCURRENCY} feed tests are already running; try again in a few seconds."
        )
    try:
        result = preview_feed(url, config, test.addresses, items=PREVIEW_ITEMS)
    finally:
        ctx.preview_slots.release()
    if result.failed == "fetch":
        return Outcome(False, f"Fetch failed ({result.error_kind}): {result.error}")
    if result.failed:
        return Outcome(False, f"Not a usable feed ({result.error_kind}): {result.error}")
    name = result.title or "untitled feed"
    return Outcome(
        True, f"OK: “{name}”, {result.entries} items, format {result.version or 'unknown'}.", result.titles
    )


def import_opml(ctx: AppContext, contents: str | None, filename: str | None) -> Outcome:
    if not contents:
        return Outcome(False, "No file.")
    try:
        data = base64.b64decode(contents.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        return Outcome(False, "Could not read the uploaded file.")
    if len(data) > MAX_OPML_BYTES:
        return Outcome(False, "The OPML file is too large.")
    try:
        doc = parse_opml(data, source=filename or "OPML")
    except OPMLError as exc:
        return Outcome(False, str(exc))
    added, duplicates = add_feeds(
        ctx.database,
        new_feeds(doc.feeds, ctx.meta.regions),
        default_interval=ctx.config.default_interval,
        actor=_actor(),
    )
    details = tuple(f"skipped {p.title}: {p.reason}" for p in doc.problems)
    details += tuple(f"already present: {d.url}" for d in duplicates)
    return Outcome(
        True,
        f"Imported {len(added)} feeds ({len(duplicates)} already present, {len(doc.problems)} skipped).",
        details,
    )


def export_opml(ctx: AppContext, *, reveal: bool = True) -> bytes:
    """The feed list as OPML; without ``reveal`` credentials in addresses are masked (non-admins)."""

    feeds = list_feeds(ctx.database)
    return write_opml(outlines(feeds) if reveal else outlines(feeds, mask_credentials))
