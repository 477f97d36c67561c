"""Fetch one feed over HTTP: timeouts, a size cap after decompression, hand-followed redirects,
conditional GET, and the caching facts (Retry-After, max-age) the scheduler needs.

The fetcher returns bytes plus facts; it never parses the feed.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from ingest import deadline
from ingest.netguard import AddressPolicy, BlockedAddress, GuardedBackend, ResolveError
from ingest.urls import BadFeedURL, validate_feed_url

#: The application passes its own, with its version (``FetchConfig.user_agent``).
USER_AGENT = "r2pwatch (+https://github.com/r2pwatch/r2pwatch)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_CODES = frozenset({301, 308})
DECOMPRESS_CHUNK = 256 * 1024

Outcome = Literal["ok", "not_modified", "error"]
# Error kinds recorded in the fetch log and on the feed (also used by parse/pipeline).
ERROR_KINDS = (
    "timeout",
    "dns",
    "connection",
    "blocked",
    "bad_url",
    "redirect",
    "http_status",
    "gone",
    "too_large",
    "decode",
    "not_a_feed",
    "parse_error",
    "parse_timeout",
    "internal",
    "interrupted",
)


@dataclass(frozen=True, slots=True)
class FetchConfig:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    outcome: Outcome
    url: str  # as requested
    final_url: str
    http_status: int | None = None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # final response, names lower-cased
    etag: str | None = None
    last_modified: str | None = None
    permanent_url: str | None = None  # where a chain of 301/308 from the requested URL ended
    retry_after: float | None = None  # seconds
    max_age: float | None = None  # seconds
    error_kind: str | None = None
    error: str | None = None
    duration_ms: int = 0
    redirects: tuple[tuple[int, str], ...] = ()


class FetchError(Exception):
    def __init__(self, kind: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


def make_client(
    policy: AddressPolicy, *, max_connections: int = 8, user_agent: str = USER_AGENT
) -> httpx.Client:
    """One client for a whole pass (connection reuse); every connection goes through the policy."""
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx has no public way to set the network backend, so the pool is rebuilt with ours (a private
    # attribute: httpx is pinned exactly in pyproject.toml, tests/test_netguard.py checks the hook).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(policy),
    )
    return httpx.Client(
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        headers={"User-Agent": user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
    )


def fetch(
    client: httpx.Client,
    request: FetchRequest,
    config: FetchConfig,
    *,
    stop: deadline.StopGroup | None = None,
) -> FetchResult:
    """Fetch one feed. Never raises for network or HTTP problems: they come back as an error result.

    ``config.total_timeout`` is a hard deadline over the whole exchange (every lookup, connect, TLS
    handshake, header and body read of every redirect hop); ``stop`` aborts the fetch at once.
    """
    with deadline.exchange(config.total_timeout, stop) as exchange:
        return _fetch(client, request, config, exchange)


def _fetch(
    client: httpx.Client, request: FetchRequest, config: FetchConfig, exchange: deadline.Exchange
) -> FetchResult:
    started = time.monotonic()
    redirects: list[tuple[int, str]] = []
    permanent_url: str | None = None
    url = request.url

    def done(outcome: Outcome, **kw: object) -> FetchResult:
        ms = int((time.monotonic() - started) * 1000)
        # A permanent redirect moves the feed only when the fetch through it succeeded and the new
        # address is one a user could have entered; otherwise the stored URL stays as it is.
        moved = permanent_url if outcome != "error" and _acceptable(permanent_url) else None
        return FetchResult(
            outcome=outcome,
            url=request.url,
            final_url=url,
            duration_ms=ms,
            redirects=tuple(redirects),
            permanent_url=moved,
            **kw,  # type: ignore[arg-type]
        )

    try:
        seen = {url}
        all_permanent = True
        while True:
            _check_scheme(url)
            status, headers, body = _one_hop(client, url, request, config, exchange)
            if status in REDIRECT_CODES and "location" in headers:
                target = urljoin(url, headers["location"].strip())
                redirects.append((status, target))
                if status in PERMANENT_CODES and all_permanent:
                    permanent_url = target
                else:
                    all_permanent = False
                if target in seen:
                    raise FetchError("redirect", f"redirect loop at {target}", status=status)
                if len(redirects) > config.max_redirects:
                    raise FetchError("redirect", f"more than {config.max_redirects} redirects", status=status)
                seen.add(target)
                url = target
                continue
            break
    except FetchError as exc:
        return done("error", http_status=exc.status, error_kind=exc.kind, error=str(exc))

    caching = dict(
        http_status=status,
        headers=headers,
        etag=headers.get("etag") or request.etag,
        last_modified=headers.get("last-modified") or request.last_modified,
        max_age=_max_age(headers.get("cache-control")),
    )
    if status == 304:
        return done("not_modified", **caching)
    if status == 410:
        return done(
            "error",
            http_status=status,
            headers=headers,
            error_kind="gone",
            error="410 Gone: the server says the feed was removed for good",
        )
    if status >= 400 or status < 200 or status in REDIRECT_CODES:
        reason = httpx.codes.get_reason_phrase(status) or "unexpected status"
        return done(
            "error",
            http_status=status,
            headers=headers,
            error_kind="http_status",
            error=f"HTTP {status} {reason}".strip(),
            retry_after=_retry_after(headers.get("retry-after")),
        )
    return done("ok", body=body, **caching)


def _acceptable(url: str | None) -> bool:
    if url is None:
        return False
    try:
        validate_feed_url(url)
    except BadFeedURL:
        return False
    return len(url) <= 2048


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError("bad_url", f"only http(s) URLs with a host are fetched: {url[:200]}")


def _one_hop(
    client: httpx.Client, url: str, request: FetchRequest, config: FetchConfig, exchange: deadline.Exchange
) -> tuple[int, dict[str, str], bytes]:
    # Each socket operation is also capped by the exchange's deadline (see ingest.netguard).
    remaining = exchange.remaining()
    if remaining <= 0 or exchange.aborted:
        raise _expired(exchange, None)
    timeout = httpx.Timeout(
        connect=min(config.connect_timeout, remaining),
        read=min(config.read_timeout, remaining),
        write=min(config.read_timeout, remaining),
        pool=min(config.connect_timeout, remaining),
    )
    headers: dict[str, str] = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    try:
        req = client.build_request("GET", url, headers=headers, timeout=timeout)
        response = client.send(req, stream=True)
        try:
            resp_headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code != 200:
                return response.status_code, resp_headers, b""
            body = _read_body(response, resp_headers.get("content-encoding", ""), config, exchange)
            return response.status_code, resp_headers, body
        finally:
            response.close()
    except FetchError:
        raise
    except BlockedAddress as exc:
        raise FetchError("blocked", str(exc)) from None
    except ResolveError as exc:
        raise FetchError("dns", str(exc)) from None
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        if exchange.expired:
            raise _expired(exchange, None) from None
        if isinstance(exc, httpx.TimeoutException):
            raise FetchError("timeout", f"{type(exc).__name__}: {exc or 'timed out'}") from None
        if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
            raise FetchError("bad_url", str(exc)) from None
        raise FetchError("connection", f"{type(exc).__name__}: {exc}") from None
    except (httpx.InvalidURL, httpx.DecodingError, httpx.TooManyRedirects) as exc:
        kind = "bad_url" if isinstance(exc, httpx.InvalidURL) else "connection"
        raise FetchError(kind, f"{type(exc).__name__}: {exc}" if kind == "connection" else str(exc)) from None


def _expired(exchange: deadline.Exchange, status: int | None) -> FetchError:
    if exchange.aborted:
        return FetchError("interrupted", "fetch stopped: r2pwatch is shutting down", status=status)
    return FetchError(
        "timeout", f"no complete response within {exchange.seconds:g} s (fetch.total_timeout)", status=status
    )


def _read_body(
    response: httpx.Response, encoding: str, config: FetchConfig, exchange: deadline.Exchange
) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > config.max_bytes and encoding.strip() in ("", "identity"):
        raise FetchError(
            "too_large",
            f"body of {int(declared):,} bytes is over the {config.max_bytes:,} limit",
            status=response.status_code,
        )
    out = bytearray()
    for chunk in _decoded(response.iter_raw(), encoding):
        out += chunk
        if len(out) > config.max_bytes:
            raise FetchError(
                "too_large",
                f"body over the {config.max_bytes:,} byte limit (after decompression)",
                status=response.status_code,
            )
        if exchange.expired:
            raise _expired(exchange, response.status_code)
    return bytes(out)


def _decoded(raw: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """Decompress with bounded output per step, so a gzip bomb is caught by the size cap early.
    A body labelled as compressed that is not (a common server mistake) is passed through."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        yield from raw
        return
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise FetchError("decode", f"unsupported Content-Encoding {encoding!r}")
    # "deflate" is meant to be zlib-wrapped, but many servers send a raw deflate stream.
    options = [16 + zlib.MAX_WBITS] if codings[0] != "deflate" else [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    chunks = iter(raw)
    head = next(chunks, b"")
    for wbits in options:
        decomp = zlib.decompressobj(wbits)
        try:
            first = decomp.decompress(head, 1)  # enough to validate the header
        except zlib.error:
            continue
        break
    else:
        yield head
        yield from chunks
        return
    if first:
        yield first
    yield from _inflate(decomp, decomp.unconsumed_tail)
    for chunk in chunks:
        if decomp.eof:
            break
        yield from _inflate(decomp, chunk)
    if not decomp.eof:
        tail = decomp.flush()
        if tail:
            yield tail


def _inflate(decomp: zlib._Decompress, data: bytes) -> Iterator[bytes]:
    try:
        while data and not decomp.eof:
            out = decomp.decompress(data, DECOMPRESS_CHUNK)
            if out:
                yield out
            data = decomp.unconsumed_tail
    except zlib.error as exc:
        raise FetchError("decode", f"corrupt compressed body: {exc}") from None


_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*\"?(\d+)", re.I)


def _max_age(value: str | None) -> float | None:
    if not value or "no-store" in value.lower():
        return None
    m = _MAX_AGE.search(value)
    return float(m.group(1)) if m else None


def _retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
