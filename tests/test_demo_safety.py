"""The demo cannot hurt itself: a second ``r2pwatch demo`` says so and exits 1 without touching the running
demo's database, and SIGTERM or SIGHUP stops every process the demo started."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(x) for x in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ValueError):  # output already read to the end
        proc.communicate(timeout=30)


def _start(home: Path, env: dict[str, str], port: int) -> subprocess.Popen[str]:
    # its own session, so a failed test can kill the demo and everything it started (a grandchild left
    # holding the output pipe would otherwise hang the test run)
    return subprocess.Popen(
        [sys.executable, "-m", "r2pwatch", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=home,
        start_new_session=True,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_second_demo_refuses_and_signals_stop_everything(tmp_path: Path, sig: signal.Signals) -> None:
    if not Path("/proc/self/task").exists():
        pytest.skip("needs /proc to find the demo's child processes")
    env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    port = _free_port()
    first = _start(tmp_path, env, port)
    try:
        assert first.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = first.stdout.readline()
            if not line or "r2pwatch demo on" in line:
                break
        for _ in range(100):
            try:
                urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        database = tmp_path / "data" / "r2pwatch" / "demo.sqlite"
        size = database.stat().st_size
        children = _children(first.pid)
        assert children, "the demo starts the scheduler as its own process"

        second = subprocess.run(
            [sys.executable, "-m", "r2pwatch", "demo", "--port", str(_free_port())],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
        assert second.returncode == 1
        assert "a demo is already running" in second.stderr and second.stderr.count("\n") == 1
        assert database.exists() and database.stat().st_size >= size
        urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()  # the first demo still serves

        first.send_signal(sig)
        first.communicate(timeout=60)
        assert first.returncode is not None
        deadline = time.monotonic() + 30
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(c) for c in children), "a process the demo started outlived it"
    finally:
        _kill_group(first)
