"""Sending queued alert deliveries (``db.deliveries``) to webhooks and by e-mail, with retries.

Runs after the ingest transaction has committed, in the scheduler's own ``deliver`` job (or after an
``ingest --once`` pass, or ``r2pwatch deliver``), never inside ingestion: a receiver that is down costs
at most ``timeout`` seconds of this job and nothing of the feeds. A failed attempt is retried after
``retry_seconds``, doubling each time up to ``max_retry_seconds``, for as long as it takes. When one
receiver fails, its other due deliveries in the same run are postponed, not tried, so a dead receiver
costs one deadline per run. Messages and logs name receivers by ``receiver_label`` only.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from db.deliveries import (
    DueDelivery,
    Receiver,
    claim_due,
    mark_delivered,
    mark_failed,
    postpone,
    receiver_label,
)
from db.engine import Database
from db.types import utcnow
from ingest import webhook
from ingest.deadline import StopGroup

log = logging.getLogger("r2pwatch.delivery")

#: deliveries claimed per receiver and run
BATCH = 20


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    urls: tuple[str, ...] = field(default=(), repr=False)  # a URL's path may be its key
    secret: str = field(default="", repr=False)
    #: True, or "host:port" entries, like fetch.allow_private
    allow_private: bool | tuple[str, ...] = False


@dataclass(frozen=True, slots=True)
class EmailConfig:
    host: str = ""  # empty: no e-mail
    port: int = 587
    starttls: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    #: (address, regions); no regions: every alert
    recipients: tuple[tuple[str, frozenset[str]], ...] = ()
    digest: bool = False
    #: None: the system's certificate authorities (tests pass one that trusts their own certificate)
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)

    @property
    def enabled(self) -> bool:
        return bool(self.host and self.recipients)


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    webhooks: WebhookConfig = field(default_factory=WebhookConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    timeout: float = 10.0  # hard deadline of one attempt
    retry_seconds: float = 60.0
    max_retry_seconds: float = 3600.0
    tick_seconds: float = 15.0
    public_url: str = ""  # serve.public_url, for links
    user_agent: str = (
        "r2pwatch (+https://github.com/r2pwatch/r2pwatch)"  # the application's, with its version
    )

    def receivers(self) -> tuple[Receiver, ...]:
        hooks = tuple(Receiver("webhook", url) for url in self.webhooks.urls)
        mails = (
            tuple(Receiver("email", address, regions) for address, regions in self.email.recipients)
            if self.email.enabled
            else ()
        )
        return hooks + mails

    @property
    def enabled(self) -> bool:
        return bool(self.receivers())

    def retry_at(self, now: datetime, attempts_before: int) -> datetime:
        wait = min(self.max_retry_seconds, self.retry_seconds * 2 ** min(attempts_before, 30))
        return now + timedelta(seconds=max(1.0, wait))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    postponed: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.delivered + other.delivered, self.failed + other.failed, self.postponed + other.postponed
        )


class Deliverer:
    """Claims and sends due deliveries; one per process (the scheduler's job, a --once pass)."""

    def __init__(
        self, database: Database, config: DeliveryConfig, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.database = database
        self.config = config
        self.clock = clock
        self.stop = StopGroup()
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            from ingest.fetch import make_client
            from ingest.netguard import AddressPolicy

            self._client = make_client(
                AddressPolicy.from_setting(self.config.webhooks.allow_private),
                max_connections=4,
                user_agent=self.config.user_agent,
            )
        return self._client

    @property
    def lease_seconds(self) -> float:
        """Long enough for a whole batch to one receiver; a worker that dies leaves its rows due after it."""
        return BATCH * self.config.timeout + 60.0

    def run(self) -> DeliveryReport:
        """Send everything due now; returns what happened. Never raises for a receiver's failure."""
        report = DeliveryReport()
        for url in self.config.webhooks.urls:
            if self.stop.stopped:
                break
            report += self._webhook(url)
        if self.config.email.enabled and not self.stop.stopped:
            from ingest.mailer import send_due_mail

            report += send_due_mail(self, self.config.email)
        return report

    def claim(self, channel: str, targets: Sequence[str]) -> list[DueDelivery]:
        return claim_due(
            self.database,
            channel=channel,
            targets=targets,
            now=self.clock(),
            lease_seconds=self.lease_seconds,
            limit=BATCH * max(1, len(targets)),
        )

    def failed(
        self, attempted: Sequence[DueDelivery], rest: Sequence[DueDelivery], label: str, error: str
    ) -> DeliveryReport:
        """``attempted`` failed with ``error``; ``rest`` (same receiver) are postponed untried."""
        now = self.clock()
        for d in attempted:
            mark_failed(self.database, [d.id], error, retry_at=self.config.retry_at(now, d.attempts), now=now)
        if rest:
            retry = self.config.retry_at(now, min(d.attempts for d in attempted) if attempted else 0)
            postpone(
                self.database,
                [d.id for d in rest],
                f"not tried: {label} failed just before: {error}",
                retry_at=retry,
            )
        log.warning(
            "delivery to %s failed (%d alerts, retried later): %s", label, len(attempted) + len(rest), error
        )
        return DeliveryReport(failed=len(attempted), postponed=len(rest))

    def delivered(self, done: Sequence[DueDelivery]) -> DeliveryReport:
        mark_delivered(self.database, [d.id for d in done], now=self.clock())
        return DeliveryReport(delivered=len(done))

    def _webhook(self, url: str) -> DeliveryReport:
        label = receiver_label("webhook", url)
        due = self.claim("webhook", [url])
        report = DeliveryReport()
        for n, d in enumerate(due):
            body = webhook.encode(
                webhook.alert_payload(
                    d.alert,
                    delivery_id=d.id,
                    public_url=self.config.public_url,
                    sent_at=self.clock().isoformat(),
                )
            )
            try:
                webhook.post(
                    self.client,
                    url,
                    body,
                    secret=self.config.webhooks.secret,
                    delivery_id=d.id,
                    seconds=self.config.timeout,
                    stop=self.stop,
                )
            except webhook.WebhookError as exc:
                if self.stop.stopped:  # shutting down: not the receiver's fault, due again at once
                    postpone(
                        self.database,
                        [x.id for x in due[n:]],
                        "interrupted: r2pwatch stopped",
                        retry_at=self.clock(),
                    )
                    return report + DeliveryReport(postponed=len(due) - n)
                return report + self.failed([d], due[n + 1 :], label, str(exc))
            report += self.delivered([d])
            log.info("alert %d delivered to %s", d.alert.id, label)
        return report

    def abort(self) -> None:
        """Cut the attempts in flight (shutting down); their rows are due again when the lease ends."""
        self.stop.stop()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
