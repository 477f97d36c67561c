"""Cut a big feed document into small well-formed documents of a few hundred entries each.

feedparser keeps a dictionary of dictionaries for every entry of a document until it returns: about
2.5 KB per entry, 200 MB for 80,000 entries. Parsing a big document a slice at a time keeps only one
slice's dictionaries alive. Each slice is the document's head (everything before its first entry: XML
declaration, root and channel start tags, the channel's own elements), a run of whole entries, and the
document's tail (the end tags from the entries' parent on), so feedparser reads every entry in the
same context as in the whole document: same encoding, namespaces, ``xml:lang``/``xml:base`` and
channel elements before it.

Only a document that is plainly safe to cut is cut. The cut is found with expat, the standard
library's XML parser, with no handler but element starts and ends; it declines (``None``: the caller
parses the whole document as before) when the document is not well-formed XML, declares any entity
(billion laughs and external entities are never expanded here: feedparser meets them exactly as
before), is not in an encoding whose markup is plain ASCII bytes, holds its entries under more than
one parent, or has a head and tail so big that repeating them would cost more than the cut saves.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

ENTRY_NAMES = frozenset({"item", "entry"})
MIN_CUT_BYTES = 1_000_000  # smaller documents are parsed whole (cutting saves nothing worth having)
# Head and tail are repeated in every slice: they may add at most this share of the document's size.
MAX_REPEAT_SHARE = 0.25
# Stateful or non-ASCII-compatible encodings: a '<' byte need not be a '<' character.
_UNSAFE_CODECS = ("utf-16", "utf-32", "utf_16", "utf_32", "utf-7", "utf_7", "hz")


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the entries of a document are: each entry's start, and where the entries' parent ends."""

    starts: tuple[int, ...]  # byte offset of each entry's start tag, in document order
    end: int  # byte offset of the parent's end tag: the tail starts here


class _Decline(Exception):
    pass


def ascii_markup(charset: str | None) -> bool:
    """Is markup in this charset plain ASCII bytes (so a cut at a '<' byte is a cut at a tag)?"""
    if not charset:
        return True
    try:
        name = codecs.lookup(charset.strip().strip("\"'")).name
    except LookupError:
        return False
    return not (name.startswith(_UNSAFE_CODECS) or "2022" in name)


def entry_layout(body: bytes, *, charset: str | None = None, min_bytes: int = MIN_CUT_BYTES) -> Layout | None:
    """The layout of ``body``'s entries, or None when the document is not to be cut (see the module)."""
    if len(body) < min_bytes or not ascii_markup(charset):
        return None
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        return None  # UTF-16/32
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    starts: list[int] = []
    end = -1
    depth = 0
    entry_depth = 0  # depth of the entries (their parent is one above); 0 until the first is seen
    parent = -1  # serial number of the element holding the entries
    serial = 0
    stack: list[int] = []  # serial numbers of the open elements
    inside = 0  # depth of the entry we are in (0: not in one)

    def start(name: str, _attrs: object) -> None:
        nonlocal depth, entry_depth, parent, serial, inside
        depth += 1
        serial += 1
        stack.append(serial)
        if inside or name.rpartition(":")[2] not in ENTRY_NAMES:
            return
        if len(stack) < 2:
            raise _Decline  # the document is one entry
        if not entry_depth:
            entry_depth, parent = depth, stack[-2]
        if depth != entry_depth or stack[-2] != parent or end >= 0:
            raise _Decline  # entries in more than one place
        starts.append(parser.CurrentByteIndex)
        inside = depth

    def stop(_name: str) -> None:
        nonlocal depth, inside, end
        if inside == depth:
            inside = 0
        if stack.pop() == parent:
            end = parser.CurrentByteIndex
        depth -= 1

    def declared(*_args: object) -> None:
        raise _Decline  # entities are left to feedparser, on the whole document, as before

    parser.StartElementHandler = start
    parser.EndElementHandler = stop
    parser.EntityDeclHandler = declared
    parser.UnparsedEntityDeclHandler = declared
    try:
        parser.Parse(body, True)
    except (_Decline, expat.ExpatError, ValueError, LookupError):
        return None
    if not starts or end < 0 or body[end : end + 2] != b"</":
        return None
    return Layout(tuple(starts), end)


def slices(body: bytes, layout: Layout, entries: int) -> Iterator[bytes]:
    """Documents of ``entries`` entries each (more when head and tail are big), head and tail around."""
    head, tail = body[: layout.starts[0]], body[layout.end :]
    count = len(layout.starts)
    # n slices repeat head+tail n times: keep that within MAX_REPEAT_SHARE of the document
    most_slices = max(1, int(len(body) * MAX_REPEAT_SHARE / max(1, len(head) + len(tail))))
    step = max(entries, -(-count // most_slices))
    for first in range(0, count, step):
        lo = layout.starts[first]
        hi = layout.starts[first + step] if first + step < count else layout.end
        yield head + body[lo:hi] + tail
