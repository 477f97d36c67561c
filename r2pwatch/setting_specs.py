"""Every setting: its name (``section.key``), kind, default and help — the table the README lists
(``tests/test_settings.py`` fails when one is missing there) and ``r2pwatch config show`` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
        "ingest.parse_timeout",
        "float",
        120.0,
        "CPU seconds the parse of one feed document may take; past it the feed fails with parse_timeout.",
    ),
    Spec(
        "ingest.default_interval",
        "int",
        15,
        "Minutes between polls of a feed unless the feed says otherwise.",
    ),
    Spec("ingest.max_backoff_hours", "float", 24.0, "Longest wait after repeated failures."),
    Spec("ingest.tick_seconds", "float", 5.0, "How often the scheduler looks for due feeds."),
    Spec(
        "ingest.alerts_seconds",
        "float",
        60.0,
        "Shortest time between two computations of the alerts while new items arrive (alerts are per day, "
        "and each computation reads the baseline's weeks of history).",
    ),
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
    Spec(
        "serve.cache_seconds",
        "float",
        30.0,
        "How long the overview, region and country pages' figures (signal panels, series, coverage, country "
        "tables) are shared by every visitor of one dashboard process before they are read again; 0: read "
        "for every request. Review queues and item lists are always read fresh.",
    ),
    Spec("auth.anonymous_read", "bool", False, "Let visitors who are not logged in view as viewers."),
)
SPEC_BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}
