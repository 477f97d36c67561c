"""Settings: defaults, then a TOML file, then environment variables, then command-line flags.

Every setting ``section.key`` has the environment name ``R2PWATCH_SECTION_KEY``. The README holds
the table of all settings; ``tests/test_settings.py`` fails when one is missing from it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs

from r2pwatch.errors import UserError

APP_NAME = "r2pwatch"
Kind = Literal["str", "int", "float", "bool", "list", "allow_private"]


@dataclass(frozen=True, slots=True)
class Spec:
    name: str  # "section.key"
    kind: Kind
    default: Any
    help: str
    secret: bool = False  # never printed (config show says "(set)")

    @property
    def env(self) -> str:
        return "R2PWATCH_" + self.name.replace(".", "_").upper()


SPECS: tuple[Spec, ...] = (
    Spec(
        "database.url",
        "str",
        "",
        "SQLAlchemy URL. Empty: SQLite file r2pwatch.sqlite in the user data directory.",
    ),
    Spec(
        "fetch.allow_private",
        "allow_private",
        False,
        "Allow fetching from loopback/private/link-local addresses: true, or a list of host:port.",
    ),
    Spec("fetch.connect_timeout", "float", 10.0, "Seconds to establish a connection."),
    Spec("fetch.read_timeout", "float", 30.0, "Seconds to wait for each read."),
    Spec(
        "fetch.total_timeout",
        "float",
        60.0,
        "Hard deadline in seconds for the whole fetch of one feed: lookup, connect, headers, body, every redirect.",
    ),
    Spec("fetch.max_bytes", "int", 10_000_000, "Largest feed body accepted, counted after decompression."),
    Spec("fetch.max_redirects", "int", 5, "Most redirects followed for one fetch."),
    Spec("ingest.workers", "int", 8, "Feeds fetched concurrently."),
    Spec("ingest.parse_workers", "int", 2, "Feeds parsed at the same time (bounds memory)."),
    Spec(
        "ingest.default_interval",
        "int",
        15,
        "Minutes between polls of a feed unless the feed says otherwise.",
    ),
    Spec("ingest.max_backoff_hours", "float", 24.0, "Longest wait after repeated failures."),
    Spec("ingest.tick_seconds", "float", 5.0, "How often the scheduler looks for due feeds."),
    Spec("ingest.lease_seconds", "int", 600, "How long a worker's claim on a feed lasts (PostgreSQL)."),
    Spec("indicators.taxonomy_files", "list", [], "Extra taxonomy TOML files merged over the built-in one."),
    Spec(
        "indicators.cache",
        "bool",
        True,
        "Keep the built tagger in the user cache directory (~/.cache/r2pwatch/), keyed by a hash of the "
        "taxonomy, data and code; false (0 in the environment) turns it off.",
    ),
    Spec(
        "alerts.ratio",
        "float",
        2.0,
        "A 7-day count is marked when it is at least this many times the baseline.",
    ),
    Spec("alerts.min_count", "int", 3, "A 7-day count below this is never marked."),
    Spec(
        "alerts.min_baseline",
        "float",
        1.0,
        "Weekly baseline floor used in the ratio (no alerts on an empty past).",
    ),
    Spec(
        "stories.threshold",
        "float",
        0.25,
        "Estimated overlap of content words (Jaccard, 0-1) at which two items are one story.",
    ),
    Spec(
        "stories.window_hours",
        "float",
        36.0,
        "Items further apart than this, or from a story's first item, are never one story.",
    ),
    Spec("alerts.window_days", "int", 2, "Days of stories an alert counts, ending when it is computed."),
    Spec("alerts.baseline_days", "int", 56, "Days before the window that the expected count is learnt from."),
    Spec("alerts.min_stories", "int", 2, "Fewest distinct stories in the window for an alert."),
    Spec(
        "alerts.threshold",
        "float",
        3.0,
        "Alert when -log10 of the tail probability of the observed count reaches this (3: p <= 0.001).",
    ),
    Spec(
        "alerts.dispersion",
        "float",
        5.0,
        "Negative binomial size k (variance = mean + mean^2/k); 0 means Poisson. Smaller k: burstier news.",
    ),
    Spec(
        "alerts.prior_stories",
        "float",
        1.0,
        "Stories assumed in the baseline at least, so an empty past does not turn one story into a spike.",
    ),
    Spec(
        "alerts.cooldown_days",
        "int",
        7,
        "After an alert, the same scope and indicator raises no new alert for this many days.",
    ),
    Spec(
        "alerts.gap_days",
        "int",
        2,
        "Complete days over which a coverage gap (feeds fallen silent) is judged.",
    ),
    Spec(
        "alerts.gap_ratio",
        "float",
        0.25,
        "Coverage alert when the items about a scope (any topic) fall to at most this share of the usual.",
    ),
    Spec(
        "alerts.gap_min_expected",
        "float",
        20.0,
        "Coverage gaps are judged only where at least this many items about the scope are usual over gap_days.",
    ),
    Spec(
        "rules.min_reviews",
        "int",
        10,
        "Reviewed items a tagging rule needs before its precision is judged (r2pwatch rules, indicators page).",
    ),
    Spec(
        "rules.low_precision",
        "float",
        0.5,
        "A rule with enough reviews is marked when less than this share of its reviewed items were confirmed "
        "or escalated.",
    ),
    Spec(
        "delivery.timeout",
        "float",
        10.0,
        "Hard deadline in seconds for one delivery attempt: a webhook POST, or one SMTP session, from lookup to reply.",
    ),
    Spec(
        "delivery.retry_seconds",
        "float",
        60.0,
        "Wait after a failed delivery before the next attempt; it doubles with each failure.",
    ),
    Spec(
        "delivery.max_retry_seconds",
        "float",
        3600.0,
        "Longest wait between attempts; a failed delivery is retried at least this often until it goes through.",
    ),
    Spec(
        "delivery.tick_seconds", "float", 15.0, "How often the scheduler sends the deliveries that are due."
    ),
    Spec(
        "webhooks.urls",
        "list",
        [],
        "URLs that receive every new alert as a signed JSON POST. Shown only as scheme://host:port/… #hash.",
    ),
    Spec(
        "webhooks.secret",
        "str",
        "",
        "Shared secret for the X-R2PWatch-Signature header (HMAC-SHA256 of the body); required with webhooks.urls.",
        secret=True,
    ),
    Spec(
        "webhooks.allow_private",
        "allow_private",
        False,
        "Allow webhooks to loopback/private/link-local addresses: true, or a list of host:port.",
    ),
    Spec("email.host", "str", "", "SMTP server for alert mail. Empty: no e-mail."),
    Spec("email.port", "int", 587, "SMTP port."),
    Spec(
        "email.starttls",
        "bool",
        True,
        "Upgrade the SMTP session with STARTTLS (certificate checked) before logging in.",
    ),
    Spec("email.username", "str", "", "SMTP login name. Empty: no login."),
    Spec("email.password", "str", "", "SMTP password.", secret=True),
    Spec("email.from", "str", "", "Sender address of alert mail (required with email.host)."),
    Spec(
        "email.recipients",
        "list",
        [],
        'Who gets alert mail: "address" for every alert, "region:address" for one region\'s (repeat for more).',
    ),
    Spec(
        "email.digest",
        "bool",
        False,
        "One mail per recipient with every alert due in that run, instead of one mail per alert.",
    ),
    Spec("serve.host", "str", "127.0.0.1", "Address the dashboard listens on."),
    Spec("serve.port", "int", 8050, "Port the dashboard listens on."),
    Spec(
        "serve.public_url",
        "str",
        "",
        "The dashboard's address as others reach it (https://r2p.example.org/); used for full links in "
        "`users list --tokens`, briefs and exports. Empty: links are relative or use the request's host.",
    ),
    Spec(
        "serve.secret_key",
        "str",
        "",
        "Session signing key. Empty: a random key created once and kept in the database, so each instance "
        "(the demo too) has its own.",
    ),
    Spec(
        "serve.secure_cookies",
        "bool",
        False,
        "Mark the session cookie Secure (sent over HTTPS only); turn on when users reach the dashboard over HTTPS.",
    ),
    Spec(
        "serve.trust_proxy",
        "bool",
        False,
        "Behind one reverse proxy: take the client address, scheme and host from its X-Forwarded-For/-Proto/-Host "
        "headers (an HTTPS request then gets a Secure cookie).",
    ),
    Spec("auth.anonymous_read", "bool", False, "Let visitors who are not logged in view as viewers."),
)
SPEC_BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_database_url(demo: bool = False) -> str:
    name = "demo.sqlite" if demo else "r2pwatch.sqlite"
    return f"sqlite:///{data_dir() / name}"


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]
    sources: Mapping[str, str] = field(default_factory=dict)
    demo: bool = False

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def database_url(self) -> str:
        """The demo always uses its own database, whatever database.url says, so sample data
        never lands in an analyst's real database."""
        if self.demo:
            return default_database_url(demo=True)
        return str(self.values["database.url"]) or default_database_url()

    def replace(self, **overrides: Any) -> Settings:
        """A copy with ``section__key=value`` overrides (for tests and the demo)."""
        values = dict(self.values)
        sources = dict(self.sources)
        for key, value in overrides.items():
            name = key.replace("__", ".")
            if name not in SPEC_BY_NAME:
                raise KeyError(name)
            values[name] = value
            sources[name] = "override"
        return Settings(values, sources, self.demo)


def _line_of(text: str, key: str, section: str | None = None) -> int | None:
    """Line of ``key = ...`` (inside ``[section]`` when given); tomllib reports no positions itself."""
    start = 0
    if section is not None:
        header = re.search(rf"^[ \t]*\[[ \t]*{re.escape(section)}[ \t]*\]", text, re.M)
        start = header.end() if header else 0
    rx = re.compile(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=", re.M)
    m = rx.search(text, start)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _coerce(spec: Spec, value: Any, *, from_env: bool) -> Any:
    def bad(expected: str) -> ValueError:
        return ValueError(f"expected {expected}, got {value!r}")

    if from_env and isinstance(value, str):
        text = value.strip()
        if spec.kind in ("bool", "allow_private"):
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            if spec.kind == "bool":
                raise bad("true or false")
            value = [p.strip() for p in text.split(",") if p.strip()]
        elif spec.kind == "list":
            value = [p.strip() for p in text.split(",") if p.strip()]
        elif spec.kind == "int":
            try:
                value = int(text)
            except ValueError:
                raise bad("an integer") from None
        elif spec.kind == "float":
            try:
                value = float(text)
            except ValueError:
                raise bad("a number") from None
    if spec.kind == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad("a non-negative integer")
        return value
    if spec.kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise bad("a non-negative number")
        return float(value)
    if spec.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return list(value)
    # allow_private: true/false or a list of "host:port"
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        for v in value:
            host, sep, port = v.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise bad("true, false or a list of host:port")
        return list(value)
    raise bad("true, false or a list of host:port")


def find_config_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise UserError(f"config file not found: {path}")
        return path
    for candidate in (Path.cwd() / "r2pwatch.toml", config_dir() / "r2pwatch.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    demo: bool = False,
    use_default_files: bool = True,
) -> Settings:
    """Build the effective settings. Raises UserError naming the key, file and line on bad input."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {s.name: s.default for s in SPECS}
    sources: dict[str, str] = {s.name: "default" for s in SPECS}

    path = find_config_file(config_file) if (config_file is not None or use_default_files) else None
    if path is not None:
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path}: invalid TOML: {exc}") from None
        for section, table in data.items():
            if not isinstance(table, dict):
                line = _line_of(text, section)
                raise UserError(f"{path}:{line}: {section!r} is not a [section]; settings live in sections")
            for key, raw in table.items():
                name = f"{section}.{key}"
                line = _line_of(text, key, section)
                where = f"{path}:{line}" if line else str(path)
                spec = SPEC_BY_NAME.get(name)
                if spec is None:
                    raise UserError(f"{where}: unknown setting {name!r}")
                try:
                    values[name] = _coerce(spec, raw, from_env=False)
                except ValueError as exc:
                    raise UserError(f"{where}: bad value for {name}: {exc}") from None
                sources[name] = str(path)

    for spec in SPECS:
        if spec.env in env:
            try:
                values[spec.name] = _coerce(spec, env[spec.env], from_env=True)
            except ValueError as exc:
                raise UserError(f"environment {spec.env}: bad value for {spec.name}: {exc}") from None
            sources[spec.name] = f"env {spec.env}"
    unknown = sorted(k for k in env if k.startswith("R2PWATCH_") and k not in {s.env for s in SPECS})
    if unknown:
        raise UserError(f"unknown environment setting {unknown[0]}")

    for name, raw in (flags or {}).items():
        if raw is None:
            continue
        spec = SPEC_BY_NAME[name]
        try:
            values[name] = _coerce(spec, raw, from_env=isinstance(raw, str))
        except ValueError as exc:
            raise UserError(f"command line: bad value for {name}: {exc}") from None
        sources[name] = "command line"
    return Settings(values, sources, demo)
