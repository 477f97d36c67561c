"""Dates given on the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime

from r2pwatch.errors import UserError


def parse_since(value: str | None, option: str = "--since") -> datetime | None:
    """An ISO 8601 date or time (UTC when it names no zone), or a UserError naming the option."""
    if not value:
        return None
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option}: not an ISO 8601 date: {value!r}") from None
    return since.replace(tzinfo=UTC) if since.tzinfo is None else since


def parse_day(value: str, option: str = "--from") -> date:
    """A calendar day YYYY-MM-DD, or a UserError naming the option."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{option}: not a date YYYY-MM-DD: {value!r}") from None
