"""Tagging quality on the labelled development set: P/R/F1 per indicator, micro, and countries.

    /work/venv/bin/python benchmarks/tagging_quality.py [--errors tune|test] [--taxonomy EXTRA.toml ...]

Reports the ``tune`` half (the rules were fitted to it) and the held-out ``test`` half (the figure to
quote). Texts come from ``../shared/corpus/news-2023/items.jsonl.gz``; skips with a message when the
corpus is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicators.engine import load_tagger  # noqa: E402
from indicators.evaluation import CORPUS, LABELS, Report, evaluate, load_devset  # noqa: E402


def show(rep: Report) -> None:
    print(f"\n== {rep.split} half: {rep.items} items")
    print(f"  {'indicator':<26}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
    for ind, m in rep.indicators.items():
        print(f"  {ind:<26}{m.precision:7.3f}{m.recall:7.3f}{m.f1:7.3f}{m.tp:5d}{m.fp:5d}{m.fn:5d}")
    m = rep.micro
    print(
        f"  {'micro (nine ids)':<26}{m.precision:7.3f}{m.recall:7.3f}{m.f1:7.3f}{m.tp:5d}{m.fp:5d}{m.fn:5d}"
    )
    m = rep.countries
    print(f"  {'countries':<26}{m.precision:7.3f}{m.recall:7.3f}{m.f1:7.3f}{m.tp:5d}{m.fp:5d}{m.fn:5d}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--errors", choices=["tune", "test"], help="also list the mistakes on this half")
    ap.add_argument("--taxonomy", action="append", default=[], help="extra taxonomy file(s)")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"SKIP: corpus not found at {CORPUS}")
        return 0
    if not LABELS.exists():
        print(f"SKIP: labels not found at {LABELS}")
        return 0
    items = load_devset()
    tagger = load_tagger([Path(p) for p in args.taxonomy])
    print(f"taxonomy {tagger.version}; {len(items)} labelled items found in the corpus")
    reports = {s: evaluate(items, tagger, s) for s in ("tune", "test")}
    for rep in reports.values():
        show(rep)
    if args.errors:
        print(f"\n== mistakes on the {args.errors} half")
        for e in reports[args.errors].errors:
            print(f"- {e['id']} ind +{e['ind_fp']} -{e['ind_fn']} countries +{e['c_fp']} -{e['c_fn']}")
            print(f"    {e['title']}")
            print(f"    {e['summary'][:400]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
