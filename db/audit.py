"""The audit log: who did what, when — review decisions, feed changes, user changes, logins.

Write with ``record`` inside the transaction that makes the change (so the change and its record commit
or roll back together), or with ``log`` on its own for events that change nothing else (a login).
Actions are dotted names: ``review.confirm``, ``feed.add``, ``feed.remove``, ``user.add``,
``login``, ``login.failed``, ``logout`` …
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import AuditEvent
from db.types import utcnow

MAX_TARGET = 500


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "detail": self.detail,
        }


def record(
    session: Session,
    actor: str | None,
    action: str,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """Append one event in the caller's transaction."""
    session.add(
        AuditEvent(
            at=at or utcnow(),
            actor=actor,
            action=action[:60],
            target=None if target is None else str(target)[:MAX_TARGET],
            detail=dict(detail or {}),
        )
    )


def log(
    database: Database,
    actor: str | None,
    action: str,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one event in its own transaction."""
    with database.write() as session:
        record(session, actor, action, target, detail)


def _entry(e: AuditEvent) -> AuditEntry:
    return AuditEntry(e.id, e.at, e.actor, e.action, e.target, dict(e.detail or {}))


def recent_events(
    database: Database,
    *,
    limit: int = 200,
    actor: str | None = None,
    action_prefix: str | None = None,
    since: datetime | None = None,
) -> list[AuditEntry]:
    """The newest events first."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if action_prefix:
        stmt = stmt.where(AuditEvent.action.startswith(action_prefix, autoescape=True))
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    with database.read() as session:
        return [_entry(e) for e in session.scalars(stmt)]


def iter_events(
    database: Database, *, since: datetime | None = None, batch: int = 1000
) -> Iterator[AuditEntry]:
    """Every event, oldest first, in batches (for exports)."""
    last = 0
    while True:
        stmt = select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
        if since is not None:
            stmt = stmt.where(AuditEvent.at >= since)
        with database.read() as session:
            rows = [_entry(e) for e in session.scalars(stmt)]
        if not rows:
            return
        yield from rows
        last = rows[-1].id
