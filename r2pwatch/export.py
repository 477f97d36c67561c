"""``r2pwatch items export``: the filters of the command line as an ``ItemFilter``, and the export in the
one schema and writers of ``db.exports`` (the dashboard's downloads use the same)."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TextIO

from r2pwatch.dates import parse_since
from r2pwatch.errors import UserError

if TYPE_CHECKING:
    from db import Database
    from db.filters import ItemFilter

DEFAULT_FORMAT = "jsonl"
FORMATS = ("jsonl", "json", "csv")  # db.exports.FORMATS, kept here so building the parser imports no SQL


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=DEFAULT_FORMAT,
        help="jsonl (the default: one JSON object a line, with evidence), json (one document "
        "with the filters and evidence) or csv (UTF-8 with a byte-order mark, formulas "
        "defused)",
    )
    parser.add_argument("--flagged", action="store_true", help="only items flagged for review")
    parser.add_argument("--since", metavar="DATE", help="only items published on or after DATE (ISO 8601)")
    parser.add_argument("--until", metavar="DATE", help="only items published before the end of DATE")
    parser.add_argument("--region", help="only items geotagged to this region")
    parser.add_argument("--country", metavar="ISO3", help="only items geotagged to this country")
    parser.add_argument("--indicator", help="only items tagged with this indicator")
    parser.add_argument("--organisation", metavar="ORG", help="only items naming this organisation")
    parser.add_argument(
        "--status", help="only items with this review status: new, confirmed, dismissed or escalated"
    )
    parser.add_argument("--source", metavar="FEED", help="only items a feed carried (id or URL)")
    parser.add_argument(
        "--query",
        metavar="TEXT",
        help="full-text search: every word must match (stems, other-language place names)",
    )


def _until(value: str | None) -> Any:
    until = parse_since(value, "--until")
    if until is None:
        return None
    # A bare date means "through that day".
    return until + timedelta(days=1) if value is not None and len(value.strip()) == 10 else until


def build_filter(args: argparse.Namespace, database: Database) -> ItemFilter:
    from db.feeds import FeedNotFound, find_feed_id
    from db.filters import ItemFilter
    from db.models import REVIEW_STATUSES
    from db.search import parse_query
    from indicators import INDICATOR_IDS, REGIONS
    from indicators.names import name_variants

    if args.region and args.region not in REGIONS:
        raise UserError(f"unknown region {args.region!r}; use one of: {', '.join(REGIONS)}")
    if args.indicator and args.indicator not in INDICATOR_IDS:
        raise UserError(f"unknown indicator {args.indicator!r}; use one of: {', '.join(INDICATOR_IDS)}")
    if args.status and args.status not in REVIEW_STATUSES:
        raise UserError(f"unknown status {args.status!r}; use one of: {', '.join(REVIEW_STATUSES)}")
    country = (args.country or "").strip().upper() or None
    if country is not None and (len(country) != 3 or not country.isalpha()):
        raise UserError(f"--country: not an ISO 3166-1 alpha-3 code: {args.country!r}")
    feed_id = None
    if args.source:
        try:
            feed_id = find_feed_id(database, args.source)
        except FeedNotFound:
            raise UserError(f"no feed with id or URL {args.source!r}") from None
    query = parse_query(args.query, name_variants) if args.query and args.query.strip() else None
    return ItemFilter(
        region=args.region,
        country=country,
        indicator=args.indicator,
        status=args.status,
        feed_id=feed_id,
        organisation=args.organisation,
        since=parse_since(args.since),
        until=_until(args.until),
        flagged_only=bool(args.flagged),
        search=query,
    )


def filter_summary(flt: ItemFilter, text: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("region", "country", "indicator", "status", "feed_id", "organisation", "since", "until"):
        value = getattr(flt, key)
        if value is not None:
            out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    if flt.flagged_only:
        out["flagged_only"] = True
    if text:
        out["query"] = text
    return out


def run(args: argparse.Namespace, database: Database, out: TextIO | None = None) -> int:
    from db.exports import export_records, matching_ids, write_csv, write_json, write_jsonl

    flt = build_filter(args, database)
    out = out or sys.stdout
    records = export_records(database, matching_ids(database, flt))
    if args.format == "csv":
        write_csv(records, out)
    elif args.format == "json":
        write_json(records, out, filter_summary(flt, args.query))
    else:
        write_jsonl(records, out)
    return 0
