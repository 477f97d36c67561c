"""A feed's state after an attempt: times, lease, status and failure count, caching headers, a
permanent redirect (unless another feed has that address), disabling (e.g. 410 Gone)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.attempt import FeedAttempt
from db.models import Feed


def update_feed(session: Session, feed: Feed, attempt: FeedAttempt) -> tuple[bool, list[str]]:
    """Apply the attempt to its feed; whether the URL changed, and the notes for the fetch log."""
    notes = list(attempt.notes)
    url_changed = False
    feed.last_fetched_at = attempt.finished_at
    feed.next_due_at = attempt.next_due_at
    feed.lease_owner = None
    feed.lease_expires_at = None
    if feed.fetch_requested_at is not None and feed.fetch_requested_at <= attempt.started_at:
        feed.fetch_requested_at = None
    if attempt.status == "error":
        feed.last_status = "error"
        feed.consecutive_failures = (feed.consecutive_failures or 0) + 1
        feed.last_error_kind = attempt.error_kind
        feed.last_error = attempt.error
    else:
        feed.last_status = attempt.status
        feed.last_success_at = attempt.finished_at
        feed.consecutive_failures = 0
        feed.last_error_kind = None
        feed.last_error = None
        feed.etag = attempt.etag[:500] if attempt.etag else None
        feed.last_modified = attempt.last_modified[:100] if attempt.last_modified else None
        if attempt.title and not feed.title:
            feed.title = attempt.title[:500]
    if attempt.new_url and attempt.new_url != feed.url:
        taken = session.scalar(select(Feed.id).where(Feed.url == attempt.new_url))
        if taken is None and len(attempt.new_url) <= 2048:
            notes.append(f"permanent redirect: URL changed from {feed.url} to {attempt.new_url}")
            feed.url = attempt.new_url
            feed.etag = feed.etag if attempt.status != "error" else None
            url_changed = True
        else:
            notes.append(f"permanent redirect to {attempt.new_url}, already another feed: URL kept")
    if attempt.disable_reason:
        feed.enabled = False
        feed.disabled_reason = attempt.disable_reason
        notes.append(f"feed disabled: {attempt.disable_reason}")
    return url_changed, notes
