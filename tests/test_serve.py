"""``r2pwatch serve`` as a real process: login required, anonymous viewers when allowed, Ctrl-C stops it."""

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

pytestmark = pytest.mark.slow


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=5) as resp:
            return resp.status, resp.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


@pytest.mark.parametrize("anonymous", [False, True])
def test_serve_process(tmp_path: Path, anonymous: bool) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
    env.update(XDG_DATA_HOME=str(tmp_path), R2PWATCH_AUTH_ANONYMOUS_READ=str(anonymous).lower())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "r2pwatch",
            "--database-url",
            f"sqlite:///{tmp_path / 'r.sqlite'}",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(150):
            try:
                status, location = _get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("dashboard did not come up")
        if anonymous:
            assert status == 200
        else:
            assert status in (302, 303) and "/login" in location
        assert _get(f"http://127.0.0.1:{port}/login")[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "Traceback" not in out
