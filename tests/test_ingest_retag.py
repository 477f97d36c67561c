"""``r2pwatch retag``: tags recomputed, gains and losses reported, reviews kept."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from db import Database
from db.models import ItemTag, Review
from ingest.runner import run_pass
from r2pwatch.errors import UserError
from r2pwatch.ingest_cli import run_retag
from tests.ingest_support import (
    FeedServer,
    Reply,
    add_feeds,
    ingest_config,
    ingest_settings,
    items,
    rss,
    rss_item,
)


def test_retag_restores_tags_and_keeps_reviews(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    with FeedServer() as server:
        server.routes["/r"] = Reply(
            body=rss(
                [
                    rss_item(
                        1,
                        guid="r-1",
                        title="UN imposes sanctions on Mali junta",
                        summary="New sanctions on Mali.",
                    ),
                    rss_item(2, guid="r-2", title="Football cup final in Lagos", summary="A great match."),
                ]
            )
        )
        add_feeds(db, [server.url("/r")])
        run_pass(db, ingest_config(server), all_feeds=True)
    by_guid = {i.guid: i for i in items(db)}
    sanctioned, other = by_guid["r-1"].id, by_guid["r-2"].id
    with db.write() as s:
        s.execute(delete(ItemTag).where(ItemTag.item_id == sanctioned))
        s.add(
            ItemTag(
                item_id=other, indicator="genocide", score=1.0, stage=None, evidence=[], taxonomy_version="x"
            )
        )
        s.add(Review(item_id=sanctioned, status="escalated", analyst="ana"))
    capsys.readouterr()
    report = run_retag(db, ingest_settings(), since=None)
    out = capsys.readouterr().out
    assert (report.items, report.changed_items) == (2, 2)
    assert report.gained.get("sanctions") == 1 and report.lost == {"genocide": 1}
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:4]]
        for line in out.splitlines()
        if line.count("│") >= 4
    }
    assert rows["sanctions"] == ["1", "0"] and rows["genocide"] == ["0", "1"] and rows["icc"] == ["0", "0"]
    with db.read() as s:
        assert "sanctions" in set(s.scalars(select(ItemTag.indicator).where(ItemTag.item_id == sanctioned)))
        assert list(s.scalars(select(ItemTag.indicator).where(ItemTag.item_id == other))) == []
        review = s.get(Review, sanctioned)
        assert review is not None and review.status == "escalated"


def test_retag_since_must_be_a_date(db: Database) -> None:
    with pytest.raises(UserError):
        run_retag(db, ingest_settings(), since="yesterday")
