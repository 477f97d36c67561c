"""Learning from the analysts: every stored tag names its rules, every review decision is kept, and
each rule's confirmed/dismissed record and precision are reported (CLI and indicators page)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db import Database
from db.models import ItemTag
from db.reviews import record_review, review_history
from db.rule_stats import NO_RULE, RuleThresholds, rule_records
from ingest.runner import run_pass
from r2pwatch.cli import main
from tests.ingest_support import FeedServer, Reply, add_feeds, ingest_config, items, rss, rss_item

STORIES = {
    "s-1": ("UN imposes sanctions on Mali junta", "New sanctions were announced."),
    "s-2": ("EU sanctions on Russian oligarchs", "The bloc adopted sanctions."),
    "s-3": ("Sanctions on imported cheese hurt shops", "Shopkeepers complain about sanctions."),
    "i-1": ("ICC issues arrest warrant for militia leader", "The International Criminal Court said."),
    "f-1": ("Football cup final in Lagos", "A great match."),
}


@pytest.fixture
def ingested(db: Database) -> dict[str, int]:
    with FeedServer() as server:
        server.routes["/r"] = Reply(
            body=rss(
                rss_item(n, guid=guid, title=title, summary=summary)
                for n, (guid, (title, summary)) in enumerate(STORIES.items())
            )
        )
        add_feeds(db, [server.url("/r")])
        run_pass(db, ingest_config(server), all_feeds=True)
    return {i.guid: i.id for i in items(db)}


def test_every_stored_tag_names_the_rules_that_matched(db: Database, ingested: dict[str, int]) -> None:
    with db.read() as s:
        tags = list(s.scalars(select(ItemTag)))
    assert {t.indicator for t in tags} >= {"sanctions", "icc"}
    for tag in tags:
        own = [e for e in tag.evidence if e.get("id") == tag.indicator]
        assert own, f"tag {tag.indicator} of item {tag.item_id} has no evidence"
        assert all(isinstance(e.get("rule"), str) and e["rule"] for e in own)


def test_rule_precision_from_reviews(db: Database, ingested: dict[str, int]) -> None:
    ids = ingested
    record_review(db, [ids["s-1"], ids["s-2"]], "confirmed", "ana")
    record_review(db, [ids["s-3"]], "dismissed", "ana", "cheese, not a pillar-three tool")
    record_review(db, [ids["i-1"]], "escalated", "ana")
    record_review(db, [ids["f-1"]], "dismissed", "ana")  # no tags: counts for no rule

    records = rule_records(db, RuleThresholds(min_reviews=3, low_precision=0.7))
    sanctions = [r for r in records if r.indicator == "sanctions"]
    assert sanctions, records
    top = max(sanctions, key=lambda r: r.reviewed)
    assert (top.confirmed, top.dismissed, top.reviewed) == (2, 1, 3)
    assert top.precision == pytest.approx(2 / 3) and top.low  # 0.67 < 0.7 over 3 reviews
    assert top.rule.startswith("term:")
    icc = [r for r in records if r.indicator == "icc"]
    assert icc and all(r.escalated == 1 and r.precision == 1.0 and not r.low for r in icc)
    assert records[0].low  # marked rules come first

    # Not enough reviews: the same rule is not marked.
    assert not any(r.low for r in rule_records(db, RuleThresholds(min_reviews=4, low_precision=0.7)))

    # A changed decision counts as it stands now; every decision stays in the history.
    record_review(db, [ids["s-3"]], "confirmed", "bea", "on second thought")
    again = {
        (r.indicator, r.rule): r for r in rule_records(db, RuleThresholds(min_reviews=3, low_precision=0.7))
    }
    assert again[("sanctions", top.rule)].dismissed == 0 and not again[("sanctions", top.rule)].low
    assert [e.status for e in review_history(db, ids["s-3"])] == ["dismissed", "confirmed"]


def test_a_tag_without_rule_evidence_is_counted_visibly(db: Database, ingested: dict[str, int]) -> None:
    with db.write() as s:
        s.add(
            ItemTag(
                item_id=ingested["f-1"],
                indicator="genocide",
                score=1.0,
                stage=None,
                evidence=[],
                taxonomy_version="x",
            )
        )
    record_review(db, [ingested["f-1"]], "dismissed", "ana")
    [record] = rule_records(db, RuleThresholds(), indicator="genocide")
    assert (record.rule, record.dismissed, record.precision) == (NO_RULE, 1, 0.0)


def test_rules_cli(db: Database, ingested: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", db.url, "rules"]) == 0
    assert "no reviewed items yet" in capsys.readouterr().out
    record_review(db, [ingested["s-1"]], "confirmed", "ana")
    record_review(db, [ingested["s-3"]], "dismissed", "ana")
    assert main(["--database-url", db.url, "rules", "--format", "json", "--indicator", "sanctions"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["indicator"] for r in rows} == {"sanctions"}
    assert set(rows[0]) == {
        "indicator",
        "rule",
        "confirmed",
        "escalated",
        "dismissed",
        "reviewed",
        "precision",
        "low_precision",
    }
    assert any(r["confirmed"] == 1 and r["dismissed"] == 1 and r["precision"] == 0.5 for r in rows)
    assert not any(r["low_precision"] for r in rows)  # 2 reviews < rules.min_reviews (10)
    env_low = ["--database-url", db.url, "rules", "--low", "--format", "json"]
    assert main(env_low) == 0 and json.loads(capsys.readouterr().out) == []
    assert main(["--database-url", db.url, "rules", "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "sanctions" in out and "50%" in out and "rules on reviewed items" in out


def test_indicators_page_shows_each_rules_record(db: Database, ingested: dict[str, int]) -> None:
    from dashboard.app import create_app
    from dashboard.pages import indicators
    from tests.dashboard_server import make_config

    record_review(db, [ingested["s-1"]], "confirmed", "ana")
    record_review(db, [ingested["s-2"], ingested["s-3"]], "dismissed", "ana")
    app = create_app(make_config(rules__min_reviews=3, rules__low_precision=0.5), db)
    with app.server.test_request_context("/"):
        page = str(indicators.layout())
    assert "indicators-rules-sanctions" in page
    assert "low precision" in page and "33%" in page  # 1 of 3 reviewed sanctions items confirmed
    assert "precision under 50% over at least 3 reviewed items" in page
    assert "No reviewed items carry this indicator" in page  # e.g. genocide


def test_rules_cli_marks_with_the_configured_thresholds(
    db: Database,
    ingested: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record_review(db, [ingested["s-1"]], "confirmed", "ana")
    record_review(db, [ingested["s-2"], ingested["s-3"]], "dismissed", "ana")
    monkeypatch.setenv("R2PWATCH_RULES_MIN_REVIEWS", "3")
    monkeypatch.setenv("R2PWATCH_RULES_LOW_PRECISION", "0.5")
    assert main(["--database-url", db.url, "rules", "--low", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["low_precision"] and r["indicator"] == "sanctions" for r in rows)
    assert any(r["precision"] == pytest.approx(1 / 3, abs=1e-3) for r in rows)
