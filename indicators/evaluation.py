"""Tagging quality against the labelled development sets, one per language.

English (``tests/data/devset_labels.jsonl``): the labels hold ids only; the texts are read from the
shared corpus by id. French, Spanish, Portuguese and Arabic (``tests/data/devset_{lang}.jsonl``): our
own translations of the same items, with their texts and the same ids, splits and labels. Used by
``benchmarks/tagging_quality.py`` and ``tests/test_indicators_quality.py``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .language import LANGUAGES
from .model import INDICATOR_IDS

__all__ = ["CORPUS", "LABELS", "LANGUAGES", "PRF", "Report", "devset_path", "evaluate", "load_devset"]

_ROOT = Path(__file__).resolve().parents[1]
CORPUS = _ROOT.parent / "shared" / "corpus" / "news-2023" / "items.jsonl.gz"
LABELS = _ROOT / "tests" / "data" / "devset_labels.jsonl"


def devset_path(lang: str) -> Path:
    """The labels (English) or the translated, labelled items (other languages)."""
    return LABELS if lang == "en" else LABELS.with_name(f"devset_{lang}.jsonl")


@dataclass(slots=True)
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: set[str], pred: set[str]) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)


@dataclass(slots=True)
class Report:
    split: str
    lang: str = "en"
    items: int = 0
    indicators: dict[str, PRF] = field(default_factory=lambda: {i: PRF() for i in INDICATOR_IDS})
    micro: PRF = field(default_factory=PRF)
    countries: PRF = field(default_factory=PRF)
    errors: list[dict[str, Any]] = field(default_factory=list)


def load_devset(labels: Path = LABELS, corpus: Path = CORPUS, *, lang: str = "en") -> list[dict[str, Any]]:
    """Labelled items with their text (``title``, ``summary``, ``language``, ``published``): English
    joined with the corpus by id, the translations as they are (published as the English item's)."""
    if lang != "en":
        english = {d["id"]: d for d in load_devset(labels, corpus)} if corpus.exists() else {}
        path = devset_path(lang)
        out = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        for d in out:
            d.setdefault("language", lang)
            d["published"] = english.get(d["id"], {}).get("published")
        return out
    rows = [json.loads(x) for x in labels.read_text(encoding="utf-8").splitlines() if x.strip()]
    want = {r["id"] for r in rows}
    texts: dict[str, dict[str, Any]] = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            # cheap pre-check before parsing: the id is near the start of each line
            d = json.loads(line)
            if d["id"] in want and d["id"] not in texts:
                texts[d["id"]] = d
    out = []
    for r in rows:
        d = texts.get(r["id"])
        if d is None:
            continue
        out.append(
            {
                **r,
                "title": d.get("title") or "",
                "summary": d.get("summary") or "",
                "language": d.get("language"),
                "published": d.get("published"),
            }
        )
    return out


def evaluate(items: Iterable[dict[str, Any]], tagger: Any, split: str, lang: str = "en") -> Report:
    from datetime import datetime

    rep = Report(split, lang)
    for it in items:
        if split != "all" and it["split"] != split:
            continue
        pub = it.get("published")
        when = None
        if pub:
            try:
                when = datetime.fromisoformat(pub.replace("Z", "+00:00"))
            except ValueError:
                when = None
        r = tagger.tag(it["title"], it["summary"], it.get("language"), when)
        pred_i = {t.id for t in r.indicators}
        gold_i = set(it["indicators"])
        for ind in INDICATOR_IDS:
            rep.indicators[ind].add({ind} & gold_i, {ind} & pred_i)
        rep.micro.add(gold_i, pred_i & set(INDICATOR_IDS))
        pred_c = {c.iso3 for c in r.countries}
        gold_c = set(it["countries"])
        rep.countries.add(gold_c, pred_c)
        rep.items += 1
        if pred_i != gold_i or pred_c != gold_c:
            rep.errors.append(
                {
                    "id": it["id"],
                    "ind_fp": sorted(pred_i - gold_i),
                    "ind_fn": sorted(gold_i - pred_i),
                    "c_fp": sorted(pred_c - gold_c),
                    "c_fn": sorted(gold_c - pred_c),
                    "title": r.title,
                    "summary": r.summary,
                }
            )
    return rep
