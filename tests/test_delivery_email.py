"""E-mail delivery against a real SMTP server on loopback (aiosmtpd), started by the tests: per-alert
mail and digests, recipients per region, STARTTLS with login, a server that is down and comes back, a
refused recipient, and one that never answers (SQLite and PostgreSQL)."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from db import Database
from ingest.delivery import Deliverer, DeliveryConfig, EmailConfig
from tests.delivery_support import Clock, alert_values, free_port, queue, state

ALL, AFRICA, ASIA = "watch@example.org", "au-desk@example.org", "asean-desk@example.org"
RECIPIENTS = ((ALL, frozenset()), (AFRICA, frozenset({"africa"})), (ASIA, frozenset({"asia-pacific"})))


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps every message; refuses the addresses in ``refuse``."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self,
        server: Any,
        session: Any,
        envelope: Any,
        address: str,  # noqa: N802
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


def mail_config(port: int, **kw: Any) -> DeliveryConfig:
    timeout = kw.pop("timeout", 10.0)
    retry = kw.pop("retry_seconds", 60.0)
    return DeliveryConfig(
        email=EmailConfig(
            **{
                "host": "127.0.0.1",
                "port": port,
                "starttls": False,
                "sender": "r2pwatch@example.org",
                "recipients": RECIPIENTS,
                **kw,
            }
        ),
        timeout=timeout,
        retry_seconds=retry,
        public_url="https://r2p.example.org",
    )


def _two_alerts(db: Database, config: DeliveryConfig) -> list[Any]:
    return queue(db, config.receivers(), alert_values("SDN"), alert_values("MMR", "asia-pacific", "genocide"))


def test_one_mail_per_alert_to_the_regions_recipients(db: Database, smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    cfg = mail_config(port)
    sdn, mmr = _two_alerts(db, cfg)
    deliverer = Deliverer(db, cfg, clock=Clock())
    report = deliverer.run()
    deliverer.close()
    assert (report.delivered, report.failed) == (4, 0)
    assert len(box.to(ALL)) == 2 and len(box.to(AFRICA)) == 1 and len(box.to(ASIA)) == 1
    [africa] = box.to(AFRICA)
    assert africa["Subject"].startswith("[r2pwatch] SDN / war_crimes: 4 stories from 3 sources")
    assert africa["From"] == "r2pwatch@example.org" and africa["X-R2PWatch-Alerts"] == str(sdn.id)
    body = africa.get_content()
    for line in (
        "Observed: 4 stories from 3 sources",
        "Expected: 0.20",
        "Score: 4.10 (threshold 3",
        "Stories (4): 11, 12, 13, 14",
        f"https://r2p.example.org/alerts?alert={sdn.id}&days=3650",
    ):
        assert line in body
    [asia] = box.to(ASIA)
    assert "MMR / genocide" in asia["Subject"]
    assert {d.status for d in state(db, [sdn, mmr])} == {"delivered"}


def test_digest_is_one_mail_per_recipient(db: Database, smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    cfg = mail_config(port, digest=True)
    sdn, mmr = _two_alerts(db, cfg)
    deliverer = Deliverer(db, cfg, clock=Clock())
    assert deliverer.run().delivered == 4
    deliverer.close()
    [digest] = box.to(ALL)
    assert (
        digest["Subject"] == "[r2pwatch] 2 alerts: SDN / war_crimes, MMR / genocide"
        or digest["Subject"] == "[r2pwatch] 2 alerts: MMR / genocide, SDN / war_crimes"
    )
    assert "SDN / war_crimes" in digest.get_content() and "MMR / genocide" in digest.get_content()
    assert len(box.messages) == 3


def test_smtp_down_then_back_and_a_refused_recipient(db: Database) -> None:
    port = free_port()
    cfg = mail_config(port, retry_seconds=30)
    alerts = _two_alerts(db, cfg)
    clock = Clock()
    deliverer = Deliverer(db, cfg, clock=clock)
    report = deliverer.run()
    assert report.failed == 4 and report.delivered == 0
    rows = state(db, alerts)
    assert {d.status for d in rows} == {"failed"} and all(
        "refused" in (d.last_error or "").lower() for d in rows
    )
    box = Mailbox(refuse={ASIA})
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert deliverer.run().delivered == 0  # not before the retry time
        clock.advance(31)
        report = deliverer.run()
    finally:
        controller.stop()
        deliverer.close()
    assert (report.delivered, report.failed) == (3, 1)
    by_target = {(d.alert_id, d.target): d for d in state(db, alerts)}
    refused = by_target[(alerts[1].id, ASIA)]
    assert refused.status == "failed" and refused.attempts == 2 and "550" in (refused.last_error or "")
    assert sum(1 for d in by_target.values() if d.status == "delivered") == 3


def test_smtp_server_that_hangs_is_cut_off(db: Database) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    cfg = mail_config(listener.getsockname()[1], timeout=1.0)
    alerts = _two_alerts(db, cfg)
    deliverer = Deliverer(db, cfg, clock=Clock())
    started = time.monotonic()
    report = deliverer.run()
    elapsed = time.monotonic() - started
    deliverer.close()
    for s in (*accepted, listener):
        s.close()
    assert elapsed < 4.0 and report.failed == 4
    assert all("within 1 s" in (d.last_error or "") for d in state(db, alerts))


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test server's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_starttls_and_login(db: Database, tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)

        def text(value: bytes | str) -> str:
            return value.decode() if isinstance(value, bytes) else value

        logins.append((text(auth_data.login), text(auth_data.password)))
        return AuthResult(success=logins[-1][1] == "right password", handled=False)

    box = Mailbox()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        trusting = ssl.create_default_context(cafile=str(cert))
        wrong = mail_config(
            controller.port, starttls=True, username="r2p", password="wrong password", ssl_context=trusting
        )
        [alert] = queue(db, wrong.receivers()[:1], alert_values())
        clock = Clock()
        refused = Deliverer(db, wrong, clock=clock)
        assert refused.run().failed == 1
        [d] = state(db, [alert])
        assert "login refused" in (d.last_error or "") and "wrong password" not in (d.last_error or "")
        untrusted = Deliverer(
            db,
            mail_config(controller.port, starttls=True, username="r2p", password="right password"),
            clock=clock,
        )
        clock.advance(61)
        assert untrusted.run().failed == 1  # the self-signed certificate is not trusted by default
        assert "certificate" in (state(db, [alert])[0].last_error or "").lower()
        clock.advance(121)
        right = Deliverer(
            db,
            mail_config(
                controller.port,
                starttls=True,
                username="r2p",
                password="right password",
                ssl_context=trusting,
            ),
            clock=clock,
        )
        assert right.run().delivered == 1
        for x in (refused, untrusted, right):
            x.close()
    finally:
        controller.stop()
    assert logins[-1] == ("r2p", "right password") and len(box.messages) == 1
