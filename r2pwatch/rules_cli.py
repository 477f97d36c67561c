"""``r2pwatch rules``: each tagging rule's record in the analysts' reviews (db.rule_stats)."""

from __future__ import annotations

import json

from db.engine import Database
from db.rule_stats import RuleRecord, rule_records
from r2pwatch.config import rule_thresholds
from r2pwatch.settings import Settings


def rule_json(r: RuleRecord) -> dict[str, object]:
    return {
        "indicator": r.indicator,
        "rule": r.rule,
        "confirmed": r.confirmed,
        "escalated": r.escalated,
        "dismissed": r.dismissed,
        "reviewed": r.reviewed,
        "precision": None if r.precision is None else round(r.precision, 4),
        "low_precision": r.low,
    }


def run_rules(
    database: Database, settings: Settings, *, fmt: str, indicator: str | None, low_only: bool
) -> int:
    thresholds = rule_thresholds(settings)
    records = [r for r in rule_records(database, thresholds, indicator=indicator) if r.low or not low_only]
    if fmt == "json":
        print(json.dumps([rule_json(r) for r in records], indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    marked = sum(r.low for r in records)
    table = Table(
        title=f"{len(records)} rules on reviewed items; {marked} marked (precision < "
        f"{thresholds.low_precision:g} over ≥ {thresholds.min_reviews} reviews)",
        expand=False,
    )
    for col in ("indicator", "rule", "confirmed", "escalated", "dismissed", "precision", ""):
        table.add_column(
            col,
            overflow="fold",
            justify="right" if col in ("confirmed", "escalated", "dismissed", "precision") else "left",
        )
    for r in records:
        table.add_row(
            r.indicator,
            r.rule,
            str(r.confirmed),
            str(r.escalated),
            str(r.dismissed),
            "" if r.precision is None else f"{r.precision:.0%}",
            "LOW" if r.low else "",
        )
    Console(soft_wrap=True).print(table)
    if not records:
        print("no reviewed items yet: confirm or dismiss items on the review page")
    return 0
