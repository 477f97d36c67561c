"""Per-database instance secrets (the dashboard's session signing key).

Kept in the database itself, so every instance — the demo included — has its own, and every web
worker of one instance shares it. Creation is atomic: processes starting together on a fresh database
all end up with the same value (SQLite serialises the writers; on PostgreSQL the loser of the insert
race reads the winner's row).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.engine import Database
from db.models import InstanceSecret


def instance_secret(database: Database, name: str) -> str:
    with database.read() as session:
        value = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
    if value is not None:
        return value
    try:
        with database.write() as session:
            value = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
            if value is None:
                value = secrets.token_urlsafe(48)
                session.add(InstanceSecret(name=name, value=value))
            return value
    except IntegrityError:
        with database.read() as session:
            existing = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
        if existing is None:
            raise
        return existing
