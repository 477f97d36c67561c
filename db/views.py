"""Saved views: a user's named page address (path and query string), and when the user last opened it,
so that the overview can count what is new since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import SavedView, User
from db.types import utcnow

MAX_NAME = 200
MAX_VIEWS = 100


class ViewError(ValueError):
    """The view cannot be saved (no name, unknown user, too many views)."""


@dataclass(frozen=True, slots=True)
class ViewInfo:
    id: int
    name: str
    path: str
    query: str
    seen_at: datetime

    @property
    def href(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


def _info(v: SavedView) -> ViewInfo:
    return ViewInfo(v.id, v.name, v.path, v.query, v.seen_at)


def _user_id(session: Session, user: str) -> int:
    uid = session.scalar(select(User.id).where(User.name == user))
    if uid is None:
        raise ViewError(f"unknown user {user!r}")
    return int(uid)


def save_view(database: Database, user: str, name: str, path: str, query: str = "") -> ViewInfo:
    """Save (or overwrite the user's view of the same name) ``path?query``."""
    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        raise ViewError("give the view a name")
    if not path.startswith("/") or path.startswith("//"):
        raise ViewError("a view is a page of this dashboard")
    with database.write() as session:
        uid = _user_id(session, user)
        view = session.scalar(select(SavedView).where(SavedView.user_id == uid, SavedView.name == name))
        if view is None:
            count = len(session.scalars(select(SavedView.id).where(SavedView.user_id == uid)).all())
            if count >= MAX_VIEWS:
                raise ViewError(f"at most {MAX_VIEWS} saved views per user")
            view = SavedView(user_id=uid, name=name)
            session.add(view)
        view.path = path[:200]
        view.query = query.lstrip("?")[:4000]
        view.seen_at = utcnow()
        session.flush()
        return _info(view)


def list_views(database: Database, user: str) -> list[ViewInfo]:
    with database.read() as session:
        rows = session.scalars(
            select(SavedView)
            .join(User, User.id == SavedView.user_id)
            .where(User.name == user)
            .order_by(SavedView.name)
        )
        return [_info(v) for v in rows]


def open_view(database: Database, user: str, view_id: int) -> ViewInfo | None:
    """The user's view, marked as seen now (None when it is not theirs or does not exist)."""
    with database.write() as session:
        view = session.scalar(
            select(SavedView)
            .join(User, User.id == SavedView.user_id)
            .where(SavedView.id == view_id, User.name == user)
        )
        if view is None:
            return None
        info = _info(view)
        view.seen_at = utcnow()
        return info


def delete_view(database: Database, user: str, view_id: int) -> bool:
    with database.write() as session:
        uid = _user_id(session, user)
        view = session.scalar(select(SavedView).where(SavedView.id == view_id, SavedView.user_id == uid))
        if view is None:
            return False
        session.delete(view)
        return True
