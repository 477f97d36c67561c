"""The end-of-pass summary: feeds ok / not modified / failed by kind, items, time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ingest.pipeline import FeedOutcome


@dataclass(frozen=True, slots=True)
class PassSummary:
    outcomes: tuple[FeedOutcome, ...]
    ok: int
    not_modified: int
    failed: int
    failed_by_kind: tuple[tuple[str, int], ...]
    new_items: int
    duplicate_items: int
    updated_items: int
    skipped_entries: int
    elapsed: float
    interrupted: bool = False
    leased_elsewhere: int = 0  # feeds skipped because another worker holds them
    leased_until: datetime | None = None  # when the last of those leases expires

    @classmethod
    def of(
        cls,
        outcomes: Sequence[FeedOutcome],
        *,
        claimed: int,
        elapsed: float,
        interrupted: bool = False,
        leased_elsewhere: int = 0,
        leased_until: datetime | None = None,
    ) -> PassSummary:
        kinds = Counter(o.error_kind or "unknown" for o in outcomes if o.status == "error")
        return cls(
            outcomes=tuple(outcomes),
            ok=sum(o.status == "ok" for o in outcomes),
            not_modified=sum(o.status == "not_modified" for o in outcomes),
            failed=sum(o.status == "error" for o in outcomes),
            failed_by_kind=tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
            new_items=sum(o.new_items for o in outcomes),
            duplicate_items=sum(o.duplicate_items for o in outcomes),
            updated_items=sum(o.updated_items for o in outcomes),
            skipped_entries=sum(o.skipped_entries for o in outcomes),
            elapsed=elapsed,
            interrupted=interrupted,
            leased_elsewhere=leased_elsewhere,
            leased_until=leased_until,
        )

    @property
    def lease_note(self) -> str | None:
        """One line about feeds skipped because another worker (alive, or dead with its leases
        not yet expired) holds them."""
        if not self.leased_elsewhere:
            return None
        until = f"{self.leased_until:%Y-%m-%d %H:%M:%S} UTC" if self.leased_until else "later"
        n = self.leased_elsewhere
        return (
            f"{n} feed{'s' if n != 1 else ''} skipped: still leased by another worker until {until} "
            "(a worker that stopped without releasing them holds them until then; see ingest.lease_seconds)"
        )
