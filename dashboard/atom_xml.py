"""Writing an Atom document (RFC 4287) for the dashboard's feeds (flagged items, alerts): the feed's
head, then one entry per value, text always as escaped text (never HTML)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
#: a link's attributes, in order (``{"rel": "related", "href": ...}``)
Link = dict[str, str]


@dataclass(frozen=True, slots=True)
class AtomEntry:
    title: str
    id: str
    links: Sequence[Link]
    updated: datetime
    published: datetime
    summary: str
    categories: Sequence[str] = ()


def write_atom(
    *, title: str, self_url: str, updated: datetime, entries: Iterable[AtomEntry], links: Sequence[Link] = ()
) -> bytes:
    """The feed: ``title``, its id and self link (``self_url``), any further ``links``, ``updated``,
    the author r2pwatch, then the entries."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "title", title)
    sub(feed, "id", self_url)
    sub(feed, "link", rel="self", href=self_url)
    for link in links:
        sub(feed, "link", **link)
    sub(feed, "updated", updated.isoformat())
    sub(sub(feed, "author"), "name", "r2pwatch")
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "title", e.title, type="text")
        sub(entry, "id", e.id)
        for link in e.links:
            sub(entry, "link", **link)
        sub(entry, "updated", e.updated.isoformat())
        sub(entry, "published", e.published.isoformat())
        sub(entry, "summary", e.summary, type="text")
        for term in e.categories:
            sub(entry, "category", term=term)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def feed_title(base: str, parts: Iterable[str]) -> str:
    """``base``, then `` — `` and the filters that are set, joined with `` · ``."""
    what = " · ".join(p for p in parts if p)
    return f"{base}{' — ' + what if what else ''}"
