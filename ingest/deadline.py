"""A hard deadline and an abort switch for one HTTP exchange, enforced on every socket operation.

Per-read timeouts do not bound a server that drips one byte a second into its headers: each read
returns in time and the exchange never ends. So every name lookup, connect, TLS handshake, read and
write of a fetch takes at most the time left until the fetch's deadline, and the fetch's sockets can
be shut down from another thread (a scheduler stopping) to wake a read that is waiting.

The exchange in force is a context variable set by the fetcher around one fetch; the network
backend (``ingest.netguard``) consults it, so pooled connections serve any fetch with that fetch's
own deadline.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any


class Expired(Exception):
    """The exchange ran out of time, or was aborted."""


class Exchange:
    """One fetch: when it must be over, and the sockets it is using right now."""

    def __init__(self, seconds: float, group: StopGroup | None = None) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.aborted = False
        self._group = group
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.aborted or self.remaining() <= 0

    def cap(self, timeout: float | None) -> float:
        """``timeout`` shortened to the time left; raises Expired when none is."""
        if self.aborted:
            raise Expired("fetch stopped: the scheduler is shutting down")
        left = self.remaining()
        if left <= 0:
            raise Expired(f"no complete response within {self.seconds:g} s (fetch.total_timeout)")
        return left if timeout is None else min(timeout, left)

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
            aborted = self.aborted
        if aborted:
            _shutdown(sock)

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def _finish(self) -> None:
        with self._lock:
            self._sockets.clear()


def _shutdown(sock: socket.socket) -> None:
    # shutdown (not close) wakes a recv() blocked in another thread at once; the owner closes it.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class StopGroup:
    """Every exchange started under it can be aborted at once (a scheduler shutting down)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[Exchange] = set()
        self.stopped = False

    def stop(self) -> int:
        """Abort the exchanges in flight and every later one; returns how many were in flight."""
        with self._lock:
            self.stopped = True
            live = list(self._live)
        for exchange in live:
            exchange.abort()
        return len(live)

    def _add(self, exchange: Exchange) -> None:
        with self._lock:
            self._live.add(exchange)
            stopped = self.stopped
        if stopped:
            exchange.abort()

    def _discard(self, exchange: Exchange) -> None:
        with self._lock:
            self._live.discard(exchange)


_current: ContextVar[Exchange | None] = ContextVar("r2pwatch_exchange", default=None)


def current() -> Exchange | None:
    return _current.get()


@contextlib.contextmanager
def exchange(seconds: float, group: StopGroup | None = None) -> Iterator[Exchange]:
    """Run the block as one exchange of at most ``seconds``."""
    ex = Exchange(seconds, group)
    if group is not None:
        group._add(ex)
    token = _current.set(ex)
    try:
        yield ex
    finally:
        _current.reset(token)
        ex._finish()
        if group is not None:
            group._discard(ex)


def resolve(host: str, port: int, timeout: float | None) -> list[tuple[Any, ...]]:
    """``socket.getaddrinfo`` that gives up after ``timeout`` seconds (the lookup itself cannot be
    interrupted, so it runs in a daemon thread that is left to finish on its own)."""
    if timeout is None:
        return list(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    box: list[Any] = []
    done = threading.Event()

    def run() -> None:
        try:
            box.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting thread
            box.append(exc)
        done.set()

    threading.Thread(target=run, name="resolve", daemon=True).start()
    if not done.wait(timeout):
        raise TimeoutError(f"looking up {host} took longer than {timeout:g} s")
    result = box[0]
    if isinstance(result, BaseException):
        raise result
    return list(result)
