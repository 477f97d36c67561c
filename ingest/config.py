"""What the application decides about ingestion, as typed, frozen values.

The application (``r2pwatch.config``) builds an :class:`IngestConfig` from its settings and hands it
to :class:`ingest.runner.Ingestor`, ``run_pass`` and ``run_scheduler``; nothing in this package
reads settings or the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from db.store import Clustering
from indicators.config import TaggerConfig
from ingest.fetch import FetchConfig
from ingest.netguard import AddressPolicy
from ingest.schedule import SchedulePolicy
from signals.baseline import AlertConfig

__all__ = ["AlertConfig", "FetchConfig", "IngestConfig", "SchedulePolicy", "StoryConfig", "TaggerConfig"]


@dataclass(frozen=True, slots=True)
class StoryConfig:
    """When two items are one story: estimated word overlap and how far apart they may be."""

    threshold: float = 0.25
    window_hours: float = 36.0

    def clustering(self) -> Clustering:
        from ingest.stories import make_clustering

        return make_clustering(threshold=self.threshold, window_hours=self.window_hours)


@dataclass(frozen=True, slots=True)
class IngestConfig:
    fetch: FetchConfig = field(default_factory=FetchConfig)
    #: which private (loopback, LAN) addresses feeds may be fetched from
    addresses: AddressPolicy = field(default_factory=AddressPolicy)
    #: feeds fetched concurrently
    workers: int = 8
    #: feeds parsed at the same time (bounds memory)
    parse_workers: int = 2
    #: CPU seconds the parse of one feed document may take (ingest.timebox); past it: parse_timeout
    parse_timeout: float = 120.0
    #: how long a worker's claim on a feed lasts
    lease_seconds: float = 600.0
    #: how often the scheduler looks for due feeds
    tick_seconds: float = 5.0
    #: shortest time between two computations of the alerts while new items arrive
    alerts_seconds: float = 60.0
    schedule: SchedulePolicy = field(default_factory=SchedulePolicy)
    stories: StoryConfig = field(default_factory=StoryConfig)
    alerts: AlertConfig = field(default_factory=AlertConfig)
    tagger: TaggerConfig = field(default_factory=TaggerConfig)
