"""E-mail delivery over SMTP: one mail per alert, or one digest per recipient and run.

One SMTP session per run (STARTTLS when ``email.starttls``, login when ``email.username``), held to a
hard deadline of ``delivery.timeout``: its socket is tracked by an ``ingest.deadline`` exchange that a
timer aborts when time is up, so a server that hangs or drips its replies cannot hold the job. The
outbound-address policy of feeds and webhooks does not apply: the SMTP server is the administrator's own
relay, often on this machine. The password never appears in messages or logs.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections import defaultdict
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING

from db.deliveries import DueDelivery
from ingest import deadline

if TYPE_CHECKING:
    from ingest.delivery import Deliverer, DeliveryReport, EmailConfig

SUBJECT_PREFIX = "[r2pwatch]"


def _where(d: DueDelivery) -> str:
    a = d.alert
    place = a.country if a.scope == "country" else a.region
    return f"{place} / {a.indicator or 'coverage gap'}"


def _section(d: DueDelivery, public_url: str) -> list[str]:
    a = d.alert
    base = public_url.rstrip("/")
    lines = [f"{_where(d)} ({a.scope}, {a.region or '-'}), {a.day:%Y-%m-%d}", *a.arithmetic()]
    if a.story_ids:
        lines.append(f"Stories ({len(a.story_ids)}): {', '.join(str(s) for s in a.story_ids)}")
    if base:
        lines.append(f"On the dashboard: {base}/alerts?alert={a.id}&days=3650")
    return lines


def message(cfg: EmailConfig, to: str, due: Sequence[DueDelivery], public_url: str) -> EmailMessage:
    """One alert's mail, or (several) a digest."""
    msg = EmailMessage()
    msg["From"] = cfg.sender
    msg["To"] = to
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=cfg.sender.rpartition("@")[2] or None)
    if len(due) == 1:
        msg["Subject"] = f"{SUBJECT_PREFIX} {_where(due[0])}: {due[0].alert.figures()}"
    else:
        names = ", ".join(_where(d) for d in due[:3]) + (", …" if len(due) > 3 else "")
        msg["Subject"] = f"{SUBJECT_PREFIX} {len(due)} alerts: {names}"
    msg["X-R2PWatch-Alerts"] = ", ".join(str(d.alert.id) for d in due)
    body: list[str] = []
    for d in due:
        body += [*_section(d, public_url), ""]
    body.append("-- \nr2pwatch alert delivery")
    msg.set_content("\n".join(body))
    return msg


def send_due_mail(deliverer: Deliverer, cfg: EmailConfig) -> DeliveryReport:
    from ingest.delivery import DeliveryReport

    due = deliverer.claim("email", [address for address, _ in cfg.recipients])
    if not due:
        return DeliveryReport()
    by_to: dict[str, list[DueDelivery]] = defaultdict(list)
    for d in due:
        by_to[d.target].append(d)
    batches = [(to, ds) for to, ds in by_to.items()] if cfg.digest else [(d.target, [d]) for d in due]
    label = f"SMTP {cfg.host}:{cfg.port}"
    seconds = deliverer.config.timeout
    report = DeliveryReport()
    with deadline.exchange(seconds, deliverer.stop) as exchange:
        timed_out = threading.Event()

        def time_up() -> None:
            timed_out.set()
            exchange.abort()

        def error(exc: BaseException) -> str:
            return _error(exc, exchange, seconds, timed_out.is_set())

        timer = threading.Timer(seconds, time_up)
        timer.daemon = True
        timer.start()
        try:
            try:
                smtp = _open(cfg, exchange)
            except Exception as exc:  # noqa: BLE001 - any failure to open the session is this run's error
                return deliverer.failed(due, [], label, error(exc))
            try:
                for n, (to, ds) in enumerate(batches):
                    try:
                        smtp.send_message(
                            message(cfg, to, ds, deliverer.config.public_url),
                            from_addr=cfg.sender,
                            to_addrs=[to],
                        )
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                        report += deliverer.failed(ds, [], f"{label} for {to}", error(exc))
                        continue
                    except Exception as exc:  # noqa: BLE001 - the session is broken: retry the rest later
                        rest = [x for _, later in batches[n + 1 :] for x in later]
                        return report + deliverer.failed(ds, rest, label, error(exc))
                    report += deliverer.delivered(ds)
            finally:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()
        finally:
            timer.cancel()
    return report


def _open(cfg: EmailConfig, exchange: deadline.Exchange) -> smtplib.SMTP:
    smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=exchange.cap(None))  # connects, reads the greeting
    try:
        if smtp.sock is not None:
            exchange.track(smtp.sock)
        smtp.ehlo()
        if cfg.starttls:
            smtp.starttls(context=cfg.ssl_context or ssl.create_default_context())
            if smtp.sock is not None:
                exchange.track(smtp.sock)
            smtp.ehlo()
        if cfg.username:
            smtp.login(cfg.username, cfg.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _error(exc: BaseException, exchange: deadline.Exchange, seconds: float, timed_out: bool) -> str:
    # smtplib reports its socket's timeout as "Connection unexpectedly closed: timed out"
    if timed_out or exchange.remaining() <= 0.2 or isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return f"no complete SMTP exchange within {seconds:g} s (delivery.timeout)"
    if exchange.aborted:
        return "not sent: r2pwatch is shutting down"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"SMTP login refused ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(
            f"{code} {_text(msg)}" for code, msg in exc.recipients.values()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"SMTP server does not support it: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return text.strip().splitlines()[0][:200] if text.strip() else ""
