"""Select the 2026-11-29 supplement to the development set (run once; kept for the record).

The first selection (``select_devset.py``) left `genocide` and `ethnic_cleansing` thin on the held-out
half. This draws more real items for them from the corpus, excluding every item already in
``devset_labels.jsonl``: a seeded shuffle of the remaining unique ids, then, in this order, every item
whose text names ethnic cleansing (few are left), a sample of items that mention genocide, a sample that
mention forced displacement, expulsion, deportation or an exodus (mostly hard negatives: displacement
not framed as targeting a group), and a random background slice. The split is the same as the first
set's (``split_of``: the parity of the SHA-1 of the id), fixed before any item is tagged.

    python tests/data/select_devset_supplement.py > /tmp/supplement.json
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import sys
from pathlib import Path

from select_devset import draw  # the same strata draw as the first set (run as a script from tests/data)

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2] / "shared/corpus/news-2023/items.jsonl.gz"
SEED = 20261129

STRATA: dict[str, tuple[str, int]] = {
    "ethnic_cleansing_2": (r"ethnic(ally)? cleans", 10),
    "genocide_2": (r"genocid", 24),
    "displacement_2": (
        r"forcibl\w* (displac|expel|deport|transfer|remov)|forced (displacement|expulsion|deportation|removal|transfer)|"
        r"mass expulsion|expulsion of|deport\w* .{0,30}children|exodus|displaced",
        14,
    ),
    "random_2": (r".", 8),
}


def split_of(item_id: str) -> str:
    return "tune" if int(hashlib.sha1(item_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def main() -> None:
    existing = {
        json.loads(x)["id"] for x in (HERE / "devset_labels.jsonl").read_text().splitlines() if x.strip()
    }
    items: dict[str, dict[str, str]] = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            items.setdefault(d["id"], d)
    pool = sorted((d for i, d in items.items() if i not in existing), key=lambda d: d["id"])
    random.Random(SEED).shuffle(pool)
    chosen = draw(pool, STRATA)
    out = [{"id": i, "split": split_of(i), "stratum": s} for i, s in chosen.items()]
    json.dump(out, sys.stdout, indent=0)
    print(len(out), file=sys.stderr)


if __name__ == "__main__":
    main()
