"""Run a real dashboard on a free loopback port in a thread (for browser tests and screenshots)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from db import Database
from r2pwatch.config import dashboard_config
from r2pwatch.settings import Settings, load_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def make_settings(*, anonymous: bool = False, demo: bool = False) -> Settings:
    """Defaults (no files, no environment) with a fixed session key, and pages that read afresh on every
    request (tests look at what they just wrote; tests/test_shared_reads.py covers shared reads)."""
    s = load_settings(use_default_files=False, environ={}).replace(
        serve__secret_key="test-key", auth__anonymous_read=anonymous, serve__cache_seconds=0.0
    )
    return Settings(s.values, s.sources, demo)


def make_config(*, anonymous: bool = False, demo: bool = False, **overrides: Any) -> DashboardConfig:
    """What the application hands ``create_app`` for ``make_settings`` with ``section__key`` overrides."""
    return dashboard_config(make_settings(anonymous=anonymous, demo=demo).replace(**overrides))


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass(frozen=True)
class Live:
    url: str
    server: BaseWSGIServer


@contextmanager
def live_dashboard(settings: Settings, database: Database) -> Iterator[Live]:
    app = create_app(dashboard_config(settings), database)
    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="dashboard", daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", server)
    finally:
        server.shutdown()
        thread.join(timeout=10)
