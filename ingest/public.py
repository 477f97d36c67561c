"""What other packages (the dashboard) may use of ingest: feed addresses and languages checked, OPML
read and written, and a feed tried once with the ingester's own limits and address guard."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.fetch import FetchConfig
from ingest.languages import BadLanguage, normalise_language
from ingest.netguard import AddressPolicy
from ingest.opml import OPMLError, OPMLFeed, new_feeds, outlines, parse_opml, write_opml
from ingest.urls import BadFeedURL, validate_feed_url

__all__ = [
    "AddressPolicy",
    "BadFeedURL",
    "BadLanguage",
    "FeedPreview",
    "FetchConfig",
    "OPMLError",
    "OPMLFeed",
    "new_feeds",
    "normalise_language",
    "outlines",
    "parse_opml",
    "preview_feed",
    "validate_feed_url",
    "write_opml",
]

PREVIEW_PARSE_SECONDS = 10.0  # CPU seconds the dashboard's feed test may spend parsing


@dataclass(frozen=True, slots=True)
class FeedPreview:
    """A feed fetched and parsed once. ``failed`` is "fetch" or "parse" when that step failed
    (``error_kind``, ``error`` say why); otherwise the feed's title, entry count, format and the
    titles of its first entries, as plain text."""

    failed: str | None = None
    error_kind: str | None = None
    error: str | None = None
    title: str = ""
    entries: int = 0
    version: str = ""
    titles: tuple[str, ...] = ()


def preview_feed(
    url: str,
    config: FetchConfig,
    addresses: AddressPolicy,
    *,
    items: int = 5,
    parse_seconds: float = PREVIEW_PARSE_SECONDS,
) -> FeedPreview:
    """Fetch ``url`` (already validated) once and parse it (at most ``parse_seconds`` of CPU time);
    never raises for what the server sends."""
    from ingest.fetch import FetchRequest, fetch, make_client
    from ingest.normalise import plain_text
    from ingest.parse import parse_feed

    with make_client(addresses, max_connections=1, user_agent=config.user_agent) as client:
        result = fetch(client, FetchRequest(url), config)
    if result.outcome == "error":
        return FeedPreview("fetch", result.error_kind, result.error)
    parsed = parse_feed(result.body, result.headers, result.final_url, cpu_seconds=parse_seconds)
    if parsed.error_kind:
        return FeedPreview("parse", parsed.error_kind, parsed.error)
    titles = tuple(
        plain_text(e.title, is_html=e.title_html, limit=200) or "(no title)" for e in parsed.entries[:items]
    )
    return FeedPreview(
        title=plain_text(parsed.title or "", is_html=False, limit=200),
        entries=len(parsed.entries),
        version=parsed.version or "",
        titles=titles,
    )
