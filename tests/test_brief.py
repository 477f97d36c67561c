"""Situation briefs: the same content from ``/brief`` (printable HTML, Markdown) and ``r2pwatch brief``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.app import create_app
from dashboard.brief import collect, md, to_markdown
from dashboard.meta import Meta
from db import Database
from db.alerts import AlertValues, record_alerts
from db.reviews import record_review
from r2pwatch.cli import main
from tests.dashboard_seed import Seeder
from tests.dashboard_server import make_config

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def seed(db: Database) -> dict[str, int]:
    s = Seeder(db, NOW)
    wire = s.feed("https://wire.example.org/rss", "Africa Wire", region="africa")
    broken = s.feed(
        "https://broken.example.org/rss", "Sahel Radio", region="africa", status="error", error="HTTP 503"
    )
    ids = {}
    for k in range(6):
        ids[f"pk{k}"] = s.item(
            wire,
            f"Sudan: UN peacekeepers deployed ({k})",
            "peacekeepers",
            days_ago=1 + k * 0.5,
            indicators={"peacekeeping": 2.0},
            countries=["SDN"],
            organisations=["UN"],
        )
    ids["old"] = s.item(
        wire,
        "Sudan: peacekeepers last month",
        days_ago=20,
        indicators={"peacekeeping": 2.0},
        countries=["SDN"],
    )
    ids["sanction"] = s.item(
        broken,
        "EU sanctions [Darfur] *militia* leaders",
        days_ago=2,
        indicators={"sanctions": 2.5},
        countries=["SDN"],
        organisations=["EU"],
    )
    ids["ar"] = s.item(
        wire,
        "عقوبات على قادة ميليشيا في دارفور",
        days_ago=3,
        indicators={"sanctions": 1.5},
        countries=["SDN"],
        language="ar",
    )
    ids["kenya"] = s.item(
        wire, "Kenya: calm elections", days_ago=2, indicators={"incitement": 1.0}, countries=["KEN"]
    )
    record_review(db, [ids["pk0"]], "confirmed", "ana", "Matches the OCHA report", now=NOW)
    record_review(db, [ids["sanction"]], "escalated", "bob", "=1+1 check with desk", now=NOW)
    record_review(db, [ids["ar"]], "dismissed", "ana", "duplicate", now=NOW)
    record_alerts(
        db,
        [
            AlertValues(
                kind="signal",
                scope="country",
                region="africa",
                country="SDN",
                indicator="peacekeeping",
                day=NOW.replace(hour=0),
                window_start=NOW - timedelta(days=2),
                window_end=NOW,
                observed=6,
                expected=0.5,
                score=5.2,
                threshold=3.0,
                sources=1,
                story_ids=(1, 2, 3, 4, 5, 6),
                detail={"explain": "6 stories in 2 days; expected 0.50"},
            )
        ],
        cooldown_days=7,
        now=NOW,
    )
    return ids


def test_country_brief_has_figures_alerts_reviewed_items_and_caveats(db: Database) -> None:
    ids = seed(db)
    meta = Meta()
    brief = collect(
        db,
        meta,
        country="sdn",
        start="2026-11-14",
        end="2026-11-20",
        base_url="https://r2p.example/",
        now=NOW,
    )
    assert brief.place == "Sudan (SDN)" and brief.items == 8
    figures = {f.indicator: f for f in brief.figures}
    assert figures["peacekeeping"].count == 6 and figures["peacekeeping"].baseline_total == 1
    assert figures["peacekeeping"].baseline_mean == 0.25 and figures["peacekeeping"].ratio == 24.0
    assert [a.indicator for a in brief.alerts] == ["peacekeeping"]
    grouped = {ind: [r.id for r in rs] for ind, rs in brief.reviewed}
    assert grouped == {"peacekeeping": [ids["pk0"]], "sanctions": [ids["sanction"]]}  # dismissed left out
    assert [c.feed.title for c in brief.coverage if c.problem] == ["Sahel Radio"]
    text = to_markdown(brief, meta)
    assert text.startswith("# Situation brief: Sudan (SDN), 2026-11-14 to 2026-11-20")
    assert "| Peacekeeping" in text and "| 6 | 0.2 | 24.0× |" in text
    assert "EU sanctions \\[Darfur\\] \\*militia\\* leaders" in text
    assert f"https://r2p.example/review?item={ids['pk0']}" in text
    assert "Note (ana): Matches the OCHA report" in text and "Note (bob): =1+1 check with desk" in text
    assert "Sahel Radio: failing (http: HTTP 503)" in text
    assert "6 stories in 2 days; expected 0.50" in text  # the alert's arithmetic


def test_brief_page_is_printable_html_and_markdown(db: Database) -> None:
    seed(db)
    app = create_app(make_config(anonymous=True), db)
    client = app.server.test_client()
    page = client.get("/brief?region=africa&from=2026-11-14&to=2026-11-20")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Situation brief: Africa, 2026-11-14 to 2026-11-20</h1>" in body
    assert "@media print" in body and "window.print()" in body
    assert "<span dir='auto'>" in body or "dir='auto'>" in body
    markdown = client.get("/brief?region=africa&from=2026-11-14&to=2026-11-20&format=md")
    assert markdown.mimetype == "text/markdown" and markdown.get_data(as_text=True).startswith(
        "# Situation brief"
    )
    for query, message in [
        ("country=XYZ", "unknown country"),
        ("region=mars", "unknown region"),
        ("", "either a region or a country"),
        ("region=africa&from=soon", "not a date"),
        ("region=africa&from=2026-11-20&to=2026-11-01", "is after"),
    ]:
        r = client.get(f"/brief?{query}")
        assert r.status_code == 400 and message in r.get_data(as_text=True), query


def test_brief_command(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    seed(db)
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert (
        main(
            [
                "--database-url",
                db.url,
                "brief",
                "--region",
                "africa",
                "--from",
                "2026-11-14",
                "--to",
                "2026-11-20",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("# Situation brief: Africa, 2026-11-14 to 2026-11-20")
    assert main(["--database-url", db.url, "brief", "--country", "SDN", "--format", "html"]) == 0
    assert "<!doctype html>" in capsys.readouterr().out
    assert main(["--database-url", db.url, "brief", "--country", "XYZ"]) == 1
    assert "unknown country 'XYZ'" in capsys.readouterr().err
    assert (
        main(["--database-url", db.url, "brief", "--region", "africa", "--to", day, "--from", "2020-01-01"])
        == 1
    )
    assert "at most 366 days" in capsys.readouterr().err


def test_markdown_escapes_feed_text() -> None:
    assert md("[x](javascript:alert(1)) <b>") == "\\[x\\](javascript:alert(1)) \\<b>"


def test_country_profile_and_unknown_country(db: Database) -> None:
    import json

    import plotly

    from dashboard.pages import country

    seed(db)
    app = create_app(make_config(anonymous=True), db)
    client = app.server.test_client()
    r = client.get("/country/XYZ")
    assert r.status_code == 404 and "Unknown country" in r.get_data(as_text=True)
    assert client.get("/country/%3Cb%3E").status_code == 404
    assert b"<b>" not in client.get("/country/%3Cb%3E").data
    assert client.get("/country/SDN").status_code == 200
    with app.server.test_request_context("/country/SDN?period=365"):
        page = json.dumps(country.layout(iso3="sdn", period="365"), cls=plotly.utils.PlotlyJSONEncoder)
    assert "Sudan (SDN)" in page and '"value": "365"' in page
    assert "Matches the OCHA report" in page  # reviewed items with the analysts' notes
    assert "Sahel Radio" in page and "failing" in page  # sources covering it, with their health
    assert "United Nations" in page and "Peacekeeping" in page  # organisations and their tools
    assert "ratio 6 / 1 = 6" in page or "Alerts for Africa" in page
    assert country.period_of("7") == country.DEFAULT_DAYS
