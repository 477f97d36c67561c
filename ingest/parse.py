"""Parse feed bytes with feedparser into typed raw entries. Never touches the network.

A bozo feed whose entries parse is used (the bozo reason is kept for the log); an entry that cannot
be read is skipped and counted, never the whole feed.
"""

from __future__ import annotations

import time
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import feedparser

from ingest.chunks import MIN_CUT_BYTES, entry_layout, slices
from ingest.timebox import TimeLimitExceeded, call_within, cpu_deadline, expired

# Headers that describe the transfer, not the document: feedparser must not act on them again.
_TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
MAX_GUID = 2048
SLICE_ENTRIES = 500  # entries per slice of a big document


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One entry as the feed has it: text may be HTML (``*_html``), dates may be missing."""

    guid: str | None
    link: str | None
    title: str
    title_html: bool
    summary: str
    summary_html: bool
    published: datetime | None
    updated: datetime | None
    language: str | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    version: str
    title: str | None
    link: str | None
    language: str | None
    entries: tuple[RawEntry, ...]
    skipped: int  # entries that could not be read
    bozo_reason: str | None  # why feedparser found the document ill-formed, if it did
    error_kind: str | None  # "not_a_feed" / "parse_error" / "parse_timeout" when nothing usable came out
    error: str | None


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    *,
    cpu_seconds: float | None = None,
    slice_entries: int = SLICE_ENTRIES,
    slice_above: int = MIN_CUT_BYTES,
) -> ParsedFeed:
    """Parse a whole document. ``cpu_seconds`` bounds the CPU time of the parse (``parse_timeout``
    when it runs out, see ``ingest.timebox``). A document of more than a megabyte is parsed
    ``slice_entries`` entries at a time when it can be cut safely (``ingest.chunks``), so only one
    slice's feedparser structures are alive at once; the entries are the same as from the whole.
    Documents of ``slice_above`` bytes or less are parsed whole."""
    # Relative links are resolved later against the feed's URL (normalise.canonical_link); giving
    # feedparser a base URI makes it resolve one on every element, a sixth of its parse time.
    fp_headers = {k.lower(): v for k, v in headers.items() if k.lower() not in _TRANSFER_HEADERS}
    deadline = cpu_deadline(cpu_seconds) if cpu_seconds is not None else None
    layout = entry_layout(body, charset=_charset(fp_headers), min_bytes=slice_above)
    documents = slices(body, layout, slice_entries) if layout is not None else iter((body,))
    whole = _Whole()
    for document in documents:
        run = partial(_feedparser, document, fp_headers)
        try:
            if deadline is None:
                d = run()
            elif expired(deadline):
                raise TimeLimitExceeded
            else:
                d = call_within(deadline, run)
        except TimeLimitExceeded:
            return _failed(
                "parse_timeout",
                f"parsing took more than {cpu_seconds:g} s of CPU time (ingest.parse_timeout); stopped",
            )
        except Exception as exc:  # feedparser is robust, but a crash must stay this feed's problem
            return _failed("parse_error", f"feedparser failed: {type(exc).__name__}: {exc}")
        whole.add(d)
        del d, run
    return whole.result()


def _feedparser(document: bytes, headers: dict[str, str]) -> Any:
    return feedparser.parse(
        document, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


def _charset(headers: Mapping[str, str]) -> str | None:
    for part in headers.get("content-type", "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip() or None
    return None


class _Whole:
    """The parse of a document from the parses of its slices (or of itself, whole)."""

    def __init__(self) -> None:
        self.first: Any = None  # the first slice's result, entries dropped
        self.feed: dict[str, Any] = {}
        self.entries: list[RawEntry] = []
        self.skipped = 0

    def add(self, d: Any) -> None:
        for raw in d.get("entries", []):
            try:
                self.entries.append(_entry(raw))
            except Exception:
                self.skipped += 1
        feed: Any = d.get("feed", {})
        for key in ("title", "link", "language", "title_detail"):  # first slice that has it
            if self.feed.get(key) is None and feed.get(key) is not None:
                self.feed[key] = feed.get(key)
        if self.first is None:
            d["entries"] = []
            self.first = d

    def result(self) -> ParsedFeed:
        d, feed, entries, skipped = self.first, self.feed, self.entries, self.skipped
        bozo_reason = _bozo_reason(d) if d.get("bozo") else None
        version = str(d.get("version") or "")
        error_kind = error = None
        if not entries and not skipped:
            if not version:
                error_kind, error = (
                    "not_a_feed",
                    "no RSS or Atom feed in the response" + (f" ({bozo_reason})" if bozo_reason else ""),
                )
            elif isinstance(d.get("bozo_exception"), xml.sax.SAXException):
                error_kind, error = "parse_error", f"invalid XML: {bozo_reason}"
        return ParsedFeed(
            version=version,
            title=_text(feed.get("title")),
            link=_text(feed.get("link")),
            language=_lang(feed.get("language")) or _lang(_detail_lang(feed.get("title_detail"))),
            entries=tuple(entries),
            skipped=skipped,
            bozo_reason=bozo_reason,
            error_kind=error_kind,
            error=error,
        )


def _failed(kind: str, message: str) -> ParsedFeed:
    return ParsedFeed(
        version="",
        title=None,
        link=None,
        language=None,
        entries=(),
        skipped=0,
        bozo_reason=None,
        error_kind=kind,
        error=message,
    )


def _bozo_reason(d: Any) -> str:
    exc = d.get("bozo_exception")
    if exc is None:
        return "ill-formed"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


def _entry(raw: Any) -> RawEntry:
    title, title_html, title_lang = _detail(raw.get("title_detail"), raw.get("title"))
    summary, summary_html, summary_lang = _detail(raw.get("summary_detail"), raw.get("summary"))
    if not summary:
        for content in raw.get("content") or ():
            summary, summary_html, summary_lang = _detail(content, None)
            if summary:
                break
    guid = _text(raw.get("id"))
    if guid is not None and len(guid) > MAX_GUID:
        guid = guid[:MAX_GUID]
    return RawEntry(
        guid=guid,
        link=_link(raw),
        title=title,
        title_html=title_html,
        summary=summary,
        summary_html=summary_html,
        published=_date(dict.get(raw, "published_parsed")),
        # Plain dict lookup: FeedParserDict maps a missing updated_parsed to published_parsed with a
        # DeprecationWarning.
        updated=_date(dict.get(raw, "updated_parsed")),
        language=_lang(title_lang) or _lang(summary_lang),
    )


def _detail(detail: Any, fallback: Any) -> tuple[str, bool, str | None]:
    if isinstance(detail, Mapping):
        value = detail.get("value")
        ctype = str(detail.get("type") or "text/html").lower()
        return (str(value) if value is not None else "", "html" in ctype, detail.get("language"))
    return (str(fallback) if fallback is not None else "", True, None)


def _detail_lang(detail: Any) -> str | None:
    return detail.get("language") if isinstance(detail, Mapping) else None


def _link(raw: Any) -> str | None:
    link = _text(raw.get("link"))
    if link:
        return link
    for candidate in raw.get("links") or ():
        if isinstance(candidate, Mapping) and candidate.get("rel", "alternate") == "alternate":
            href = _text(candidate.get("href"))
            if href:
                return href
    guid = _text(raw.get("id"))
    if guid and raw.get("guidislink") and guid.startswith(("http://", "https://")):
        return guid
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _lang(value: Any) -> str | None:
    if not value or not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if 2 <= len(code) <= 3 and code.isalpha() else None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError, TypeError):
        return None
