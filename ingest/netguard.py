"""The address policy, enforced on the socket actually connected to (not on the host name).

A host name can resolve to a public address when validated and to 127.0.0.1 when connected (DNS
rebinding), and a redirect can point anywhere; so the check lives in the network backend that opens
every TCP connection, including the one for each redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
from httpcore._backends.sync import SyncBackend, SyncStream


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


def is_public(ip: str) -> bool:
    """A globally routable unicast address (not loopback, private, link-local, CGNAT, multicast, ...)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address):
        mapped = addr.ipv4_mapped or addr.sixtofour
        if mapped is not None:
            addr = mapped
    return bool(addr.is_global) and not addr.is_multicast


class GuardedBackend(SyncBackend):
    """httpcore's sync backend, refusing connections to addresses the policy does not allow."""

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
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
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
                sock.settimeout(timeout)
                sock.connect(sockaddr)
                peer = str(sock.getpeername()[0])
                if not self.policy.allows(host, peer, port):
                    raise BlockedAddress(f"{host} connected to internal address {peer}")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for option in socket_options or ():
                    sock.setsockopt(*option)
            except BlockedAddress:
                sock.close()
                raise
            except TimeoutError as exc:
                sock.close()
                raise httpcore.ConnectTimeout(f"connect to {host}:{port} timed out") from exc
            except OSError as exc:
                sock.close()
                last_error = exc
                continue
            return SyncStream(sock)
        if last_error is not None:
            raise httpcore.ConnectError(f"cannot connect to {host}:{port}: {last_error}")
        raise BlockedAddress(
            f"{host} resolves to internal address {', '.join(sorted(set(refused)))} "
            "(allow it with fetch.allow_private)"
        )
