"""A PostgreSQL server of the test's own (initdb + pg_ctl in a temporary directory, on a spare port),
for tests that stop and restart the server: the shared one on 5432 is never touched."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnPostgres:
    def __init__(self, root: Path) -> None:
        bindir = _bin_dir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries (pg_ctl, initdb) not found")
        self.bin = bindir
        self.data = root / "pgdata"
        self.port = _free_port()
        self.root = root
        # initdb refuses to run as root: run the server as the postgres system user then
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            pw = pwd.getpwnam(self.user)
            os.chown(root, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """Start a private server in a new temporary directory (one the postgres user can reach when we run
    as root); stop it and remove the directory afterwards. Raises RuntimeError when impossible."""
    root = Path(tempfile.mkdtemp(prefix="r2p-pg-"))
    try:
        server = OwnPostgres(root)
    except (RuntimeError, KeyError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(str(exc)) from exc
    try:
        server.init()
        server.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start a private PostgreSQL: {detail.strip()[:300]}") from exc
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
