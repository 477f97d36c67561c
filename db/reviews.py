"""Review actions: an analyst confirms, dismisses or escalates items, with a note.

``reviews`` holds the current state of an item (no row: status "new"); every action is also appended
to ``review_history``, which is never updated or deleted from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from db.audit import record
from db.engine import Database
from db.models import REVIEW_STATUSES, Item, Review, ReviewHistory
from db.types import utcnow

#: action verb (buttons, CLI) -> status it sets
ACTIONS: dict[str, str] = {
    "confirm": "confirmed",
    "dismiss": "dismissed",
    "escalate": "escalated",
    "reopen": "new",
}
MAX_NOTE = 4000


class ReviewError(ValueError):
    """A review action was refused (unknown status, no analyst, unknown items)."""


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    item_id: int
    status: str
    analyst: str
    note: str | None
    at: datetime


def record_review(
    database: Database,
    item_ids: Iterable[int],
    status: str,
    analyst: str,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Set the status of every item in ``item_ids`` and append one history row each.

    All or nothing: an unknown item id refuses the whole action. Returns how many items changed.
    """
    if status not in REVIEW_STATUSES:
        raise ReviewError(f"unknown status {status!r}")
    if not analyst:
        raise ReviewError("no analyst given")
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return 0
    note = (note or "").strip()[:MAX_NOTE] or None
    now = now or utcnow()
    with database.write() as session:
        found = set(session.scalars(select(Item.id).where(Item.id.in_(ids))))
        missing = [i for i in ids if i not in found]
        if missing:
            raise ReviewError(f"unknown item(s): {', '.join(map(str, missing[:10]))}")
        current = {r.item_id: r for r in session.scalars(select(Review).where(Review.item_id.in_(ids)))}
        for item_id in ids:
            review = current.get(item_id)
            if review is None:
                session.add(
                    Review(item_id=item_id, status=status, analyst=analyst, note=note, updated_at=now)
                )
            else:
                review.status = status
                review.analyst = analyst
                review.note = note
                review.updated_at = now
            session.add(ReviewHistory(item_id=item_id, status=status, analyst=analyst, note=note, at=now))
        target = f"item {ids[0]}" if len(ids) == 1 else f"{len(ids)} items"
        record(session, analyst, f"review.{status}", target, {"items": ids[:1000], "note": note}, at=now)
    return len(ids)


def apply_action(
    database: Database, item_ids: Iterable[int], action: str, analyst: str, note: str | None = None
) -> int:
    if action not in ACTIONS:
        raise ReviewError(f"unknown action {action!r}")
    return record_review(database, item_ids, ACTIONS[action], analyst, note)


def review_history(database: Database, item_id: int) -> list[ReviewEvent]:
    """The item's review actions, oldest first."""
    with database.read() as session:
        rows = session.scalars(
            select(ReviewHistory)
            .where(ReviewHistory.item_id == item_id)
            .order_by(ReviewHistory.at, ReviewHistory.id)
        )
        return [ReviewEvent(r.item_id, r.status, r.analyst, r.note, r.at) for r in rows]


def review_statuses(database: Database, item_ids: Iterable[int]) -> dict[int, str]:
    """Current status of each item ("new" when never reviewed)."""
    ids = sorted({int(i) for i in item_ids})
    out = dict.fromkeys(ids, "new")
    if not ids:
        return out
    with database.read() as session:
        for item_id, status in session.execute(
            select(Review.item_id, Review.status).where(Review.item_id.in_(ids))
        ):
            out[int(item_id)] = str(status)
    return out
