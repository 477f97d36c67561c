"""Dashboard users: roles viewer / analyst / admin, salted scrypt password hashes, per-user feed tokens.

Changing a user's password or role, disabling or removing them ends all their sessions at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.audit import record
from db.engine import Database
from db.limits import MAX_PASSWORD, MIN_PASSWORD, USER_NAME, check_text
from db.models import User, UserSession
from db.roles import ROLES

_N, _R, _P = 2**14, 8, 1


class DuplicateUser(Exception):
    """A user with that name exists."""


class UserNotFound(Exception):
    """No user has that name."""


class BadUserInput(ValueError):
    """A name, role or password that cannot be stored (the message says why)."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    name: str
    role: str
    feed_token: str
    disabled: bool = False


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    salt_b64 = base64.b64encode(salt).decode()
    return f"scrypt${_N}${_R}${_P}${salt_b64}${base64.b64encode(digest).decode()}"


# Checked against when the user does not exist, so a failed login costs the same either way.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


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


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise BadUserInput("a user name cannot be empty")
    if any(c.isspace() or not c.isprintable() for c in name):
        raise BadUserInput("a user name cannot contain spaces or control characters")
    try:
        check_text("user name", name, USER_NAME)
    except ValueError as exc:
        raise BadUserInput(str(exc)) from None
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadUserInput(f"password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise BadUserInput(f"password must have at most {MAX_PASSWORD} characters")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise BadUserInput(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    return role


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.name, user.role, user.feed_token, bool(user.disabled))


def add_user(
    database: Database, name: str, role: str, password: str, *, actor: str | None = None
) -> UserInfo:
    name, role, password = check_name(name), check_role(role), check_password(password)
    try:
        with database.write() as session:
            if session.scalar(select(User.id).where(User.name == name)) is not None:
                raise DuplicateUser(name)
            user = User(
                name=name,
                role=role,
                password_hash=hash_password(password),
                feed_token=secrets.token_urlsafe(24),
                disabled=False,
            )
            session.add(user)
            session.flush()
            record(session, actor, "user.add", name, {"role": role})
            return _info(user)
    except IntegrityError:
        raise DuplicateUser(name) from None


def authenticate(database: Database, name: str, password: str) -> UserInfo | None:
    """The user when the password is right and the account enabled. Runs the password hash whether
    or not the user exists, so the time taken tells nothing."""
    password = password[:MAX_PASSWORD]
    with database.read() as session:
        user = session.scalar(select(User).where(User.name == name[: USER_NAME + 1]))
        stored = user.password_hash if user is not None else _DUMMY_HASH
        ok = verify_password(password, stored)
        if user is None or not ok or user.disabled:
            return None
        return _info(user)


def get_user(database: Database, name: str) -> UserInfo | None:
    with database.read() as session:
        user = session.scalar(select(User).where(User.name == name))
        return _info(user) if user else None


def user_by_token(database: Database, token: str) -> UserInfo | None:
    """The enabled user whose Atom feed token this is."""
    with database.read() as session:
        user = session.scalar(select(User).where(User.feed_token == token, User.disabled.is_(False)))
        return _info(user) if user else None


def list_users(database: Database) -> list[UserInfo]:
    with database.read() as session:
        return [_info(u) for u in session.scalars(select(User).order_by(User.name))]


def _find(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserNotFound(name)
    return user


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def set_password(database: Database, name: str, password: str, *, actor: str | None = None) -> UserInfo:
    password = check_password(password)
    with database.write() as session:
        user = _find(session, name)
        record(session, actor, "user.password", name)
        user.password_hash = hash_password(password)
        _end_sessions(session, user.id)
        return _info(user)


def set_role(database: Database, name: str, role: str, *, actor: str | None = None) -> UserInfo:
    role = check_role(role)
    with database.write() as session:
        user = _find(session, name)
        if user.role != role:
            record(session, actor, "user.role", name, {"from": user.role, "to": role})
            user.role = role
            _end_sessions(session, user.id)
        return _info(user)


def set_disabled(database: Database, name: str, disabled: bool, *, actor: str | None = None) -> UserInfo:
    with database.write() as session:
        user = _find(session, name)
        record(session, actor, "user.disable" if disabled else "user.enable", name)
        user.disabled = disabled
        if disabled:
            _end_sessions(session, user.id)
        return _info(user)


def remove_user(database: Database, name: str, *, actor: str | None = None) -> None:
    """Delete the user and their sessions. Their reviews keep the name they were made under."""
    with database.write() as session:
        user = _find(session, name)
        record(session, actor, "user.remove", name, {"role": user.role})
        _end_sessions(session, user.id)
        session.delete(user)


def rotate_token(database: Database, name: str, *, actor: str | None = None) -> UserInfo:
    """A new Atom feed token; the old one stops working at once."""
    with database.write() as session:
        user = _find(session, name)
        record(session, actor, "user.rotate_token", name)
        user.feed_token = secrets.token_urlsafe(24)
        return _info(user)
