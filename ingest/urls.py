"""Feed URL validation shared by the CLI, OPML import and the dashboard."""

from __future__ import annotations

from urllib.parse import urlsplit


class BadFeedURL(ValueError):
    """Not an absolute http(s) URL."""


def validate_feed_url(url: str) -> str:
    """Return the URL stripped, or raise BadFeedURL saying why."""
    url = (url or "").strip()
    if not url:
        raise BadFeedURL("no address given")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        raise BadFeedURL(f"only http and https feeds are allowed, not {shown}: {url}")
    if not parts.hostname:
        raise BadFeedURL(f"no host in {url}")
    if any(c.isspace() for c in url):
        raise BadFeedURL(f"spaces in {url}")
    return url
