from __future__ import annotations

from pathlib import Path

import pytest

from indicators import REGIONS
from ingest.opml import OPMLError, OPMLFeed, parse_opml, write_opml

STARTER = Path(__file__).resolve().parents[1] / "r2pwatch" / "catalogue" / "starter.opml"


def test_write_then_parse_is_lossless() -> None:
    feeds = [
        OPMLFeed(
            url="https://a.example.org/rss",
            title="A & B <wire>",
            category="Africa/Wire services",
            site_url="https://a.example.org/",
            language="fr",
            region="africa",
            interval_minutes=30,
        ),
        OPMLFeed(url="https://b.example.org/atom", title=None, category=None, enabled=False),
        OPMLFeed(url="https://c.example.org/x?y=1&z=2", title="Árabe — عربي", category="Africa"),
    ]
    doc = parse_opml(write_opml(feeds))
    assert doc.problems == []
    assert sorted(doc.feeds, key=lambda f: f.url) == sorted(feeds, key=lambda f: f.url)


def test_category_attribute_used_when_not_nested() -> None:
    data = b"""<opml version="2.0"><body>
      <outline type="rss" text="X" xmlUrl="https://x.example.org/" category="/Europe/Balkans,/Other"/>
    </body></opml>"""
    assert parse_opml(data).feeds[0].category == "Europe/Balkans"


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"<rss/>", "not an OPML file"), (b"<opml/>", "no <body>"), (b"\xff\xfe", "not well-formed")],
)
def test_unreadable(data: bytes, message: str) -> None:
    with pytest.raises(OPMLError, match=message):
        parse_opml(data)


def test_starter_catalogue_is_clean_and_covers_every_region() -> None:
    doc = parse_opml(STARTER.read_bytes())
    assert doc.problems == []
    assert len(doc.feeds) >= 25
    assert {f.region for f in doc.feeds if f.region} == set(REGIONS)
