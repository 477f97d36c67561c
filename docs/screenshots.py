"""Save a PNG of each dashboard page to docs/ (1366x768, headless Chromium).

    python docs/screenshots.py            # the demo database if it has items, else a seeded temp one
    python docs/screenshots.py --seeded   # always a seeded temporary database

Logs in as an analyst created for the run (in the temporary database) or, on the demo database,
uses anonymous read access. Needs Chromium at /usr/bin/chromium and Playwright for Python.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from db import Database, open_database, upgrade  # noqa: E402
from db.filters import ItemFilter  # noqa: E402
from db.listing import list_items  # noqa: E402
from db.models import Item  # noqa: E402
from r2pwatch.settings import Settings, load_settings  # noqa: E402
from tests.dashboard_seed import seed_sample  # noqa: E402
from tests.dashboard_server import CHROMIUM, CHROMIUM_ARGS, live_dashboard  # noqa: E402

OUT = ROOT / "docs"
PAGES = (
    ("overview", "/"),
    ("region", "/region/africa"),
    ("country", "/country/COD"),
    ("review", "/review?item={item}"),
    ("feeds", "/feeds"),
    ("indicators", "/indicators"),
    ("brief", "/brief?region=africa"),
)


def _database(seeded: bool, tmp: Path) -> tuple[Database, Settings]:
    base = load_settings(use_default_files=False, environ={})
    if not seeded:
        demo = Settings(base.values, base.sources, True)
        path = Path(demo.database_url.removeprefix("sqlite:///"))
        if path.exists():
            database = open_database(demo.database_url)
            with database.read() as session:
                if session.scalar(select(func.count()).select_from(Item)):
                    return database, demo.replace(serve__secret_key="screenshots", auth__anonymous_read=True)
            database.dispose()
    database = Database(f"sqlite:///{tmp / 'screenshots.sqlite'}")
    upgrade(database)
    seed_sample(database)
    settings = Settings(base.values, base.sources, True)
    return database, settings.replace(serve__secret_key="screenshots", auth__anonymous_read=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeded", action="store_true", help="use a seeded temporary database")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        database, settings = _database(args.seeded, Path(tmp))
        flagged = list_items(database, ItemFilter(flagged_only=True), limit=1)
        item = flagged[0].id if flagged else ""
        with live_dashboard(settings, database) as live, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page: Any = browser.new_page(viewport={"width": 1366, "height": 768})
            for name, path in PAGES:
                page.goto(live.url + path.format(item=item))
                page.wait_for_load_state("networkidle")
                page.wait_for_selector("h1" if name == "brief" else "#app-main h1", timeout=15_000)
                page.wait_for_timeout(700)
                target = OUT / f"screenshot-{name}.png"
                page.screenshot(path=str(target))
                print(f"wrote {target.relative_to(ROOT)}")
            browser.close()
        database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
