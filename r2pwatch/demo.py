"""``r2pwatch demo``: the sample feed server, a first ingest pass, the scheduler as its own process and
the dashboard, all on the demo's own database. Ctrl-C, SIGTERM or SIGHUP stops everything it started.

Only one demo runs per demo database: a second one finds the first's lock, says so and exits 1 — it never
deletes the running demo's database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from db import Database, open_database
from db.feeds import NewFeed, add_feeds, list_feeds, update_feed
from db.users import add_user, get_user
from r2pwatch.errors import UserError
from r2pwatch.settings import Settings

DEMO_USERS = (("analyst", "analyst", "demo-analyst"), ("admin", "admin", "demo-admin"))
RELEASE_EVERY = 20.0


def _fresh_database(settings: Settings) -> Database:
    """Sample dates are relative to now, so every demo run starts from an empty demo database."""
    url = settings.database_url
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return open_database(url)


def register_sample_feeds(database: Database, urls: dict[str, str], default_interval: int) -> None:
    """Add the sample feeds; a feed already there (from a run on another port) gets its new URL."""
    from r2pwatch.sample_server import sample_feed_list

    by_path = {urlsplit(f.url).path: f.id for f in list_feeds(database)}
    new = []
    for info in sample_feed_list():
        url = urls[info.slug]
        existing = by_path.get(urlsplit(url).path)
        if existing is not None:
            update_feed(database, existing, url=url)
            continue
        new.append(
            NewFeed(
                url=url,
                title=info.title,
                category=info.category,
                region=info.region,
                language=info.language,
                interval_minutes=1,
            )
        )
    add_feeds(database, new, default_interval=default_interval)


def _start_sample_server(port: int) -> tuple[object, str, dict[str, str], int]:
    """The sample feeds on ``port``, or on a free port when it is 0 (their URLs are updated each run)."""
    from r2pwatch.sample_server import start_sample_server

    try:
        server, base, urls = start_sample_server(port, RELEASE_EVERY)
    except OSError as exc:
        raise UserError(
            f"--sample-port {port}: cannot serve the sample feeds there: {exc.strerror}"
        ) from None
    return server, base, urls, int(urlsplit(base).port or 0)


def _demo_lock(settings: Settings) -> Any:
    """The lock that keeps a second demo off this demo database (held until the demo stops)."""
    from filelock import FileLock, Timeout

    path = Path(settings.database_url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(f"{path}.demo.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise UserError(
            f"a demo is already running on {path} (stop it first: Ctrl-C in its terminal); "
            "its database was left alone"
        ) from None
    return lock


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP stop the demo like Ctrl-C does, so its ``finally`` stops the scheduler too."""

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def _check_port_free(host: str, port: int) -> None:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            raise UserError(f"{host}:{port} is in use (another demo or dashboard?); try --port") from None


def run_demo(settings: Settings, *, port: int = 8050, sample_port: int = 0) -> int:
    lock = _demo_lock(settings)
    try:
        _check_port_free(str(settings["serve.host"]), port)
        _stop_on_signals()
        return _run(settings, port, sample_port)
    finally:
        lock.release()


def _run(settings: Settings, port: int, sample_port: int) -> int:
    from r2pwatch.config import ingest_config
    from r2pwatch.ingest_cli import feed_progress, print_summary
    from r2pwatch.serving import serve_dashboard

    server, base, urls, feed_port = _start_sample_server(sample_port)
    allow = [f"127.0.0.1:{feed_port}"]
    # The demo never shares a configured signing key with a real instance.
    settings = settings.replace(
        fetch__allow_private=allow, auth__anonymous_read=True, serve__port=port, serve__secret_key=""
    )
    database = _fresh_database(settings)
    scheduler: subprocess.Popen[bytes] | None = None
    try:
        register_sample_feeds(database, urls, int(settings["ingest.default_interval"]))
        for name, role, password in DEMO_USERS:
            if get_user(database, name) is None:
                add_user(database, name, role, password)
        print(f"sample feeds served at {base} (new items every {RELEASE_EVERY:g} s)")
        print(f"demo database: {settings.database_url}")
        from ingest.runner import raise_alerts, run_pass

        config = ingest_config(settings)
        with feed_progress() as (on_claimed, on_outcome):
            summary = run_pass(database, config, all_feeds=True, on_claimed=on_claimed, on_outcome=on_outcome)
        print_summary(summary)
        for alert in raise_alerts(database, config.alerts):
            print(
                f"ALERT {alert.country or alert.region} / {alert.indicator or 'coverage gap'}: "
                f"{alert.observed} stories, expected {alert.expected:.1f}"
            )

        env = {**os.environ, "R2PWATCH_FETCH_ALLOW_PRIVATE": ",".join(allow)}
        scheduler = subprocess.Popen([sys.executable, "-m", "r2pwatch", "--demo", "ingest"], env=env)
        host = settings["serve.host"]
        print(f"\nr2pwatch demo on http://{host}:{port}/  — SAMPLE DATA, not real events")
        print("log in as analyst / demo-analyst (or admin / demo-admin); viewing needs no login")
        print("in another terminal: r2pwatch --demo items export --flagged    (Ctrl-C here stops all)\n")
        return serve_dashboard(settings, database)
    except KeyboardInterrupt:
        return 0
    finally:
        if scheduler is not None and scheduler.poll() is None:
            scheduler.send_signal(signal.SIGTERM)
            try:
                scheduler.wait(timeout=20)
            except subprocess.TimeoutExpired:
                scheduler.kill()
        shutdown = getattr(server, "shutdown", None)
        if shutdown is not None:
            shutdown()
            server.server_close()  # type: ignore[attr-defined]
        database.dispose()
