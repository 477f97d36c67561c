"""Page figures shared by every visitor of one dashboard process for a few seconds.

The overview, region and country pages show aggregates (signal panels, series, coverage, country
tables) that are the same for every analyst and change only as ingestion stores items. Twenty
analysts opening the overview within a minute need them computed once, not twenty times: each read is
kept for ``ttl`` seconds (``serve.cache_seconds``; 0 turns it off), and when several requests want the
same figure at once, one computes it while the others wait for that result instead of running the same
queries beside it. Review queues, item lists and anything a user's own action changes are not read
through here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["SharedReads", "floor_time", "freeze"]


@dataclass(slots=True)
class _Entry:
    lock: threading.Lock
    expires: float = 0.0
    value: Any = None
    filled: bool = False


class SharedReads:
    def __init__(
        self, ttl: float, *, max_entries: int = 512, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._guard = threading.Lock()
        self.computed = 0  # reads that ran their queries (for tests and the load benchmark)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s value for ``key``, as computed at most ``ttl`` seconds ago."""
        if self.ttl <= 0:
            self.computed += 1
            return compute()
        with self._guard:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(threading.Lock())
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        with entry.lock:
            if entry.filled and self._clock() < entry.expires:
                value: T = entry.value
                return value
            value = compute()  # an exception leaves the entry empty: the next request tries again
            self.computed += 1
            entry.value, entry.filled = value, True
            entry.expires = self._clock() + self.ttl
            return value

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()


def floor_time(moment: datetime, seconds: float) -> datetime:
    """``moment`` floored to a multiple of ``seconds`` since the epoch (unchanged for 0)."""
    if seconds <= 0:
        return moment
    stamp = moment.timestamp()
    return datetime.fromtimestamp(stamp - stamp % seconds, moment.tzinfo)


def freeze(value: Any) -> Hashable:
    """A hashable stand-in for read arguments: dicts and lists become tuples."""
    if isinstance(value, dict):
        return tuple((k, freeze(v)) for k, v in sorted(value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        items = [freeze(v) for v in value]
        return tuple(sorted(items, key=repr) if isinstance(value, set | frozenset) else items)
    if not isinstance(value, Hashable):
        raise TypeError(f"a shared read's argument must be hashable, not {type(value).__name__}")
    return value
