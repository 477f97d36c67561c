from __future__ import annotations

import re
from pathlib import Path

import pytest

from r2pwatch.errors import UserError
from r2pwatch.settings import SPECS, load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| `(R2PWATCH_[A-Z_]+)` \|", text, re.M))
    missing = [s.name for s in SPECS if (s.name, s.env) not in rows]
    assert not missing, f"settings missing from the README table: {missing}"


def test_precedence_defaults_file_env_flags(isolated_home: Path) -> None:
    cfg = isolated_home / "r2pwatch.toml"
    cfg.write_text("[ingest]\nworkers = 3\ndefault_interval = 30\n[serve]\nport = 9000\n", encoding="utf-8")
    s = load_settings(environ={"R2PWATCH_INGEST_DEFAULT_INTERVAL": "45"}, flags={"serve.port": 9100})
    assert s["ingest.workers"] == 3 and s.sources["ingest.workers"] == str(cfg)
    assert s["ingest.default_interval"] == 45 and s.sources["ingest.default_interval"].startswith("env")
    assert s["serve.port"] == 9100 and s.sources["serve.port"] == "command line"
    assert s["fetch.max_bytes"] == 10_000_000 and s.sources["fetch.max_bytes"] == "default"


def test_unknown_key_names_key_file_and_line(isolated_home: Path) -> None:
    cfg = isolated_home / "bad.toml"
    cfg.write_text("[fetch]\nmax_bytes = 5\n\nmax_bites = 7\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"bad\.toml:4: unknown setting 'fetch\.max_bites'"):
        load_settings(cfg, environ={})


def test_bad_value_names_key_file_and_line(isolated_home: Path) -> None:
    cfg = isolated_home / "bad.toml"
    cfg.write_text('[ingest]\nworkers = "many"\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"bad\.toml:2: bad value for ingest\.workers"):
        load_settings(cfg, environ={})


def test_invalid_toml_gives_the_parser_line(isolated_home: Path) -> None:
    cfg = isolated_home / "broken.toml"
    cfg.write_text("[fetch\nmax_bytes = 1\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"broken\.toml: invalid TOML: .*line 1"):
        load_settings(cfg, environ={})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("false", False),
        ("127.0.0.1:8080, localhost:9000", ["127.0.0.1:8080", "localhost:9000"]),
    ],
)
def test_allow_private_from_env(raw: str, expected: object, isolated_home: Path) -> None:
    s = load_settings(environ={"R2PWATCH_FETCH_ALLOW_PRIVATE": raw})
    assert s["fetch.allow_private"] == expected


def test_allow_private_rejects_bare_hosts(isolated_home: Path) -> None:
    with pytest.raises(UserError, match="R2PWATCH_FETCH_ALLOW_PRIVATE"):
        load_settings(environ={"R2PWATCH_FETCH_ALLOW_PRIVATE": "localhost"})


def test_unknown_environment_setting_is_refused(isolated_home: Path) -> None:
    with pytest.raises(UserError, match="R2PWATCH_FETCH_MAXBYTES"):
        load_settings(environ={"R2PWATCH_FETCH_MAXBYTES": "1"})


def test_default_database_is_in_user_data_dir(isolated_home: Path) -> None:
    s = load_settings(environ={})
    assert s.database_url == f"sqlite:///{isolated_home / 'data' / 'r2pwatch' / 'r2pwatch.sqlite'}"
    demo = load_settings(environ={}, demo=True)
    assert demo.database_url.endswith("/r2pwatch/demo.sqlite")


def test_demo_never_uses_the_real_database(isolated_home: Path) -> None:
    s = load_settings(environ={"R2PWATCH_DATABASE_URL": "postgresql+psycopg://u@h/real"}, demo=True)
    assert s.database_url.endswith("/r2pwatch/demo.sqlite")
