"""Server-side dashboard sessions: a random token in the cookie, its SHA-256 here.

A session is valid while its row exists, it has not expired and its user is enabled; deleting the
row (logout, or :mod:`db.users` when a password, role or account changes) ends it at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from db.engine import Database
from db.models import User, UserSession
from db.types import utcnow
from db.users import UserInfo


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    database: Database, user_id: int, lifetime: timedelta, *, now: datetime | None = None
) -> str:
    """A new session for the user; returns the token to put in the cookie. Drops expired sessions."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with database.write() as session:
        session.execute(delete(UserSession).where(UserSession.expires_at < now))
        session.add(
            UserSession(token_hash=_hash(token), user_id=user_id, created_at=now, expires_at=now + lifetime)
        )
    return token


def session_user(database: Database, token: str, *, now: datetime | None = None) -> UserInfo | None:
    """The enabled user of a live session, else None."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    with database.read() as session:
        row = session.execute(
            select(User.id, User.name, User.role, User.feed_token)
            .join(UserSession, UserSession.user_id == User.id)
            .where(
                UserSession.token_hash == _hash(token), UserSession.expires_at > now, User.disabled.is_(False)
            )
        ).first()
    return UserInfo(row.id, row.name, row.role, row.feed_token) if row else None


def end_session(database: Database, token: str) -> None:
    with database.write() as session:
        session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))


def count_sessions(database: Database, user_id: int, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    with database.read() as session:
        return len(
            list(
                session.scalars(
                    select(UserSession.token_hash).where(
                        UserSession.user_id == user_id, UserSession.expires_at > now
                    )
                )
            )
        )
