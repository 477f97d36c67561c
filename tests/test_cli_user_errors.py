"""Every user error on the command line is one line on stderr and exit status 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.feed_actions import _check_fields
from db import Database
from ingest.languages import BadLanguage, normalise_language
from r2pwatch.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--database-url", "notaurl", "feeds", "list"], "--database-url: not a database URL"),
        (["--database-url", "mysql://u@localhost/r2p", "feeds", "list"], "unsupported database 'mysql'"),
        (["--database-url", "postgresql+asyncpg://u@localhost/r2p", "init"], "unsupported PostgreSQL driver"),
        (["serve", "--port", "70000"], "--port: 70000 is not a port (use 1-65535)"),
        (["serve", "--port", "0"], "--port: 0 is not a port"),
        (["serve", "--port", "-1"], "--port: -1 is not a port"),
        (["demo", "--port", "65536"], "--port: 65536 is not a port"),
        (["alerts", "--days", "-3"], "--days must be at least 1 day"),
        (
            ["feeds", "add", "https://x.example.org/rss", "--interval", "-5"],
            "the interval must be between 1 minute and 43200",
        ),
        (
            ["feeds", "add", "https://x.example.org/rss", "--language", "english"],
            "not an ISO 639-1 language code",
        ),
        (["feeds", "add", "https://x.example.org/rss", "--language", "xx"], "not an ISO 639-1 language code"),
        (
            ["feeds", "add", "https://x.example.org/rss", "--language", "eng"],
            "not an ISO 639-1 language code",
        ),
        (["tag", "/nonexistent/items.jsonl"], "cannot read /nonexistent/items.jsonl"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_settings_errors_name_the_setting(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("R2PWATCH_SERVE_PORT", "99999")
    assert main(["feeds", "list"]) == 1
    assert "serve.port: 99999 is not a port" in capsys.readouterr().err
    monkeypatch.delenv("R2PWATCH_SERVE_PORT")
    monkeypatch.setenv("R2PWATCH_INGEST_DEFAULT_INTERVAL", "0")
    assert main(["feeds", "list"]) == 1
    assert "ingest.default_interval must be at least 1 minute" in capsys.readouterr().err


def test_cli_and_dashboard_accept_the_same_language_codes(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    class Ctx:
        class meta:  # noqa: N801 - stands in for the app's Meta
            regions = {"africa": "Africa"}

    for code, expected in [("en", "en"), ("AR", "ar"), ("pt-br", "pt-BR"), ("es_419", "es-419")]:
        assert normalise_language(code) == expected
        assert _check_fields(Ctx(), None, code, None) == ((None, expected, None), None)  # type: ignore[arg-type]
    for bad in ["english", "xx", "eng", "e", "en-", "en-GBR"]:
        with pytest.raises(BadLanguage):
            normalise_language(bad)
        (_values, error) = _check_fields(Ctx(), None, bad, None)  # type: ignore[arg-type]
        assert error is not None and "ISO 639-1" in error
    assert (
        main(["--database-url", db.url, "feeds", "add", "https://x.example.org/rss", "--language", "pt-br"])
        == 0
    )
    capsys.readouterr()
    assert main(["--database-url", db.url, "feeds", "list", "--format", "json"]) == 0
    assert '"language": "pt-BR"' in capsys.readouterr().out
