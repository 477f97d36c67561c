"""Webhooks: an alert as JSON, POSTed to a receiver's URL and signed with HMAC-SHA256.

The request goes through the feed fetcher's guarded client (``ingest.fetch.make_client``): each
connection's address is checked against the outbound-address policy (``webhooks.allow_private``), and
the whole exchange — lookup, connect, TLS, request, response headers — is held to one hard deadline
(``ingest.deadline``), so a receiver that hangs or drips its answer costs at most that long. Redirects
are not followed (a POST has nowhere safe to go). Errors come back as ``WebhookError`` with a message
that never contains the URL's path or query (where services keep their keys).

Headers: ``X-R2PWatch-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with
webhooks.secret>``, ``X-R2PWatch-Delivery: <delivery id>`` (the same on every retry: receivers dedupe
on it), ``X-R2PWatch-Event: alert``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from db.alerts import AlertInfo
from ingest import deadline
from ingest.netguard import BlockedAddress, ResolveError

SIGNATURE_HEADER = "X-R2PWatch-Signature"
DELIVERY_HEADER = "X-R2PWatch-Delivery"
EVENT_HEADER = "X-R2PWatch-Event"
#: response bytes read at most (for the error message); the rest is ignored
RESPONSE_PEEK = 2048


class WebhookError(Exception):
    """The receiver did not take the alert; the message is safe to store and show."""


def sign(body: bytes, secret: str) -> str:
    """The value of ``X-R2PWatch-Signature`` for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str) -> bool:
    """What a receiver does (constant-time comparison); here for the tests and as the reference."""
    return hmac.compare_digest(sign(body, secret), header.strip())


def alert_links(alert: AlertInfo, public_url: str) -> dict[str, str]:
    """Links to the alert and its place on the dashboard (empty without ``serve.public_url``)."""
    base = public_url.rstrip("/")
    if not base:
        return {}
    place = f"{base}/country/{alert.country}" if alert.scope == "country" else f"{base}/region/{alert.region}"
    return {"alert": f"{base}/alerts?alert={alert.id}&days=3650", "place": place}


def alert_payload(alert: AlertInfo, *, delivery_id: int, public_url: str, sent_at: str) -> dict[str, Any]:
    """The JSON object POSTed for one alert (documented in README, "Alert delivery")."""
    return {
        "event": "alert",
        "delivery_id": delivery_id,
        "sent_at": sent_at,
        "alert": {
            "id": alert.id,
            "kind": alert.kind,
            "scope": alert.scope,
            "region": alert.region or None,
            "country": alert.country or None,
            "indicator": alert.indicator or None,
            "date": f"{alert.day:%Y-%m-%d}",
            "window_start": alert.window_start.isoformat(),
            "window_end": alert.window_end.isoformat(),
            "observed": alert.observed,
            "expected": alert.expected,
            "score": alert.score,
            "threshold": alert.threshold,
            "sources": alert.sources,
            "stories": len(alert.story_ids),
            "story_ids": list(alert.story_ids),
            "explain": alert.explain(),
            "state": alert.state,
            "created_at": alert.created_at.isoformat(),
        },
        "links": alert_links(alert, public_url),
    }


def encode(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def post(
    client: httpx.Client,
    url: str,
    body: bytes,
    *,
    secret: str,
    delivery_id: int,
    seconds: float,
    stop: deadline.StopGroup | None = None,
) -> int:
    """POST ``body`` to ``url`` within ``seconds`` in all; returns the 2xx status, else raises
    WebhookError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("not an http(s) URL with a host")
    headers = {
        "Content-Type": "application/json",
        "Accept": "*/*",
        SIGNATURE_HEADER: sign(body, secret),
        DELIVERY_HEADER: str(delivery_id),
        EVENT_HEADER: "alert",
    }
    with deadline.exchange(seconds, stop) as exchange:
        try:
            timeout = httpx.Timeout(max(0.001, exchange.remaining()))
            request = client.build_request("POST", url, content=body, headers=headers, timeout=timeout)
            response = client.send(request, stream=True)
            try:
                status = response.status_code
                if 200 <= status < 300:
                    return status
                peek = b""
                for chunk in response.iter_raw():
                    peek += chunk
                    if len(peek) >= RESPONSE_PEEK or exchange.expired:
                        break
            finally:
                response.close()
        except BlockedAddress as exc:
            raise WebhookError(str(exc).replace("fetch.allow_private", "webhooks.allow_private")) from None
        except ResolveError as exc:
            raise WebhookError(str(exc)) from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            if exchange.aborted:
                raise WebhookError("not sent: r2pwatch is shutting down") from None
            if exchange.expired or isinstance(exc, httpx.TimeoutException):
                raise WebhookError(f"no response within {seconds:g} s (delivery.timeout)") from None
            raise WebhookError(f"{type(exc).__name__}: {_first_line(exc)}") from None
    reason = httpx.codes.get_reason_phrase(status) or "unexpected status"
    text = _first_line(peek.decode("utf-8", "replace"))
    if 300 <= status < 400:
        raise WebhookError(f"HTTP {status} {reason}: redirects are not followed for webhooks")
    raise WebhookError(f"HTTP {status} {reason}" + (f": {text[:200]}" if text else ""))


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else ""
