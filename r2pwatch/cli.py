"""The ``r2pwatch`` command. Exit codes: 0 success, 1 user error (one line, no traceback), 2 usage error.

Imports stay lazy so that ``r2pwatch tag`` loads neither SQLAlchemy nor Dash nor pandas.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from r2pwatch import __version__
from r2pwatch.checks import check_language
from r2pwatch.errors import UserError
from r2pwatch.export import add_arguments as export_arguments

if TYPE_CHECKING:
    from db import Database
    from r2pwatch.settings import Settings

Handler = Callable[[argparse.Namespace], int]


def _settings(args: argparse.Namespace) -> Settings:
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


def _open(args: argparse.Namespace, settings: Settings | None = None) -> Database:
    from sqlalchemy.exc import OperationalError

    from db import open_database

    settings = settings or _settings(args)
    try:
        database = open_database(settings.database_url)
        args.cleanup.callback(database.dispose)
        return database
    except OperationalError as exc:
        raise UserError(f"cannot open database {_safe_url(settings.database_url)}: {exc.orig}") from None


def _actor() -> str:
    """Who runs this command, for the audit log."""
    import getpass

    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- init / config ---------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from db.migrate import current_revision

    settings = _settings(args)
    database = _open(args, settings)
    print(f"database ready at {_safe_url(settings.database_url)} (schema {current_revision(database)})")
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    import json

    from db.deliveries import receiver_label
    from r2pwatch.settings import SPECS

    settings = _settings(args)
    rows = []
    for spec in SPECS:
        value = settings[spec.name]
        if spec.name == "database.url":
            value = _safe_url(settings.database_url)
        if (spec.secret or spec.name == "serve.secret_key") and value:
            value = "(set)"
        if spec.name == "webhooks.urls":
            value = [receiver_label("webhook", url) for url in value]
        rows.append({"setting": spec.name, "value": value, "source": settings.sources[spec.name]})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["setting"]) for r in rows)
    vwidth = min(60, max(len(json.dumps(r["value"], ensure_ascii=False)) for r in rows))
    for r in rows:
        print(f"{r['setting']:<{width}}  {json.dumps(r['value'], ensure_ascii=False):<{vwidth}}  {r['source']}")
    return 0


# --- feeds -----------------------------------------------------------------------------------


def _check_region(region: str | None) -> str | None:
    if region is None:
        return None
    from indicators import REGIONS

    if region not in REGIONS:
        raise UserError(f"unknown region {region!r}; use one of: {', '.join(REGIONS)}")
    return region


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
    region = _check_region(args.region)
    _check_feed_fields(args, url)
    settings = _settings(args)
    database = _open(args, settings)
    new = NewFeed(
        url=url, title=args.title, region=region, language=check_language(args.language),
        interval_minutes=args.interval
    )
    try:
        feed_id = add_feed(database, new, default_interval=int(settings["ingest.default_interval"]),
                           actor=_actor())
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

    feeds = list_feeds(_open(args))
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

    database = _open(args)
    feed_id = _feed_ref(database, args.feed)
    _, deleted = remove_feed(database, feed_id, actor=_actor())
    print(f"removed feed {feed_id} and {deleted} items only it carried")
    return 0


def _set_enabled(args: argparse.Namespace, enabled: bool) -> int:
    from db.feeds import set_enabled

    database = _open(args)
    feed_id = set_enabled(database, _feed_ref(database, args.feed), enabled, actor=_actor())
    print(f"feed {feed_id} {'enabled' if enabled else 'disabled'}")
    return 0


def cmd_feeds_edit(args: argparse.Namespace) -> int:
    from db.feeds import update_feed

    _check_feed_fields(args, None)
    region = None if args.region in (None, "") else _check_region(args.region)
    database = _open(args)
    feed_id = update_feed(database, _feed_ref(database, args.feed), title=args.title, region=region,
                          clear_region=args.region == "", language=check_language(args.language),
                          interval_minutes=args.interval, actor=_actor())
    print(f"feed {feed_id} updated")
    return 0


def cmd_feeds_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from db.feeds import NewFeed, add_feeds
    from indicators import REGIONS
    from ingest.opml import OPMLError, read_opml_file

    try:
        doc = read_opml_file(Path(args.file))
    except OPMLError as exc:
        raise UserError(str(exc)) from None
    settings = _settings(args)
    database = _open(args, settings)
    news = []
    for f in doc.feeds:
        region = f.region if f.region in REGIONS else None
        news.append(
            NewFeed(
                url=f.url,
                title=f.title,
                category=f.category,
                site_url=f.site_url,
                language=f.language,
                region=region,
                interval_minutes=f.interval_minutes,
                enabled=f.enabled,
            )
        )
    added, duplicates = add_feeds(database, news, default_interval=int(settings["ingest.default_interval"]),
                                  actor=_actor())
    for p in doc.problems:
        print(f"skipped {p.title!r}: {p.reason}", file=sys.stderr)
    for d in duplicates:
        print(f"skipped {(d.title or d.url)!r}: already in the feed list ({d.url})", file=sys.stderr)
    print(f"imported {len(added)} feeds, skipped {len(doc.problems) + len(duplicates)}")
    return 0


def cmd_feeds_export(args: argparse.Namespace) -> int:
    from db.feeds import list_feeds
    from ingest.opml import OPMLFeed, write_opml

    feeds = list_feeds(_open(args))
    data = write_opml(
        OPMLFeed(
            url=f.url,
            title=f.title,
            category=f.category,
            site_url=f.site_url,
            language=f.language,
            region=f.region,
            interval_minutes=f.interval_minutes,
            enabled=f.enabled,
        )
        for f in feeds
    )
    if args.file and args.file != "-":
        with open(args.file, "wb") as fh:
            fh.write(data)
        print(f"exported {len(feeds)} feeds to {args.file}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


# --- items -----------------------------------------------------------------------------------


def cmd_items_export(args: argparse.Namespace) -> int:
    from r2pwatch import export

    return export.run(args, _open(args))


def cmd_brief(args: argparse.Namespace) -> int:
    from dashboard.brief import BriefError, collect, to_html, to_markdown
    from dashboard.meta import Meta

    settings = _settings(args)
    database = _open(args, settings)
    meta = Meta(settings["indicators.taxonomy_files"])
    try:
        brief = collect(database, meta, region=args.region, country=args.country, start=args.start, end=args.end,
                        base_url=str(settings["serve.public_url"] or ""))
    except BriefError as exc:
        raise UserError(str(exc)) from None
    sys.stdout.write(to_html(brief, meta) if args.format == "html" else to_markdown(brief, meta))
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    import json
    from datetime import UTC, datetime, timedelta

    from db.alerts import AlertQuery, list_alerts
    from db.deliveries import deliveries_for
    from r2pwatch.alert_text import alert_row, alert_table
    from r2pwatch.checks import check_at_least

    check_at_least(args.days, 1, "--days", "day")
    since = datetime.now(UTC) - timedelta(days=args.days)
    query = AlertQuery(since=since, region=_check_region(args.region), country=args.country,
                       indicator=args.indicator, state=args.state, scope=args.scope)
    database = _open(args)
    alerts = list_alerts(database, query)
    sent = deliveries_for(database, [a.id for a in alerts])
    if args.format == "json":
        print(json.dumps([alert_row(a, sent.get(a.id, [])) for a in alerts], indent=2, ensure_ascii=False))
        return 0
    if not alerts:
        print(f"no alerts in the last {args.days} days")
    print(alert_table(alerts, sent), end="")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from r2pwatch.alert_text import alert_row, alert_table
    from r2pwatch.backtest import print_progress, read_items, run_backtest
    from r2pwatch.dates import parse_day

    first = parse_day(args.from_) if args.from_ else None
    last = parse_day(args.to, "--to") if args.to else None
    if first and last and last < first:
        raise UserError("backtest: --to is before --from")
    items, problems = read_items(Path(args.file))
    for message in problems[:20]:
        print(message, file=sys.stderr)
    if len(problems) > 20:
        print(f"... {len(problems) - 20} more unreadable lines", file=sys.stderr)
    print(f"backtest: {len(items)} items; replaying into a temporary database", file=sys.stderr)
    alerts = run_backtest(items, _settings(args), first=first, last=last, progress=print_progress)
    print(f"backtest: {len(alerts)} alerts", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([alert_row(a) for a in alerts], indent=2, ensure_ascii=False))
    else:
        print(alert_table(alerts), end="")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from r2pwatch.rules_cli import run_rules

    settings = _settings(args)
    return run_rules(_open(args, settings), settings, fmt=args.format, indicator=args.indicator, low_only=args.low)


# --- tagging ---------------------------------------------------------------------------------


def cmd_tag(args: argparse.Namespace) -> int:
    from pathlib import Path

    from indicators.cli import tag_main

    if args.file and args.file != "-" and not Path(args.file).is_file():
        raise UserError(f"cannot read {args.file}: no such file")

    argv = [args.file] if args.file else []
    for t in [*_settings(args)["indicators.taxonomy_files"], *(args.taxonomy or [])]:
        argv += ["--taxonomy", t]
    return tag_main(argv, sys.stdin, sys.stdout, sys.stderr)


def cmd_retag(args: argparse.Namespace) -> int:
    from ingest.retag import run_retag

    settings = _settings(args)
    return run_retag(_open(args, settings), settings, since=args.since)


# --- ingest / serve / demo / users -----------------------------------------------------------


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.runner import run_ingest

    settings = _settings(args)
    # The demo's sample alerts never go to real receivers.
    delivery = None if settings.demo else settings.delivery_config()
    return run_ingest(_open(args, settings), settings, once=args.once, all_feeds=args.all, delivery=delivery)


def cmd_deliver(args: argparse.Namespace) -> int:
    from db.deliveries import delivery_counts
    from ingest.runner import deliver

    settings = _settings(args)
    if settings.demo:
        raise UserError("the demo never delivers alerts (sample data)")
    config = settings.delivery_config()
    database = _open(args, settings)
    if not config.enabled:
        print("no receivers configured (webhooks.urls, email.host + email.recipients)")
    else:
        report = deliver(database, config)
        print(f"{report.delivered} delivered, {report.failed} failed, {report.postponed} postponed (retried later)")
    counts = delivery_counts(database)
    print("deliveries: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in ("pending", "failed", "delivered")))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from dashboard.serve import serve

    settings = _settings(args)
    _open(args, settings)
    return serve(settings)


def cmd_demo(args: argparse.Namespace) -> int:
    from r2pwatch.checks import check_port
    from r2pwatch.demo import run_demo

    args.demo = True
    check_port(args.port)
    if args.sample_port:
        check_port(args.sample_port, "--sample-port")
    return run_demo(_settings(args), port=args.port, sample_port=args.sample_port)


def _read_password(args: argparse.Namespace, name: str) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"password for {name}: ")
    if password != getpass.getpass("again: "):
        raise UserError("passwords differ")
    return password


def _users_call(fn: Callable[[], Any], name: str) -> Any:
    from db.users import BadUserInput, DuplicateUser, UserNotFound

    try:
        return fn()
    except DuplicateUser:
        raise UserError(f"user {name!r} exists") from None
    except UserNotFound:
        raise UserError(f"no user {name!r}") from None
    except BadUserInput as exc:
        raise UserError(str(exc)) from None


def cmd_users_add(args: argparse.Namespace) -> int:
    from db.users import add_user, check_name, check_password

    _users_call(lambda: check_name(args.name), args.name)
    password = _read_password(args, args.name)
    _users_call(lambda: check_password(password), args.name)
    database = _open(args)
    _users_call(lambda: add_user(database, args.name, args.role, password, actor=_actor()), args.name)
    print(f"added {args.role} {args.name}")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    from db.users import check_password, get_user, set_password

    database = _open(args)
    if get_user(database, args.name) is None:
        raise UserError(f"no user {args.name!r}")
    password = _read_password(args, args.name)
    _users_call(lambda: check_password(password), args.name)
    _users_call(lambda: set_password(database, args.name, password, actor=_actor()), args.name)
    print(f"password of {args.name} changed; their sessions are ended")
    return 0


def cmd_users_role(args: argparse.Namespace) -> int:
    from db.users import set_role

    database = _open(args)
    _users_call(lambda: set_role(database, args.name, args.role, actor=_actor()), args.name)
    print(f"{args.name} is now {args.role}; their sessions are ended")
    return 0


def _users_set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    from db.users import set_disabled

    database = _open(args)
    _users_call(lambda: set_disabled(database, args.name, disabled, actor=_actor()), args.name)
    print(f"{args.name} disabled; their sessions are ended" if disabled else f"{args.name} enabled")
    return 0


def cmd_users_remove(args: argparse.Namespace) -> int:
    from db.users import remove_user

    database = _open(args)
    _users_call(lambda: remove_user(database, args.name, actor=_actor()), args.name)
    print(f"removed {args.name} (their reviews keep their name)")
    return 0


def cmd_users_rotate_token(args: argparse.Namespace) -> int:
    from db.users import rotate_token

    info = _users_call(lambda: rotate_token(_open(args), args.name, actor=_actor()), args.name)
    print(f"new Atom feed address of {args.name}: /feeds/flagged.atom?token={info.feed_token}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from db.users import list_users

    settings = _settings(args)
    users = list_users(_open(args, settings))
    base = str(settings["serve.public_url"] or "").rstrip("/")
    if args.tokens and not base:
        print("(relative addresses: set serve.public_url to print full ones)", file=sys.stderr)
    if not users:
        print("no users; add one with: r2pwatch users add NAME --role analyst")
    for u in users:
        line = f"{u.name:<20} {u.role:<8}" + (" disabled" if u.disabled else "")
        if args.tokens:
            line += f" {base}/feeds/flagged.atom?token={u.feed_token}"
        print(line.rstrip())
    return 0


# --- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="r2pwatch",
        description="Early-warning news monitor for the Responsibility to Protect (pillar three).",
    )
    p.add_argument("--version", action="version", version=f"r2pwatch {__version__}")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="TOML settings file (default: ./r2pwatch.toml, then the user config directory)",
    )
    p.add_argument("--database-url", metavar="URL", help="database URL (env R2PWATCH_DATABASE_URL)")
    p.add_argument("--demo", action="store_true", help="use the demo's own database (demo.sqlite)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(parent: Any, name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        sp: argparse.ArgumentParser = parent.add_parser(name, help=help_, description=help_)
        sp.set_defaults(handler=handler)
        return sp

    add(sub, "init", cmd_init, "create the database or bring its schema up to date")

    config = sub.add_parser("config", help="show settings", description="show settings")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = add(config_sub, "show", cmd_config_show, "print the effective settings and where each came from")
    show.add_argument("--format", choices=("table", "json"), default="table")

    feeds = sub.add_parser("feeds", help="manage the feed list", description="manage the feed list")
    fsub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    fa = add(fsub, "add", cmd_feeds_add, "add a feed by URL")
    fa.add_argument("url")
    fa.add_argument("--title")
    fa.add_argument(
        "--region",
        help="region hint: africa, americas, asia-pacific, europe-central-asia, middle-east-north-africa",
    )
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
    fd.add_argument("--region", help="region hint (slug); an empty string clears it")
    fd.add_argument("--language")
    fd.add_argument("--interval", type=int, metavar="MINUTES")
    fi = add(fsub, "import", cmd_feeds_import, "import feeds from an OPML file")
    fi.add_argument("file")
    fe = add(fsub, "export", cmd_feeds_export, "export feeds as OPML 2.0 (to FILE or stdout)")
    fe.add_argument("file", nargs="?")

    items = sub.add_parser("items", help="stored items", description="stored items")
    isub = items.add_subparsers(dest="items_command", required=True, metavar="ACTION")
    ie = add(isub, "export", cmd_items_export,
             "stream the items the filters select as JSON Lines (default), JSON or CSV")
    export_arguments(ie)

    br = add(sub, "brief", cmd_brief, "a situation brief for a region or a country over a period")
    where = br.add_mutually_exclusive_group(required=True)
    where.add_argument("--region", help="region slug")
    where.add_argument("--country", metavar="ISO3", help="country code (ISO 3166-1 alpha-3)")
    br.add_argument("--from", dest="start", metavar="DATE", help="first day (default: 6 days before --to)")
    br.add_argument("--to", dest="end", metavar="DATE", help="last day, inclusive (default: today, UTC)")
    br.add_argument("--format", choices=("md", "html"), default="md",
                    help="md (Markdown, the default) or html (a printable page)")

    al = add(sub, "alerts", cmd_alerts, "list recent alerts (counts well above baseline) with their arithmetic")
    al.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    al.add_argument("--region", help="only this region (slug)")
    al.add_argument("--country", help="only this country (ISO3)")
    al.add_argument("--indicator", help="only this indicator")
    al.add_argument("--scope", choices=("country", "region"))
    al.add_argument("--state", choices=("new", "acknowledged", "dismissed"))
    al.add_argument("--format", choices=("table", "json"), default="table")

    bt = add(sub, "backtest", cmd_backtest,
             "replay JSON Lines items (optionally gzipped) in time order into a temporary database and "
             "print the alerts the live code would have raised")
    bt.add_argument("file", metavar="FILE")
    bt.add_argument("--from", dest="from_", metavar="DATE", help="first day to report alerts for (YYYY-MM-DD)")
    bt.add_argument("--to", metavar="DATE", help="last day to replay (YYYY-MM-DD)")
    bt.add_argument("--format", choices=("table", "json"), default="table")
    ru = add(sub, "rules", cmd_rules, "each tagging rule's confirmed and dismissed items and precision")
    ru.add_argument("--indicator", help="only this indicator's rules")
    ru.add_argument("--low", action="store_true", help="only the rules marked for low precision")
    ru.add_argument("--format", choices=("table", "json"), default="table")

    t = add(sub, "tag", cmd_tag, "tag JSON Lines items (stdin or FILE) without any database")
    t.add_argument("file", nargs="?")
    t.add_argument("--taxonomy", action="append", metavar="FILE", help="extra taxonomy file (repeatable)")

    rt = add(sub, "retag", cmd_retag, "re-tag stored items after a taxonomy change (reviews stay)")
    rt.add_argument("--since", metavar="DATE", help="only items published on or after DATE")

    add(sub, "deliver", cmd_deliver, "send the alert deliveries that are due now (the scheduler does this every "
        "delivery.tick_seconds) and count them by status")
    ing = add(sub, "ingest", cmd_ingest, "run the feed scheduler in the foreground")
    ing.add_argument("--once", action="store_true", help="one pass over the due feeds, then exit")
    ing.add_argument("--all", action="store_true", help="with --once: every enabled feed, due or not")

    sv = add(sub, "serve", cmd_serve, "serve the dashboard")
    sv.add_argument("--host", dest="serve_host")
    sv.add_argument("--port", dest="serve_port", type=int)

    dm = add(
        sub, "demo", cmd_demo, "run the demo: sample feeds, scheduler and dashboard on the demo database"
    )
    dm.add_argument("--port", type=int, default=8050, help="the dashboard's port (default 8050)")
    dm.add_argument("--sample-port", type=int, default=0, metavar="PORT",
                    help="the sample feed server's port (default: any free port)")

    users = sub.add_parser("users", help="dashboard users", description="dashboard users")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    ua = add(usub, "add", cmd_users_add, "add a user (password prompted or read from stdin)")
    ua.add_argument("name")
    ua.add_argument("--role", choices=("viewer", "analyst", "admin"), default="analyst")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ul = add(usub, "list", cmd_users_list, "list users and their roles")
    ul.add_argument("--tokens", action="store_true",
                    help="also print each user's Atom feed address (full when serve.public_url is set)")
    up = add(usub, "passwd", cmd_users_passwd, "set a user's password (ends their sessions)")
    up.add_argument("name")
    up.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ur = add(usub, "role", cmd_users_role, "change a user's role (ends their sessions)")
    ur.add_argument("name")
    ur.add_argument("role", choices=("viewer", "analyst", "admin"))
    for name, handler, text in (
        ("disable", lambda a: _users_set_disabled(a, True), "disable a user (ends their sessions and Atom feed)"),
        ("enable", lambda a: _users_set_disabled(a, False), "enable a disabled user"),
        ("remove", cmd_users_remove, "delete a user (their reviews keep their name)"),
        ("rotate-token", cmd_users_rotate_token, "give a user a new Atom feed token (the old one stops working)"),
    ):
        sp = add(usub, name, handler, text)
        sp.add_argument("name")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with contextlib.ExitStack() as args.cleanup:
            code: int = args.handler(args)
        return code
    except UserError as exc:
        print(f"r2pwatch: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("r2pwatch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
