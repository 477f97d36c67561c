"""Checks of command-line and settings values that would otherwise fail deep inside with a traceback:
each raises a UserError with one line that names the option and says what is wanted."""

from __future__ import annotations

from r2pwatch.errors import UserError

SUPPORTED_DATABASES = ("sqlite", "postgresql")


def check_database_url(url: str, option: str = "--database-url") -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise UserError(
            f"{option}: not a database URL: {url!r} (use sqlite:///FILE or "
            "postgresql+psycopg://USER@HOST/NAME)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DATABASES:
        raise UserError(
            f"{option}: unsupported database {backend!r}: r2pwatch runs on SQLite "
            "(sqlite:///FILE) or PostgreSQL (postgresql+psycopg://USER@HOST/NAME)"
        )
    if backend == "postgresql" and parsed.drivername not in ("postgresql", "postgresql+psycopg"):
        raise UserError(
            f"{option}: unsupported PostgreSQL driver {parsed.drivername!r}: use postgresql+psycopg://"
        )
    return url


def check_port(value: object, option: str = "--port") -> int:
    try:
        port = int(str(value))
    except ValueError:
        raise UserError(f"{option}: not a port number: {value!r}") from None
    if not 1 <= port <= 65535:
        raise UserError(f"{option}: {port} is not a port (use 1-65535)")
    return port


def check_at_least(value: int | float | None, least: int, option: str, unit: str = "") -> None:
    if value is not None and value < least:
        raise UserError(f"{option} must be at least {least}{' ' + unit if unit else ''} (got {value:g})")


def check_language(code: str | None, option: str = "--language") -> str | None:
    """An ISO 639-1 code (``pt-BR`` allowed), the same codes the dashboard accepts; "" clears."""
    from ingest.languages import BadLanguage, normalise_language

    if code is None or not code.strip():
        return code
    try:
        return normalise_language(code)
    except BadLanguage as exc:
        raise UserError(f"{option}: {exc}") from None
