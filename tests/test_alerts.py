from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.alerts import list_alerts, record_alerts
from db.counts import add_items as count_items
from db.models import Item, ItemCountry, ItemTag
from db.signals import AlertRule
from r2pwatch.cli import main

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RULE = AlertRule(ratio=2.0, min_count=3, min_baseline=1.0)


def add_items(db: Database, region: str, iso3: str, indicator: str, days_ago: list[float],
              now: datetime = NOW) -> None:
    with db.write() as s:
        for n, ago in enumerate(days_ago):
            key = f"{region}-{indicator}-{ago}-{n}"
            item = Item(guid=key, link_key=key, title=key, title_key=key, summary="",
                        published_at=now - timedelta(days=ago), fetched_at=now, content_hash=key,
                        flagged=True, score=1.0)
            s.add(item)
            s.flush()
            s.add(ItemTag(item_id=item.id, indicator=indicator, score=1.0, stage=None, evidence=[],
                          taxonomy_version="t"))
            s.add(ItemCountry(item_id=item.id, iso3=iso3, region=region, method="name", evidence=[]))
            s.flush()
            count_items(s, [item.id])


def test_alert_records_its_arithmetic_once_per_day(db: Database) -> None:
    add_items(db, "africa", "COD", "peacekeeping", [1, 2, 3, 4, 5, 6, 10, 20])
    add_items(db, "americas", "HTI", "sanctions", [1, 2])  # under min_count: no alert
    [alert] = record_alerts(db, RULE, now=NOW)
    assert (alert.region, alert.indicator, alert.count) == ("africa", "peacekeeping", 6)
    assert alert.baseline == 1.0 and alert.ratio == 6.0  # 2 items over 4 windows = 0.5, floored at 1
    assert alert.detail["baseline_total"] == 2 and alert.detail["baseline_mean"] == 0.5
    assert "ratio 6 / 1 = 6 >= 2" in alert.explain()
    assert record_alerts(db, RULE, now=NOW + timedelta(hours=1)) == []  # nothing grew
    add_items(db, "africa", "COD", "peacekeeping", [0.01])
    [grown] = record_alerts(db, RULE, now=NOW + timedelta(hours=2))
    assert grown.id == alert.id and grown.count == 7
    assert len(list_alerts(db)) == 1
    record_alerts(db, RULE, now=NOW + timedelta(days=1))  # a new day, a new row
    assert len(list_alerts(db)) == 2


def test_alerts_cli(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    add_items(db, "africa", "COD", "peacekeeping", [1, 2, 3])
    record_alerts(db, RULE, now=NOW)
    assert main(["--database-url", db.url, "alerts", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["region"] == "africa" and row["count"] == 3 and row["ratio"] == 3.0
    assert main(["--database-url", db.url, "alerts", "--region", "americas"]) == 0
    assert "no alerts" in capsys.readouterr().out


def test_overview_lists_recorded_alerts(db: Database) -> None:
    from dashboard.app import create_app
    from dashboard.pages.overview import recent_alerts
    from tests.dashboard_server import make_settings

    app = create_app(make_settings(), db)
    ctx = app.server.extensions["r2pwatch"]
    assert "No alerts recorded" in str(recent_alerts(ctx))
    add_items(db, "africa", "COD", "peacekeeping", [0.1, 0.2, 0.3], now=datetime.now(UTC))
    record_alerts(db, RULE)
    text = str(recent_alerts(ctx))
    assert "Africa" in text and "ratio 3 / 1 = 3 >= 2" in text
