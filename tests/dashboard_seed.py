"""Seed databases for dashboard tests, browser tests and screenshots through the ORM models.

``Seeder`` adds feeds and items with tags, countries and organisations whose evidence offsets point
into the title or summary, like the tagger's. ``seed_sample`` builds a varied, deterministic data set
over 90 days with a spike, an XSS probe and a few reviews.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from db import feed_days
from db.counts import add_items
from db.engine import Database
from db.models import Feed, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag, Story, StoryItem
from db.story_counts import stories_counted

REGION_OF: dict[str, str] = {
    "COD": "africa",
    "SDN": "africa",
    "SSD": "africa",
    "NGA": "africa",
    "ETH": "africa",
    "MLI": "africa",
    "BFA": "africa",
    "CAF": "africa",
    "KEN": "africa",
    "HTI": "americas",
    "COL": "americas",
    "VEN": "americas",
    "MEX": "americas",
    "NIC": "americas",
    "MMR": "asia-pacific",
    "AFG": "asia-pacific",
    "PHL": "asia-pacific",
    "CHN": "asia-pacific",
    "PRK": "asia-pacific",
    "LKA": "asia-pacific",
    "UKR": "europe-central-asia",
    "RUS": "europe-central-asia",
    "XKX": "europe-central-asia",
    "SRB": "europe-central-asia",
    "BIH": "europe-central-asia",
    "ARM": "europe-central-asia",
    "AZE": "europe-central-asia",
    "PSE": "middle-east-north-africa",
    "ISR": "middle-east-north-africa",
    "SYR": "middle-east-north-africa",
    "YEM": "middle-east-north-africa",
    "LBY": "middle-east-north-africa",
    "IRQ": "middle-east-north-africa",
}
NAMES: dict[str, str] = {
    "COD": "DR Congo",
    "SDN": "Sudan",
    "SSD": "South Sudan",
    "NGA": "Nigeria",
    "ETH": "Ethiopia",
    "MLI": "Mali",
    "BFA": "Burkina Faso",
    "CAF": "Central African Republic",
    "KEN": "Kenya",
    "HTI": "Haiti",
    "COL": "Colombia",
    "VEN": "Venezuela",
    "MEX": "Mexico",
    "NIC": "Nicaragua",
    "MMR": "Myanmar",
    "AFG": "Afghanistan",
    "PHL": "Philippines",
    "CHN": "China",
    "PRK": "North Korea",
    "LKA": "Sri Lanka",
    "UKR": "Ukraine",
    "RUS": "Russia",
    "XKX": "Kosovo",
    "SRB": "Serbia",
    "BIH": "Bosnia and Herzegovina",
    "ARM": "Armenia",
    "AZE": "Azerbaijan",
    "PSE": "Palestine",
    "ISR": "Israel",
    "SYR": "Syria",
    "YEM": "Yemen",
    "LBY": "Libya",
    "IRQ": "Iraq",
}
PHRASES: dict[str, str] = {
    "incitement": "hate speech",
    "membership": "suspended from the African Union",
    "peacekeeping": "peacekeepers",
    "sanctions": "sanctions",
    "icc": "International Criminal Court",
    "genocide": "genocide",
    "war_crimes": "war crimes",
    "ethnic_cleansing": "ethnic cleansing",
    "crimes_against_humanity": "crimes against humanity",
}
ORG_PHRASES: dict[str, str] = {
    "UN": "United Nations",
    "AU": "African Union",
    "EU": "European Union",
    "ICC": "ICC",
    "ECOWAS": "ECOWAS",
    "OAS": "OAS",
}


def _evidence(
    kind: str, ident: str, phrase: str, title: str, summary: str, weight: float
) -> list[dict[str, Any]]:
    for fld, text in (("title", title), ("summary", summary)):
        start = text.find(phrase)
        if start >= 0:
            return [
                {
                    "kind": kind,
                    "id": ident,
                    "field": fld,
                    "text": phrase,
                    "start": start,
                    "end": start + len(phrase),
                    "weight": weight,
                    "rule": f"test:{ident}",
                }
            ]
    return []


@dataclass
class Seeder:
    """Seeds feeds and items; each item is a story of its own (as clustering makes one for an item
    like no other) unless it joins ``story`` (an item's story: ``story_of[item id]``), or none at all
    with ``stories=False``."""

    database: Database
    now: datetime
    stories: bool = True
    story_of: dict[int, int] = field(default_factory=dict)

    def feed(
        self,
        url: str,
        title: str | None = None,
        *,
        region: str | None = None,
        language: str | None = "en",
        status: str = "ok",
        error: str | None = None,
        enabled: bool = True,
    ) -> int:
        with self.database.write() as s:
            feed = Feed(
                url=url,
                title=title,
                region=region,
                language=language,
                last_status=status,
                last_error_kind="http" if error else None,
                last_error=error,
                enabled=enabled,
                interval_minutes=15,
                last_fetched_at=self.now - timedelta(minutes=5),
                last_success_at=None if status == "error" else self.now - timedelta(minutes=5),
                next_due_at=self.now + timedelta(minutes=10),
            )
            s.add(feed)
            s.flush()
            return feed.id

    def item(
        self,
        feed_id: int,
        title: str,
        summary: str = "",
        *,
        days_ago: float = 0.5,
        indicators: Mapping[str, float] | Sequence[str] = (),
        countries: Iterable[str] = (),
        organisations: Iterable[str] = (),
        flagged: bool | None = None,
        link: str | None = None,
        language: str = "en",
        also_in: Iterable[int] = (),
        story: int | None = None,
    ) -> int:
        with self.database.write() as s:
            return self.add_item(
                s,
                feed_id,
                title,
                summary,
                days_ago=days_ago,
                indicators=indicators,
                countries=countries,
                organisations=organisations,
                flagged=flagged,
                link=link,
                language=language,
                also_in=also_in,
                story=story,
            )

    def add_item(
        self,
        s: Session,
        feed_id: int,
        title: str,
        summary: str = "",
        *,
        days_ago: float = 0.5,
        indicators: Mapping[str, float] | Sequence[str] = (),
        countries: Iterable[str] = (),
        organisations: Iterable[str] = (),
        flagged: bool | None = None,
        link: str | None = None,
        language: str = "en",
        also_in: Iterable[int] = (),
        story: int | None = None,
    ) -> int:
        """Add one item in the caller's transaction."""
        inds = dict(indicators) if isinstance(indicators, Mapping) else dict.fromkeys(indicators, 1.5)
        published = self.now - timedelta(days=days_ago)
        key = hashlib.sha1(f"{feed_id}|{title}|{published.isoformat()}".encode()).hexdigest()
        score = max(inds.values(), default=0.0)
        item = Item(
            feed_id=feed_id,
            guid=key,
            link=link or f"https://example.org/{key[:12]}",
            link_key=key,
            title=title,
            title_key=title.lower()[:500],
            summary=summary,
            published_at=published,
            fetched_at=published + timedelta(minutes=3),
            language=language,
            content_hash=key,
            flagged=bool(inds) if flagged is None else flagged,
            score=score,
            taxonomy_version="test",
        )
        s.add(item)
        s.flush()
        for fid in [feed_id, *also_in]:
            s.add(ItemSighting(item_id=item.id, feed_id=fid, guid=f"{key}-{fid}", seen_at=item.fetched_at))
        for ind, sc in inds.items():
            ev = _evidence("indicator", ind, PHRASES.get(ind, ind), title, summary, sc)
            s.add(
                ItemTag(
                    item_id=item.id, indicator=ind, score=sc, stage=None, evidence=ev, taxonomy_version="test"
                )
            )
        for iso3 in dict.fromkeys(countries):
            ev = _evidence("country", iso3, NAMES.get(iso3, iso3), title, summary, 1.0)
            s.add(
                ItemCountry(
                    item_id=item.id, iso3=iso3, region=REGION_OF.get(iso3), method="name", evidence=ev
                )
            )
        for org in dict.fromkeys(organisations):
            ev = _evidence("organisation", org, ORG_PHRASES.get(org, org), title, summary, 1.0)
            s.add(ItemOrganisation(item_id=item.id, org_id=org, evidence=ev))
        s.flush()
        add_items(s, [item.id])  # the daily aggregates, as ingestion keeps them
        feed_days.add_items(s, [item.id])
        if self.stories:
            if story is None:
                made = Story(first_seen_at=published, last_seen_at=published, items=1, sources=1)
                s.add(made)
                s.flush()
                story = made.id
            with stories_counted(s, [story]):
                s.add(
                    StoryItem(
                        item_id=item.id,
                        story_id=story,
                        feed_id=feed_id,
                        published_at=published,
                        signature=b"",
                    )
                )
            self.story_of[item.id] = story
        return item.id


XSS_TITLE = "Test item <script>alert('xss')</script> renders as text"
XSS_SUMMARY = "<img src=x onerror=alert(1)> This item checks that feed text is shown literally; genocide."

_TEMPLATES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "{c}: UN peacekeepers deployed as clashes spread",
        "The United Nations said peacekeepers would protect camps in {c}.",
        ("peacekeeping",),
        ("UN",),
    ),
    (
        "{c}: European Union weighs new sanctions",
        "Ministers discussed sanctions over abuses in {c}; the European Union will decide next week.",
        ("sanctions",),
        ("EU",),
    ),
    (
        "ICC prosecutor opens inquiry into {c}",
        "The International Criminal Court will examine alleged war crimes in {c}.",
        ("icc", "war_crimes"),
        ("ICC",),
    ),
    (
        "Radio broadcasts in {c} spread hate speech, monitors warn",
        "Rights groups said hate speech against minorities in {c} was rising.",
        ("incitement",),
        (),
    ),
    (
        "Witnesses describe ethnic cleansing in {c}",
        "Villagers in {c} fled after what observers called ethnic cleansing and crimes against humanity.",
        ("ethnic_cleansing", "crimes_against_humanity"),
        (),
    ),
    (
        "{c} suspended from the African Union after coup",
        "The African Union said {c} was suspended from the African Union until order returns.",
        ("membership",),
        ("AU",),
    ),
    (
        "Experts warn of genocide risk in {c}",
        "A United Nations adviser warned of genocide risk in {c}.",
        ("genocide",),
        ("UN",),
    ),
    ("{c} central bank holds rates", "Markets in {c} were calm.", (), ()),
)


def seed_sample(
    database: Database, now: datetime | None = None, *, seed: int = 7, stories: bool = True
) -> dict[str, Any]:
    """A varied data set: feeds in every region (one failing), ~400 items over 90 days, a 7-day
    peacekeeping spike in DR Congo, the XSS probe (flagged), a story reported by three outlets (Kosovo),
    reviews on a few items."""
    from db.reviews import record_review

    now = now or datetime.now(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    s = Seeder(database, now, stories=stories)
    feeds = {
        "africa": s.feed("https://news.example.org/africa.xml", "Africa Wire", region="africa"),
        "americas": s.feed(
            "https://news.example.org/americas.xml", "Americas Bulletin", region="americas", language="es"
        ),
        "asia-pacific": s.feed(
            "https://news.example.org/asia.xml", "Asia-Pacific Monitor", region="asia-pacific"
        ),
        "europe-central-asia": s.feed(
            "https://news.example.org/europe.xml", "Europe Desk", region="europe-central-asia"
        ),
        "middle-east-north-africa": s.feed(
            "https://news.example.org/mena.xml",
            "MENA Report",
            region="middle-east-north-africa",
            language="fr",
        ),
    }
    broken = s.feed(
        "https://broken.example.org/feed.xml",
        "Sahel Radio (broken)",
        region="africa",
        status="error",
        error="HTTP 503 Service Unavailable",
    )
    world = s.feed("https://world.example.org/rss", "World Service", language="en")
    by_region: dict[str, list[str]] = {}
    for iso3, region in REGION_OF.items():
        by_region.setdefault(region, []).append(iso3)
    ids: list[int] = []
    with database.write() as tx:
        for _ in range(380):
            region = rng.choice(sorted(by_region))
            iso3 = rng.choice(by_region[region])
            title, summary, inds, orgs = rng.choice(_TEMPLATES)
            c = NAMES[iso3]
            scores = {i: round(rng.uniform(1.0, 3.5), 2) for i in inds}
            ids.append(
                s.add_item(
                    tx,
                    feeds[region],
                    title.format(c=c),
                    summary.format(c=c),
                    days_ago=rng.uniform(0.05, 89.5),
                    indicators=scores,
                    countries=[iso3],
                    organisations=orgs,
                    also_in=[world] if rng.random() < 0.2 else [],
                )
            )
        for k in range(12):  # the spike
            ids.append(
                s.add_item(
                    tx,
                    feeds["africa"],
                    f"DR Congo: UN peacekeepers reinforce Goma positions ({k + 1})",
                    "The United Nations said peacekeepers and African Union troops moved to DR Congo's east.",
                    days_ago=0.2 + k * 0.5,
                    indicators={"peacekeeping": 2.5},
                    countries=["COD"],
                    organisations=["UN", "AU"],
                    also_in=[broken],
                )
            )
        xss = s.add_item(
            tx,
            feeds["africa"],
            XSS_TITLE,
            XSS_SUMMARY,
            days_ago=0.1,
            indicators={"genocide": 2.0},
            countries=["SSD"],
            link="javascript:alert(1)",
        )
        kosovo = s.add_item(
            tx,
            feeds["europe-central-asia"],
            "Kosovo and Serbia: EU warns of sanctions",
            "The European Union said sanctions were possible in Kosovo.",
            days_ago=1.0,
            indicators={"sanctions": 2.0},
            countries=["XKX", "SRB"],
            organisations=["EU"],
        )
        # two more outlets' reports of the Kosovo story: three items, one story from three sources
        for feed, title, ago in (
            (world, "EU threatens Kosovo and Serbia with sanctions", 0.9),
            (feeds["middle-east-north-africa"], "L'UE menace le Kosovo et la Serbie de sanctions", 0.8),
        ):
            s.add_item(
                tx,
                feed,
                title,
                "The European Union said sanctions were possible.",
                days_ago=ago,
                indicators={"sanctions": 2.0},
                countries=["XKX"],
                organisations=["EU"],
                story=s.story_of.get(kosovo),
            )
    flagged_ids = ids[:40]
    record_review(database, flagged_ids[:6], "confirmed", "alice", "matches field reports", now=now)
    record_review(database, flagged_ids[6:9], "dismissed", "alice", "market news", now=now)
    record_review(database, flagged_ids[9:10], "escalated", "bob", "needs a second look", now=now)
    return {
        "now": now,
        "feeds": feeds,
        "broken": broken,
        "world": world,
        "xss": xss,
        "kosovo": kosovo,
        "items": ids,
    }
