"""What every command shares: the settings from the flags, the database, who acts, safe URLs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from r2pwatch.errors import UserError

if TYPE_CHECKING:
    from db import Database
    from r2pwatch.settings import Settings

Handler = Callable[[argparse.Namespace], int]


def add(parent: Any, name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
    """A subcommand ``name`` of ``parent`` (a subparsers object) that runs ``handler``."""
    sp: argparse.ArgumentParser = parent.add_parser(name, help=help_, description=help_)
    sp.set_defaults(handler=handler)
    return sp


def settings_of(args: argparse.Namespace) -> Settings:
    from r2pwatch.checks import check_at_least, check_database_url, check_port
    from r2pwatch.settings import load_settings

    if args.database_url is not None:
        check_database_url(args.database_url)
    if getattr(args, "serve_port", None) is not None:
        check_port(args.serve_port)
    flags: dict[str, Any] = {"database.url": args.database_url}
    for name in ("serve.host", "serve.port"):
        value = getattr(args, name.replace(".", "_"), None)
        if value is not None:
            flags[name] = value
    settings = load_settings(args.config, flags=flags, demo=args.demo)
    check_database_url(settings.database_url, "database.url")
    check_port(settings["serve.port"], "serve.port")
    check_at_least(settings["ingest.default_interval"], 1, "ingest.default_interval", "minute")
    return settings


def open_db(args: argparse.Namespace, settings: Settings | None = None) -> Database:
    from sqlalchemy.exc import OperationalError

    from db import open_database

    settings = settings or settings_of(args)
    try:
        database = open_database(settings.database_url)
        args.cleanup.callback(database.dispose)
        return database
    except OperationalError as exc:
        raise UserError(f"cannot open database {safe_url(settings.database_url)}: {exc.orig}") from None


def actor() -> str:
    """Who runs this command, for the audit log."""
    import getpass

    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def check_region(region: str | None) -> str | None:
    if region is None:
        return None
    from indicators import REGIONS

    if region not in REGIONS:
        raise UserError(f"unknown region {region!r}; use one of: {', '.join(REGIONS)}")
    return region
