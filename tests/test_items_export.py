from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.models import Feed, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag, Review
from r2pwatch.cli import main

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def seed(db: Database) -> None:
    with db.write() as s:
        a = Feed(url="https://a.example.org/rss", title="A")
        b = Feed(url="https://b.example.org/rss", title="B")
        s.add_all([a, b])
        s.flush()
        for n, (title, flagged) in enumerate([("AU suspends Niger", True), ("Weather, sunny", False)]):
            item = Item(
                feed_id=a.id,
                guid=f"g{n}",
                link=f"https://a.example.org/{n}",
                link_key=f"https://a.example.org/{n}",
                title=title,
                title_key=title.lower(),
                summary=f"summary {n}",
                published_at=NOW - timedelta(days=n * 10),
                fetched_at=NOW,
                language="en",
                content_hash=str(n),
                flagged=flagged,
                score=2.0 if flagged else 0.0,
            )
            s.add(item)
            s.flush()
            s.add(ItemSighting(item_id=item.id, feed_id=a.id, guid=f"g{n}", seen_at=NOW))
            s.add(ItemSighting(item_id=item.id, feed_id=b.id, guid=f"b{n}", seen_at=NOW))
            if flagged:
                s.add(
                    ItemTag(
                        item_id=item.id,
                        indicator="membership",
                        score=2.0,
                        stage="suspended",
                        evidence=[],
                        taxonomy_version="t1",
                    )
                )
                s.add(ItemCountry(item_id=item.id, iso3="NER", region="africa", method="name", evidence=[]))
                s.add(ItemOrganisation(item_id=item.id, org_id="AU", evidence=[]))
                s.add(Review(item_id=item.id, status="confirmed", analyst="ana", note="ok", updated_at=NOW))


def test_jsonl_export_fields(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    seed(db)
    assert main(["--database-url", db.url, "items", "export"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert first == {
        "feed_url": "https://a.example.org/rss",
        "guid": "g0",
        "link": "https://a.example.org/0",
        "title": "AU suspends Niger",
        "summary": "summary 0",
        "published": "2026-11-20T12:00:00Z",
        "language": "en",
        "indicators": ["membership"],
        "countries": ["NER"],
        "regions": ["africa"],
        "organisations": ["AU"],
        "flagged": True,
        "review_status": "confirmed",
    }
    assert lines[1]["review_status"] == "new" and lines[1]["indicators"] == []


def test_flagged_and_since_filters(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    seed(db)
    main(["--database-url", db.url, "items", "export", "--flagged"])
    assert [json.loads(x)["guid"] for x in capsys.readouterr().out.splitlines()] == ["g0"]
    main(["--database-url", db.url, "items", "export", "--since", "2026-11-15"])
    assert [json.loads(x)["guid"] for x in capsys.readouterr().out.splitlines()] == ["g0"]
    assert main(["--database-url", db.url, "items", "export", "--since", "last week"]) == 1
    assert "not an ISO 8601 date" in capsys.readouterr().err


def test_csv_export_joins_lists(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    seed(db)
    main(["--database-url", db.url, "items", "export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["countries"] == "NER" and rows[0]["flagged"] == "true" and rows[1]["indicators"] == ""
