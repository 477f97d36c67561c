"""The commands that run something: ``tag``, ``retag``, ``deliver``, ``ingest``, ``serve`` and ``demo``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from r2pwatch.cli.common import add, open_db, settings_of
from r2pwatch.errors import UserError


def cmd_tag(args: argparse.Namespace) -> int:
    from pathlib import Path

    from r2pwatch.config import tagger_config
    from r2pwatch.tag_cli import tag_main

    if args.file and args.file != "-" and not Path(args.file).is_file():
        raise UserError(f"cannot read {args.file}: no such file")

    config = tagger_config(settings_of(args), tuple(args.taxonomy or ()))
    argv = [args.file] if args.file else []
    for t in config.taxonomy_files:
        argv += ["--taxonomy", str(t)]
    return tag_main(argv, sys.stdin, sys.stdout, sys.stderr, cache_dir=config.cache_dir)


def cmd_retag(args: argparse.Namespace) -> int:
    from r2pwatch.ingest_cli import run_retag

    settings = settings_of(args)
    run_retag(open_db(args, settings), settings, since=args.since)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from r2pwatch.config import delivery_config
    from r2pwatch.ingest_cli import run_ingest

    settings = settings_of(args)
    # The demo's sample alerts never go to real receivers.
    delivery = None if settings.demo else delivery_config(settings)
    return run_ingest(
        open_db(args, settings), settings, once=args.once, all_feeds=args.all, delivery=delivery
    )


def cmd_deliver(args: argparse.Namespace) -> int:
    from db.deliveries import delivery_counts
    from ingest.runner import deliver
    from r2pwatch.config import delivery_config

    settings = settings_of(args)
    if settings.demo:
        raise UserError("the demo never delivers alerts (sample data)")
    config = delivery_config(settings)
    database = open_db(args, settings)
    if not config.enabled:
        print("no receivers configured (webhooks.urls, email.host + email.recipients)")
    else:
        report = deliver(database, config)
        print(
            f"{report.delivered} delivered, {report.failed} failed, {report.postponed} postponed (retried later)"
        )
    counts = delivery_counts(database)
    print("deliveries: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in ("pending", "failed", "delivered")))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from r2pwatch.serving import serve_dashboard

    settings = settings_of(args)
    return serve_dashboard(settings, open_db(args, settings))


def cmd_demo(args: argparse.Namespace) -> int:
    from r2pwatch.checks import check_port
    from r2pwatch.demo import run_demo

    args.demo = True
    check_port(args.port)
    if args.sample_port:
        check_port(args.sample_port, "--sample-port")
    return run_demo(settings_of(args), port=args.port, sample_port=args.sample_port)


def register(sub: Any) -> None:
    t = add(sub, "tag", cmd_tag, "tag JSON Lines items (stdin or FILE) without any database")
    t.add_argument("file", nargs="?")
    t.add_argument("--taxonomy", action="append", metavar="FILE", help="extra taxonomy file (repeatable)")

    rt = add(sub, "retag", cmd_retag, "re-tag stored items after a taxonomy change (reviews stay)")
    rt.add_argument("--since", metavar="DATE", help="only items published on or after DATE")

    add(
        sub,
        "deliver",
        cmd_deliver,
        "send the alert deliveries that are due now (the scheduler does this every "
        "delivery.tick_seconds) and count them by status",
    )
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
    dm.add_argument(
        "--sample-port",
        type=int,
        default=0,
        metavar="PORT",
        help="the sample feed server's port (default: any free port)",
    )
