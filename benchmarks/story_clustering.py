"""Story clustering quality on labelled pairs of 2023 corpus items: precision and recall of "same story".

    .venv/bin/python benchmarks/story_clustering.py [--threshold 0.25] [--window-hours 36]

The pairs (``tests/data/story_pairs.tsv``: corpus ids and a label, no text) were labelled by hand and
drawn to be hard (daily digests, explainers, follow-ups, two attacks in one country on one day). Each
item's text goes through the live normalising (``ingest.normalise.plain_text``) and fingerprinting
(``signals.stories``); a pair is predicted "same" when the live rule says so and the items were
published within the window. The pairs are split into two halves by a hash of their ids: the threshold
that does best on one half is reported on the other (and the configured one on both). Skips with a
message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.normalise import plain_text  # noqa: E402
from signals.stories import Fingerprint, fingerprint, same_story  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news-2023" / "items.jsonl.gz"
PAIRS = ROOT / "tests" / "data" / "story_pairs.tsv"
GRID = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def scores(
    pairs: list[dict[str, str]],
    items: dict[str, tuple[Fingerprint, datetime]],
    threshold: float,
    window_hours: float,
) -> tuple[float, float, float, int, int, int]:
    tp = fp = fn = 0
    for p in pairs:
        (fa, ta), (fb, tb) = items[p["id_a"]], items[p["id_b"]]
        pred = (
            same_story(fa, fb, threshold=threshold) and abs((ta - tb).total_seconds()) <= window_hours * 3600
        )
        gold = p["label"] == "same"
        tp += pred and gold
        fp += pred and not gold
        fn += gold and not pred
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=0.25)
    parser.add_argument("--window-hours", type=float, default=36.0)
    args = parser.parse_args()
    if not CORPUS.is_file():
        print(f"skipped: corpus not found at {CORPUS}")
        return 0
    with PAIRS.open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh, delimiter="\t"))
    wanted = {p["id_a"] for p in pairs} | {p["id_b"] for p in pairs}
    items: dict[str, tuple[Fingerprint, datetime]] = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            if obj["id"] in wanted:
                title = plain_text(obj.get("title") or "", is_html=True, limit=1000)
                summary = plain_text(obj.get("summary") or "", is_html=True, limit=5000)
                items[obj["id"]] = (fingerprint(title, summary), datetime.fromisoformat(obj["published"]))
    missing = wanted - set(items)
    if missing:
        print(f"{len(missing)} labelled ids are not in the corpus; their pairs are left out")
        pairs = [p for p in pairs if p["id_a"] in items and p["id_b"] in items]

    def half(p: dict[str, str]) -> str:
        return "A" if hashlib.sha1((p["id_a"] + p["id_b"]).encode()).digest()[0] % 2 == 0 else "B"

    halves = {h: [p for p in pairs if half(p) == h] for h in ("A", "B")}
    print(
        f"{len(pairs)} labelled pairs ({sum(p['label'] == 'same' for p in pairs)} same story); "
        f"window {args.window_hours:g} h"
    )
    print(f"{'half':<6}{'threshold':>10}{'P':>8}{'R':>8}{'F1':>8}{'tp':>5}{'fp':>5}{'fn':>5}  chosen on")
    for name, rows in halves.items():
        other = halves["B" if name == "A" else "A"]
        best = max(GRID, key=lambda t: scores(other, items, t, args.window_hours)[2])
        for threshold, note in (
            (args.threshold, "configured"),
            (best, f"half {'B' if name == 'A' else 'A'}"),
        ):
            p, r, f, tp, fp, fn = scores(rows, items, threshold, args.window_hours)
            print(
                f"{name + f' ({len(rows)})':<6}{threshold:>10.2f}{p:8.3f}{r:8.3f}{f:8.3f}{tp:5d}{fp:5d}{fn:5d}  {note}"
            )
    p, r, f, tp, fp, fn = scores(pairs, items, args.threshold, args.window_hours)
    print(f"all pairs, configured threshold {args.threshold:g}: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
