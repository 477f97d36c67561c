"""What the stored data says: ``items export``, ``brief``, ``alerts``, ``backtest`` and ``rules``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from r2pwatch.cli.common import add, check_region, open_db, settings_of
from r2pwatch.errors import UserError
from r2pwatch.export import add_arguments as export_arguments


def cmd_items_export(args: argparse.Namespace) -> int:
    from r2pwatch import export

    return export.run(args, open_db(args))


def cmd_brief(args: argparse.Namespace) -> int:
    from dashboard.brief import BriefError, collect, to_html, to_markdown
    from dashboard.meta import Meta
    from r2pwatch.config import public_url, tagger_config

    settings = settings_of(args)
    database = open_db(args, settings)
    meta = Meta(tagger_config(settings))
    try:
        brief = collect(
            database,
            meta,
            region=args.region,
            country=args.country,
            start=args.start,
            end=args.end,
            base_url=public_url(settings),
        )
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
    query = AlertQuery(
        since=since,
        region=check_region(args.region),
        country=args.country,
        indicator=args.indicator,
        state=args.state,
        scope=args.scope,
    )
    database = open_db(args)
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
    alerts = run_backtest(items, settings_of(args), first=first, last=last, progress=print_progress)
    print(f"backtest: {len(alerts)} alerts", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([alert_row(a) for a in alerts], indent=2, ensure_ascii=False))
    else:
        print(alert_table(alerts), end="")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from r2pwatch.rules_cli import run_rules

    settings = settings_of(args)
    return run_rules(
        open_db(args, settings), settings, fmt=args.format, indicator=args.indicator, low_only=args.low
    )


def register(sub: Any) -> None:
    items = sub.add_parser("items", help="stored items", description="stored items")
    isub = items.add_subparsers(dest="items_command", required=True, metavar="ACTION")
    ie = add(
        isub,
        "export",
        cmd_items_export,
        "stream the items the filters select as JSON Lines (default), JSON or CSV",
    )
    export_arguments(ie)

    br = add(sub, "brief", cmd_brief, "a situation brief for a region or a country over a period")
    where = br.add_mutually_exclusive_group(required=True)
    where.add_argument("--region", help="region slug")
    where.add_argument("--country", metavar="ISO3", help="country code (ISO 3166-1 alpha-3)")
    br.add_argument("--from", dest="start", metavar="DATE", help="first day (default: 6 days before --to)")
    br.add_argument("--to", dest="end", metavar="DATE", help="last day, inclusive (default: today, UTC)")
    br.add_argument(
        "--format",
        choices=("md", "html"),
        default="md",
        help="md (Markdown, the default) or html (a printable page)",
    )

    al = add(
        sub, "alerts", cmd_alerts, "list recent alerts (counts well above baseline) with their arithmetic"
    )
    al.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    al.add_argument("--region", help="only this region (slug)")
    al.add_argument("--country", help="only this country (ISO3)")
    al.add_argument("--indicator", help="only this indicator")
    al.add_argument("--scope", choices=("country", "region"))
    al.add_argument("--state", choices=("new", "acknowledged", "dismissed"))
    al.add_argument("--format", choices=("table", "json"), default="table")

    bt = add(
        sub,
        "backtest",
        cmd_backtest,
        "replay JSON Lines items (optionally gzipped) in time order into a temporary database and "
        "print the alerts the live code would have raised",
    )
    bt.add_argument("file", metavar="FILE")
    bt.add_argument(
        "--from", dest="from_", metavar="DATE", help="first day to report alerts for (YYYY-MM-DD)"
    )
    bt.add_argument("--to", metavar="DATE", help="last day to replay (YYYY-MM-DD)")
    bt.add_argument("--format", choices=("table", "json"), default="table")
    ru = add(sub, "rules", cmd_rules, "each tagging rule's confirmed and dismissed items and precision")
    ru.add_argument("--indicator", help="only this indicator's rules")
    ru.add_argument("--low", action="store_true", help="only the rules marked for low precision")
    ru.add_argument("--format", choices=("table", "json"), default="table")
