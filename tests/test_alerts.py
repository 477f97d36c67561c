"""Alerts end to end on a real database: country and region scopes, cooldown, growth, coverage gaps,
states, and the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.alerts import AlertStateError, list_alerts, set_alert_state
from ingest.alerting import compute_alerts, raise_alerts
from r2pwatch.cli import main
from signals.baseline import AlertConfig
from tests.signals_support import entry, feed, store, tags

SPIKE = datetime(2023, 6, 14, tzinfo=UTC)  # a Wednesday
CFG = AlertConfig(
    window_days=1,
    baseline_days=28,
    min_stories=2,
    threshold=3.0,
    dispersion=5.0,
    cooldown_days=7,
    gap_days=2,
    gap_ratio=0.25,
    gap_min_expected=20.0,
)
EVENTS = [
    "Militia torches villages in West Darfur as civilians flee to Chad",
    "Doctors report mass graves near El Geneina after days of shelling",
    "UN rights office documents executions of Masalit men by fighters",
    "Refugees describe door-to-door killings in Sudanese border town",
    "Aid convoy looted as violence spreads across Darfur camps",
]

LATER = [
    "Tribal leaders say hundreds buried in Ardamata",
    "Satellite images show burned neighbourhoods north of Nyala",
    "Witnesses recount attack on displaced families near Zalingei",
    "Human Rights Watch calls killings ethnic cleansing campaign",
]


def _filler(db: Database, feeds: list[int], first: datetime, days: int) -> None:
    """Ordinary news: six items a weekday per feed, one on weekend days, about France."""
    for d in range(days):
        day = first + timedelta(days=d)
        per_feed = 6 if day.weekday() < 5 else 1
        for f in feeds:
            batch = [
                (
                    entry(
                        f"Routine report {f}-{d}-{n} on Paris budget talks number{f}x{d}x{n}",
                        day + timedelta(hours=8 + n),
                    ),
                    tags([], ["FRA"]),
                )
                for n in range(per_feed)
            ]
            store(db, f, day + timedelta(hours=23), batch)


def _seed(db: Database) -> list[int]:
    feeds = [feed(db, name) for name in ("alpha", "beta", "gamma")]
    _filler(db, feeds, SPIKE - timedelta(days=30), 30)
    # one earlier Sudan war-crimes story in the baseline
    store(
        db,
        feeds[0],
        SPIKE - timedelta(days=10),
        [
            (
                entry("Shelling of Khartoum market condemned", SPIKE - timedelta(days=10, hours=-9)),
                tags(["war_crimes"], ["SDN"]),
            )
        ],
    )
    return feeds


def _spike(db: Database, feeds: list[int], titles: list[str], day: datetime) -> None:
    for n, title in enumerate(titles):
        store(
            db,
            feeds[n % 2],
            day + timedelta(hours=10 + n),
            [(entry(title, day + timedelta(hours=9 + n)), tags(["war_crimes"], ["SDN"]))],
        )


def test_country_alert_with_its_arithmetic_and_region_explained_by_it(db: Database) -> None:
    feeds = _seed(db)
    _filler(db, feeds, SPIKE, 1)
    _spike(db, feeds, EVENTS[:4], SPIKE)
    end = SPIKE + timedelta(hours=23, minutes=59)
    [alert] = [a for a in raise_alerts(db, CFG, now=end) if a.kind == "signal"]
    assert (alert.scope, alert.country, alert.region, alert.indicator) == (
        "country",
        "SDN",
        "africa",
        "war_crimes",
    )
    assert alert.observed == 4 and len(alert.story_ids) == 4 and alert.sources == 2
    assert 0 < alert.expected < 1 and alert.score >= alert.threshold == 3.0
    assert "expected" in alert.explain() and "negative binomial" in alert.explain()
    assert alert.day == SPIKE and alert.state == "new"
    # the region's count is the same stories: no second alert for Africa
    assert not [a for a in list_alerts(db) if a.scope == "region" and a.kind == "signal"]


def test_minimum_count_then_growth_then_cooldown(db: Database) -> None:
    feeds = _seed(db)
    _filler(db, feeds, SPIKE, 2)
    _spike(db, feeds, EVENTS[:1], SPIKE)
    assert not [a for a in raise_alerts(db, CFG, now=SPIKE + timedelta(hours=12)) if a.kind == "signal"]
    _spike(db, feeds, EVENTS[1:3], SPIKE + timedelta(hours=3))
    [first] = [a for a in raise_alerts(db, CFG, now=SPIKE + timedelta(hours=18)) if a.kind == "signal"]
    assert first.observed == 3
    _spike(db, feeds, EVENTS[3:4], SPIKE + timedelta(hours=4))
    assert raise_alerts(db, CFG, now=SPIKE + timedelta(hours=23)) == []  # same day: the row grows
    [grown] = list_alerts(db, kind="signal")
    assert grown.id == first.id and grown.observed == 4
    next_day = SPIKE + timedelta(days=1)
    _spike(db, feeds, LATER, next_day)
    assert compute_alerts(db, CFG, next_day + timedelta(hours=23))  # still significant ...
    assert raise_alerts(db, CFG, now=next_day + timedelta(hours=23)) == []  # ... but cooling down
    assert len(list_alerts(db, kind="signal")) == 1


def test_feeds_falling_silent_raise_a_coverage_alert(db: Database) -> None:
    feeds = _seed(db)
    _filler(db, feeds, SPIKE, 1)  # Wednesday as usual, then Thursday and Friday nothing at all
    quiet = raise_alerts(db, CFG, now=SPIKE + timedelta(days=1, hours=12))
    assert not [a for a in quiet if a.kind == "coverage"]
    alerts = raise_alerts(db, CFG, now=SPIKE + timedelta(days=3, hours=1))
    gaps = {(a.scope, a.country or a.region) for a in alerts if a.kind == "coverage"}
    assert gaps == {("country", "FRA"), ("region", "europe-central-asia")}
    gap = next(a for a in alerts if a.kind == "coverage" and a.scope == "region")
    assert gap.observed == 0 and gap.expected >= 20 and "fallen silent" in gap.explain()


def test_states_record_who_when_and_why(db: Database) -> None:
    feeds = _seed(db)
    _spike(db, feeds, EVENTS[:4], SPIKE)
    [alert] = [a for a in raise_alerts(db, CFG, now=SPIKE + timedelta(hours=23)) if a.kind == "signal"]
    done = set_alert_state(
        db,
        alert.id,
        "acknowledged",
        by="amina",
        note="  forwarded to the AU desk ",
        now=SPIKE + timedelta(days=1),
    )
    assert (done.state, done.state_by, done.state_note) == (
        "acknowledged",
        "amina",
        "forwarded to the AU desk",
    )
    assert done.state_at == SPIKE + timedelta(days=1)
    assert [a.id for a in list_alerts(db, state="acknowledged")] == [alert.id]
    assert list_alerts(db, state="new", kind="signal") == []
    with pytest.raises(AlertStateError):
        set_alert_state(db, alert.id, "deleted", by="amina")
    with pytest.raises(AlertStateError):
        set_alert_state(db, 999_999, "dismissed", by="amina")


def test_cli_lists_alerts_as_json(sqlite_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    feeds = _seed(sqlite_db)
    _spike(sqlite_db, feeds, EVENTS[:4], SPIKE)
    raise_alerts(sqlite_db, CFG, now=SPIKE + timedelta(hours=23))
    url = str(sqlite_db.engine.url)
    assert (
        main(["--database-url", url, "alerts", "--days", "100000", "--country", "sdn", "--format", "json"])
        == 0
    )
    [row] = json.loads(capsys.readouterr().out)
    assert row["date"] == "2023-06-14" and row["scope"] == "country" and row["country"] == "SDN"
    assert row["stories"] == 4 and row["state"] == "new"
    assert main(["--database-url", url, "alerts", "--days", "100000", "--state", "dismissed"]) == 0
    assert "no alerts" in capsys.readouterr().out
