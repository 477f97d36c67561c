"""``r2pwatch init`` and ``r2pwatch config show``."""

from __future__ import annotations

import argparse
from typing import Any

from r2pwatch.cli.common import add, open_db, safe_url, settings_of


def cmd_init(args: argparse.Namespace) -> int:
    from db.migrate import current_revision

    settings = settings_of(args)
    database = open_db(args, settings)
    print(f"database ready at {safe_url(settings.database_url)} (schema {current_revision(database)})")
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    import json

    from db.deliveries import receiver_label
    from r2pwatch.settings import SPECS

    settings = settings_of(args)
    rows = []
    for spec in SPECS:
        value = settings[spec.name]
        if spec.name == "database.url":
            value = safe_url(settings.database_url)
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
        print(
            f"{r['setting']:<{width}}  {json.dumps(r['value'], ensure_ascii=False):<{vwidth}}  {r['source']}"
        )
    return 0


def register(sub: Any) -> None:
    add(sub, "init", cmd_init, "create the database or bring its schema up to date")

    config = sub.add_parser("config", help="show settings", description="show settings")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = add(config_sub, "show", cmd_config_show, "print the effective settings and where each came from")
    show.add_argument("--format", choices=("table", "json"), default="table")
