"""The composition root: the settings turned into the typed, frozen configuration values each lower
package takes (``ingest.config``, ``dashboard.config``, ``indicators.config``).

This is the only place that reads settings by name; the packages below never see ``Settings``.
Imports stay inside the functions so that ``r2pwatch tag`` loads no SQLAlchemy, Dash or SciPy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from r2pwatch import __version__
from r2pwatch.errors import UserError
from r2pwatch.settings import APP_NAME, Settings

if TYPE_CHECKING:
    from dashboard.config import DashboardConfig
    from db.rule_stats import RuleThresholds
    from db.signals import AlertRule
    from indicators.config import TaggerConfig
    from ingest.config import IngestConfig, StoryConfig
    from ingest.delivery import DeliveryConfig
    from ingest.fetch import FetchConfig
    from ingest.netguard import AddressPolicy
    from signals.baseline import AlertConfig

USER_AGENT = f"r2pwatch/{__version__} (+https://github.com/r2pwatch/r2pwatch)"


def cache_dir() -> Path:
    """The user cache directory (``~/.cache/r2pwatch`` on Linux, ``$XDG_CACHE_HOME`` honoured)."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def tagger_config(settings: Settings, extra_files: tuple[str, ...] = ()) -> TaggerConfig:
    from indicators.config import TaggerConfig

    files = (*settings["indicators.taxonomy_files"], *extra_files)
    return TaggerConfig(
        taxonomy_files=tuple(Path(f) for f in files),
        cache_dir=cache_dir() if settings["indicators.cache"] else None,
    )


def fetch_config(settings: Settings) -> FetchConfig:
    from ingest.fetch import FetchConfig

    return FetchConfig(
        connect_timeout=float(settings["fetch.connect_timeout"]),
        read_timeout=float(settings["fetch.read_timeout"]),
        total_timeout=float(settings["fetch.total_timeout"]),
        max_bytes=int(settings["fetch.max_bytes"]),
        max_redirects=int(settings["fetch.max_redirects"]),
        user_agent=USER_AGENT,
    )


def address_policy(settings: Settings) -> AddressPolicy:
    from ingest.netguard import AddressPolicy

    return AddressPolicy.from_setting(settings["fetch.allow_private"])


def alert_config(settings: Settings) -> AlertConfig:
    from signals.baseline import AlertConfig

    return AlertConfig(
        window_days=max(1, int(settings["alerts.window_days"])),
        baseline_days=max(7, int(settings["alerts.baseline_days"])),
        min_stories=int(settings["alerts.min_stories"]),
        threshold=float(settings["alerts.threshold"]),
        dispersion=float(settings["alerts.dispersion"]),
        prior_stories=float(settings["alerts.prior_stories"]),
        cooldown_days=int(settings["alerts.cooldown_days"]),
        gap_days=max(1, int(settings["alerts.gap_days"])),
        gap_ratio=float(settings["alerts.gap_ratio"]),
        gap_min_expected=float(settings["alerts.gap_min_expected"]),
    )


def story_config(settings: Settings) -> StoryConfig:
    from ingest.config import StoryConfig

    return StoryConfig(
        threshold=float(settings["stories.threshold"]), window_hours=float(settings["stories.window_hours"])
    )


def ingest_config(settings: Settings) -> IngestConfig:
    from ingest.config import IngestConfig
    from ingest.schedule import SchedulePolicy

    return IngestConfig(
        fetch=fetch_config(settings),
        addresses=address_policy(settings),
        workers=max(1, int(settings["ingest.workers"])),
        parse_workers=max(1, int(settings["ingest.parse_workers"])),
        parse_timeout=max(0.1, float(settings["ingest.parse_timeout"])),
        lease_seconds=float(settings["ingest.lease_seconds"]),
        tick_seconds=max(0.5, float(settings["ingest.tick_seconds"])),
        alerts_seconds=max(0.0, float(settings["ingest.alerts_seconds"])),
        schedule=SchedulePolicy(max_backoff_hours=float(settings["ingest.max_backoff_hours"])),
        stories=story_config(settings),
        alerts=alert_config(settings),
        tagger=tagger_config(settings),
    )


def alert_rule(settings: Settings) -> AlertRule:
    from db.signals import AlertRule

    return AlertRule(
        ratio=float(settings["alerts.ratio"]),
        min_count=int(settings["alerts.min_count"]),
        min_baseline=float(settings["alerts.min_baseline"]),
    )


def rule_thresholds(settings: Settings) -> RuleThresholds:
    from db.rule_stats import RuleThresholds

    return RuleThresholds(
        min_reviews=int(settings["rules.min_reviews"]), low_precision=float(settings["rules.low_precision"])
    )


def public_url(settings: Settings) -> str:
    return str(settings["serve.public_url"] or "")


def dashboard_config(settings: Settings) -> DashboardConfig:
    from dashboard.config import AuthConfig, DashboardConfig, FeedTestConfig

    return DashboardConfig(
        auth=AuthConfig(
            secret_key=str(settings["serve.secret_key"] or ""),
            secure_cookies=bool(settings["serve.secure_cookies"]),
            trust_proxy=bool(settings["serve.trust_proxy"]),
            anonymous_read=bool(settings["auth.anonymous_read"]),
        ),
        public_url=public_url(settings),
        alert_rule=alert_rule(settings),
        rule_thresholds=rule_thresholds(settings),
        default_interval=int(settings["ingest.default_interval"]),
        feed_test=FeedTestConfig(fetch=fetch_config(settings), addresses=address_policy(settings)),
        tagger=tagger_config(settings),
        demo=settings.demo,
        cache_seconds=max(0.0, float(settings["serve.cache_seconds"])),
    )


def delivery_config(settings: Settings) -> DeliveryConfig:
    """Webhook and e-mail receivers with their retry policy; raises UserError for an incomplete
    or unknown value (naming the setting, never its secret)."""
    from indicators import REGIONS
    from ingest.delivery import DeliveryConfig, EmailConfig, WebhookConfig
    from ingest.urls import BadFeedURL, validate_feed_url

    v = settings.values
    urls = tuple(v["webhooks.urls"])
    for n, url in enumerate(urls):
        try:
            validate_feed_url(url)
        except BadFeedURL:
            raise UserError(f"webhooks.urls: entry {n + 1} is not an http(s) URL with a host") from None
    if urls and not v["webhooks.secret"]:
        raise UserError("webhooks.secret must be set when webhooks.urls is: receivers check the signature")
    recipients: dict[str, set[str]] = {}
    everyone: set[str] = set()
    for entry in v["email.recipients"]:
        region, sep, address = str(entry).strip().rpartition(":")
        if "@" not in address or (sep and region not in REGIONS):
            raise UserError(
                f'email.recipients: {entry!r} is not "address" or "region:address" '
                f"(regions: {', '.join(REGIONS)})"
            )
        recipients.setdefault(address, set()).update({region} if region else set())
        if not region:
            everyone.add(address)
    if v["email.host"] and recipients and not v["email.from"]:
        raise UserError("email.from must be set when email.host and email.recipients are")
    allow = v["webhooks.allow_private"]
    return DeliveryConfig(
        webhooks=WebhookConfig(
            urls=urls,
            secret=str(v["webhooks.secret"]),
            allow_private=allow if isinstance(allow, bool) else tuple(allow),
        ),
        email=EmailConfig(
            host=str(v["email.host"]),
            port=int(v["email.port"]),
            starttls=bool(v["email.starttls"]),
            username=str(v["email.username"]),
            password=str(v["email.password"]),
            sender=str(v["email.from"]),
            recipients=tuple(
                (a, frozenset() if a in everyone else frozenset(r)) for a, r in recipients.items()
            ),
            digest=bool(v["email.digest"]),
        ),
        timeout=max(0.5, float(v["delivery.timeout"])),
        retry_seconds=max(1.0, float(v["delivery.retry_seconds"])),
        max_retry_seconds=max(1.0, float(v["delivery.max_retry_seconds"])),
        tick_seconds=max(0.5, float(v["delivery.tick_seconds"])),
        public_url=str(v["serve.public_url"]),
        user_agent=USER_AGENT,
    )
