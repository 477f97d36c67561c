"""Delivery settings: typed config built at the top, checked with clear errors, secrets never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from r2pwatch.cli import main
from r2pwatch.config import delivery_config
from r2pwatch.errors import UserError
from r2pwatch.settings import load_settings

HOOK = "https://hooks.example.org/services/T0/B0/hook-key-in-path"


def _toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_delivery_config_from_a_file(isolated_home: Path) -> None:
    cfg_file = _toml(
        isolated_home / "r2pwatch.toml",
        f"""
[webhooks]
urls = ["{HOOK}"]
secret = "hook-secret-value"
allow_private = ["127.0.0.1:9000"]
[email]
host = "smtp.example.org"
username = "r2p"
password = "mail-password-value"
from = "alerts@example.org"
recipients = ["all@example.org", "africa:au@example.org", "asia-pacific:au@example.org"]
digest = true
[delivery]
timeout = 5
""",
    )
    cfg = delivery_config(load_settings(cfg_file))
    assert cfg.webhooks.urls == (HOOK,) and cfg.webhooks.allow_private == ("127.0.0.1:9000",)
    assert cfg.email.enabled and cfg.email.digest and cfg.email.port == 587 and cfg.email.starttls
    assert dict(cfg.email.recipients) == {
        "all@example.org": frozenset(),
        "au@example.org": frozenset({"africa", "asia-pacific"}),
    }
    assert cfg.timeout == 5.0
    receivers = {(r.channel, r.target): r for r in cfg.receivers()}
    assert receivers[("email", "au@example.org")].wants("africa")
    assert not receivers[("email", "au@example.org")].wants("europe-central-asia")
    assert receivers[("email", "all@example.org")].wants("americas")
    text = repr(cfg)
    assert (
        "hook-secret-value" not in text
        and "mail-password-value" not in text
        and "hook-key-in-path" not in text
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"R2PWATCH_WEBHOOKS_URLS": HOOK}, "webhooks.secret must be set"),
        ({"R2PWATCH_WEBHOOKS_URLS": "ftp://x/y", "R2PWATCH_WEBHOOKS_SECRET": "s"}, "not an http(s) URL"),
        ({"R2PWATCH_EMAIL_RECIPIENTS": "mars:a@example.org"}, 'is not "address" or "region:address"'),
        ({"R2PWATCH_EMAIL_RECIPIENTS": "nobody"}, 'is not "address"'),
        (
            {"R2PWATCH_EMAIL_HOST": "smtp.example.org", "R2PWATCH_EMAIL_RECIPIENTS": "a@example.org"},
            "email.from must be set",
        ),
    ],
)
def test_incomplete_delivery_settings_are_user_errors(
    env: dict[str, str], message: str, isolated_home: Path
) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        delivery_config(load_settings(environ=env))
    assert "hook-key-in-path" not in str(err.value)


def test_config_show_never_prints_secrets(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("R2PWATCH_WEBHOOKS_URLS", HOOK)
    monkeypatch.setenv("R2PWATCH_WEBHOOKS_SECRET", "hook-secret-value")
    monkeypatch.setenv("R2PWATCH_EMAIL_PASSWORD", "mail-password-value")
    for fmt in ("table", "json"):
        assert main(["config", "show", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert (
            "hook-secret-value" not in out
            and "mail-password-value" not in out
            and "hook-key-in-path" not in out
        )
    rows = {r["setting"]: r["value"] for r in json.loads(out)}
    assert rows["webhooks.secret"] == "(set)" and rows["email.password"] == "(set)"
    assert rows["webhooks.urls"][0].startswith("https://hooks.example.org/… #")
    assert rows["email.host"] == ""


def test_demo_never_delivers(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "deliver"]) == 1
    assert "never delivers" in capsys.readouterr().err
