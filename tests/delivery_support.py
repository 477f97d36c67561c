"""Helpers for the delivery tests: a loopback webhook receiver we control, alerts to deliver."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from db import Database
from db.alerts import AlertInfo, AlertValues, record_alerts
from db.deliveries import DeliveryInfo, Receiver, deliveries_for
from db.types import utcnow
from tests.loopback import LoopbackServer, QuietHandler


@dataclass(frozen=True)
class Posted:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookServer(LoopbackServer):
    """A threaded HTTP server on 127.0.0.1 that records every POST and answers with ``status``, or
    hangs for ``hang`` seconds first. Give ``port`` to come back on an address that was down."""

    def __init__(self, port: int = 0) -> None:
        self.posts: list[Posted] = []
        self.status = 204
        self.answer = b""
        self.hang = 0.0
        server = self

        class H(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.posts.append(Posted(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if server.hang and server.stopping.wait(server.hang):
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(server.status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(server.answer)))
                    self.end_headers()
                    self.wfile.write(server.answer)

        super().__init__(H, port)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> WebhookServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alert_values(
    country: str = "SDN",
    region: str = "africa",
    indicator: str = "war_crimes",
    observed: int = 4,
    *,
    days_ago: int = 0,
    explain: str | None = None,
) -> AlertValues:
    """A country signal alert for today (or ``days_ago``), with its explanation (``explain``)."""
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return AlertValues(
        kind="signal",
        scope="country",
        region=region,
        country=country,
        indicator=indicator,
        day=day,
        window_start=day - timedelta(days=1),
        window_end=day + timedelta(hours=20),
        observed=observed,
        expected=0.2,
        score=4.1,
        threshold=3.0,
        sources=3,
        story_ids=(11, 12, 13, 14),
        detail={"explain": explain or f"{observed} stories in 2 days; expected 0.20"},
    )


def queue(db: Database, receivers: Sequence[Receiver], *values: AlertValues) -> list[AlertInfo]:
    return record_alerts(db, list(values) or [alert_values()], cooldown_days=7, receivers=receivers)


def state(db: Database, alerts: Sequence[AlertInfo]) -> list[DeliveryInfo]:
    found = deliveries_for(db, [a.id for a in alerts])
    return [d for a in alerts for d in found.get(a.id, [])]


class Clock:
    """An injectable clock the tests move forward (retries are due by the clock, not by sleeping)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
