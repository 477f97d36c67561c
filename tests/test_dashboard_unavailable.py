"""The dashboard while its PostgreSQL restarts: a clear "database unavailable" answer, then recovery by
itself (a private PostgreSQL server; the shared one is never touched)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from db import open_database
from tests.own_postgres import own_postgres

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


def _wait_status(url: str, status: int, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    got = (0, "")
    while time.monotonic() < deadline:
        got = _get(url)
        if got[0] == status:
            return got[1]
        time.sleep(0.3)
    raise AssertionError(f"{url}: wanted {status}, last got {got[0]} {got[1][:200]}")


def test_dashboard_says_database_unavailable_and_recovers(tmp_path: Path) -> None:
    try:
        server_cm = own_postgres()
        pg = server_cm.__enter__()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    try:
        open_database(pg.url).dispose()  # migrated
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
        env.update(XDG_DATA_HOME=str(tmp_path), R2PWATCH_AUTH_ANONYMOUS_READ="true")
        proc = subprocess.Popen(
            [sys.executable, "-m", "r2pwatch", "--database-url", pg.url, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_status(f"{base}/review", 200, 60)
            pg.stop()
            body = _wait_status(f"{base}/review", 503, 30)
            assert "Database unavailable" in body and "Traceback" not in body
            status, body = _get(f"{base}/healthz")
            assert status == 200  # the process itself is fine
            pg.start()
            body = _wait_status(f"{base}/review", 200, 30)
            assert "Database unavailable" not in body
        finally:
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=30)
        assert "Traceback" not in out
    finally:
        server_cm.__exit__(None, None, None)
