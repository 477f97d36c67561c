"""What the application decides about the dashboard, as typed, frozen values.

The application (``r2pwatch.config``) builds a :class:`DashboardConfig` from its settings and hands
it to :func:`dashboard.app.create_app`; nothing in this package reads settings or the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from db.rule_stats import RuleThresholds
from db.signals import AlertRule
from indicators.config import TaggerConfig
from ingest.public import AddressPolicy, FetchConfig

__all__ = ["AlertRule", "AuthConfig", "DashboardConfig", "FeedTestConfig", "RuleThresholds", "TaggerConfig"]


@dataclass(frozen=True, slots=True)
class AuthConfig:
    #: session signing key; empty: a random key created once and kept in the database
    secret_key: str = ""
    #: mark the session cookie Secure (HTTPS only)
    secure_cookies: bool = False
    #: take client address, scheme and host from one reverse proxy's X-Forwarded-* headers
    trust_proxy: bool = False
    #: visitors who are not logged in view as viewers
    anonymous_read: bool = False


@dataclass(frozen=True, slots=True)
class FeedTestConfig:
    """The ingester's fetch limits and address guard, used by the Feeds page's "Test" button."""

    fetch: FetchConfig = field(default_factory=FetchConfig)
    addresses: AddressPolicy = field(default_factory=AddressPolicy)


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    auth: AuthConfig = field(default_factory=AuthConfig)
    #: the dashboard's address as others reach it (full links in the Atom feed); empty: the request's host
    public_url: str = ""
    #: the overview's 7-day-against-baseline marks
    alert_rule: AlertRule = field(default_factory=AlertRule)
    #: when a tagging rule's precision is judged and marked low
    rule_thresholds: RuleThresholds = field(default_factory=RuleThresholds)
    #: poll interval (minutes) of a feed added without one
    default_interval: int = 15
    feed_test: FeedTestConfig = field(default_factory=FeedTestConfig)
    tagger: TaggerConfig = field(default_factory=TaggerConfig)
    #: the demo: a banner says the data is invented
    demo: bool = False
    #: seconds the pages' aggregate figures are shared by all visitors of one process (0: never)
    cache_seconds: float = 0.0
