"""The composition root: settings become the typed configuration of each package, and the
``indicators.cache`` setting works from TOML, the environment and flags like every other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indicators.cache import cached
from r2pwatch.cli import main
from r2pwatch.config import dashboard_config, ingest_config, tagger_config
from r2pwatch.settings import load_settings


def _pickles(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "r2pwatch").glob("tagger-*.pickle"))


def test_indicators_cache_from_defaults_toml_env_and_flags(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert tagger_config(load_settings(environ={})).cache_dir == tmp_path / "cache" / "r2pwatch"
    (isolated_home / "r2pwatch.toml").write_text("[indicators]\ncache = false\n", encoding="utf-8")
    from_file = load_settings(environ={})
    assert from_file.sources["indicators.cache"].endswith("r2pwatch.toml")
    assert tagger_config(from_file).cache_dir is None
    assert tagger_config(load_settings(environ={"R2PWATCH_INDICATORS_CACHE": "1"})).cache_dir is not None
    assert (
        tagger_config(
            load_settings(environ={"R2PWATCH_INDICATORS_CACHE": "0"}, use_default_files=False)
        ).cache_dir
        is None
    )
    assert tagger_config(load_settings(environ={}, flags={"indicators.cache": True})).cache_dir is not None


def test_tag_command_keeps_the_tagger_where_the_setting_says(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache_home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    items = isolated_home / "items.jsonl"
    items.write_text(
        json.dumps({"id": "a", "title": "UN imposes sanctions on Mali junta"}) + "\n", encoding="utf-8"
    )

    monkeypatch.setenv("R2PWATCH_INDICATORS_CACHE", "0")
    assert main(["tag", str(items)]) == 0
    assert "sanctions" in json.loads(capsys.readouterr().out)["indicators"]
    assert _pickles(cache_home) == []

    (isolated_home / "off.toml").write_text("[indicators]\ncache = false\n", encoding="utf-8")
    monkeypatch.delenv("R2PWATCH_INDICATORS_CACHE")
    assert main(["--config", "off.toml", "tag", str(items)]) == 0
    assert _pickles(cache_home) == []

    assert main(["tag", str(items)]) == 0
    assert "sanctions" in json.loads(capsys.readouterr().out.splitlines()[-1])["indicators"]
    assert len(_pickles(cache_home)) == 1


def test_cache_without_a_directory_builds_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    source = tmp_path / "input.txt"
    source.write_text("v1", encoding="utf-8")
    builds: list[int] = []

    def build() -> list[int]:
        builds.append(1)
        return [len(builds)]

    assert cached(build, [source], list, directory=None) == [1]
    assert cached(build, [source], list, directory=None) == [2]
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()
    assert cached(build, [source], list, directory=tmp_path / "c") == [3]
    assert cached(build, [source], list, directory=tmp_path / "c") == [3]  # read back, not built
    source.write_text("v2", encoding="utf-8")
    assert cached(build, [source], list, directory=tmp_path / "c") == [4]


def test_settings_become_typed_configuration() -> None:
    settings = load_settings(environ={}, use_default_files=False).replace(
        fetch__allow_private=["127.0.0.1:8000"],
        fetch__max_bytes=1234,
        ingest__workers=0,
        alerts__window_days=0,
        alerts__ratio=2.5,
        stories__threshold=0.4,
        rules__min_reviews=3,
        auth__anonymous_read=True,
        serve__public_url="https://r2p.example.org/",
    )
    ingest = ingest_config(settings)
    assert ingest.fetch.max_bytes == 1234 and ingest.fetch.user_agent.startswith("r2pwatch/")
    assert ingest.addresses.allows("127.0.0.1", "127.0.0.1", 8000)
    assert not ingest.addresses.allows("127.0.0.1", "127.0.0.1", 8001)
    assert ingest.workers == 1 and ingest.alerts.window_days == 1 and ingest.stories.threshold == 0.4
    dashboard = dashboard_config(settings)
    assert dashboard.alert_rule.ratio == 2.5 and dashboard.rule_thresholds.min_reviews == 3
    assert dashboard.auth.anonymous_read and dashboard.public_url == "https://r2p.example.org/"
    assert dashboard.feed_test.fetch == ingest.fetch and not dashboard.demo


def test_version_comes_from_the_installed_package(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"r2pwatch {version('r2pwatch')}"
    assert ingest_config(load_settings(environ={}, use_default_files=False)).fetch.user_agent.startswith(
        f"r2pwatch/{version('r2pwatch')} "
    )
