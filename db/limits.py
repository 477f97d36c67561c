"""Limits on stored values, checked before the database sees them.

Text limits come from the models' column lengths, so the schema stays the one source. Callers that
take input from people (command line, dashboard, OPML) check with :func:`check_text` and say which
field broke which limit; :func:`install_length_guard` is the last line for every ORM write, so neither
SQLite (which would store anything) nor PostgreSQL (which would fail mid-transaction) ever gets an
over-long value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from db.models import Feed, User

MIN_INTERVAL_MINUTES = 1
MAX_INTERVAL_MINUTES = 30 * 24 * 60
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # scrypt hashes anything, but a megabyte password is only a way to burn CPU


class FieldTooLong(ValueError):
    """A value longer than its column allows."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(f"{field} is too long ({length} characters; at most {limit})")
        self.field, self.length, self.limit = field, length, limit


class BadInterval(ValueError):
    """A polling interval outside the allowed range."""


def limit_of(column: InstrumentedAttribute[Any]) -> int:
    length = getattr(column.property.columns[0].type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column} has no length limit")
    return length


FEED_URL = limit_of(Feed.url)
FEED_TITLE = limit_of(Feed.title)
FEED_CATEGORY = limit_of(Feed.category)
FEED_LANGUAGE = limit_of(Feed.language)
FEED_REGION = limit_of(Feed.region)
USER_NAME = limit_of(User.name)


def check_text(field: str, value: str | None, limit: int) -> str | None:
    """``value`` unchanged, or FieldTooLong naming ``field``."""
    if value is not None and len(value) > limit:
        raise FieldTooLong(field, len(value), limit)
    return value


def check_interval(minutes: int) -> int:
    if not MIN_INTERVAL_MINUTES <= minutes <= MAX_INTERVAL_MINUTES:
        raise BadInterval(
            f"the interval must be between {MIN_INTERVAL_MINUTES} minute and {MAX_INTERVAL_MINUTES} minutes "
            f"(30 days), not {minutes}"
        )
    return minutes


def _check_object(obj: object) -> None:
    state = inspect(obj)
    table = state.mapper.local_table.name
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        if not isinstance(column.type, String) or not column.type.length:
            continue
        value = getattr(obj, attr.key, None)
        if isinstance(value, str) and len(value) > column.type.length:
            raise FieldTooLong(f"{table}.{column.name}", len(value), column.type.length)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        _check_object(obj)


def install_length_guard(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _before_flush)
