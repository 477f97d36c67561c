"""The analyst workflow in headless Chromium: a filtered view survives a reload and a pasted link, back and
forward step through changes, Arabic reads right to left, Enter opens an item, a saved view, a brief."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from db import Database
from db.users import add_user
from tests.conftest import missing_service
from tests.dashboard_seed import Seeder, seed_sample
from tests.dashboard_server import CHROMIUM, CHROMIUM_ARGS, Live, live_dashboard, make_settings

pytestmark = pytest.mark.browser
ARABIC = "عقوبات جديدة على قادة الميليشيات في دارفور بعد تقارير عن جرائم حرب واسعة النطاق ضد المدنيين"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing_service(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def live(sqlite_db: Database) -> Iterator[tuple[Live, dict[str, Any]]]:
    info = seed_sample(sqlite_db)
    s = Seeder(sqlite_db, info["now"])
    info["arabic"] = s.item(
        info["feeds"]["africa"],
        ARABIC,
        "نزوح آلاف المدنيين من دارفور",
        days_ago=0.05,
        indicators={"sanctions": 3.9},
        countries=["SDN"],
        language="ar",
    )
    add_user(sqlite_db, "ana", "analyst", "analyst-password")
    with live_dashboard(make_settings(anonymous=True), sqlite_db) as server:
        yield server, info


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    p = context.new_page()
    errors: list[str] = []
    # plotly reports its map outline fetch, aborted by a reload or back navigation, as a page error; that
    # is the browser cancelling a request, not a fault of the page
    p.on("pageerror", lambda exc: None if "fetching topojson file" in str(exc) else errors.append(str(exc)))
    yield p
    # let fetches in flight (the region map's outlines) finish: closing the page under them makes plotly
    # report an aborted fetch as a page error
    p.wait_for_load_state("networkidle")
    context.close()
    assert errors == []


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def grid_titles(page: Any) -> list[str]:
    page.wait_for_selector("#review-grid .ag-row[row-id] [col-id='title']")
    return page.locator("#review-grid .ag-center-cols-container [col-id='title']").all_inner_texts()


def test_filtered_view_survives_reload_pasted_link_and_back(browser: Any, page: Any, live: Any) -> None:
    server, _info = live
    page.goto(server.url + "/review")
    page.wait_for_selector("#review-grid .ag-row[row-id]")
    page.fill("#review-f-text", "peacekeepers")
    page.press("#review-f-text", "Enter")
    page.wait_for_function("() => location.search.includes('q=peacekeepers')")
    page.click("#review-grid .ag-header-cell[col-id='score']")  # sort by score, ascending
    page.wait_for_function("() => location.search.includes('sort=score')")
    page.click("#review-f-flagged")
    page.wait_for_function("() => location.search.includes('flagged=0')")
    url = page.url
    assert query(page)["q"] == ["peacekeepers"] and query(page)["sort"] == ["score:asc"]
    before = grid_titles(page)
    assert before and all("peacekeep" in t.lower() for t in before)

    page.reload()
    assert (
        page.input_value("#review-f-text") == "peacekeepers" and page.is_checked("#review-f-flagged") is False
    )
    assert grid_titles(page) == before
    assert (
        page.locator("#review-grid .ag-header-cell[col-id='score']").get_attribute("aria-sort") == "ascending"
    )

    other = browser.new_context(
        viewport={"width": 1280, "height": 800}
    ).new_page()  # a colleague pastes the link
    other.goto(url)
    assert other.input_value("#review-f-text") == "peacekeepers" and grid_titles(other)[:5] == before[:5]
    other.context.close()

    page.go_back()  # before the "flagged only" switch
    page.wait_for_function("() => !location.search.includes('flagged=0')")
    page.wait_for_selector("#review-f-text")
    assert (
        page.is_checked("#review-f-flagged") is True and page.input_value("#review-f-text") == "peacekeepers"
    )
    page.go_forward()
    page.wait_for_function("() => location.search.includes('flagged=0')")
    page.wait_for_selector("#review-f-flagged")
    assert page.is_checked("#review-f-flagged") is False


def test_arabic_reads_right_to_left_and_enter_opens_the_item(page: Any, live: Any) -> None:
    server, info = live
    page.goto(server.url + "/review?sort=published_at:desc")
    cell = page.locator(f"#review-grid .ag-row[row-id='{info['arabic']}'] [col-id='title']")
    cell.wait_for()
    assert cell.evaluate("e => getComputedStyle(e).direction") == "rtl"
    # The start of the headline (its first word) is what shows, at the cell's right edge.
    box = cell.bounding_box()
    text_box = cell.evaluate("""e => { const r = document.createRange(); const t = e.querySelector('.ag-cell-value')
        || e; r.selectNodeContents(t); const rects = r.getClientRects(); return rects[0].right; }""")
    assert abs(text_box - (box["x"] + box["width"])) < 30
    cell.click()
    page.wait_for_selector("#review-item-title")
    assert page.get_attribute("#review-item-title", "dir") == "rtl"
    assert page.locator("#review-item-title").evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert query(page)["item"] == [str(info["arabic"])]
    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.search.includes('item=')")

    other = page.locator("#review-grid .ag-row[row-index='1'] [col-id='source']")
    row_id = page.locator("#review-grid .ag-row[row-index='1']").first.get_attribute("row-id")
    other.click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.search.includes('item=')")
    other.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => location.search.includes('item={row_id}')")
    assert page.locator("#review-detail").is_visible()
    assert page.locator("#review-note").evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"


@pytest.mark.parametrize("width", [1280, 1400, 1920])
def test_layout_holds_from_1280_to_1920(browser: Any, live: Any, width: int) -> None:
    server, _info = live
    p = browser.new_page(viewport={"width": width, "height": 900})
    p.goto(server.url + "/review")
    p.wait_for_selector("#review-f-text")
    box = p.locator("#review-f-text").bounding_box()
    assert box["width"] >= 200 and box["x"] + box["width"] <= width
    assert p.evaluate("() => document.documentElement.scrollWidth") <= width
    p.goto(server.url + "/region/africa")
    p.wait_for_selector("#region-org-matrix")
    matrix = p.locator("#region-org-matrix")
    last = matrix.locator("tr").first.locator("th").last
    parent = p.locator("#region-org-matrix").locator("xpath=..").bounding_box()
    lb = last.bounding_box()
    assert lb["x"] + lb["width"] <= parent["x"] + parent["width"] + 1, (
        "organisation lens clips its last column"
    )
    p.close()


def test_brief_renders_and_prints(page: Any, live: Any) -> None:
    server, _info = live
    page.goto(server.url + "/brief?region=africa")
    assert page.locator("h1").inner_text().startswith("Situation brief: Africa")
    assert page.locator("#brief-figures tr").count() > 2
    page.emulate_media(media="print")
    assert page.locator(".toolbar").is_hidden()
    assert page.locator("#brief-coverage").inner_text().count("Sahel Radio (broken)") == 1


def test_login_returns_to_the_page_and_a_saved_view(page: Any, live: Any) -> None:
    server, _info = live
    page.goto(server.url + "/review?region=africa&q=peacekeepers")
    page.wait_for_selector("#review-grid .ag-row[row-id]")
    page.click("#nav-login")
    page.wait_for_selector("#login-name")
    page.fill("#login-name", "ana")
    page.fill("#login-password", "analyst-password")
    page.click("#login-submit")
    page.wait_for_selector("#nav-user")
    assert urlsplit(page.url).path == "/review" and query(page) == {
        "region": ["africa"],
        "q": ["peacekeepers"],
    }

    page.click("#nav-views")
    page.click("#views-save-open")
    page.fill("#views-name", "Africa peacekeeping")
    page.click("#views-save")
    page.wait_for_selector("#views-msg:has-text('Saved')")

    page.goto(server.url + "/")
    card = page.locator("#overview-saved-views")
    card.wait_for()
    assert "Africa peacekeeping" in card.inner_text() and "nothing new" in card.inner_text()
    page.click("#nav-views")
    page.click("#nav-views a:has-text('Africa peacekeeping')")
    page.wait_for_selector("#review-grid .ag-row[row-id]")
    assert query(page) == {"region": ["africa"], "q": ["peacekeepers"]}
    assert page.input_value("#review-f-text") == "peacekeepers"

    page.click("#nav-logout")  # the navbar's form posts; the session ends and the login page shows
    page.wait_for_selector("#login-name")
    page.goto(server.url + "/review")
    page.wait_for_selector("#nav-login")  # a visitor again, not ana
    assert page.locator("#nav-user").count() == 0


@pytest.mark.parametrize(
    ("path", "control", "value", "key"),
    [
        ("/region/africa", "#region-period", "30", "period"),
        ("/", "#overview-window", "14", "window"),
        ("/country/COD", "#country-period", "365", "period"),
    ],
)
def test_other_pages_keep_their_choices_in_the_url(
    page: Any, live: Any, path: str, control: str, value: str, key: str
) -> None:
    server, _info = live
    page.goto(server.url + path)
    page.wait_for_selector(control)
    page.select_option(control, value)
    page.wait_for_function(f"() => location.search.includes('{key}={value}')")
    page.wait_for_load_state(
        "networkidle"
    )  # navigating under the map's outline fetch aborts it: a page error
    page.reload()
    page.wait_for_selector(control)
    assert page.input_value(control) == value
    page.wait_for_load_state("networkidle")
    page.go_back()
    page.wait_for_function(f"() => !location.search.includes('{key}=')")
    page.wait_for_selector(control)
    assert page.input_value(control) != value
