"""Webhook delivery against real loopback HTTP receivers: signed JSON, the address policy, a receiver
that is down and comes back, one that answers 500, one that hangs (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest

from db import Database
from db.deliveries import Receiver, receiver_label
from ingest.delivery import Deliverer, DeliveryConfig, WebhookConfig
from ingest.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, sign, verify
from tests.delivery_support import Clock, WebhookServer, alert_values, free_port, queue, state

SECRET = "s3cret-shared-with-the-receiver"


def config(*urls: str, allow: bool | tuple[str, ...] = True, **kw: float) -> DeliveryConfig:
    return DeliveryConfig(
        webhooks=WebhookConfig(urls=urls, secret=SECRET, allow_private=allow),
        public_url="https://r2p.example.org/",
        **kw,
    )


def hooks(*urls: str) -> list[Receiver]:
    return [Receiver("webhook", u) for u in urls]


def test_signed_json_post(db: Database) -> None:
    with WebhookServer() as server:
        url = server.url("/hook?key=abc")
        [alert] = queue(db, hooks(url))
        deliverer = Deliverer(db, config(url), clock=Clock())
        report = deliverer.run()
        deliverer.close()
    assert (report.delivered, report.failed) == (1, 0)
    [post] = server.posts
    assert post.path == "/hook?key=abc" and post.headers["content-type"] == "application/json"
    assert verify(post.body, SECRET, post.headers[SIGNATURE_HEADER.lower()])
    assert not verify(post.body + b" ", SECRET, post.headers[SIGNATURE_HEADER.lower()])
    assert not verify(post.body, "other secret", post.headers[SIGNATURE_HEADER.lower()])
    assert post.headers[SIGNATURE_HEADER.lower()] == sign(post.body, SECRET)
    payload = json.loads(post.body)
    [d] = state(db, [alert])
    assert post.headers[DELIVERY_HEADER.lower()] == str(d.id) == str(payload["delivery_id"])
    a = payload["alert"]
    assert (
        a["id"],
        a["country"],
        a["indicator"],
        a["observed"],
        a["expected"],
        a["score"],
        a["threshold"],
    ) == (alert.id, "SDN", "war_crimes", 4, 0.2, 4.1, 3.0)
    assert a["story_ids"] == [11, 12, 13, 14] and a["explain"].startswith("4 stories")
    assert payload["links"]["alert"] == f"https://r2p.example.org/alerts?alert={alert.id}&days=3650"
    assert payload["links"]["place"] == "https://r2p.example.org/country/SDN"
    assert (d.status, d.attempts, d.last_error) == ("delivered", 1, None) and d.delivered_at is not None


def test_private_address_refused_unless_allowed(db: Database) -> None:
    with WebhookServer() as server:
        url = server.url()
        [alert] = queue(db, hooks(url))
        clock = Clock()
        refused = Deliverer(db, config(url, allow=False), clock=clock)
        assert refused.run().failed == 1
        [d] = state(db, [alert])
        assert d.status == "failed" and "127.0.0.1" in (d.last_error or "")
        assert "webhooks.allow_private" in (d.last_error or "")
        assert server.posts == []  # refused before connecting
        clock.advance(61)
        allowed = Deliverer(db, config(url, allow=(f"127.0.0.1:{server.port}",)), clock=clock)
        assert allowed.run().delivered == 1
        for x in (refused, allowed):
            x.close()
    assert len(server.posts) == 1


def test_receiver_down_then_back_loses_nothing(db: Database) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    alerts = queue(
        db,
        hooks(url),
        alert_values("SDN"),
        alert_values("TCD", indicator="genocide"),
        alert_values("ETH", indicator="icc"),
    )
    clock = Clock()
    deliverer = Deliverer(db, config(url, retry_seconds=30, max_retry_seconds=100), clock=clock)
    report = deliverer.run()
    # the first attempt fails; the others are not tried against a receiver just found down
    assert (report.delivered, report.failed, report.postponed) == (0, 1, 2)
    rows = state(db, alerts)
    assert sorted(d.status for d in rows) == ["failed", "pending", "pending"]
    assert all(d.next_attempt_at == clock.now + timedelta(seconds=30) for d in rows)
    failed = next(d for d in rows if d.status == "failed")
    assert failed.attempts == 1 and "connect" in (failed.last_error or "").lower()
    assert deliverer.run() == type(report)()  # nothing due before the retry time
    clock.advance(31)
    assert deliverer.run().failed == 1  # still down: the wait doubles
    failed = next(d for d in state(db, alerts) if d.status == "failed")
    assert failed.attempts == 2 and failed.next_attempt_at == clock.now + timedelta(seconds=60)
    with WebhookServer(port) as server:
        clock.advance(61)
        report = deliverer.run()
        deliverer.close()
    assert report.delivered == 3
    assert {d.status for d in state(db, alerts)} == {"delivered"}
    assert sorted(json.loads(p.body)["alert"]["country"] for p in server.posts) == ["ETH", "SDN", "TCD"]


def test_http_500_is_retried_with_the_error_kept(db: Database) -> None:
    with WebhookServer() as server:
        server.status, server.answer = 500, b"database exploded\nstack..."
        url = server.url()
        [alert] = queue(db, hooks(url))
        clock = Clock()
        deliverer = Deliverer(db, config(url, retry_seconds=10), clock=clock)
        assert deliverer.run().failed == 1
        [d] = state(db, [alert])
        assert (d.status, d.attempts, d.last_error) == (
            "failed",
            1,
            "HTTP 500 Internal Server Error: database exploded",
        )
        server.status = 200
        clock.advance(11)
        assert deliverer.run().delivered == 1
        deliverer.close()
    assert len(server.posts) == 2
    # the same delivery id and signature on the retry: receivers can drop the duplicate
    assert (
        server.posts[0].headers[DELIVERY_HEADER.lower()] == server.posts[1].headers[DELIVERY_HEADER.lower()]
    )
    [d] = state(db, [alert])
    assert (d.status, d.attempts) == ("delivered", 2)


def test_hanging_receiver_is_cut_off_at_the_deadline(db: Database) -> None:
    with WebhookServer() as hanging, WebhookServer() as healthy:
        hanging.hang = 30.0
        slow, fine = hanging.url(), healthy.url()
        [alert] = queue(db, hooks(slow, fine))
        deliverer = Deliverer(db, config(slow, fine, timeout=1.0), clock=Clock())
        started = time.monotonic()
        report = deliverer.run()
        elapsed = time.monotonic() - started
        deliverer.close()
    assert elapsed < 5.0
    assert (report.delivered, report.failed) == (1, 1)  # the hanging one did not hold the other
    by_target = {d.target: d for d in state(db, [alert])}
    assert by_target[slow].status == "failed" and "within 1 s" in (by_target[slow].last_error or "")
    assert by_target[fine].status == "delivered"


def test_unconfigured_receivers_are_kept_not_sent(db: Database) -> None:
    with WebhookServer() as server:
        old, new = server.url("/old"), server.url("/new")
        [alert] = queue(db, hooks(old, new))
        deliverer = Deliverer(db, config(new), clock=Clock())
        assert deliverer.run().delivered == 1
        deliverer.close()
    assert [p.path for p in server.posts] == ["/new"]
    assert {d.target: d.status for d in state(db, [alert])} == {old: "pending", new: "delivered"}


def test_errors_and_logs_never_show_a_webhook_key(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/services/T0/B0/the-key-itself"
    [alert] = queue(db, hooks(url))
    deliverer = Deliverer(db, config(url), clock=Clock())
    with caplog.at_level(logging.INFO, logger="r2pwatch.delivery"):
        deliverer.run()
    deliverer.close()
    [d] = state(db, [alert])
    assert "the-key-itself" not in (d.last_error or "")
    assert "the-key-itself" not in repr(config(url)) and SECRET not in repr(config(url))
    assert "the-key-itself" not in receiver_label("webhook", url)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "127.0.0.1" in text and "the-key-itself" not in text
