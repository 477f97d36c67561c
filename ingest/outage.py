"""The scheduler's view of a database it cannot reach: one log line per failed try, tries spaced
further apart each time (up to a cap), and one line when the database answers again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger("r2pwatch.ingest")

#: errors that mean "the database is not there right now", not a bug
UNREACHABLE = (OperationalError, DBAPIError, ConnectionError, TimeoutError)


def one_line(exc: BaseException) -> str:
    """The driver's own message, first line only, never the SQL or its parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return f"{type(orig if orig is not None else exc).__name__}: {text[0] if text else ''}"[:300]


class Outage:
    """Back-off for work that needs the database: ``ready()`` says whether to try now."""

    def __init__(self, first: float, cap: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.first = first
        self.cap = cap
        self.clock = clock
        self.failures = 0
        self.next_try = 0.0
        self.since = 0.0

    def ready(self) -> bool:
        return self.failures == 0 or self.clock() >= self.next_try

    def failed(self, exc: BaseException, what: str) -> float:
        if self.failures == 0:
            self.since = self.clock()
        delay = min(self.cap, self.first * 2.0**self.failures)
        self.failures += 1
        self.next_try = self.clock() + delay
        log.error(
            "database unreachable (%s failed: %s); try %d, next in %.0f s",
            what,
            one_line(exc),
            self.failures,
            delay,
        )
        return delay

    def succeeded(self) -> None:
        if self.failures:
            log.warning(
                "database reachable again after %d failed tries over %.0f s",
                self.failures,
                self.clock() - self.since,
            )
        self.failures = 0
