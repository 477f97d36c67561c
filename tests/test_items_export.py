"""The one export schema: ``r2pwatch items export`` and the dashboard's downloads write the same records
with the same formula-safe CSV writer, and both honour every filter."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.exports import export_text
from db import Database
from db.exports import CSV_FIELDS
from db.models import Feed, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag, Review
from r2pwatch.cli import main

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EVIDENCE = [
    {"kind": "indicator", "id": "membership", "field": "title", "start": 3, "end": 11, "text": "suspends"}
]
EVIL = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def seed(db: Database) -> list[int]:
    with db.write() as s:
        a = Feed(url="https://a.example.org/rss", title="Agency A")
        b = Feed(url="https://b.example.org/rss", title=None)
        s.add_all([a, b])
        s.flush()
        rows = [
            ("AU suspends Niger", True, "en"),
            ("Weather, sunny", False, "en"),
            ("العقوبات على السودان", True, "ar"),
            (EVIL[0], True, "en"),
        ]
        ids = []
        for n, (title, flagged, lang) in enumerate(rows):
            item = Item(
                feed_id=a.id,
                guid=f"g{n}",
                link=f"https://a.example.org/{n}",
                link_key=f"https://a.example.org/{n}",
                title=title,
                title_key=title.lower(),
                summary=EVIL[n % len(EVIL)] if n == 3 else f"summary {n}",
                published_at=NOW - timedelta(days=n * 10),
                fetched_at=NOW,
                language=lang,
                content_hash=str(n),
                flagged=flagged,
                score=2.0 if flagged else 0.0,
            )
            s.add(item)
            s.flush()
            ids.append(item.id)
            s.add(ItemSighting(item_id=item.id, feed_id=a.id, guid=f"g{n}", seen_at=NOW))
            s.add(
                ItemSighting(item_id=item.id, feed_id=b.id, guid=f"b{n}", seen_at=NOW + timedelta(seconds=1))
            )
        s.add(
            ItemTag(
                item_id=ids[0],
                indicator="membership",
                score=2.0,
                stage="suspended",
                evidence=EVIDENCE,
                taxonomy_version="t1",
            )
        )
        s.add(ItemCountry(item_id=ids[0], iso3="NER", region="africa", method="name", evidence=[]))
        s.add(ItemOrganisation(item_id=ids[0], org_id="AU", evidence=[]))
        s.add(
            Review(
                item_id=ids[0], status="confirmed", analyst="ana", note="=cmd|' /C calc'!A0", updated_at=NOW
            )
        )
        s.add(
            ItemTag(
                item_id=ids[2],
                indicator="sanctions",
                score=1.0,
                stage=None,
                evidence=[],
                taxonomy_version="t1",
            )
        )
        s.add(ItemCountry(item_id=ids[2], iso3="SDN", region="africa", method="name", evidence=[]))
        return ids


def run(db: Database, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["--database-url", db.url, "items", "export", *args]) == 0
    return capsys.readouterr().out


def test_jsonl_schema_with_evidence(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    ids = seed(db)
    lines = [json.loads(line) for line in run(db, capsys).splitlines()]
    assert [x["id"] for x in lines] == ids
    assert lines[0] == {
        "id": ids[0],
        "published": "2026-11-20T12:00:00Z",
        "sources": [
            {"title": "Agency A", "url": "https://a.example.org/rss"},
            {"title": "https://b.example.org/rss", "url": "https://b.example.org/rss"},
        ],
        "title": "AU suspends Niger",
        "summary": "summary 0",
        "link": "https://a.example.org/0",
        "language": "en",
        "score": 2.0,
        "flagged": True,
        "indicators": [{"id": "membership", "stage": "suspended", "score": 2.0, "evidence": EVIDENCE}],
        "countries": ["NER"],
        "regions": ["africa"],
        "organisations": ["AU"],
        "review_status": "confirmed",
        "reviewer": "ana",
        "reviewed_at": "2026-11-20T12:00:00Z",
        "review_note": "=cmd|' /C calc'!A0",
    }
    assert (
        lines[1]["review_status"] == "new" and lines[1]["reviewer"] is None and lines[1]["indicators"] == []
    )


def test_csv_has_bom_schema_and_defuses_formulas(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    seed(db)
    out = run(db, capsys, "--format", "csv")
    assert out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(out[1:])))
    assert tuple(rows[0]) == CSV_FIELDS
    assert rows[0]["indicators"] == "membership:suspended" and rows[0]["countries"] == "NER"
    assert rows[0]["sources"] == "Agency A; https://b.example.org/rss"
    assert rows[0]["review_note"] == "'=cmd|' /C calc'!A0"
    assert rows[2]["title"] == "العقوبات على السودان"
    assert rows[3]["title"] == "'" + EVIL[0] and rows[3]["summary"] == "'" + EVIL[3]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize("evil", EVIL)
def test_every_formula_start_is_defused(db: Database, capsys: pytest.CaptureFixture[str], evil: str) -> None:
    ids = seed(db)
    with db.write() as s:
        item = s.get(Item, ids[1])
        assert item is not None
        item.title = evil
    rows = list(csv.DictReader(io.StringIO(run(db, capsys, "--format", "csv")[1:])))
    assert rows[1]["title"] == "'" + evil


def test_every_filter_is_honoured(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    ids = seed(db)

    def exported(*args: str) -> list[int]:
        return [json.loads(x)["id"] for x in run(db, capsys, *args).splitlines()]

    assert exported("--flagged") == [ids[0], ids[2], ids[3]]
    assert exported("--since", "2026-11-15") == [ids[0]]
    assert exported("--until", "2026-11-10") == [ids[1], ids[2], ids[3]]
    assert exported("--region", "africa") == [ids[0], ids[2]]
    assert exported("--country", "sdn") == [ids[2]]
    assert exported("--indicator", "membership") == [ids[0]]
    assert exported("--organisation", "AU") == [ids[0]]
    assert exported("--status", "confirmed") == [ids[0]]
    assert exported("--status", "new", "--flagged") == [ids[2], ids[3]]
    assert exported("--source", "https://b.example.org/rss", "--flagged") == [ids[0], ids[2], ids[3]]
    assert exported("--query", "suspend niger") == [ids[0]]
    assert exported("--query", "Soudan") == [ids[2]]  # the French name finds the Arabic headline
    doc = json.loads(run(db, capsys, "--format", "json", "--region", "africa", "--query", "Niger"))
    assert doc["filters"] == {"region": "africa", "query": "Niger"} and doc["count"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "--since: not an ISO 8601 date"),
        (["--region", "mars"], "unknown region 'mars'"),
        (["--indicator", "x"], "unknown indicator 'x'"),
        (["--status", "done"], "unknown status 'done'"),
        (["--country", "Sudan"], "not an ISO 3166-1 alpha-3 code"),
        (["--source", "99"], "no feed with id or URL '99'"),
    ],
)
def test_bad_filters_are_one_line_errors(
    db: Database, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    seed(db)
    assert main(["--database-url", db.url, "items", "export", *args]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_dashboard_download_is_the_same_export(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    ids = seed(db)
    cli = run(db, capsys, "--format", "csv", "--flagged")
    assert export_text(db, [ids[0], ids[2], ids[3]], "csv", {}) == cli
    doc = json.loads(export_text(db, [ids[0]], "json", {"region": "africa"}))
    assert doc["items"][0]["indicators"][0]["evidence"] == EVIDENCE
