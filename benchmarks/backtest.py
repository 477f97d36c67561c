"""The whole 2023 corpus (about 94,000 items) replayed by ``r2pwatch backtest``'s code; target <= 120 s.

    .venv/bin/python benchmarks/backtest.py [--json ALERTS.json]

Replays ``../shared/corpus/news-2023/items.jsonl.gz`` into a temporary database with the default
settings (normalise, tag, cluster, store, alerts every day) and prints the wall time, the items per
second and the alerts raised per kind and scope. Skips with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from r2pwatch.alert_text import alert_row  # noqa: E402
from r2pwatch.backtest import print_progress, read_items, run_backtest  # noqa: E402
from r2pwatch.settings import load_settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news-2023" / "items.jsonl.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the alerts here")
    args = parser.parse_args()
    if not CORPUS.is_file():
        print(f"skipped: corpus not found at {CORPUS}")
        return 0
    started = time.perf_counter()
    items, problems = read_items(CORPUS)
    settings = load_settings(use_default_files=False, environ={})
    alerts = run_backtest(items, settings, progress=print_progress)
    elapsed = time.perf_counter() - started
    print(
        f"{len(items)} items ({len(problems)} unreadable lines) replayed in {elapsed:.1f} s "
        f"({len(items) / elapsed:,.0f} items/s; target <= 120 s)"
    )
    kinds = Counter(f"{a.kind}/{a.scope}" for a in alerts)
    print(f"{len(alerts)} alerts: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    if args.json:
        args.json.write_text(json.dumps([alert_row(a) for a in alerts], indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
