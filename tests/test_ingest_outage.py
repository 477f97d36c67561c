"""The scheduler when PostgreSQL becomes unreachable: one log line per failed try with growing
back-off (no traceback every tick), and it carries on once the database answers again. The outage is
real: the scheduler reaches PostgreSQL through a loopback TCP relay that the test cuts and restores."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import Database
from tests.ingest_support import FeedServer
from tests.test_ingest_process import ingest_env

pytestmark = pytest.mark.slow


class Relay:
    """127.0.0.1:<port> -> the PostgreSQL server; ``cut()`` drops every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self._serve()

    def _serve(self) -> None:
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() in progress (Linux)
        self.listener.close()
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self._serve()


def test_unreachable_database_logs_one_line_per_try_with_backoff(db: Database, tmp_path: Path) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL only: a SQLite file does not go away like a server")
    url = sa.engine.make_url(db.url)
    relay = Relay((url.host or "127.0.0.1", url.port or 5432))
    via_relay = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    log_path = tmp_path / "ingest.log"
    with FeedServer() as server, log_path.open("w") as log_file:
        env = ingest_env(tmp_path, via_relay, server)  # tick 0.5 s
        proc = subprocess.Popen(
            [sys.executable, "-m", "r2pwatch", "ingest"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while "scheduler started" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)
            relay.cut()
            time.sleep(9.0)  # 18 ticks
            relay.restore()
            deadline = time.monotonic() + 30
            while "reachable again" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            relay.cut()
    log = log_path.read_text()
    assert proc.returncode == 0, log
    assert "Traceback" not in log, log
    failures = [line for line in log.splitlines() if "database unreachable" in line]
    assert 2 <= len(failures) <= 7, log  # 0.5, 1, 2, 4, 8 s apart: not one per tick
    delays = [float(m) for m in re.findall(r"next in (\d+) s", log)]
    assert delays == sorted(delays) and delays[-1] > delays[0], log
    assert "reachable again" in log
