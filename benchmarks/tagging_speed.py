"""Tagging speed: per step, end to end through the CLI, against the obvious approach; memory.

    /work/venv/bin/python benchmarks/tagging_speed.py [--limit N] [--naive-limit N] [--no-e2e]

Reads ``../shared/corpus/news-2023/items.jsonl.gz`` (skips with a message when absent) and prints:

- items per second for each step, in process on one core (JSON decoding, HTML stripping, folding,
  tokenising, matching, the rules, JSON encoding), each step timed on its own over every item with
  its inputs prepared beforehand and its outputs thrown away;
- the whole process through ``r2pwatch tag FILE``'s entry point (JSON in and out, one core, the
  tagger loaded from its cache file as ``r2pwatch tag`` does), best of three runs;
- the obvious approach, one compiled regex per phrase tried in turn (the same phrases, on the same
  folded text), on a slice of items, and the speed-ups over it;
- memory: the built matcher (tracemalloc) and the maximum RSS of the CLI process.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "news-2023" / "items.jsonl.gz"
sys.path.insert(0, str(ROOT))

# run the CLI in a child and report its own peak RSS (VmHWM: getrusage would count the pages of this
# big process that the child had before exec)
# the tagger comes from its cache file in the directory `r2pwatch tag` uses (argv[1]); without it
# tag_main would build the tagger in memory, half a second of every run
CLI_WITH_RSS = """
import resource, sys
from pathlib import Path
from r2pwatch.tag_cli import tag_main
rc = tag_main(sys.argv[2:], sys.stdin, sys.stdout, sys.stderr, cache_dir=Path(sys.argv[1]))
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")]
print(hwm[0].split()[1] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(rc)
"""


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f} items/s {seconds / n * 1e6:7.1f} µs/item"


def step(label: str, fn: Callable[[Any], object], inputs: Sequence[Any]) -> float:
    """Time ``fn`` over every input (CPU time of this process), results discarded."""
    gc.collect()
    t0 = time.process_time()
    for x in inputs:
        fn(x)
    dt = time.process_time() - t0
    print(f"  {label:<40}{rate(len(inputs), dt)}")
    return dt


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="use only the first N items (0: all)")
    ap.add_argument("--naive-limit", type=int, default=300, help="items for the naive baseline")
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end CLI runs")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"SKIP: corpus not found at {CORPUS}")
        return 0

    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    if args.limit:
        lines = lines[: args.limit]
    n = len(lines)
    print(f"corpus: {n:,} items, {sum(map(len, lines)) / 1e6:.1f} MB of JSON Lines")

    from indicators import engine
    from indicators.matcher import slots
    from indicators.rules import SEPARATOR
    from indicators.stemming import ARABIC
    from indicators.stream import tag_stream
    from indicators.text import fold, html_to_text

    t0 = time.perf_counter()
    engine.load_tagger(cache=False)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    from r2pwatch.config import cache_dir

    tagger = engine.load_tagger(cache_dir=cache_dir())  # writes / reads the cache file
    tagger = engine.load_tagger(cache_dir=cache_dir())
    cached_s = time.perf_counter() - t0
    tracemalloc.start()
    built = engine.load_tagger(cache=False)
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    phrases = len(built._primary) + len(built._context) + len(built._geo)
    print(
        f"tagger: {phrases:,} phrases; built in {build_s * 1000:.0f} ms, loaded from its cache file in "
        f"{cached_s * 1000:.0f} ms; matcher memory {cur / 2**20:.1f} MB (tracemalloc, build peak "
        f"{peak / 2**20:.1f} MB)"
    )
    del built
    gc.collect()
    gc.freeze()

    print("per step (in process, one core, CPU time):")
    docs = [json.loads(x) for x in lines]
    step("json.loads", json.loads, lines)
    step(
        "html_to_text (title + summary)",
        lambda d: (html_to_text(d.get("title") or ""), html_to_text(d.get("summary") or "")),
        docs,
    )
    plain = [(html_to_text(d.get("title") or ""), html_to_text(d.get("summary") or "")) for d in docs]
    texts = [t + SEPARATOR + s if s else t for t, s in plain]
    step("fold (+ offset map when needed)", fold, texts)
    folded = [fold(t)[0] for t in texts]
    step("tokenise (slots)", slots, folded)
    pairs = [(f, slots(f)) for f in folded]

    def match(p: tuple[str, list[str]]) -> None:
        f, sl = p
        tagger.match(f, sl, "ar" if not f.isascii() and ARABIC.search(f) is not None else "en")

    step("match (token tries)", match, pairs)
    langs = [d.get("language") for d in docs]
    tag_s = step(
        "tag_plain (fold+tokenise+match+rules)",
        lambda i: tagger.tag_plain(plain[i][0], plain[i][1], langs[i]),
        range(n),
    )
    raws = [tagger.tag_plain(t, s, lang) for (t, s), lang in zip(plain, langs, strict=True)]
    step("JSON line (json_line)", lambda r: r.json_line('{"id":"x",'), raws)
    sink: list[str] = []
    gc.collect()
    t0 = time.process_time()
    tag_stream(tagger, lines, sink.append)
    stream_s = time.process_time() - t0
    print(f"  {'whole stream in process (tag_stream)':<40}{rate(n, stream_s)}")
    sink.clear()
    step(
        "tag() API (HTML, dataclasses)",
        lambda d: tagger.tag(d.get("title") or "", d.get("summary") or "", d.get("language")),
        docs,
    )
    flagged = sum(r.flagged for r in raws)
    print(f"  flagged {flagged:,} of {n:,} items ({flagged / n:.1%})")
    raws.clear()

    # the obvious approach: one compiled regex per phrase, tried in turn over the same folded text
    naive_tagger = engine.load_tagger(cache=False)
    pats: list[re.Pattern[str]] = []
    for idx in (naive_tagger._primary, naive_tagger._context, naive_tagger._geo):
        for toks, gaps in idx.phrases():
            body = "".join(
                re.escape(t)
                + ((r"[\s\-/]+" if gaps[k] == " " else re.escape(gaps[k])) if k < len(gaps) else "")
                for k, t in enumerate(toks)
            )
            pats.append(re.compile(r"\b" + body + r"\b"))
    m = min(args.naive_limit, n)

    def naive(f: str) -> int:
        hits = 0
        for p in pats:
            for _ in p.finditer(f):
                hits += 1
        return hits

    print(f"naive baseline ({len(pats):,} compiled regexes, one per phrase, {m:,} items):")
    naive_s = step("finditer per phrase (matching only)", naive, folded[:m]) / m
    print(
        f"  tag_plain (all of the tagging) is {naive_s / (tag_s / n):,.0f}x faster than naive matching alone"
    )

    if not args.no_e2e:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as tmp:
            tmp.writelines(lines)
        try:
            print(
                "end to end: r2pwatch tag FILE > /dev/null (whole process, JSON in and out, cached tagger):"
            )
            best = None
            rss = 0
            for _ in range(3):
                t0 = time.perf_counter()
                with open(os.devnull, "w") as devnull:
                    proc = subprocess.run(
                        [sys.executable, "-c", CLI_WITH_RSS, str(cache_dir()), tmp.name],
                        cwd=ROOT,
                        stdout=devnull,
                        stderr=subprocess.PIPE,
                        check=True,
                    )
                dt = time.perf_counter() - t0
                rss = max(rss, int(proc.stderr.split()[-1]))
                best = dt if best is None else min(best, dt)
            assert best is not None
            print(f"  {'r2pwatch tag, best of 3 (wall clock)':<40}{rate(n, best)}")
            print(f"  CLI process peak RSS {rss / 1024:.0f} MB")
            print(f"  end to end is {naive_s / (best / n):,.0f}x faster than naive matching alone")
        finally:
            os.unlink(tmp.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
