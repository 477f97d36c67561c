"""``r2pwatch ingest`` and ``r2pwatch retag`` on the screen: the settings turned into ingest's
configuration, its values rendered (progress bars, the pass summary, the retag table), exit codes."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from r2pwatch.config import ingest_config, tagger_config
from r2pwatch.errors import UsageError
from r2pwatch.settings import Settings

if TYPE_CHECKING:
    from db.engine import Database
    from ingest.config import IngestConfig
    from ingest.delivery import DeliveryConfig
    from ingest.pipeline import FeedOutcome
    from ingest.retag import RetagReport
    from ingest.summary import PassSummary


def run_ingest(
    database: Database,
    settings: Settings,
    *,
    once: bool,
    all_feeds: bool,
    delivery: DeliveryConfig | None = None,
) -> int:
    """The scheduler in the foreground, or with ``once`` one pass with its summary and alerts, then the
    deliveries due to ``delivery``'s receivers."""
    from ingest.delivery import DeliveryConfig
    from ingest.runner import SchedulerBusy, deliver, run_scheduler, single_scheduler

    if all_feeds and not once:
        raise UsageError("--all only goes with --once")
    config = ingest_config(settings)
    delivery = delivery or DeliveryConfig()
    try:
        with single_scheduler(database):
            if once:
                show_pass(database, config, all_feeds=all_feeds, delivery=delivery)
                if delivery.enabled:  # after the pass has committed; each attempt held to delivery.timeout
                    report = deliver(database, delivery)
                    print(
                        f"deliveries: {report.delivered} delivered, {report.failed} failed, "
                        f"{report.postponed} postponed (retried later)"
                    )
                return 0
            logging.basicConfig(
                level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
            )
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
            logging.getLogger("httpx").setLevel(logging.WARNING)
            run_scheduler(database, config, delivery=delivery)
            return 0
    except SchedulerBusy as exc:
        print(f"r2pwatch: {exc}", file=sys.stderr)
        return 1


def show_pass(
    database: Database, config: IngestConfig, *, all_feeds: bool, delivery: DeliveryConfig | None = None
) -> PassSummary:
    """One pass with a progress bar, its summary table and the alerts it raised."""
    from ingest.runner import alert_title, raise_alerts, run_pass

    with feed_progress() as (on_claimed, on_outcome):
        summary = run_pass(
            database, config, all_feeds=all_feeds, on_claimed=on_claimed, on_outcome=on_outcome
        )
    print_summary(summary)
    if summary.lease_note:
        print(f"r2pwatch: {summary.lease_note}", file=sys.stderr)
    for alert in raise_alerts(database, config.alerts, delivery=delivery):
        print(f"ALERT {alert_title(alert)}: {alert.explain()}")
    return summary


@contextmanager
def feed_progress() -> Iterator[tuple[Callable[[int], None], Callable[[FeedOutcome], None]]]:
    """A progress bar on stderr (when it is a terminal) fed by run_pass's callbacks."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("feeds"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("feeds", total=None)
        yield (lambda total: bar.update(task, total=total)), (lambda _outcome: bar.advance(task))


def print_summary(summary: PassSummary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="ingest pass" + (" (interrupted)" if summary.interrupted else ""), show_header=True)
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    table.add_row("feeds ok", str(summary.ok))
    table.add_row("feeds not modified", str(summary.not_modified))
    table.add_row("feeds failed", str(summary.failed))
    for kind, n in summary.failed_by_kind:
        table.add_row(f"  {kind}", str(n))
    table.add_row("new items", str(summary.new_items))
    table.add_row("duplicate items", str(summary.duplicate_items))
    if summary.updated_items:
        table.add_row("  updated in place", str(summary.updated_items))
    if summary.skipped_entries:
        table.add_row("entries skipped", str(summary.skipped_entries))
    table.add_row("time", f"{summary.elapsed:.1f} s")
    Console(soft_wrap=True).print(table)


def run_retag(database: Database, settings: Settings, *, since: str | None) -> RetagReport:
    """Re-tag the items published on or after ``since`` (``--since``) with a progress bar, then the
    table of indicators gained and lost."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.retag import retag
    from ingest.tagging import EntryTagger
    from r2pwatch.dates import parse_since

    start = parse_since(since)
    err = Console(stderr=True)
    with Progress(
        TextColumn("retag"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("retag", total=None)
        report = retag(
            database,
            EntryTagger(tagger_config(settings)),
            since=start,
            on_total=lambda total: bar.update(task, total=total),
            on_batch=lambda n: bar.advance(task, n),
        )
    print_retag(report)
    return report


def print_retag(report: RetagReport) -> None:
    from rich.console import Console
    from rich.table import Table

    from indicators import INDICATOR_IDS

    table = Table(title=f"retagged {report.items} items; {report.changed_items} changed their indicators")
    table.add_column("indicator")
    table.add_column("gained", justify="right")
    table.add_column("lost", justify="right")
    extra = sorted((set(report.gained) | set(report.lost)) - set(INDICATOR_IDS))  # from user taxonomy files
    for indicator in [*INDICATOR_IDS, *extra]:
        table.add_row(indicator, str(report.gained.get(indicator, 0)), str(report.lost.get(indicator, 0)))
    Console(soft_wrap=True).print(table)
