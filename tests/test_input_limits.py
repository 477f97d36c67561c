"""Every input has a limit, checked before the database: OPML depth and entries, feed fields,
polling intervals, on the command line, in the dashboard and in OPML import."""

from __future__ import annotations

import base64

import dash
import pytest

from dashboard import feed_actions
from dashboard.app import create_app
from db import Database
from db.feeds import list_feeds
from db.limits import MAX_INTERVAL_MINUTES
from ingest.opml import OPMLError, parse_opml
from r2pwatch.cli import main
from tests.dashboard_server import make_config


def _nested(levels: int) -> bytes:
    inner = b'<outline type="rss" text="deep" xmlUrl="https://deep.example.org/rss"/>'
    return (
        b'<opml version="2.0"><body>'
        + b'<outline text="f">' * levels
        + inner
        + b"</outline>" * levels
        + b"</body></opml>"
    )


def _opml(*outlines: str) -> bytes:
    return (
        '<opml version="2.0" xmlns:r2p="https://github.com/r2pwatch/r2pwatch/opml"><body>'
        + "".join(outlines)
        + "</body></opml>"
    ).encode()


def test_deep_opml_is_refused_in_one_line() -> None:
    assert [f.category for f in parse_opml(_nested(10)).feeds] == ["/".join(["f"] * 10)]
    with pytest.raises(OPMLError) as caught:
        parse_opml(_nested(5000), source="deep.opml")
    assert str(caught.value) == "deep.opml: outlines nested deeper than 32 levels"


LONG = {
    "long title": '<outline type="rss" text="{t}" xmlUrl="https://a.example.org/rss"/>'.format(t="T" * 600),
    "long url": f'<outline type="rss" text="Long URL" xmlUrl="https://b.example.org/{"p" * 2100}"/>',
    "long language": '<outline type="rss" text="Lang" language="{x}" xmlUrl="https://c.example.org/"/>'.format(
        x="x" * 40
    ),
    "zero interval": '<outline type="rss" text="Zero" r2p:interval="0" xmlUrl="https://d.example.org/"/>',
    "huge interval": '<outline type="rss" text="Huge" r2p:interval="999999999" xmlUrl="https://e.example.org/"/>',
    "bad interval": '<outline type="rss" text="Bad" r2p:interval="soon" xmlUrl="https://f.example.org/"/>',
}


def test_opml_entries_breaking_a_limit_are_skipped_by_title() -> None:
    good = '<outline type="rss" text="Good" r2p:interval="60" xmlUrl="https://ok.example.org/rss"/>'
    doc = parse_opml(_opml(good, *LONG.values()))
    assert [f.url for f in doc.feeds] == ["https://ok.example.org/rss"]
    reasons = {p.title[:10]: p.reason for p in doc.problems}
    assert reasons["T" * 10] == "title is too long (600 characters; at most 500)"
    assert "feed address is too long" in reasons["Long URL"]
    assert "language is too long" in reasons["Lang"]
    assert "between 1 minute and 43200 minutes" in reasons["Zero"] and "not 0" in reasons["Zero"]
    assert "not 999999999" in reasons["Huge"] and "whole number" in reasons["Bad"]


def test_long_category_paths_are_skipped() -> None:
    folder = "F" * 200
    data = _opml(
        f'<outline text="{folder}"><outline text="{folder}"><outline text="{folder}">'
        '<outline type="rss" text="Buried" xmlUrl="https://g.example.org/"/></outline></outline></outline>'
    )
    doc = parse_opml(data)
    assert doc.feeds == [] and doc.problems[0].title == "Buried" and "category" in doc.problems[0].reason


@pytest.fixture
def app(db: Database) -> dash.Dash:
    return create_app(make_config(), db)


def test_dashboard_import_refuses_deep_opml_and_imports_the_rest(app: dash.Dash, db: Database) -> None:
    ctx = app.server.extensions["r2pwatch"]

    def upload(data: bytes) -> feed_actions.Outcome:
        return feed_actions.import_opml(
            ctx, "data:text/xml;base64," + base64.b64encode(data).decode(), "x.opml"
        )

    deep = upload(_nested(5000))
    assert not deep.ok and deep.message == "x.opml: outlines nested deeper than 32 levels"
    good = '<outline type="rss" text="Good" xmlUrl="https://ok.example.org/rss"/>'
    outcome = upload(_opml(good, *LONG.values()))
    assert outcome.ok and "Imported 1 feeds" in outcome.message and len(outcome.details) == len(LONG)
    assert [f.url for f in list_feeds(db)] == ["https://ok.example.org/rss"]


@pytest.mark.parametrize(
    ("interval", "ok"),
    [
        ("0", False),
        ("1", True),
        (str(MAX_INTERVAL_MINUTES), True),
        (str(MAX_INTERVAL_MINUTES + 1), False),
        ("1e12", False),
        ("-5", False),
    ],
)
def test_dashboard_form_bounds_intervals(app: dash.Dash, db: Database, interval: str, ok: bool) -> None:
    ctx = app.server.extensions["r2pwatch"]
    outcome = feed_actions.add_from_form(
        ctx, feed_actions.FeedForm("https://ok.example/rss", interval=interval)
    )
    assert outcome.ok is ok, outcome.message
    if not ok:
        assert (
            "between 1 minute and 43200 minutes" in outcome.message or "number of minutes" in outcome.message
        )
        assert list_feeds(db) == []


def test_dashboard_form_limits_text_fields(app: dash.Dash, db: Database) -> None:
    ctx = app.server.extensions["r2pwatch"]
    long_title = feed_actions.add_from_form(
        ctx, feed_actions.FeedForm("https://ok.example/rss", title="t" * 501)
    )
    assert not long_title.ok and "title is too long (501 characters; at most 500)" in long_title.message
    long_url = feed_actions.add_from_form(ctx, feed_actions.FeedForm("https://ok.example/" + "p" * 2100))
    assert not long_url.ok and "feed address is too long" in long_url.message
    assert list_feeds(db) == []


def test_cli_bounds_intervals_and_lengths(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--database-url", db.url, "feeds"]
    for args, message in (
        (["add", "https://a.example.org/rss", "--interval", "0"], "between 1 minute and 43200 minutes"),
        (["add", "https://a.example.org/rss", "--interval", "50000"], "not 50000"),
        (
            ["add", "https://a.example.org/rss", "--title", "t" * 501],
            "title is too long (501 characters; at most 500)",
        ),
        (["add", "https://a.example.org/" + "p" * 2100], "feed address is too long"),
        (["add", "https://a.example.org/rss", "--language", "x" * 17], "language is too long"),
    ):
        assert main([*base, *args]) == 1
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert main([*base, "add", "https://a.example.org/rss", "--interval", "43200"]) == 0
    capsys.readouterr()
    assert main([*base, "edit", "1", "--interval", "43201"]) == 1
    assert "not 43201" in capsys.readouterr().err
    assert main([*base, "edit", "1", "--title", "t" * 501]) == 1
    assert "title is too long" in capsys.readouterr().err


def test_review_notes_and_bulk_actions_are_bounded(app: dash.Dash) -> None:
    from dashboard.context import CurrentUser
    from dashboard.pages import review

    ctx = app.server.extensions["r2pwatch"]
    ana = CurrentUser("ana", "analyst")
    assert review.do_review(ctx, ana, [1], "confirm", "n" * 5001).startswith(
        "Refused: a note has at most 5,000"
    )
    assert review.do_review(ctx, ana, list(range(1, 1002)), "confirm", None).startswith(
        "Refused: at most 1,000"
    )
