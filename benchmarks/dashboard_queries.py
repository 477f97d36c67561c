"""Dashboard query times on a database of realistic size, on SQLite and PostgreSQL.

Seeds N items (bulk inserts; titles and summaries from ../shared/corpus/news-2023/, dates over two years,
300 feeds, a mix of countries, tags, organisations, second sightings and review states; a third of the
items another outlet's report of a story), fills the daily aggregates (items, stories and feed days), then
times every query the overview, region, country (its covering feeds too), feeds, review and alerts pages run
(median of repeated runs) and the review grid's page of 100 rows at a deep position, read as the grid reads it
while scrolling (after the previous block's last row). Prints one JSON object per backend as its last line:
{"backend", "items", "seed_s", "queries": {name: median_ms}, "review_page_ms"}.

    python benchmarks/dashboard_queries.py [--items 30000] [--database-url URL] [--repeat 5]
    python benchmarks/dashboard_queries.py --items 1000000 --database-url URL --seed-only

Without --database-url it runs SQLite (a temporary file) and then PostgreSQL (a temporary database on
127.0.0.1:5432, skipped with the reason when unreachable). With a URL it seeds that (empty) database.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db import Database, feed_days, upgrade  # noqa: E402
from db.aggregates import (  # noqa: E402
    country_table,
    indicator_counts,
    region_coverage,
    review_shares,
)
from db.alerts import list_alerts  # noqa: E402
from db.briefs import Scope, covering_feeds  # noqa: E402
from db.choices import feed_choices, known_countries, known_organisations  # noqa: E402
from db.feeds import list_feeds  # noqa: E402
from db.filters import ItemFilter  # noqa: E402
from db.listing import ColumnFilter, SortKey, TextCondition, item_page, list_items  # noqa: E402
from db.models import (  # noqa: E402
    Feed,
    Item,
    ItemCountry,
    ItemOrganisation,
    ItemSighting,
    ItemTag,
    Review,
    Story,
    StoryItem,
)
from db.organisations import organisation_counts, organisation_matrix  # noqa: E402
from db.recount import rebuild, rebuild_stories  # noqa: E402
from db.search import index_items, parse_query  # noqa: E402
from db.series import daily_series  # noqa: E402
from db.signals import AlertRule, region_signals  # noqa: E402
from db.story_queue import story_page  # noqa: E402
from db.types import utcnow  # noqa: E402
from indicators import INDICATOR_IDS, region_of  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news-2023" / "items.jsonl.gz"
# weights: a situation room's news leans to a few crises
COUNTRIES = {
    "SDN": 9,
    "UKR": 9,
    "COD": 6,
    "MMR": 5,
    "HTI": 5,
    "PSE": 8,
    "ISR": 6,
    "SYR": 4,
    "YEM": 3,
    "ETH": 4,
    "NGA": 3,
    "MLI": 2,
    "NER": 2,
    "VEN": 2,
    "COL": 2,
    "AFG": 3,
    "PHL": 1,
    "RUS": 6,
    "ARM": 1,
    "AZE": 1,
    "XKX": 1,
    "SRB": 1,
    "LBY": 1,
    "IRQ": 2,
    "SSD": 2,
    "BFA": 1,
    "SOM": 2,
}
ORGS = ["UN", "UNSC", "AU", "ECOWAS", "EU", "OAS", "ASEAN", "ARAB_LEAGUE", "ICC", "OSCE"]
PILLAR3 = ["incitement", "membership", "peacekeeping", "sanctions", "icc"]
FEEDS = 300
STORY_SHARE = 0.35  # items that are another outlet's report of the story before them
LANGS = ["en"] * 6 + ["fr", "fr", "es", "pt", "ar"]


def corpus_texts(limit: int = 20_000) -> list[tuple[str, str]]:
    if not CORPUS.exists():
        sys.exit(f"corpus not found: {CORPUS}")
    out = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out.append((str(row.get("title") or "")[:500], str(row.get("summary") or "")[:2000]))
            if len(out) >= limit:
                break
    return out


def batches(n_items: int, rng: random.Random, size: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    now = utcnow()
    texts = corpus_texts()
    codes, weights = list(COUNTRIES), list(COUNTRIES.values())
    review_states = ["confirmed", "confirmed", "dismissed", "escalated"]
    story: int | None = None
    story_first = now
    for lo in range(1, n_items + 1, size):
        rows: dict[str, list[dict[str, Any]]] = {
            k: []
            for k in ("items", "sightings", "countries", "tags", "orgs", "reviews", "stories", "story_items")
        }
        for i in range(lo, min(lo + size, n_items + 1)):
            feed = rng.randint(1, FEEDS)
            if story is not None and rng.random() < STORY_SHARE:
                # another outlet's report of the story before: within a day and a half of its first
                published = min(now, story_first + timedelta(hours=rng.uniform(0, 36)))
            else:
                published = now - timedelta(days=rng.uniform(0, 730))  # a steady flow over two years
                story, story_first = i, published
                rows["stories"].append(
                    {"id": i, "first_seen_at": published, "last_seen_at": published, "items": 1, "sources": 1}
                )
            rows["story_items"].append(
                {
                    "item_id": i,
                    "story_id": story,
                    "feed_id": feed,
                    "published_at": published,
                    "signature": b"",
                }
            )
            title, summary = texts[i % len(texts)]
            flagged = rng.random() < 0.3
            score = round(rng.uniform(1.0, 4.0), 2) if flagged else round(rng.uniform(0, 0.9), 2)
            rows["items"].append(
                {
                    "id": i,
                    "feed_id": feed,
                    "guid": f"g{i}",
                    "link": f"https://x.example.org/{i}",
                    "link_key": f"https://x.example.org/{i}",
                    "title": title or f"Item {i}",
                    "title_key": (title or f"item {i}").lower()[:500],
                    "summary": summary,
                    "published_at": published,
                    "fetched_at": published,
                    "language": rng.choice(LANGS),
                    "content_hash": str(i),
                    "flagged": flagged,
                    "score": score,
                    "taxonomy_version": "bench",
                }
            )
            for f in {feed, *([rng.randint(1, FEEDS)] if rng.random() < 0.1 else [])}:
                rows["sightings"].append(
                    {"item_id": i, "feed_id": f, "guid": f"g{i}-{f}", "seen_at": published}
                )
            if rng.random() < 0.85:
                for iso3 in set(rng.choices(codes, weights, k=rng.choice((1, 1, 1, 2)))):
                    rows["countries"].append(
                        {
                            "item_id": i,
                            "iso3": iso3,
                            "region": region_of(iso3),
                            "method": "name",
                            "evidence": [],
                        }
                    )
            if flagged:
                for ind in rng.sample(INDICATOR_IDS, rng.choice((1, 1, 2))):
                    rows["tags"].append(
                        {
                            "item_id": i,
                            "indicator": ind,
                            "score": score,
                            "stage": None,
                            "evidence": [],
                            "taxonomy_version": "bench",
                        }
                    )
                for org in rng.sample(ORGS, rng.choice((0, 1, 2))):
                    rows["orgs"].append({"item_id": i, "org_id": org, "evidence": []})
                if rng.random() < 0.2:
                    rows["reviews"].append(
                        {
                            "item_id": i,
                            "status": rng.choice(review_states),
                            "analyst": "ann",
                            "note": None,
                            "updated_at": now,
                        }
                    )
        yield rows


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
                    "region": region_of(list(COUNTRIES)[i % len(COUNTRIES)]),
                    "language": LANGS[i % len(LANGS)],
                    "enabled": True,
                    "interval_minutes": 15,
                    "consecutive_failures": 0,
                    "last_status": "error" if i % 37 == 0 else "ok",
                    "created_at": now,
                }
                for i in range(1, FEEDS + 1)
            ],
        )
    tables = {
        "stories": Story,
        "items": Item,
        "sightings": ItemSighting,
        "countries": ItemCountry,
        "tags": ItemTag,
        "orgs": ItemOrganisation,
        "reviews": Review,
        "story_items": StoryItem,
    }
    t0 = time.perf_counter()
    for rows in batches(n_items, rng, 10_000):
        with database.write() as s:
            for name, model in tables.items():
                if rows[name]:
                    s.execute(sa.insert(model), rows[name])
            # the full-text documents, as ingestion writes them in the same transaction
            index_items(s, [(r["id"], r["title"], r["summary"], r["language"]) for r in rows["items"]])
        done = rows["items"][-1]["id"]
        print(
            f"  seeded {done:,} / {n_items:,} items ({time.perf_counter() - t0:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    with database.write() as s:
        # each story's items, sources and last item, as clustering keeps them
        per_story = (
            sa.select(
                StoryItem.story_id.label("id"),
                sa.func.count().label("n"),
                sa.func.count(sa.distinct(StoryItem.feed_id)).label("sources"),
                sa.func.max(StoryItem.published_at).label("last"),
            )
            .group_by(StoryItem.story_id)
            .having(sa.func.count() > 1)
            .subquery()
        )
        s.execute(
            sa.update(Story)
            .where(Story.id == per_story.c.id)
            .values(items=per_story.c.n, sources=per_story.c.sources, last_seen_at=per_story.c.last)
        )
        rebuild(s)
        rebuild_stories(s)
        feed_days.rebuild(s)
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            for table in ("feeds", "items", "item_sightings", "stories"):
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        else:
            conn.execute(sa.text("ANALYZE"))
    if database.dialect == "postgresql":
        # the steady state autovacuum keeps: statistics and the visibility map (index-only scans)
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm the caches as a running server would be
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 1)


def run(database: Database, backend: str, n_items: int, seed_s: float, repeat: int) -> dict[str, Any]:
    rule = AlertRule()
    now = utcnow()
    region = ItemFilter(region="africa", since=now - timedelta(days=90))
    country = ItemFilter(country="SDN", since=now - timedelta(days=180))
    flagged = ItemFilter(flagged_only=True)
    by_score = [SortKey("score", descending=True)]
    deep = min(15_000, max(0, n_items // 4))
    queries: dict[str, Callable[[], Any]] = {
        "overview: region signals": lambda: region_signals(database, rule),
        "overview: 90-day daily series": lambda: daily_series(database, days=90),
        "overview: source coverage": lambda: region_coverage(database),
        "overview: organisations": lambda: known_organisations(database),
        "overview: recent alerts": lambda: list_alerts(database, since=now - timedelta(days=14)),
        "region: daily series (90 days)": lambda: daily_series(database, days=90, region="africa"),
        "region: country table (90 days)": lambda: country_table(database, region),
        "region: organisation x tool matrix": lambda: organisation_matrix(database, region, PILLAR3),
        "region: latest flagged": lambda: list_items(
            database, ItemFilter(region="africa", flagged_only=True, since=region.since), limit=12
        ),
        "country: daily series (180 days)": lambda: daily_series(database, days=180, country="SDN"),
        "country: indicator counts": lambda: indicator_counts(database, country),
        "country: organisation counts": lambda: organisation_counts(database, country),
        "country: latest items": lambda: list_items(database, country, limit=20),
        "country: covering feeds (30 days)": lambda: covering_feeds(
            database, Scope(country="SDN"), now - timedelta(days=30), now, now=now
        ),
        "feeds: list with health": lambda: list_feeds(database, now=now),
        "review: countries, feeds": lambda: (known_countries(database), feed_choices(database)),
        "review: first 100 flagged rows": lambda: item_page(database, flagged),
        "review: first 100 by score": lambda: item_page(database, flagged, sort=by_score),
        f"review: rows {deep:,}+100 by score, offset (a jump)": lambda: item_page(
            database, flagged, start=deep, end=deep + 100, sort=by_score
        ),
        "review: full-text search, one word": lambda: item_page(
            database, ItemFilter(search=parse_query("ceasefire"))
        ),
        "review: full-text search, two words, flagged": lambda: item_page(
            database, ItemFilter(search=parse_query("sanctions sudan"), flagged_only=True)
        ),
        "review: grid's title column contains": lambda: item_page(
            database, flagged, columns=[ColumnFilter("title", (TextCondition("contains", "ceasefire"),))]
        ),
        "review by story: first 50 flagged stories": lambda: story_page(database, flagged, limit=50),
        "indicators: review shares": lambda: review_shares(database),
        "alerts: list": lambda: list_alerts(database),
    }
    results = {name: median_ms(fn, repeat) for name, fn in queries.items()}
    # the grid scrolling: the block before ends at `deep`; the next one starts after its last row
    before = item_page(database, flagged, start=deep - 100, end=deep, sort=by_score)
    review_page = median_ms(
        lambda: item_page(
            database,
            flagged,
            start=deep,
            end=deep + 100,
            sort=by_score,
            after=before.cursor,
            total=before.total,
        ),
        repeat,
    )
    results[f"review: rows {deep:,}+100 by score, keyset (scrolling)"] = review_page
    print(f"\n{backend}, {n_items:,} items (median of {repeat})", file=sys.stderr)
    for name, ms in results.items():
        print(f"  {name:<50} {ms:8.1f} ms", file=sys.stderr)
    return {
        "backend": backend,
        "items": n_items,
        "seed_s": round(seed_s, 1),
        "queries": results,
        "review_page_ms": review_page,
    }


def bench(url: str, backend: str, args: argparse.Namespace) -> None:
    database = Database(url)
    upgrade(database)
    t = time.perf_counter()
    if args.queries_only:
        with database.read() as s:
            args.items = s.scalar(sa.select(sa.func.count()).select_from(Item)) or 0
        print(f"timing the queries on {args.items:,} items already stored", file=sys.stderr)
    else:
        seed(database, args.items, random.Random(1))
        print(f"seeded {args.items:,} items on {backend} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    seed_s = time.perf_counter() - t
    print(json.dumps(run(database, backend, args.items, seed_s, args.repeat)), flush=True)
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=30_000)
    parser.add_argument("--database-url", help="an empty database to seed (default: SQLite, then PostgreSQL)")
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="server for the temporary PostgreSQL database when no --database-url",
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--seed-only",
        action="store_true",
        help="with --database-url: seed it and stop (seeded feeds disabled), e.g. for ingest_pass.py",
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="with --database-url: time the queries on a database seeded before (e.g. with --seed-only)",
    )
    args = parser.parse_args()
    if args.seed_only and args.database_url:
        database = Database(args.database_url)
        upgrade(database)
        seed(database, args.items, random.Random(1))
        with database.write() as s:  # their addresses do not exist: keep them out of ingest passes
            s.execute(sa.update(Feed).values(enabled=False))
        database.dispose()
        return
    if args.database_url:
        bench(args.database_url, sa.engine.make_url(args.database_url).get_backend_name(), args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", "sqlite", args)
    name = f"r2p_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        print(f"\nPostgreSQL skipped: {exc.orig}", file=sys.stderr)
        return
    try:
        bench(
            sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False),
            "postgresql",
            args,
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
