"""Delivery state per alert x receiver: queued with the alert, claimed once, marked, shown on /alerts,
in ``r2pwatch alerts`` and in the alerts Atom feed (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from dashboard.app import create_app
from db import Database
from db.alerts import AlertInfo, AlertValues, record_alerts, set_alert_state
from db.deliveries import (
    Receiver,
    claim_due,
    deliveries_for,
    mark_delivered,
    mark_failed,
    postpone,
    receiver_label,
)
from db.types import utcnow
from db.users import add_user
from r2pwatch.cli import main
from tests.dashboard_server import make_config
from tests.delivery_support import alert_values

NS = {"a": "http://www.w3.org/2005/Atom"}
HOOK = "https://hooks.example.org/services/T0/B0/very-secret-key"
RECEIVERS = (
    Receiver("webhook", HOOK),
    Receiver("email", "africa-desk@example.org", frozenset({"africa"})),
    Receiver("email", "asia-desk@example.org", frozenset({"asia-pacific"})),
)


def _values(
    country: str, region: str, indicator: str, observed: int = 4, *, days_ago: int = 0
) -> AlertValues:
    return alert_values(
        country,
        region,
        indicator,
        observed,
        days_ago=days_ago,
        explain="4 stories in 2 days; expected 0.20 <b>bold</b>",
    )


def _record(db: Database) -> list[AlertInfo]:
    return record_alerts(
        db,
        [
            _values("SDN", "africa", "war_crimes"),
            _values("MMR", "asia-pacific", "genocide"),
            _values("UKR", "europe-central-asia", "icc", days_ago=3),
        ],
        cooldown_days=7,
        receivers=RECEIVERS,
    )


def test_new_alerts_are_queued_for_the_receivers_of_their_region(db: Database) -> None:
    sdn, mmr, ukr = _record(db)
    queued = deliveries_for(db, [sdn.id, mmr.id, ukr.id])
    assert {(d.channel, d.target) for d in queued[sdn.id]} == {
        ("webhook", HOOK),
        ("email", "africa-desk@example.org"),
    }
    assert {d.target for d in queued[mmr.id]} == {HOOK, "asia-desk@example.org"}
    assert [d.target for d in queued[ukr.id]] == [HOOK]  # no Europe desk configured
    assert all(d.status == "pending" and d.attempts == 0 for ds in queued.values() for d in ds)
    # the same alert computed again (a grown count) is not queued twice
    record_alerts(
        db, [_values("SDN", "africa", "war_crimes", observed=6)], cooldown_days=7, receivers=RECEIVERS
    )
    assert len(deliveries_for(db, [sdn.id])[sdn.id]) == 2


def test_claim_is_exclusive_and_failed_deliveries_come_back(db: Database) -> None:
    sdn, mmr, ukr = _record(db)
    now = utcnow() + timedelta(seconds=1)
    first = claim_due(db, channel="webhook", targets=[HOOK], now=now, lease_seconds=60)
    assert sorted(d.alert.id for d in first) == sorted([sdn.id, mmr.id, ukr.id])
    assert claim_due(db, channel="webhook", targets=[HOOK], now=now, lease_seconds=60) == []  # leased
    assert claim_due(db, channel="email", targets=["nobody@example.org"], now=now, lease_seconds=60) == []
    by_alert = {d.alert.id: d for d in first}
    mark_delivered(db, [by_alert[sdn.id].id], now=now)
    mark_failed(
        db,
        [by_alert[mmr.id].id],
        "HTTP 500 Internal Server Error",
        retry_at=now + timedelta(seconds=30),
        now=now,
    )
    postpone(db, [by_alert[ukr.id].id], "not tried: receiver down", retry_at=now + timedelta(seconds=30))
    state = {
        d.alert_id: d
        for ds in deliveries_for(db, [sdn.id, mmr.id, ukr.id]).values()
        for d in ds
        if d.channel == "webhook"
    }
    assert (state[sdn.id].status, state[sdn.id].attempts) == ("delivered", 1)
    assert (state[mmr.id].status, state[mmr.id].attempts, state[mmr.id].last_error) == (
        "failed",
        1,
        "HTTP 500 Internal Server Error",
    )
    assert (state[ukr.id].status, state[ukr.id].attempts) == ("pending", 0)
    # nothing is due before the retry time; after it both come back, the delivered one never
    assert (
        claim_due(db, channel="webhook", targets=[HOOK], now=now + timedelta(seconds=29), lease_seconds=60)
        == []
    )
    again = claim_due(
        db, channel="webhook", targets=[HOOK], now=now + timedelta(seconds=31), lease_seconds=60
    )
    assert sorted(d.alert.id for d in again) == sorted([mmr.id, ukr.id])
    # a claim that is never marked (a worker killed mid-send) is due again when its lease ends
    assert claim_due(db, channel="webhook", targets=[HOOK], now=now + timedelta(seconds=92), lease_seconds=60)


def test_receiver_label_hides_a_webhook_path() -> None:
    label = receiver_label("webhook", HOOK)
    assert label.startswith("https://hooks.example.org/… #") and "secret" not in label and "T0" not in label
    assert receiver_label("webhook", HOOK + "x") != label
    assert receiver_label("webhook", "http://127.0.0.1:8080/hook?key=abc").startswith(
        "http://127.0.0.1:8080/… #"
    )
    assert receiver_label("email", "desk@example.org") == "desk@example.org"


def _mark_some(db: Database) -> tuple[AlertInfo, AlertInfo, AlertInfo]:
    sdn, mmr, ukr = _record(db)
    now = utcnow() + timedelta(seconds=1)
    claimed = {
        d.alert.id: d for d in claim_due(db, channel="webhook", targets=[HOOK], now=now, lease_seconds=60)
    }
    mark_delivered(db, [claimed[sdn.id].id], now=now)
    mark_failed(db, [claimed[mmr.id].id], "connection refused", retry_at=now + timedelta(minutes=1), now=now)
    return sdn, mmr, ukr


def test_alerts_page_shows_delivery_state(db: Database) -> None:
    sdn, mmr, _ = _mark_some(db)
    add_user(db, "ana", "analyst", "analyst-password")
    app = create_app(make_config(anonymous=True), db)
    from dashboard.pages.alerts import layout as page

    with app.server.test_request_context("/alerts"):
        text = str(page(country="MMR"))
        assert "delivery-failed" in text and "connection refused" in text and "delivery-pending" in text
        assert (
            "very-secret-key" not in text and "asia-desk@example.org" not in text
        )  # anonymous: channels only
        one = str(page(alert=str(sdn.id)))
        assert (
            f"alert-row-{sdn.id}" in one and f"alert-row-{mmr.id}" not in one and "delivery-delivered" in one
        )
    client = app.server.test_client()
    client.post("/login", data={"name": "ana", "password": "analyst-password", "next": "/alerts"})
    assert client.get(f"/alerts?alert={mmr.id}").status_code == 200


def test_cli_alerts_show_delivery_state(sqlite_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    sdn, mmr, ukr = _mark_some(sqlite_db)
    url = str(sqlite_db.engine.url)
    assert main(["--database-url", url, "alerts", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    hooks = {i: next(d for d in rows[i]["deliveries"] if d["channel"] == "webhook") for i in rows}
    assert hooks[sdn.id]["status"] == "delivered" and hooks[sdn.id]["next_attempt_at"] is None
    assert hooks[mmr.id]["status"] == "failed" and hooks[mmr.id]["attempts"] == 1
    assert hooks[mmr.id]["last_error"] == "connection refused" and hooks[mmr.id]["next_attempt_at"]
    assert hooks[ukr.id]["status"] == "pending"
    assert {d["receiver"] for d in rows[sdn.id]["deliveries"]} == {
        receiver_label("webhook", HOOK),
        "africa-desk@example.org",
    }
    assert main(["--database-url", url, "alerts"]) == 0
    table = capsys.readouterr().out
    assert "failed" in table and "connection refused" in table and "pending" in table and "delivered" in table
    assert "very-secret-key" not in table


def test_alerts_atom_feed(db: Database) -> None:
    sdn, mmr, ukr = _record(db)
    set_alert_state(db, ukr.id, "dismissed", by="ana", note="old news")
    token = add_user(db, "reader", "viewer", "reader-password").feed_token
    app = create_app(make_config(), db)
    client = app.server.test_client()
    assert client.get("/feeds/alerts.atom").status_code == 401
    assert client.get("/feeds/alerts.atom?token=nope").status_code == 401

    def entries(query: str = "") -> list[ET.Element]:
        r = client.get(f"/feeds/alerts.atom?token={token}&{query}")
        assert r.status_code == 200 and r.mimetype == "application/atom+xml", r.data
        return ET.fromstring(r.data).findall("a:entry", NS)

    def ids(query: str = "") -> set[str]:
        return {e.findtext("a:id", "", NS) for e in entries(query)}

    def ident(a: AlertInfo) -> str:
        return f"http://localhost/alerts?alert={a.id}"

    assert ids() == {ident(sdn), ident(mmr)}  # dismissed left out
    assert ids("dismissed=1") == {ident(sdn), ident(mmr), ident(ukr)}
    assert ids("state=dismissed") == {ident(ukr)}
    assert ids("region=africa") == {ident(sdn)}
    assert ids("country=mmr") == {ident(mmr)}
    assert ids("indicator=war_crimes") == {ident(sdn)}
    assert ids("scope=region") == set()
    assert ids("scope=country&region=asia-pacific&indicator=genocide") == {ident(mmr)}
    [entry] = entries("country=SDN")
    summary = entry.findtext("a:summary", "", NS)
    for figure in (
        "Observed: 4 stories from 3 sources",
        "Expected: 0.20",
        "Score: 4.10 (threshold 3",
        "State: new",
        "Stories (4): 11, 12, 13, 14",
    ):
        assert figure in summary
    assert "4 stories in 2 days; expected 0.20 <b>bold</b>" in summary  # text, escaped by the XML writer
    links = {e.get("rel", "alternate"): e.get("href") for e in entry.findall("a:link", NS)}
    assert links["alternate"] == f"http://localhost/alerts?alert={sdn.id}&days=3650"
    assert links["related"] == "http://localhost/country/SDN"
    assert {c.get("term") for c in entry.findall("a:category", NS)} >= {
        "war_crimes",
        "africa",
        "SDN",
        "country",
    }
    assert client.get(links["alternate"].replace("http://localhost", "")).status_code in (200, 302)
    for bad in (
        "region=mars",
        "country=XXX",
        "indicator=nope",
        "scope=planet",
        "state=gone",
        "days=0",
        "days=x",
    ):
        assert client.get(f"/feeds/alerts.atom?token={token}&{bad}").status_code == 400, bad
    # acknowledging moves <updated>, so readers see it
    before = entries("country=SDN")[0].findtext("a:updated", "", NS)
    set_alert_state(db, sdn.id, "acknowledged", by="ana", note="on it", now=utcnow() + timedelta(minutes=5))
    after = entries("country=SDN")[0]
    assert after.findtext("a:updated", "", NS) > before
    assert "State: acknowledged by ana: on it" in after.findtext("a:summary", "", NS)


def test_alerts_atom_for_logged_in_user_and_public_url(db: Database) -> None:
    _record(db)
    add_user(db, "ana", "analyst", "analyst-password")
    app = create_app(make_config(serve__public_url="https://r2p.example.org/"), db)
    client = app.server.test_client()
    client.post("/login", data={"name": "ana", "password": "analyst-password", "next": "/alerts"})
    r = client.get("/feeds/alerts.atom?region=africa")
    assert r.status_code == 200
    [entry] = ET.fromstring(r.data).findall("a:entry", NS)
    assert entry.findtext("a:id", "", NS).startswith("https://r2p.example.org/alerts?alert=")
    from dashboard.alerts_atom import alerts_atom_href

    assert (
        alerts_atom_href({"region": "africa", "state": None, "days": "30"}, "tok")
        == "/feeds/alerts.atom?region=africa&days=30&token=tok"
    )


def test_alerts_raised_from_stories_are_queued_with_them(db: Database) -> None:
    from ingest.alerting import raise_alerts
    from tests.test_alerts import CFG, EVENTS, SPIKE, _seed, _spike

    feeds = _seed(db)
    _spike(db, feeds, EVENTS[:4], SPIKE)
    new = raise_alerts(db, CFG, now=SPIKE + timedelta(hours=23), receivers=RECEIVERS)
    [sdn] = [a for a in new if a.kind == "signal" and a.country == "SDN"]
    queued = deliveries_for(db, [a.id for a in new])
    assert {d.target for d in queued[sdn.id]} == {HOOK, "africa-desk@example.org"}
    assert all(len(queued.get(a.id, [])) >= 1 for a in new)  # every new alert: at least the webhook
    # recomputed later the same day: nothing new, nothing queued twice
    assert raise_alerts(db, CFG, now=SPIKE + timedelta(hours=23, minutes=30), receivers=RECEIVERS) == []
    assert deliveries_for(db, [sdn.id]) == {sdn.id: queued[sdn.id]}
