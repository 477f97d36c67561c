"""Per-app state (configuration, database, metadata), reached from layouts and callbacks through Flask's
``current_app``: several apps can live in one process (tests) without sharing anything."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import dash
import flask

from dashboard.config import DashboardConfig
from dashboard.grid import GridCursors
from dashboard.meta import Meta
from dashboard.shared_reads import SharedReads, floor_time, freeze
from db import Database
from db.roles import ROLES
from db.rule_stats import RuleThresholds
from db.signals import AlertRule
from db.types import utcnow

EXTENSION = "r2pwatch"
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
#: action -> least role allowed to do it
PERMISSIONS: dict[str, str] = {"review": "analyst", "feeds": "analyst", "account": "viewer", "users": "admin"}

#: feed "Test" clicks that may run at once, so clicks can never take every server thread
PREVIEW_CONCURRENCY = 2

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class CurrentUser:
    name: str
    role: str
    anonymous: bool = False
    feed_token: str | None = None

    def can(self, permission: str) -> bool:
        if self.anonymous:  # anonymous visitors only ever read
            return False
        need = PERMISSIONS.get(permission, "admin")
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[need]


@dataclass
class AppContext:
    config: DashboardConfig
    database: Database
    meta: Meta
    #: callback output key -> permission needed; requests for these are refused for lesser roles
    write_outputs: dict[str, str] = field(default_factory=dict)
    grid_cursors: GridCursors = field(default_factory=GridCursors)
    #: feed "Test" clicks running at once (see feed_actions.preview)
    preview_slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(PREVIEW_CONCURRENCY)
    )
    #: the pages' aggregate figures, shared by every visitor for ``config.cache_seconds``
    shared: SharedReads = field(init=False)

    def __post_init__(self) -> None:
        self.shared = SharedReads(self.config.cache_seconds)

    def now(self) -> datetime:
        """The time the pages' figures are read at: now, floored to ``cache_seconds``, so that windows
        ("the last 7 days") built from it are the same for every visitor of the period and their reads
        can be shared."""
        return floor_time(utcnow(), self.config.cache_seconds)

    def read(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
        """``fn(self.database, *args, **kwargs)``, shared with every visitor who asks for the same
        arguments within ``cache_seconds`` (see :mod:`dashboard.shared_reads`)."""
        key = (fn.__module__, fn.__qualname__, freeze(args), freeze(kwargs))
        return self.shared.get(key, lambda: fn(self.database, *args, **kwargs))

    @property
    def rule(self) -> AlertRule:
        return self.config.alert_rule

    @property
    def rule_thresholds(self) -> RuleThresholds:
        return self.config.rule_thresholds

    @property
    def demo(self) -> bool:
        return self.config.demo


def get_ctx() -> AppContext:
    ctx: AppContext = flask.current_app.extensions[EXTENSION]
    return ctx


def write_callback(
    app: dash.Dash, ctx: AppContext, permission: str, *args: Any, **kwargs: Any
) -> Callable[[F], F]:
    """``app.callback`` for a callback that changes data: its outputs are registered so that the
    server refuses the request for users without ``permission`` before the callback runs."""

    def decorate(fn: F) -> F:
        before = set(app.callback_map)
        app.callback(*args, **kwargs)(fn)
        for key in set(app.callback_map) - before:
            ctx.write_outputs[key] = permission
        return fn

    return decorate
