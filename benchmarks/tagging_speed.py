"""Tagging speed: per step, end to end through the CLI, against the obvious approach; memory.

    /work/venv/bin/python benchmarks/tagging_speed.py [--limit N] [--naive-limit N] [--no-e2e]

Reads ``../shared/corpus/news-2023/items.jsonl.gz`` (skips with a message when absent). Prints items
per second for each step (JSON decoding, HTML stripping, folding, tokenising, matching, rules, JSON
encoding), for the whole process through ``python -m indicators.cli`` (JSON in and out, one core),
for the naive baseline (one compiled regex per phrase tried in turn, same phrases, same folded text,
measured on a slice and scaled), and the matcher's memory (tracemalloc of building the tagger, and
the RSS of the CLI process).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "news-2023" / "items.jsonl.gz"
sys.path.insert(0, str(ROOT))


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>12,.0f} items/s  {seconds / n * 1e6:7.1f} µs/item"


def timed(label: str, n: int, fn: Callable[[], Any]) -> tuple[Any, float]:
    # results of every step are kept for the next one; keep the cyclic GC from rescanning them
    gc.collect()
    gc.freeze()
    t0 = time.perf_counter()
    r = fn()
    dt = time.perf_counter() - t0
    print(f"  {label:<38}{_rate(n, dt)}")
    return r, dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="use only the first N items (0: all)")
    ap.add_argument("--naive-limit", type=int, default=2000, help="items for the naive baseline (scaled)")
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end subprocess run")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"SKIP: corpus not found at {CORPUS}")
        return 0

    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    if args.limit:
        lines = lines[: args.limit]
    n = len(lines)
    print(f"corpus: {n:,} items, {sum(map(len, lines)) / 1e6:.1f} MB of JSON")

    from indicators import engine
    from indicators.text import fold, html_to_text

    tracemalloc.start()
    t0 = time.perf_counter()
    tagger = engine.load_tagger(cache=False)
    load_s = time.perf_counter() - t0
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    phrases = len(tagger._primary) + len(tagger._context) + len(tagger._geo)
    print(
        f"tagger: {phrases:,} phrases, built in {load_s * 1000:.0f} ms, "
        f"matcher memory {cur / 2**20:.1f} MB (tracemalloc, peak {peak / 2**20:.1f} MB)"
    )

    print("per step (in process, one core):")
    docs, _ = timed("json.loads", n, lambda: [json.loads(x) for x in lines])
    plain, _ = timed(
        "html_to_text (title + summary)",
        n,
        lambda: [(html_to_text(d.get("title") or ""), html_to_text(d.get("summary") or "")) for d in docs],
    )
    texts = [t + engine._SEP + s if s else t for t, s in plain]
    folded, _ = timed("fold (+ offset map when needed)", n, lambda: [fold(t) for t in texts])
    split = engine.split_tokens
    parts_l, _ = timed("tokenise (re.split)", n, lambda: [split(f) for f, _ in folded])

    def match_all() -> list[list[Any]]:
        res = []
        for p in parts_l:
            toks = p[1::2]
            out: list[Any] = []
            offs = [0, 0]
            tagger._primary.match(p, toks, False, out, offs)
            if out:
                tagger._match_context(p, toks, False, out, offs)
            res.append(out)
        return res

    timed("match (token tries)", n, match_all)
    raws, tag_s = timed(
        "tag_plain (fold+tokenise+match+rules)", n, lambda: [tagger.tag_plain(t, s) for t, s in plain]
    )
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
    timed("to_json + json encode", n, lambda: [enc(r.to_json()) for r in raws])
    timed(
        "tag() API incl. dataclasses",
        n,
        lambda: [tagger.tag(d.get("title") or "", d.get("summary") or "") for d in docs],
    )
    flagged = sum(r.flagged for r in raws)
    print(f"  flagged {flagged:,} of {n:,} items ({flagged / n:.1%})")

    # naive baseline: one compiled regex per phrase, tried in turn over the same folded text
    pats: list[re.Pattern[str]] = []
    for idx in (tagger._primary, tagger._context, tagger._geo):
        for toks, gaps in idx.phrases():
            body = "".join(
                re.escape(t) + (r"[\s\-/]+" if gaps[k] == " " else re.escape(gaps[k]))
                if k < len(gaps)
                else re.escape(t)
                for k, t in enumerate(toks)
            )
            pats.append(re.compile(r"\b" + body + r"\b"))
    m = min(args.naive_limit, n)
    sample = [f for f, _ in folded[:m]]

    def naive() -> int:
        hits = 0
        for f in sample:
            for p in pats:
                for _ in p.finditer(f):
                    hits += 1
        return hits

    print(f"naive baseline ({len(pats):,} regexes, one per phrase, over {m:,} folded items):")
    _, naive_s = timed("finditer per phrase (matching only)", m, naive)
    ours_match_per_item = tag_s / n
    naive_per_item = naive_s / m
    print(
        f"  speed-up of tag_plain (whole tagging) over naive matching alone: "
        f"{naive_per_item / ours_match_per_item:.0f}x"
    )

    if not args.no_e2e:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as tmp:
            tmp.writelines(lines)
        try:
            print("end to end: python -m indicators.cli FILE > /dev/null (whole process, JSON in and out):")
            cmd = [sys.executable, "-m", "indicators.cli", tmp.name]
            best = None
            for _ in range(2):
                t0 = time.perf_counter()
                with open(os.devnull, "w") as devnull:
                    proc = subprocess.run(cmd, cwd=ROOT, stdout=devnull, check=True)
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            assert best is not None and proc.returncode == 0
            ru = resource.getrusage(resource.RUSAGE_CHILDREN)
            print(f"  {'r2pwatch tag (best of 2)':<38}{_rate(n, best)}")
            print(f"  CLI process max RSS {ru.ru_maxrss / 1024:.0f} MB")
            print(f"  end-to-end vs naive matching alone: {naive_per_item / (best / n):.0f}x")
        finally:
            os.unlink(tmp.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
