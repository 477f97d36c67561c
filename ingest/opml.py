"""OPML 2.0 import and export. Nested outlines are categories; export then import is lossless."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from db.feeds import FeedInfo, NewFeed
from db.limits import (
    FEED_CATEGORY,
    FEED_LANGUAGE,
    FEED_REGION,
    FEED_TITLE,
    FEED_URL,
    BadInterval,
    FieldTooLong,
    check_interval,
    check_text,
)
from ingest.urls import BadFeedURL, validate_feed_url

R2P_NS = "https://github.com/r2pwatch/r2pwatch/opml"
MAX_DEPTH = 32  # outline levels; real feed lists use two or three
_R = f"{{{R2P_NS}}}"


class OPMLError(Exception):
    """The file cannot be read as OPML at all."""


@dataclass(frozen=True, slots=True)
class OPMLFeed:
    url: str
    title: str | None
    category: str | None
    site_url: str | None = None
    language: str | None = None
    region: str | None = None
    interval_minutes: int | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class OPMLProblem:
    title: str
    reason: str


@dataclass
class OPMLDocument:
    feeds: list[OPMLFeed] = field(default_factory=list)
    problems: list[OPMLProblem] = field(default_factory=list)


def _label(el: ET.Element) -> str:
    return (el.get("title") or el.get("text") or el.get("xmlUrl") or "(untitled outline)").strip()


def parse_opml(data: bytes, *, source: str = "OPML") -> OPMLDocument:
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise OPMLError(f"{source}: refused unsafe XML ({type(exc).__name__})") from None
    except ET.ParseError as exc:
        raise OPMLError(f"{source}: not well-formed XML: {exc}") from None
    if root.tag != "opml":
        raise OPMLError(f"{source}: not an OPML file (root element <{root.tag}>)")
    body = root.find("body")
    if body is None:
        raise OPMLError(f"{source}: OPML has no <body>")
    if _too_deep(body):
        raise OPMLError(f"{source}: outlines nested deeper than {MAX_DEPTH} levels")
    doc = OPMLDocument()
    seen: set[str] = set()
    # Depth-first, in document order, without recursion.
    stack: list[tuple[ET.Element, list[str]]] = [(c, []) for c in reversed(body.findall("outline"))]
    while stack:
        child, path = stack.pop()
        children = child.findall("outline")
        below = [*path, _label(child)]
        stack.extend((c, below) for c in reversed(children))
        url = child.get("xmlUrl")
        if url is None:
            if child.get("type") in ("rss", "atom") or not children:
                doc.problems.append(OPMLProblem(_label(child), "no feed address (xmlUrl)"))
            continue
        try:
            feed = _feed(child, url, path)
        except (BadFeedURL, FieldTooLong, BadInterval) as exc:
            doc.problems.append(OPMLProblem(_label(child), str(exc)))
            continue
        if feed.url in seen:
            doc.problems.append(OPMLProblem(_label(child), f"listed twice in this file: {feed.url}"))
            continue
        seen.add(feed.url)
        doc.feeds.append(feed)
    return doc


def _too_deep(body: ET.Element) -> bool:
    level: list[tuple[ET.Element, int]] = [(body, 0)]
    while level:
        el, depth = level.pop()
        if depth > MAX_DEPTH:
            return True
        level.extend((c, depth + 1) for c in el)
    return False


def _feed(el: ET.Element, raw_url: str, path: list[str]) -> OPMLFeed:
    """One outline as a feed; raises with the reason when a value cannot be stored."""
    url = check_text("feed address", validate_feed_url(raw_url), FEED_URL) or ""
    category = "/".join(path) if path else _category_attr(el)
    interval = (el.get(f"{_R}interval") or "").strip()
    minutes = None
    if interval:
        if not interval.isdigit() or len(interval) > 9:
            raise BadInterval(f"the interval must be a whole number of minutes, not {interval[:20]!r}")
        minutes = check_interval(int(interval))
    return OPMLFeed(
        url=url,
        title=check_text("title", _title(el, url), FEED_TITLE),
        category=check_text("category (outline path)", category or None, FEED_CATEGORY),
        site_url=check_text("site address", el.get("htmlUrl") or None, FEED_URL),
        language=check_text("language", el.get("language") or None, FEED_LANGUAGE),
        region=check_text("region", el.get(f"{_R}region") or None, FEED_REGION),
        interval_minutes=minutes,
        enabled=el.get(f"{_R}enabled", "true") != "false",
    )


def _title(el: ET.Element, url: str) -> str | None:
    # Exporters (ours included) put the URL in the required text attribute when there is no title.
    title = el.get("title") or el.get("text") or ""
    return title.strip() or None if title.strip() != url else None


def _category_attr(el: ET.Element) -> str | None:
    cat = el.get("category")
    if not cat:
        return None
    first = cat.split(",")[0].strip().strip("/")
    return first or None


def read_opml_file(path: Path) -> OPMLDocument:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OPMLError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_opml(data, source=str(path))


def write_opml(feeds: Iterable[OPMLFeed], *, title: str = "r2pwatch feeds") -> bytes:
    ET.register_namespace("r2p", R2P_NS)
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}

    def folder(path: tuple[str, ...]) -> ET.Element:
        if path not in folders:
            parent = folder(path[:-1])
            folders[path] = ET.SubElement(parent, "outline", {"text": path[-1], "title": path[-1]})
        return folders[path]

    for feed in feeds:
        path = tuple(p for p in (feed.category or "").split("/") if p)
        attrs = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attrs["title"] = feed.title
        if feed.site_url:
            attrs["htmlUrl"] = feed.site_url
        if feed.language:
            attrs["language"] = feed.language
        if feed.region:
            attrs[f"{_R}region"] = feed.region
        if feed.interval_minutes:
            attrs[f"{_R}interval"] = str(feed.interval_minutes)
        if not feed.enabled:
            attrs[f"{_R}enabled"] = "false"
        ET.SubElement(folder(path), "outline", attrs)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def new_feeds(feeds: Iterable[OPMLFeed], regions: Container[str]) -> list[NewFeed]:
    """Imported outlines as feeds to add; a region hint not among ``regions`` is dropped."""
    return [
        NewFeed(
            url=f.url,
            title=f.title,
            category=f.category,
            site_url=f.site_url,
            language=f.language,
            region=f.region if f.region in regions else None,
            interval_minutes=f.interval_minutes,
            enabled=f.enabled,
        )
        for f in feeds
    ]


def outlines(
    feeds: Iterable[FeedInfo], show: Callable[[str | None], str | None] = lambda text: text
) -> Iterator[OPMLFeed]:
    """Stored feeds as outlines to export; ``show`` may mask the address, title and site (credentials
    in them for users who may not see those)."""
    for f in feeds:
        yield OPMLFeed(
            url=show(f.url) or "",
            title=show(f.title),
            category=f.category,
            site_url=show(f.site_url),
            language=f.language,
            region=f.region,
            interval_minutes=f.interval_minutes,
            enabled=f.enabled,
        )
