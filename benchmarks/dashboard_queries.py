"""Dashboard query times on a database of realistic size, on SQLite and (when reachable) PostgreSQL.

Seeds 30,000 items over a year across 40 feeds with tags, countries and organisations (bulk inserts),
then times each query the pages run, best of 3.

    python benchmarks/dashboard_queries.py [--items 30000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from db import Database, upgrade
from db.aggregates import country_table, organisation_matrix, region_coverage
from db.filters import ItemFilter
from db.listing import SortKey, item_page
from db.models import Feed, Item, ItemCountry, ItemOrganisation, ItemSighting, ItemTag
from db.series import daily_series
from db.signals import AlertRule, region_signals
from db.types import utcnow
from indicators import INDICATOR_IDS, region_of

COUNTRIES = [
    "COD",
    "SDN",
    "ETH",
    "NGA",
    "MLI",
    "NER",
    "HTI",
    "VEN",
    "COL",
    "MMR",
    "AFG",
    "PHL",
    "UKR",
    "RUS",
    "ARM",
    "AZE",
    "XKX",
    "SRB",
    "SYR",
    "YEM",
    "LBY",
    "PSE",
    "ISR",
    "IRQ",
]
ORGS = ["UN", "UNSC", "AU", "ECOWAS", "EU", "OAS", "ASEAN", "ARAB_LEAGUE", "ICC", "OSCE"]
PILLAR3 = ["incitement", "membership", "peacekeeping", "sanctions", "icc"]


def seed(database: Database, n_items: int, rng: random.Random) -> None:
    now = utcnow()
    with database.write() as s:
        s.execute(
            sa.insert(Feed),
            [
                {
                    "id": i,
                    "url": f"https://feeds.example.org/{i}.xml",
                    "title": f"Feed {i}",
                    "region": region_of(COUNTRIES[i % len(COUNTRIES)]),
                    "language": "en",
                    "enabled": True,
                    "interval_minutes": 15,
                    "consecutive_failures": 0,
                    "last_status": "ok",
                    "created_at": now,
                }
                for i in range(1, 41)
            ],
        )
    batch = 5000
    for lo in range(1, n_items + 1, batch):
        items, tags, countries, orgs, sightings = [], [], [], [], []
        for i in range(lo, min(lo + batch, n_items + 1)):
            feed = rng.randint(1, 40)
            published = now - timedelta(days=rng.uniform(0, 365))
            flagged = rng.random() < 0.3
            items.append(
                {
                    "id": i,
                    "feed_id": feed,
                    "guid": f"g{i}",
                    "link": f"https://x.example.org/{i}",
                    "link_key": f"https://x.example.org/{i}",
                    "title": f"Item {i} about the crisis",
                    "title_key": f"item {i}",
                    "summary": "A summary of the news item " * 3,
                    "published_at": published,
                    "fetched_at": published,
                    "language": "en",
                    "content_hash": str(i),
                    "flagged": flagged,
                    "score": 2.0 if flagged else 0.0,
                }
            )
            sightings.append({"item_id": i, "feed_id": feed, "guid": f"g{i}", "seen_at": published})
            for iso3 in rng.sample(COUNTRIES, rng.choice((1, 1, 2))):
                countries.append(
                    {"item_id": i, "iso3": iso3, "region": region_of(iso3), "method": "name", "evidence": []}
                )
            if flagged:
                for ind in rng.sample(INDICATOR_IDS, rng.choice((1, 1, 2))):
                    tags.append(
                        {
                            "item_id": i,
                            "indicator": ind,
                            "score": 2.0,
                            "stage": None,
                            "evidence": [],
                            "taxonomy_version": "bench",
                        }
                    )
                for org in rng.sample(ORGS, rng.choice((0, 1, 2))):
                    orgs.append({"item_id": i, "org_id": org, "evidence": []})
        with database.write() as s:
            s.execute(sa.insert(Item), items)
            s.execute(sa.insert(ItemSighting), sightings)
            s.execute(sa.insert(ItemCountry), countries)
            if tags:
                s.execute(sa.insert(ItemTag), tags)
            if orgs:
                s.execute(sa.insert(ItemOrganisation), orgs)
    if database.dialect == "postgresql":
        with database.engine.begin() as conn:
            for table in ("feeds", "items", "item_sightings"):
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            conn.execute(sa.text("ANALYZE"))


def best_of(fn: Callable[[], Any], n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def run(database: Database, label: str) -> None:
    rule = AlertRule()
    africa = ItemFilter(region="africa")
    queries: list[tuple[str, Callable[[], Any]]] = [
        ("overview: region signals", lambda: region_signals(database, rule)),
        ("overview: 90-day daily series", lambda: daily_series(database)),
        ("overview: source coverage", lambda: region_coverage(database)),
        ("region: country table", lambda: country_table(database, africa)),
        ("region: organisation x tool matrix", lambda: organisation_matrix(database, africa, PILLAR3)),
        ("review: first 100 flagged rows", lambda: item_page(database, ItemFilter(flagged_only=True))),
        (
            "review: rows 15,000-15,100 by score",
            lambda: item_page(
                database,
                ItemFilter(),
                start=15_000,
                end=15_100,
                sort=[SortKey("score", descending=True)],
            ),
        ),
        ("review: free-text search", lambda: item_page(database, ItemFilter(text="crisis 12"))),
    ]
    print(f"\n{label}")
    for name, fn in queries:
        print(f"  {name:<40} {best_of(fn):8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=30_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        upgrade(database)
        t = time.perf_counter()
        seed(database, args.items, random.Random(1))
        print(f"seeded {args.items:,} items on SQLite in {time.perf_counter() - t:.1f} s")
        run(database, f"SQLite, {args.items:,} items (best of 3)")
        database.dispose()
    name = f"r2p_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        print(f"\nPostgreSQL skipped: {exc.orig}")
        return
    try:
        url = sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        database = Database(url)
        upgrade(database)
        seed(database, args.items, random.Random(1))
        run(database, f"PostgreSQL, {args.items:,} items (best of 3)")
        database.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
