"""The sample data shipped for the demo and the tests: feeds written by us, labelled as sample data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FEEDS_DIR = Path(__file__).with_name("feeds")
TITLE_PREFIXES = {
    "en": "[Sample] ",
    "fr": "[Exemple] ",
    "es": "[Ejemplo] ",
    "pt": "[Exemplo] ",
    "ar": "[عينة] ",
}


@dataclass(frozen=True, slots=True)
class SampleItem:
    guid: str
    title: str
    summary: str
    link: str
    hours_ago: float
    expect_indicators: tuple[str, ...]
    expect_countries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SampleFeed:
    slug: str
    title: str
    format: str  # "rss" or "atom"
    language: str
    region: str
    category: str
    items: tuple[SampleItem, ...]


def _item(raw: dict[str, Any]) -> SampleItem:
    expect = raw.get("expect") or {}
    return SampleItem(
        guid=raw["guid"],
        title=raw["title"],
        summary=raw.get("summary", ""),
        link=raw["link"],
        hours_ago=float(raw["hours_ago"]),
        expect_indicators=tuple(expect.get("indicators", ())),
        expect_countries=tuple(expect.get("countries", ())),
    )


def load_sample_feeds() -> list[SampleFeed]:
    feeds = []
    for path in sorted(FEEDS_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        feeds.append(
            SampleFeed(
                slug=raw["slug"],
                title=raw["title"],
                format=raw["format"],
                language=raw["language"],
                region=raw["region"],
                category=raw.get("category", ""),
                items=tuple(_item(i) for i in raw["items"]),
            )
        )
    return feeds
