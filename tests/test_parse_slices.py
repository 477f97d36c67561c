"""Slicing a big document (ingest.chunks) gives feedparser's entries exactly as the whole document
does, and is never tried on a document that is not plainly safe to cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunks import entry_layout
from ingest.parse import _charset, parse_feed
from tests.conftest import corpus_path
from tests.test_ingest_corpus import declared_headers

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<!-- a comment -->
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel xml:lang="fr"><title>Le fil</title><link>https://fil.example/</link><language>fr-FR</language>
%s
</channel></rss>"""
ATOM = b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="es" xml:base="https://atom.example/base/">
<title type="html">&lt;b&gt;Atom&lt;/b&gt;</title>
%s
</feed>"""
RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link></channel>
%s
</rdf:RDF>"""


def rss_items(n: int) -> bytes:
    return b"\n<!-- between -->\n".join(
        b"<item><title>Titre %d &amp; caf\xc3\xa9</title><link>https://fil.example/%d</link>"
        b"<dc:creator>A</dc:creator><content:encoded><![CDATA[<p>corps <b>%d</b></p>]]></content:encoded>"
        b"<pubDate>Mon, 06 Nov 2023 10:%02d:00 GMT</pubDate></item>" % (i, i, i, i % 60)
        for i in range(n)
    )


def atom_entries(n: int) -> bytes:
    return b"".join(
        b'<entry xml:lang="pt"><id>tag:a,%d</id><title>T\xc3\xadtulo %d</title><link href="rel/%d"/>'
        b'<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">r <i>%d</i></div></summary>'
        b"<updated>2023-11-06T10:00:00Z</updated><source><id>s</id></source></entry>" % (i, i, i, i)
        for i in range(n)
    )


def rdf_items(n: int) -> bytes:
    return b"".join(
        b'<item rdf:about="https://rdf.example/%d"><title>R %d</title><link>https://rdf.example/%d</link>'
        b"<dc:date>2023-11-06T10:00:00Z</dc:date></item>" % (i, i, i)
        for i in range(n)
    )


DOCS = {"rss": RSS % rss_items(23), "atom": ATOM % atom_entries(23), "rdf": RDF % rdf_items(23)}


def whole_and_sliced(body: bytes, headers: dict[str, str], entries: int) -> tuple[object, object]:
    whole = parse_feed(body, headers, "https://e.org/", slice_above=len(body) + 1)
    sliced = parse_feed(body, headers, "https://e.org/", slice_above=0, slice_entries=entries)
    return whole, sliced


@pytest.mark.parametrize("kind", sorted(DOCS))
@pytest.mark.parametrize("entries", [1, 2, 7, 500])
def test_slices_give_the_entries_of_the_whole(kind: str, entries: int) -> None:
    body = DOCS[kind]
    layout = entry_layout(body, min_bytes=0)
    assert layout is not None and len(layout.starts) == 23
    whole, sliced = whole_and_sliced(body, {"content-type": "application/xml"}, entries)
    assert sliced == whole
    assert len(whole.entries) == 23  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        # entity declarations: left to feedparser on the whole document (billion laughs, XXE)
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]><rss><channel>'
        + b"<item><title>&e;</title></item>" * 3
        + b"</channel></rss>",
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">]><rss><channel>'
        + b"<item><title>&e;</title></item>" * 3
        + b"</channel></rss>",
        # not well-formed
        b"<rss><channel>" + b"<item><title>a & b</title></item>" * 3 + b"</channel></rss>",
        # entries under two parents
        b"<rss><channel><item/><item/></channel><channel><item/></channel></rss>",
        # the document is one entry
        b'<entry xmlns="http://www.w3.org/2005/Atom"><title>x</title></entry>',
        # UTF-16
        '<?xml version="1.0" encoding="utf-16"?><rss><channel><item/><item/></channel></rss>'.encode(
            "utf-16"
        ),
    ],
)
def test_what_is_not_plainly_safe_is_not_cut(body: bytes) -> None:
    assert entry_layout(body, min_bytes=0) is None


def test_stateful_charsets_are_not_cut() -> None:
    body = RSS % rss_items(3)
    assert entry_layout(body, min_bytes=0, charset="utf-8") is not None
    for charset in ("iso-2022-jp", "utf-16", "UTF-7", "no-such-charset"):
        assert entry_layout(body, min_bytes=0, charset=charset) is None


def test_small_documents_are_parsed_whole() -> None:
    assert entry_layout(DOCS["rss"]) is None  # under a megabyte


def test_feedparser_corpus_sliced_as_whole() -> None:
    """Every document of feedparser's own test suite that can be cut, its entries tripled, parses
    the same a single entry at a time as whole."""
    root = corpus_path("feedparser-tests")
    compared = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "LICENSE"):
        data = path.read_bytes()
        headers = {k.lower(): v for k, v in declared_headers(data)[1].items()}
        layout = entry_layout(data, charset=_charset(headers), min_bytes=0)
        if layout is None:
            continue
        first = layout.starts[0]
        data = data[:first] + data[first : layout.end] * 3 + data[layout.end :]
        whole, sliced = whole_and_sliced(data, headers, 1)
        assert sliced == whole, Path(path).relative_to(root)
        compared += 1
    assert compared > 1000
