"""``r2pwatch retag``: re-tag stored items after a taxonomy change; reviews stay as they are."""

from __future__ import annotations

from collections import Counter

from db.engine import Database
from db.retag import count_items, iter_item_texts, save_tags
from ingest.tagging import EntryTagger
from r2pwatch.dates import parse_since
from r2pwatch.settings import Settings


def run_retag(database: Database, settings: Settings, *, since: str | None) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    start = parse_since(since)
    tagger = EntryTagger(settings["indicators.taxonomy_files"])
    total = count_items(database, since=start)
    gained: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    changed_items = 0
    err = Console(stderr=True)
    with Progress(TextColumn("retag"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task("retag", total=total)
        for batch in iter_item_texts(database, since=start):
            tagged = []
            for item in batch:
                tags = tagger.tag_text(item.title, item.summary, item.language, item.published_at)
                new = {t.id for t in tags.indicators}
                gained.update(new - item.indicators)
                lost.update(item.indicators - new)
                changed_items += new != item.indicators
                tagged.append((item.id, tags))
            save_tags(database, tagged)
            bar.advance(task, len(batch))

    table = Table(title=f"retagged {total} items; {changed_items} changed their indicators")
    table.add_column("indicator")
    table.add_column("gained", justify="right")
    table.add_column("lost", justify="right")
    from indicators import INDICATOR_IDS

    extra = sorted((set(gained) | set(lost)) - set(INDICATOR_IDS))  # indicators from user taxonomy files
    for indicator in [*INDICATOR_IDS, *extra]:
        table.add_row(indicator, str(gained[indicator]), str(lost[indicator]))
    Console(soft_wrap=True).print(table)
    return 0
