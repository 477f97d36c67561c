"""The address policy, enforced on the socket actually connected to (not on the host name).

A host name can resolve to a public address when validated and to 127.0.0.1 when connected (DNS
rebinding), and a redirect can point anywhere; so the check lives in the network backend that opens
every TCP connection, including the one for each redirect hop.

httpcore's public API takes a network backend (``httpcore.ConnectionPool(network_backend=...)``) and
this one subclasses the public ``httpcore.SyncBackend``; but it opens the socket itself (so the
deadline can abort even a connect in progress) and no public API wraps an open socket in a stream,
hence the one private import, ``SyncStream``. httpx has no public way to hand its transport a network
backend either (``ingest.fetch.make_client``). Both versions are pinned exactly in pyproject.toml;
``tests/test_netguard.py`` fails if either hook stops working.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
from httpcore import SyncBackend
from httpcore._backends.sync import SyncStream  # private: see the module docstring

from ingest import deadline


class BlockedAddress(Exception):
    """The host resolves to (or connected to) an address the policy refuses."""


class ResolveError(Exception):
    """The host name does not resolve."""


def _norm_host(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """``allow_private``: True allows every address; a tuple of "host:port" allows just those."""

    allow_all_private: bool = False
    allowed: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def from_setting(cls, value: bool | Iterable[str]) -> AddressPolicy:
        if isinstance(value, bool):
            return cls(allow_all_private=value)
        pairs = set()
        for entry in value:
            host, _, port = entry.rpartition(":")
            pairs.add((_norm_host(host), int(port)))
        return cls(allowed=frozenset(pairs))

    def allows(self, host: str, ip: str, port: int) -> bool:
        if is_public(ip) or self.allow_all_private:
            return True
        return (_norm_host(host), port) in self.allowed or (_norm_host(ip), port) in self.allowed


_COMPATIBLE = ipaddress.ip_network(
    "::/96"
)  # IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix: the last 32 bits are the IPv4 target
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use NAT64: the IPv4 part's place varies
_RESERVED_V6 = ipaddress.ip_network("::/8")


def unwrap(
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IPv4 address an IPv6 address stands for (mapped, IPv4-compatible, NAT64, 6to4), else itself."""
    if isinstance(addr, ipaddress.IPv4Address):
        return addr
    embedded = addr.ipv4_mapped or addr.sixtofour
    if embedded is not None:
        return embedded
    if (addr in _COMPATIBLE and int(addr) > 1) or addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return addr


def is_public(ip: str) -> bool:
    """A globally routable unicast address (not loopback, private, link-local, CGNAT, multicast, ...),
    judged on the IPv4 address inside any IPv6 form that carries one."""
    try:
        addr = unwrap(ipaddress.ip_address(ip.split("%", 1)[0]))
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and (addr in _RESERVED_V6 or addr in _NAT64_LOCAL):
        return False
    return bool(addr.is_global) and not addr.is_multicast


class GuardedBackend(SyncBackend):
    """httpcore's sync backend, refusing connections to addresses the policy does not allow, and
    holding every step to the deadline of the fetch in progress (``ingest.deadline``)."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        exchange = deadline.current()
        try:
            infos = _resolve(host, port, _cap(exchange, timeout, httpcore.ConnectTimeout))
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from None
        except (socket.gaierror, UnicodeError) as exc:
            raise ResolveError(f"cannot resolve {host}: {exc}") from None
        refused: list[str] = []
        last_error: OSError | None = None
        for family, type_, proto, _, sockaddr in infos:
            ip = str(sockaddr[0])
            if not self.policy.allows(host, ip, port):
                refused.append(ip)
                continue
            sock = socket.socket(family, type_, proto)
            try:
                if exchange is not None:
                    exchange.track(sock)
                sock.settimeout(_cap(exchange, timeout, httpcore.ConnectTimeout))
                sock.connect(sockaddr)
                peer = str(sock.getpeername()[0])
                if not self.policy.allows(host, peer, port):
                    raise BlockedAddress(f"{host} connected to internal address {peer}")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for option in socket_options or ():
                    sock.setsockopt(*option)
            except (BlockedAddress, httpcore.ConnectTimeout):
                sock.close()
                raise
            except TimeoutError as exc:
                sock.close()
                raise httpcore.ConnectTimeout(f"connect to {host}:{port} timed out") from exc
            except OSError as exc:
                sock.close()
                if exchange is not None and exchange.aborted:
                    raise httpcore.ConnectError(f"connect to {host}:{port} aborted") from None
                last_error = exc
                continue
            return DeadlineStream(SyncStream(sock))
        if last_error is not None:
            raise httpcore.ConnectError(f"cannot connect to {host}:{port}: {last_error}")
        raise BlockedAddress(
            f"{host} resolves to internal address {', '.join(sorted(set(refused)))} "
            "(allow it with fetch.allow_private)"
        )


def _resolve(host: str, port: int, timeout: float | None) -> list[tuple[Any, ...]]:
    try:
        ipaddress.ip_address(_norm_host(host).split("%", 1)[0])
    except ValueError:
        return deadline.resolve(host, port, timeout)  # a name: the lookup may hang
    return list(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))


def _cap(exchange: deadline.Exchange | None, timeout: float | None, error: type[Exception]) -> float | None:
    if exchange is None:
        return timeout
    try:
        return exchange.cap(timeout)
    except deadline.Expired as exc:
        raise error(str(exc)) from None


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write takes at most the time left to the current fetch;
    connections are pooled, so the fetch is looked up at each call, not at connect time."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def _track(self) -> deadline.Exchange | None:
        exchange = deadline.current()
        if exchange is not None:
            sock = self._inner.get_extra_info("socket")
            if isinstance(sock, socket.socket):
                exchange.track(sock)
        return exchange

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _cap(self._track(), timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _cap(self._track(), timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        capped = _cap(self._track(), timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, capped))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
