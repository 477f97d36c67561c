"""How well and how fast ``indicators.language.guess_language`` — the one language guess, stored with
ingested items and used by the tagger when an item comes without a language — names the language.

    python benchmarks/language_guess.py [--corpus-items N]

For each development set (``tests/data``; English joined from the 2023 corpus, skipped with a message
when it is absent) and each half: items guessed right, not guessed (None) and guessed wrong, how many
the function words decided (the rest went to the py3langid model), and microseconds per item. Then
the same over the first N items of the 2023 corpus (all English feeds). The text is what ingestion
guesses on: ``"{title}. {summary}"``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicators.evaluation import CORPUS, LANGUAGES, load_devset  # noqa: E402
from indicators.language import function_word_language, guess_language  # noqa: E402
from indicators.matcher import slots  # noqa: E402
from indicators.text import fold  # noqa: E402


def measure(texts: list[str], lang: str) -> tuple[Counter[str], int, float]:
    outcome: Counter[str] = Counter()
    by_words = 0
    start = time.perf_counter()
    for text in texts:
        guess = guess_language(text)
        outcome["right" if guess == lang else "none" if guess is None else "wrong:" + guess] += 1
    elapsed = time.perf_counter() - start
    for text in texts:
        by_words += function_word_language(slots(fold(text)[0])) is not None
    return outcome, by_words, elapsed / max(1, len(texts)) * 1e6


def line(label: str, texts: list[str], lang: str) -> None:
    outcome, by_words, us = measure(texts, lang)
    wrong = sum(n for k, n in outcome.items() if k.startswith("wrong"))
    detail = ", ".join(f"{k} {n}" for k, n in sorted(outcome.items()) if k.startswith("wrong"))
    print(
        f"  {label:<14}{len(texts):>7}{outcome['right']:>7}{outcome['none']:>6}{wrong:>6}"
        f"{by_words / max(1, len(texts)):>9.1%}{us:>9.0f}  {detail}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-items", type=int, default=20000)
    args = ap.parse_args()
    guess_language("warm the model up once, outside the timings")
    print(f"  {'set':<14}{'items':>7}{'right':>7}{'none':>6}{'wrong':>6}{'by words':>9}{'us/item':>9}")
    for lang in LANGUAGES:
        if lang == "en" and not CORPUS.exists():
            print(f"  en: skipped, {CORPUS} is absent")
            continue
        items = load_devset(lang=lang)
        for split in ("tune", "test"):
            texts = [f"{d['title']}. {d['summary']}" for d in items if d["split"] == split]
            line(f"{lang} {split}", texts, lang)
    if CORPUS.exists():
        texts = []
        with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
            for row in fh:
                d = json.loads(row)
                texts.append(f"{d.get('title') or ''}. {d.get('summary') or ''}")
                if len(texts) >= args.corpus_items:
                    break
        line("corpus (en)", texts, "en")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
