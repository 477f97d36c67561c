from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from r2pwatch.cli import main

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>test</title></head>
  <body>
    <outline text="Africa">
      <outline text="Wire services">
        <outline type="rss" text="Africa Wire" xmlUrl="https://news.example.org/africa.xml" language="en"/>
        <outline type="rss" text="Sahel Monitor" xmlUrl="https://sahel.example.org/rss"/>
      </outline>
    </outline>
    <outline text="Europe">
      <outline type="rss" text="Europe Desk" xmlUrl="https://eu.example.org/atom" htmlUrl="https://eu.example.org/"/>
      <outline type="rss" text="Africa Wire again" xmlUrl="https://news.example.org/africa.xml"/>
      <outline type="rss" text="FTP feed" xmlUrl="ftp://files.example.org/feed.xml"/>
      <outline type="rss" text="No address"/>
    </outline>
  </body>
</opml>
"""


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def feeds_json(capsys: pytest.CaptureFixture[str], url: str) -> list[dict[str, object]]:
    code, out, _ = run(capsys, url, "feeds", "list", "--format", "json")
    assert code == 0
    data: list[dict[str, object]] = json.loads(out)
    return data


def test_add_list_and_duplicate(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        database_url,
        "feeds",
        "add",
        "https://a.example.org/rss",
        "--title",
        "A",
        "--region",
        "africa",
        "--language",
        "fr",
        "--interval",
        "30",
    )
    assert code == 0 and "added feed 1" in out
    code, _, err = run(capsys, database_url, "feeds", "add", "https://a.example.org/rss")
    assert code == 1
    assert err.strip() == "r2pwatch: error: feed already in the list: https://a.example.org/rss"
    [feed] = feeds_json(capsys, database_url)
    assert feed["url"] == "https://a.example.org/rss" and feed["title"] == "A" and feed["region"] == "africa"
    assert feed["last_status"] == "never" and feed["last_error"] is None and feed["item_count"] == 0
    assert feed["enabled"] is True and feed["category"] is None and feed["id"] == 1


@pytest.mark.parametrize("bad", ["ftp://x.example.org/f", "file:///etc/passwd", "not a url", ""])
def test_add_refuses_non_http(bad: str, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, database_url, "feeds", "add", bad)
    assert code == 1 and err.startswith("r2pwatch: error:") and err.count("\n") == 1
    assert feeds_json(capsys, database_url) == []


def test_add_refuses_unknown_region(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, database_url, "feeds", "add", "https://a.example.org/", "--region", "mars")
    assert code == 1 and "unknown region 'mars'" in err


def test_enable_disable_remove_by_id_or_url(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, database_url, "feeds", "add", "https://a.example.org/rss")
    assert run(capsys, database_url, "feeds", "disable", "https://a.example.org/rss")[0] == 0
    assert feeds_json(capsys, database_url)[0]["enabled"] is False
    assert run(capsys, database_url, "feeds", "enable", "1")[0] == 0
    assert feeds_json(capsys, database_url)[0]["enabled"] is True
    code, _, err = run(capsys, database_url, "feeds", "remove", "99")
    assert code == 1 and "no feed with id or URL '99'" in err
    assert run(capsys, database_url, "feeds", "remove", "1")[0] == 0
    assert feeds_json(capsys, database_url) == []


def test_opml_import_reports_bad_entries_and_round_trips(
    database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = tmp_path / "in.opml"
    src.write_text(OPML, encoding="utf-8")
    code, out, err = run(capsys, database_url, "feeds", "import", str(src))
    assert code == 0
    assert "imported 3 feeds, skipped 3" in out
    assert "'Africa Wire again': listed twice in this file" in err
    assert "'FTP feed': only http and https" in err
    assert "'No address': no feed address" in err
    feeds = feeds_json(capsys, database_url)
    assert {(f["url"], f["category"]) for f in feeds} == {
        ("https://news.example.org/africa.xml", "Africa/Wire services"),
        ("https://sahel.example.org/rss", "Africa/Wire services"),
        ("https://eu.example.org/atom", "Europe"),
    }
    # importing again adds nothing and names each duplicate
    code, out, err = run(capsys, database_url, "feeds", "import", str(src))
    assert code == 0 and "imported 0 feeds" in out and "already in the feed list" in err

    run(capsys, database_url, "feeds", "disable", "2")
    exported = tmp_path / "out.opml"
    assert run(capsys, database_url, "feeds", "export", str(exported))[0] == 0
    for f in feeds:
        run(capsys, database_url, "feeds", "remove", str(f["id"]))
    assert run(capsys, database_url, "feeds", "import", str(exported))[0] == 0
    again = feeds_json(capsys, database_url)
    keys = ("url", "title", "category", "enabled", "region", "language")
    before = sorted(tuple(f[k] for k in keys) for f in feeds_json_after_disable(feeds))
    assert sorted(tuple(f[k] for k in keys) for f in again) == before


def feeds_json_after_disable(feeds: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{**f, "enabled": f["id"] != 2} for f in feeds]


def test_unreadable_opml_changes_nothing(
    database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline", encoding="utf-8")
    code, _, err = run(capsys, database_url, "feeds", "import", str(bad))
    assert code == 1 and "not well-formed XML" in err
    code, _, err = run(capsys, database_url, "feeds", "import", str(tmp_path / "missing.opml"))
    assert code == 1 and "cannot read" in err
    bomb = tmp_path / "bomb.opml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        '<opml><body><outline text="&b;" xmlUrl="https://x.example.org/"/></body></opml>'
    )
    code, _, err = run(capsys, database_url, "feeds", "import", str(bomb))
    assert code == 1 and "unsafe XML" in err
    assert feeds_json(capsys, database_url) == []


def test_usage_error_exits_2_and_help_everywhere() -> None:
    proc = subprocess.run([sys.executable, "-m", "r2pwatch", "feeds", "frobnicate"], capture_output=True)
    assert proc.returncode == 2
    for argv in (
        ["--help"],
        ["feeds", "import", "--help"],
        ["items", "export", "--help"],
        ["tag", "--help"],
        ["ingest", "--help"],
        ["demo", "--help"],
        ["users", "add", "--help"],
        ["config", "show", "--help"],
    ):
        proc = subprocess.run([sys.executable, "-m", "r2pwatch", *argv], capture_output=True, text=True)
        assert proc.returncode == 0 and "usage: r2pwatch" in proc.stdout, argv


def test_bad_config_stops_before_anything_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "r2pwatch.toml"
    cfg.write_text("[database]\nurl = 5\n", encoding="utf-8")
    code = main(["--config", str(cfg), "init"])
    _, err = capsys.readouterr()
    assert code == 1 and f"{cfg}:2: bad value for database.url" in err


def test_edit_feed(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, database_url, "feeds", "add", "https://a.example.org/rss", "--region", "africa")
    code, out, _ = run(
        capsys,
        database_url,
        "feeds",
        "edit",
        "1",
        "--title",
        "Renamed",
        "--interval",
        "60",
        "--language",
        "fr",
    )
    assert code == 0 and "feed 1 updated" in out
    [feed] = feeds_json(capsys, database_url)
    assert (feed["title"], feed["interval_minutes"], feed["language"], feed["region"]) == (
        "Renamed",
        60,
        "fr",
        "africa",
    )
    assert run(capsys, database_url, "feeds", "edit", "https://a.example.org/rss", "--region", "")[0] == 0
    assert feeds_json(capsys, database_url)[0]["region"] is None
    code, _, err = run(capsys, database_url, "feeds", "edit", "1", "--region", "mars")
    assert code == 1 and "unknown region" in err
    code, _, err = run(capsys, database_url, "feeds", "edit", "1", "--interval", "0")
    assert code == 1 and "between 1 minute and 43200 minutes" in err
