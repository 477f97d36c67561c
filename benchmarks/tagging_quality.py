"""Tagging quality on the labelled development sets, per language: P/R/F1 per indicator, micro, countries.

    python benchmarks/tagging_quality.py [--lang en,fr,es,pt,ar] [--split test|tune]
                                         [--errors tune|test] [--detail] [--taxonomy EXTRA.toml ...]

Reports the held-out ``test`` half (the figure to quote; the rules are tuned on ``tune`` only) for
every language: English items from ``../shared/corpus/news-2023/items.jsonl.gz`` (skipped with a
message when the corpus is absent), French, Spanish, Portuguese and Arabic from the translated sets in
``tests/data``. ``--detail`` prints P/R/F1 with counts per indicator for each language, ``--errors``
lists the mistakes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicators.engine import load_tagger  # noqa: E402
from indicators.evaluation import CORPUS, INDICATOR_IDS, LANGUAGES, Report, devset_path, evaluate, load_devset  # noqa: E402

SHORT = {
    "incitement": "incit",
    "membership": "member",
    "peacekeeping": "peacek",
    "sanctions": "sanct",
    "icc": "icc",
    "genocide": "genoc",
    "war_crimes": "war_cr",
    "ethnic_cleansing": "eth_cl",
    "crimes_against_humanity": "cah",
}


def show_detail(rep: Report) -> None:
    print(f"\n== {rep.lang} {rep.split} half: {rep.items} items")
    print(f"  {'indicator':<26}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
    rows = [*rep.indicators.items(), ("micro (nine ids)", rep.micro), ("countries", rep.countries)]
    for name, m in rows:
        print(f"  {name:<26}{m.precision:7.3f}{m.recall:7.3f}{m.f1:7.3f}{m.tp:5d}{m.fp:5d}{m.fn:5d}")


def show_table(reports: list[Report]) -> None:
    print(f"\nF1 per language ({reports[0].split} half)")
    head = "".join(f"{SHORT[i]:>8}" for i in INDICATOR_IDS)
    print(f"  {'lang':<6}{'items':>6}{head}{'micro':>8}{'P':>7}{'R':>7}{'countr':>8}{'min ind':>9}")
    for rep in reports:
        f1s = "".join(f"{rep.indicators[i].f1:8.3f}" for i in INDICATOR_IDS)
        low = min(rep.indicators[i].f1 for i in INDICATOR_IDS)
        m = rep.micro
        print(
            f"  {rep.lang:<6}{rep.items:>6}{f1s}{m.f1:8.3f}{m.precision:7.3f}{m.recall:7.3f}"
            f"{rep.countries.f1:8.3f}{low:9.3f}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--lang", default=",".join(LANGUAGES), help="comma-separated languages")
    ap.add_argument("--split", choices=["tune", "test"], default="test", help="the half to report")
    ap.add_argument("--errors", choices=["tune", "test"], help="also list the mistakes on this half")
    ap.add_argument("--detail", action="store_true", help="per-indicator P/R/F1 and counts per language")
    ap.add_argument("--taxonomy", action="append", default=[], help="extra taxonomy file(s)")
    args = ap.parse_args()
    tagger = load_tagger([Path(p) for p in args.taxonomy])
    print(f"taxonomy {tagger.version}")
    reports: list[Report] = []
    for lang in args.lang.split(","):
        if lang == "en" and not CORPUS.exists():
            print(f"SKIP en: corpus not found at {CORPUS}")
            continue
        if not devset_path(lang).exists():
            print(f"SKIP {lang}: {devset_path(lang)} not found")
            continue
        items = load_devset(lang=lang)
        rep = evaluate(items, tagger, args.split, lang)
        reports.append(rep)
        if args.detail:
            show_detail(rep)
        if args.errors:
            errs = (
                rep.errors if args.errors == args.split else evaluate(items, tagger, args.errors, lang).errors
            )
            print(f"\n== {lang}: mistakes on the {args.errors} half")
            for e in errs:
                print(f"- {e['id']} ind +{e['ind_fp']} -{e['ind_fn']} countries +{e['c_fp']} -{e['c_fn']}")
                print(f"    {e['title']}")
                print(f"    {e['summary'][:400]}")
    if reports:
        show_table(reports)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
