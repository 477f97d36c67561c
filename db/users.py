"""Dashboard users: roles viewer / analyst / admin, salted scrypt password hashes, per-user feed tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.audit import record
from db.engine import Database
from db.models import ROLES, User

_N, _R, _P = 2**14, 8, 1


class DuplicateUser(Exception):
    """A user with that name exists."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    role: str
    feed_token: str


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    salt_b64 = base64.b64encode(salt).decode()
    return f"scrypt${_N}${_R}${_P}${salt_b64}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt_b64), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.name, user.role, user.feed_token)


def add_user(database: Database, name: str, role: str, password: str, *, actor: str | None = None) -> UserInfo:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    try:
        with database.write() as session:
            if session.scalar(select(User.id).where(User.name == name)) is not None:
                raise DuplicateUser(name)
            user = User(
                name=name,
                role=role,
                password_hash=hash_password(password),
                feed_token=secrets.token_urlsafe(24),
            )
            session.add(user)
            session.flush()
            record(session, actor, "user.add", name, {"role": role})
            return _info(user)
    except IntegrityError:
        raise DuplicateUser(name) from None


def authenticate(database: Database, name: str, password: str) -> UserInfo | None:
    with database.read() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None or not verify_password(password, user.password_hash):
            return None
        return _info(user)


def get_user(database: Database, name: str) -> UserInfo | None:
    with database.read() as session:
        user = session.scalar(select(User).where(User.name == name))
        return _info(user) if user else None


def user_by_token(database: Database, token: str) -> UserInfo | None:
    with database.read() as session:
        user = session.scalar(select(User).where(User.feed_token == token))
        return _info(user) if user else None


def list_users(database: Database) -> list[UserInfo]:
    with database.read() as session:
        return [_info(u) for u in session.scalars(select(User).order_by(User.name))]
