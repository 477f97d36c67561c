"""Turn raw entries into stored-item values: plain text, canonical link, UTC dates, language, keys.

Also the in-document dedupe rules: a link several entries share is a placeholder (it identifies
nothing), and an entry whose guid repeats one earlier in the same document is the same entry.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from indicators.language import guess_language
from indicators.text import html_to_text
from ingest.parse import ParsedFeed, RawEntry

MAX_TITLE = 1000
MAX_SUMMARY = 5000
MAX_TITLE_KEY = 500
MAX_URL = 2048
# Before this, a date in a news feed is a placeholder (0, the Unix epoch, 1900 ...), not a date.
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "__hs", "_hs", "oly_")
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "igshid",
        "mkt_tok",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "ocid",
        "wt.mc_id",
        "s_cid",
        "at_medium",
        "at_campaign",
        "rss",
        "cmp",
        "xtor",
        "vero_id",
        "_hsenc",
        "_hsmi",
        "spm",
        "share",
        "smid",
    }
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One normalised entry, ready for dedupe and storage."""

    guid: str  # the entry's identity within its feed
    link: str | None  # canonical link, for display
    link_key: str | None  # canonical link as an identity; None for a placeholder link
    title: str
    title_key: str
    summary: str
    published_at: datetime
    language: str | None
    content_hash: str


@dataclass(frozen=True, slots=True)
class NormalisedFeed:
    entries: tuple[Entry, ...]
    skipped: int  # unreadable or empty entries
    repeated: int  # entries repeating a guid already in the same document


# --- text ------------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f]")
# control characters, zero-width space, BOM, and the bidirectional controls that can reorder text
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff\u202a-\u202e\u2066-\u2069]")


def plain_text(text: str, *, is_html: bool, limit: int) -> str:
    """HTML stripped (indicators.text.html_to_text: linear time, scripts dropped, entities decoded),
    whitespace collapsed, control and bidirectional control characters gone, cut at ``limit``."""
    if is_html:
        text = html_to_text(text)
    text = _CONTROL.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit - 1)
        text = text[: cut if cut > limit // 2 else limit - 1].rstrip() + "…"
    return text


def title_key(title: str) -> str:
    """Case, accents-as-written, punctuation and spacing no longer matter."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return _SPACE.sub(" ", text).strip()[:MAX_TITLE_KEY]


# --- links -----------------------------------------------------------------------------------


def canonical_link(link: str | None, base: str) -> str | None:
    """Absolute http(s) URL, scheme and host lower-cased, default port, tracking params and
    fragment removed. None when there is no usable link."""
    if not link:
        return None
    try:
        parts = urlsplit(urljoin(base, link.strip()))
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if scheme not in ("http", "https") or not host or _CONTROL_ALL.search(link.strip()):
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = parts.query
    if query:
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)]
        query = urlencode(kept, doseq=True)
    url = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    return url if len(url) <= MAX_URL else None


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES)


# --- dates -----------------------------------------------------------------------------------


def published_at(entry: RawEntry, fetched_at: datetime, now: datetime) -> datetime:
    """published, else updated, else the fetch time; implausibly old dates skipped; future → now."""
    for candidate in (entry.published, entry.updated):
        if candidate is not None and candidate >= EARLIEST_PLAUSIBLE:
            return min(candidate, now)
    return min(fetched_at, now)


def _language_code(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if 2 <= len(code) <= 3 and code.isalpha() else None


def _document_language(parsed: ParsedFeed) -> str | None:
    """A feed that does not say its language is nearly always in one: detect it once on a sample of
    titles, and fall back to detecting entry by entry only when that is not clear-cut."""
    sample = " . ".join(plain_text(e.title, is_html=e.title_html, limit=300) for e in parsed.entries[:25])
    if len(parsed.entries) < 3 or len(sample) < 200:
        return None
    lang = guess_language(sample, min_confidence=0.95)
    return lang


# --- the whole document ----------------------------------------------------------------------


def normalise_feed(
    parsed: ParsedFeed,
    *,
    feed_url: str,
    feed_language: str | None,
    fetched_at: datetime,
    now: datetime,
) -> NormalisedFeed:
    stream = NormaliseStream(
        parsed, feed_url=feed_url, feed_language=feed_language, fetched_at=fetched_at, now=now
    )
    entries = [entry for batch in stream.batches(max(1, len(parsed.entries))) for entry in batch]
    return NormalisedFeed(tuple(entries), stream.skipped, stream.repeated)


class NormaliseStream:
    """A document's entries normalised a batch at a time (a big document need not be held twice).

    What depends on the whole document is settled first: which links several entries share, and
    the document's language. Each raw entry is let go as soon as it is normalised; ``skipped`` and
    ``repeated`` are complete once every batch has been taken. The caller drops its own reference
    to ``parsed``.
    """

    def __init__(
        self,
        parsed: ParsedFeed,
        *,
        feed_url: str,
        feed_language: str | None,
        fetched_at: datetime,
        now: datetime,
    ) -> None:
        self._raws: list[RawEntry | None] = list(parsed.entries)
        self._links: list[str | None] = [canonical_link(e.link, feed_url) for e in parsed.entries]
        # links several entries share (placeholders); a Counter of every link would keep every
        # link alive until the last batch
        self._shared = {link for link, n in Counter(link for link in self._links if link).items() if n > 1}
        self._language = parsed.language or _language_code(feed_language) or _document_language(parsed)
        self._fetched_at, self._now = fetched_at, now
        self._seen_guids: set[str] = set()
        self.raw_entries = len(self._raws)
        self.skipped = parsed.skipped  # unreadable or empty entries
        self.repeated = 0  # entries repeating a guid already in the document

    def batches(self, size: int) -> Iterator[tuple[Entry, ...]]:
        """Batches of ``size`` entries (the last may be smaller), in document order."""
        batch: list[Entry] = []
        for i, raw in enumerate(self._raws):
            link = self._links[i]
            self._raws[i] = self._links[i] = None
            if raw is None:
                continue
            try:
                entry = _normalise(raw, link, self._shared, self._language, self._fetched_at, self._now)
            except Exception:
                self.skipped += 1
                continue
            if entry is None:
                self.skipped += 1
            elif entry.guid in self._seen_guids:
                self.repeated += 1
            else:
                self._seen_guids.add(entry.guid)
                batch.append(entry)
                if len(batch) >= size:
                    yield tuple(batch)
                    batch = []
        if batch:
            yield tuple(batch)


def _normalise(
    raw: RawEntry,
    link: str | None,
    shared_links: set[str],
    doc_language: str | None,
    fetched_at: datetime,
    now: datetime,
) -> Entry | None:
    title = plain_text(raw.title, is_html=raw.title_html, limit=MAX_TITLE)
    summary = plain_text(raw.summary, is_html=raw.summary_html, limit=MAX_SUMMARY)
    if not title and not summary and not link:
        return None
    if not title:
        title = plain_text(summary, is_html=False, limit=160) if summary else (link or "")
    unique_link = link if link and link not in shared_links else None
    raw_guid = _CONTROL_ALL.sub("", raw.guid or "").strip()
    guid = (
        raw_guid
        or unique_link
        or "sha1:" + hashlib.sha1(f"{title}\x1f{summary}".encode(), usedforsecurity=False).hexdigest()
    )
    language = raw.language or doc_language or guess_language(f"{title}. {summary}")
    content_hash = hashlib.sha256(f"{title}\x1f{summary}\x1f{link or ''}".encode()).hexdigest()
    return Entry(
        guid=guid,
        link=link,
        link_key=unique_link,
        title=title,
        title_key=title_key(title),
        summary=summary,
        published_at=published_at(raw, fetched_at, now),
        language=language,
        content_hash=content_hash,
    )
