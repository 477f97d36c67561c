"""``r2pwatch feeds ...``: the feed list (add, list, edit, remove, enable, disable, OPML import and export)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from r2pwatch.checks import check_language
from r2pwatch.cli.common import actor, add, check_region, open_db, settings_of
from r2pwatch.errors import UserError

if TYPE_CHECKING:
    from db import Database


def _check_feed_fields(args: argparse.Namespace, url: str | None) -> None:
    """Lengths and the interval, before the database sees them (one clear line each)."""
    from db.limits import (
        FEED_LANGUAGE,
        FEED_TITLE,
        FEED_URL,
        BadInterval,
        FieldTooLong,
        check_interval,
        check_text,
    )

    try:
        check_text("feed address", url, FEED_URL)
        check_text("title", args.title, FEED_TITLE)
        check_text("language", args.language, FEED_LANGUAGE)
        if args.interval is not None:
            check_interval(args.interval)
    except (FieldTooLong, BadInterval) as exc:
        raise UserError(str(exc)) from None


def cmd_feeds_add(args: argparse.Namespace) -> int:
    from db.feeds import DuplicateFeed, NewFeed, add_feed
    from ingest.urls import BadFeedURL, validate_feed_url

    try:
        url = validate_feed_url(args.url)
    except BadFeedURL as exc:
        raise UserError(str(exc)) from None
    region = check_region(args.region)
    _check_feed_fields(args, url)
    settings = settings_of(args)
    database = open_db(args, settings)
    new = NewFeed(
        url=url,
        title=args.title,
        region=region,
        language=check_language(args.language),
        interval_minutes=args.interval,
    )
    try:
        feed_id = add_feed(
            database, new, default_interval=int(settings["ingest.default_interval"]), actor=actor()
        )
    except DuplicateFeed:
        raise UserError(f"feed already in the list: {url}") from None
    print(f"added feed {feed_id}: {url}")
    return 0


def _feed_json(info: Any) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": info.id,
        "url": info.url,
        "title": info.title,
        "category": info.category,
        "enabled": info.enabled,
        "region": info.region,
        "language": info.language,
        "interval_minutes": info.interval_minutes,
        "last_status": info.last_status,
        "last_error": info.error_text(),
        "last_fetched_at": iso(info.last_fetched_at),
        "last_success_at": iso(info.last_success_at),
        "consecutive_failures": info.consecutive_failures,
        "next_due_at": iso(info.next_due_at),
        "item_count": info.item_count,
        "items_per_day_30d": info.items_per_day_30d,
        "last_item_at": iso(info.last_item_at),
        "stale": info.stale,
        "disabled_reason": info.disabled_reason,
    }


def cmd_feeds_list(args: argparse.Namespace) -> int:
    import json

    from db.feeds import list_feeds

    feeds = list_feeds(open_db(args))
    if args.format == "json":
        print(json.dumps([_feed_json(f) for f in feeds], indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(feeds)} feeds", expand=False)
    for col in ("id", "title / url", "region", "on", "status", "items", "/day", "last error"):
        table.add_column(col, overflow="fold")
    for f in feeds:
        status = f.last_status + (" (stale)" if f.stale else "")
        table.add_row(
            str(f.id),
            f"{f.title or ''}\n{f.url}" if f.title else f.url,
            f.region or "",
            "yes" if f.enabled else "no",
            status,
            str(f.item_count),
            f"{f.items_per_day_30d:g}",
            f.error_text() or (f.disabled_reason or ""),
        )
    Console().print(table)
    return 0


def _feed_ref(database: Database, ref: str) -> int:
    from db.feeds import FeedNotFound, find_feed_id

    try:
        return find_feed_id(database, ref)
    except FeedNotFound:
        raise UserError(f"no feed with id or URL {ref!r}") from None


def cmd_feeds_remove(args: argparse.Namespace) -> int:
    from db.feeds import remove_feed

    database = open_db(args)
    feed_id = _feed_ref(database, args.feed)
    _, deleted = remove_feed(database, feed_id, actor=actor())
    print(f"removed feed {feed_id} and {deleted} items only it carried")
    return 0


def _set_enabled(args: argparse.Namespace, enabled: bool) -> int:
    from db.feeds import set_enabled

    database = open_db(args)
    feed_id = set_enabled(database, _feed_ref(database, args.feed), enabled, actor=actor())
    print(f"feed {feed_id} {'enabled' if enabled else 'disabled'}")
    return 0


def cmd_feeds_edit(args: argparse.Namespace) -> int:
    from db.feeds import update_feed

    _check_feed_fields(args, None)
    region = None if args.region in (None, "") else check_region(args.region)
    database = open_db(args)
    feed_id = update_feed(
        database,
        _feed_ref(database, args.feed),
        title=args.title,
        region=region,
        clear_region=args.region == "",
        language=check_language(args.language),
        interval_minutes=args.interval,
        actor=actor(),
    )
    print(f"feed {feed_id} updated")
    return 0


def cmd_feeds_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from db.feeds import add_feeds
    from indicators import REGIONS
    from ingest.opml import OPMLError, new_feeds, read_opml_file

    try:
        doc = read_opml_file(Path(args.file))
    except OPMLError as exc:
        raise UserError(str(exc)) from None
    settings = settings_of(args)
    database = open_db(args, settings)
    added, duplicates = add_feeds(
        database,
        new_feeds(doc.feeds, REGIONS),
        default_interval=int(settings["ingest.default_interval"]),
        actor=actor(),
    )
    for p in doc.problems:
        print(f"skipped {p.title!r}: {p.reason}", file=sys.stderr)
    for d in duplicates:
        print(f"skipped {(d.title or d.url)!r}: already in the feed list ({d.url})", file=sys.stderr)
    print(f"imported {len(added)} feeds, skipped {len(doc.problems) + len(duplicates)}")
    return 0


def cmd_feeds_export(args: argparse.Namespace) -> int:
    from db.feeds import list_feeds
    from ingest.opml import outlines, write_opml

    feeds = list_feeds(open_db(args))
    data = write_opml(outlines(feeds))
    if args.file and args.file != "-":
        with open(args.file, "wb") as fh:
            fh.write(data)
        print(f"exported {len(feeds)} feeds to {args.file}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def register(sub: Any) -> None:
    from indicators import REGIONS

    feeds = sub.add_parser("feeds", help="manage the feed list", description="manage the feed list")
    fsub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    fa = add(fsub, "add", cmd_feeds_add, "add a feed by URL")
    fa.add_argument("url")
    fa.add_argument("--title")
    fa.add_argument("--region", help=f"region hint: {', '.join(REGIONS)}")
    fa.add_argument("--language", help="language code, e.g. en, fr, ar")
    fa.add_argument("--interval", type=int, metavar="MINUTES", help="poll interval in minutes")
    fl = add(fsub, "list", cmd_feeds_list, "list feeds with their health")
    fl.add_argument("--format", choices=("table", "json"), default="table")
    for name, handler, text in (
        ("remove", cmd_feeds_remove, "remove a feed (and the items only it carried)"),
        ("enable", lambda a: _set_enabled(a, True), "enable a feed"),
        ("disable", lambda a: _set_enabled(a, False), "disable a feed"),
    ):
        sp = add(fsub, name, handler, text)
        sp.add_argument("feed", help="feed id or URL")
    fd = add(fsub, "edit", cmd_feeds_edit, "change a feed's title, region hint, language or interval")
    fd.add_argument("feed", help="feed id or URL")
    fd.add_argument("--title")
    fd.add_argument("--region", help=f"region hint ({', '.join(REGIONS)}); an empty string clears it")
    fd.add_argument("--language")
    fd.add_argument("--interval", type=int, metavar="MINUTES")
    fi = add(fsub, "import", cmd_feeds_import, "import feeds from an OPML file")
    fi.add_argument("file")
    fe = add(fsub, "export", cmd_feeds_export, "export feeds as OPML 2.0 (to FILE or stdout)")
    fe.add_argument("file", nargs="?")
