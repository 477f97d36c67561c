"""Select the development-set candidates from the 2023 news corpus (run once; kept for the record).

Stratified by keyword families so every indicator gets enough positives, plus hard negatives and a
random slice of ordinary news. The labels themselves are written by hand in devset_labels.jsonl.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpus/news-2023/items.jsonl.gz"

STRATA: dict[str, tuple[str, int]] = {
    "incitement": (r"incit|hate speech|dehumani|hate media|inciting", 40),
    "membership": (
        r"suspend\w* .{0,60}(union|ecowas|league|council|commonwealth|bloc|organi[sz]ation|membership)|expel\w* from|readmit|membership",
        45,
    ),
    "peacekeeping": (
        r"peacekeep|peace.?keeping|monusco|minusma|unmiss|unifil|stabili[sz]ation (mission|force)|standby force|"
        r"no-fly|intervention force|blue helmets|amisom|atmis|multinational (security )?(force|mission)",
        45,
    ),
    "sanctions": (r"sanction|asset freeze|travel ban|arms embargo|blacklist", 40),
    "icc": (
        r"international criminal court|\bicc\b|arrest warrant|tribunal|rome statute|war crimes court",
        45,
    ),
    "genocide": (r"genocid", 35),
    "war_crimes": (r"war crime", 35),
    "ethnic_cleansing": (
        r"ethnic(ally)? cleans|exodus|forcibly (displac|expel|deport|transfer)|"
        r"forced (displacement|expulsion|deportation)|mass expulsion|deport\w* .{0,30}children",
        40,
    ),
    "crimes_against_humanity": (r"crimes? against humanity", 35),
    "hard_negative": (
        r"cricket|suspended sentence|suspended .{0,20}talks|tariff|military exercise|drills|"
        r"incitement to (rebellion|riot|violence)|nato (membership|accession)|join (nato|the eu)|"
        r"international court of justice|suspended from (the )?(party|team|job)|massacre",
        70,
    ),
    "random": (r".", 70),
}


def draw(pool: list[dict[str, Any]], strata: dict[str, tuple[str, int]]) -> dict[str, str]:
    """id -> stratum: for each stratum in turn, the first ``n`` items of ``pool`` (in its order) not yet
    chosen whose title or summary matches its pattern."""
    chosen: dict[str, str] = {}
    for stratum, (pattern, n) in strata.items():
        rx = re.compile(pattern, re.I)
        taken = 0
        for d in pool:
            if taken >= n:
                break
            if d["id"] in chosen:
                continue
            if rx.search(f"{d.get('title') or ''} {d.get('summary') or ''}"):
                chosen[d["id"]] = stratum
                taken += 1
    return chosen


def main() -> None:
    rng = random.Random(2023)
    items: dict[str, dict[str, str]] = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            items.setdefault(d["id"], d)
    pool = list(items.values())
    rng.shuffle(pool)
    chosen = draw(pool, STRATA)
    out = [{"id": i, "stratum": s} for i, s in chosen.items()]
    json.dump(out, sys.stdout, indent=0)
    print(len(out), file=sys.stderr)


if __name__ == "__main__":
    main()
