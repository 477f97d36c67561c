"""The README's first command, end to end: ``r2pwatch demo`` as a real process serves the sample feeds,
ingests them, and brings up the dashboard; pages load in Chromium with nothing leaving loopback, and
the XSS probe that came through a real feed runs nothing. Ctrl-C (SIGINT) stops everything."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from db import Database
from db.filters import ItemFilter
from db.listing import list_items
from tests.conftest import missing_service
from tests.dashboard_server import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    home = tmp_path_factory.mktemp("demo-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
    env.update(XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "r2pwatch", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=home,
        start_new_session=True,  # so a stuck teardown can kill the demo and all it started (see below)
    )
    url = f"http://127.0.0.1:{port}"
    output: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output.append(line)
        if "r2pwatch demo on" in line:
            break
    for _ in range(100):
        try:
            urlopen(url + "/", timeout=2).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        _kill_group(proc)
        pytest.fail("demo did not come up:\n" + "".join(output))
    yield url, env
    proc.send_signal(signal.SIGINT)
    try:
        rest, _ = proc.communicate(timeout=60)
        output.append(rest)
    except subprocess.TimeoutExpired:
        _kill_group(proc)  # the demo or a process it started did not stop: fail, never hang
        pytest.fail("the demo did not stop within 60 s of Ctrl-C:\n" + "".join(output))
    finally:
        _kill_group(proc)  # nothing the demo started outlives the test
    assert proc.returncode in (0, 130), "".join(output)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ValueError):  # output already read to the end
        proc.communicate(timeout=30)


def test_demo_ingested_and_export_sees_it(demo: tuple[str, dict[str, str]]) -> None:
    _, env = demo
    out = subprocess.run(
        [sys.executable, "-m", "r2pwatch", "--demo", "items", "export", "--flagged"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) >= 100
    assert all(r["flagged"] for r in rows)
    assert {"africa", "americas", "asia-pacific", "europe-central-asia", "middle-east-north-africa"} <= {
        region for r in rows for region in r["regions"]
    }


def test_demo_pages_load_offline_and_xss_runs_nothing(demo: tuple[str, dict[str, str]]) -> None:
    if not Path(CHROMIUM).exists():
        missing_service(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    url, env = demo
    demo_db = Database(f"sqlite:///{env['XDG_DATA_HOME']}/r2pwatch/demo.sqlite")
    [probe] = list_items(demo_db, ItemFilter(text="renders as text"))
    demo_db.dispose()
    problems: list[str] = []
    external: list[str] = []
    dialogs: list[str] = []

    def on_request(request: Any) -> None:
        if not request.url.startswith(("data:", "blob:")) and urlsplit(request.url).hostname != "127.0.0.1":
            external.append(request.url)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", on_request)
        for path in ("/", "/region/africa", "/country/COD", "/review", "/feeds", "/indicators"):
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            assert "Sample data" in page.inner_text("body"), path
        page.goto(f"{url}/review?item={probe.id}")
        page.wait_for_load_state("networkidle")
        page.wait_for_selector("#review-item-title")
        assert page.locator("#review-item-title").inner_text() == probe.title
        assert "<script>alert('xss')</script>" in probe.title
        # The summary came as HTML in the feed: stored as plain text, the <img onerror> is gone.
        assert page.locator("#review-item-summary").inner_text() == probe.summary
        assert "onerror" not in probe.summary
        browser.close()
    assert dialogs == [] and external == [] and problems == []
