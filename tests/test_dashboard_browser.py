"""The dashboard in headless Chromium: pages load cleanly, the review flow, roles, feed validation,
maps with no internet, and the XSS probe. Marked ``browser``; skipped where Chromium is absent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from db import Database
from db.feeds import list_feeds
from db.filters import ItemFilter
from db.listing import list_items
from db.reviews import review_history, review_statuses
from db.users import add_user
from tests.conftest import missing_service
from tests.dashboard_seed import XSS_SUMMARY, XSS_TITLE, seed_sample
from tests.dashboard_server import CHROMIUM, CHROMIUM_ARGS, Live, live_dashboard, make_settings

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/review",
    "/feeds",
    "/indicators",
    "/users",
    "/country/COD",
    "/country/XKX",
    *[
        f"/region/{slug}"
        for slug in ("africa", "americas", "asia-pacific", "europe-central-asia", "middle-east-north-africa")
    ],
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing_service(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Env:
    live: Live
    db: Database
    info: dict[str, Any]
    page: Any
    problems: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.live.url + path)
        self.page.wait_for_load_state("networkidle")

    def login(self, name: str, password: str) -> None:
        self.page.goto(self.live.url + "/login")
        self.page.fill("#login-name", name)
        self.page.fill("#login-password", password)
        self.page.click("#login-submit")
        self.page.wait_for_load_state("networkidle")


@pytest.fixture
def env(browser: Any, sqlite_db: Database) -> Iterator[Env]:
    info = seed_sample(sqlite_db)
    add_user(sqlite_db, "ana", "analyst", "analyst-password")
    add_user(sqlite_db, "vic", "viewer", "viewer-password")
    with live_dashboard(make_settings(demo=True), sqlite_db) as live:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        e = Env(live, sqlite_db, info, page)
        page.on(
            "console",
            lambda m: (
                e.problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None
            ),
        )
        page.on("pageerror", lambda exc: e.problems.append(f"page error: {exc}"))
        page.on("dialog", lambda d: (e.dialogs.append(d.message), d.dismiss()))

        def on_request(request: Any) -> None:
            host = urlsplit(request.url).hostname
            if request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
                return
            e.external.append(request.url)

        page.on("request", on_request)
        yield e
        context.close()


def test_every_page_loads_without_console_errors(env: Env) -> None:
    """Under the Content-Security-Policy: a violation would be a console error."""
    env.login("ana", "analyst-password")
    for path in PAGES:
        response = env.page.goto(env.live.url + path)
        assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
        env.page.wait_for_load_state("networkidle")
        env.page.wait_for_selector("#app-main h1", timeout=10_000)
    env.page.wait_for_timeout(300)
    assert env.problems == []
    assert env.external == []
    assert env.page.locator("#app-demo-banner").inner_text().startswith("Sample data")


def _open_first_row(env: Env) -> str:
    cell = env.page.locator("#review-grid .ag-row[row-index='0'] [col-id='title']")
    cell.wait_for(timeout=10_000)
    cell.click()
    env.page.wait_for_selector("#review-item-title", timeout=10_000)
    row_id = env.page.locator("#review-grid .ag-row[row-index='0']").get_attribute("row-id")
    assert row_id
    return row_id


def test_review_flow_persists(env: Env) -> None:
    env.login("ana", "analyst-password")
    env.goto("/review")
    env.page.click("#review-f-country")
    env.page.wait_for_selector("input.dash-dropdown-search")
    env.page.fill("input.dash-dropdown-search", "Haiti")
    env.page.wait_for_selector("text=Haiti (HTI)")
    env.page.keyboard.press("Enter")
    env.page.wait_for_selector("#review-f-country-value:has-text('Haiti')")
    env.page.wait_for_function(
        "() => [...document.querySelectorAll('#review-grid .ag-row [col-id=\"countries\"]')]"
        ".every(c => c.textContent.includes('HTI')) && document.querySelectorAll('#review-grid .ag-row').length > 0"
    )
    item_id = _open_first_row(env)
    assert review_statuses(env.db, [int(item_id)])[int(item_id)] == "new"
    env.page.fill("#review-note", "Matches the OCHA report")
    env.page.click("#review-confirm")
    env.page.wait_for_selector("#review-action-msg:has-text('Confirmed: 1 item')")
    # opening another item starts clean: no leftover message or note
    env.page.keyboard.press("Escape")
    env.page.wait_for_selector(".offcanvas-backdrop", state="detached")
    env.page.locator("#review-grid .ag-row[row-index='1'] [col-id='title']").click()
    # the offcanvas mounts its body again on opening: wait for the element, then for it to be empty
    env.page.wait_for_function("() => document.querySelector('#review-action-msg')?.textContent === ''")
    assert env.page.locator("#review-note").input_value() == ""
    env.page.reload()
    env.goto(f"/review?item={item_id}")
    env.page.wait_for_selector("#review-item-history", timeout=10_000)
    assert env.page.locator("#review-item-status").inner_text().startswith("confirmed")
    history = env.page.locator("#review-item-history").inner_text()
    assert "ana" in history and "Matches the OCHA report" in history
    assert [(h.status, h.analyst) for h in review_history(env.db, int(item_id))] == [("confirmed", "ana")]
    assert env.problems == []


def test_viewer_cannot_confirm(env: Env) -> None:
    item = list_items(env.db, ItemFilter(status="new", flagged_only=True), limit=1)[0].id
    env.login("vic", "viewer-password")
    env.goto(f"/review?item={item}")
    env.page.wait_for_selector("#review-item-title", timeout=10_000)
    assert env.page.locator("#review-confirm").is_disabled()
    assert env.page.locator("#review-bulk-confirm").is_disabled()
    forged = {
        "output": "..review-action-msg.children...review-bulk-msg.children...review-refresh.data..",
        "outputs": [
            {"id": "review-action-msg", "property": "children"},
            {"id": "review-bulk-msg", "property": "children"},
            {"id": "review-refresh", "property": "data"},
        ],
        "inputs": [{"id": "review-confirm", "property": "n_clicks", "value": 1}],
        "state": [{"id": "review-current", "property": "data", "value": item}],
        "changedPropIds": ["review-confirm.n_clicks"],
    }
    response = env.page.request.post(env.live.url + "/_dash-update-component", data=forged)
    assert response.status == 403
    assert review_statuses(env.db, [item])[item] == "new" and review_history(env.db, item) == []


def test_bad_feed_url_shows_error_and_adds_nothing(env: Env) -> None:
    before = len(list_feeds(env.db))
    env.login("ana", "analyst-password")
    env.goto("/feeds")
    env.page.fill("#feeds-add-url", "javascript:alert(1)")
    env.page.click("#feeds-add")
    alert = env.page.wait_for_selector("#feeds-alert", timeout=10_000)
    assert "Not added" in alert.inner_text() and "http" in alert.inner_text()
    env.page.fill("#feeds-add-url", "feeds.example.org/rss")
    env.page.click("#feeds-add")
    env.page.wait_for_selector("#feeds-alert:has-text('no scheme')", timeout=10_000)
    assert len(list_feeds(env.db)) == before
    assert env.dialogs == []


def _block_non_loopback(env: Env) -> list[str]:
    blocked: list[str] = []

    def handle(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    env.page.route("**/*", handle)
    return blocked


@pytest.mark.parametrize(
    ("slug", "iso3"), [("europe-central-asia", "XKX"), ("middle-east-north-africa", "PSE")]
)
def test_map_draws_offline_with_kosovo_and_palestine(env: Env, slug: str, iso3: str) -> None:
    blocked = _block_non_loopback(env)
    env.login("ana", "analyst-password")
    env.goto(f"/region/{slug}")
    env.page.wait_for_selector("#region-map .choroplethlocation", timeout=15_000)
    drawn = env.page.evaluate(
        """(iso3) => {
            const gd = document.querySelector('#region-map .js-plotly-plot');
            const points = gd.calcdata[0];
            const paths = [...gd.querySelectorAll('.choroplethlocation')];
            const hit = points.find(p => p.loc === iso3);
            return {n: paths.filter(p => (p.getAttribute('d') || '').length > 10).length,
                    found: !!(hit && hit.geojson)};
        }""",
        iso3,
    )
    assert drawn["n"] > 3 and drawn["found"], drawn
    assert blocked == [] and env.external == []
    assert env.problems == []


def test_xss_item_shows_literally_and_runs_nothing(env: Env) -> None:
    env.login("ana", "analyst-password")
    env.goto(f"/review?item={env.info['xss']}")
    env.page.wait_for_selector("#review-item-title", timeout=10_000)
    assert env.page.locator("#review-item-title").inner_text() == XSS_TITLE
    assert env.page.locator("#review-item-summary").inner_text() == XSS_SUMMARY
    env.page.wait_for_selector(
        f"#review-grid [col-id='title']:has-text(\"{XSS_TITLE[:20]}\")", timeout=10_000
    )
    env.page.wait_for_timeout(500)
    assert env.page.locator("img[src='x']").count() == 0
    assert env.page.locator("#review-detail script").count() == 0
    assert env.page.locator("#review-detail a[href^='javascript']").count() == 0
    assert env.dialogs == []
    env.goto("/region/africa")
    env.page.wait_for_selector("#region-latest", timeout=10_000)
    assert re.search(
        re.escape("<script>alert('xss')</script>"), env.page.locator("#region-latest").inner_text()
    )
    assert env.dialogs == [] and env.problems == []


def test_story_view_decides_for_every_item(env: Env) -> None:
    """One row per story with its items inside; Confirm on the story confirms each of its items."""
    from db.story_queue import story_page
    from tests.test_review_stories import make_story

    newest = [r.id for r in list_items(env.db, ItemFilter(flagged_only=True, status="new"), limit=2)]
    other = next(r.id for r in list_items(env.db, ItemFilter(), limit=50) if r.id not in newest)
    members = [*newest, other]
    story = make_story(env.db, members)
    row = next(s for s in story_page(env.db, ItemFilter(flagged_only=True), limit=200)[0] if s.key == story)
    env.login("vic", "viewer-password")
    env.goto("/review?view=stories")
    story_row = env.page.locator(".story-row", has_text=row.title).first
    story_row.wait_for(timeout=10_000)
    assert story_row.get_by_role("button", name="Confirm").is_disabled()  # viewers see, cannot decide
    env.login("ana", "analyst-password")
    env.goto("/review")
    env.page.get_by_label("Stories").check()
    env.page.wait_for_function("() => window.location.search.includes('view=stories')")
    story_row = env.page.locator(".story-row", has_text=row.title).first
    story_row.wait_for(timeout=10_000)
    assert env.page.locator("#review-grid").is_hidden()
    story_row.locator("summary").click()
    assert story_row.locator(".story-item").count() == 3
    env.page.fill("#review-story-note", "one event")
    story_row.get_by_role("button", name="Confirm").click()
    env.page.wait_for_selector("#review-story-msg:has-text('Confirmed: 3 items')", timeout=10_000)
    assert set(review_statuses(env.db, members).values()) == {"confirmed"}
    assert all(
        [(h.status, h.analyst, h.note) for h in review_history(env.db, i)]
        == [("confirmed", "ana", "one event")]
        for i in members
    )
    env.page.reload()  # the view lives in the address
    env.page.wait_for_load_state("networkidle")
    env.page.locator(".story-row", has_text=row.title).first.wait_for(timeout=10_000)
    assert "3 confirmed" in env.page.locator(".story-row", has_text=row.title).first.inner_text()
    assert env.problems == []
