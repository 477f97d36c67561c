"""Shared fixtures: a real database on SQLite (WAL file) and on the PostgreSQL server of this machine.

On a machine without PostgreSQL (or Chromium) those tests skip with the reason; with
R2P_REQUIRE_SERVICES=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import Database, upgrade
from db.models import Base

PG_ADMIN_URL = os.environ.get(
    "R2P_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_SERVICES = os.environ.get("R2P_REQUIRE_SERVICES") == "1"

# Tests stop the processes they start with Ctrl-C (SIGINT), as a user at a terminal would. A test run
# started in the background by a non-interactive shell inherits SIGINT ignored, and would pass that on to
# every child, which then cannot be stopped that way; give Ctrl-C back its usual meaning first.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def missing_service(reason: str) -> None:
    """Skip on a user's machine; fail in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def corpus_path(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not present: {path}")
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Never the real ~/.cache: the built tagger (indicators.cache) goes to one directory per test run,
    shared by the tests and the r2pwatch processes they start."""
    path = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(path))
        yield path


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    name = f"r2p_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        yield f"unavailable: PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.orig}"
        return
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    upgrade(database)
    database.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    # DELETE beats TRUNCATE on the few rows a test leaves behind.
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        sequences = conn.execute(
            sa.text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'")
        ).scalars()
        for seq in list(sequences):
            conn.execute(sa.text(f'ALTER SEQUENCE "{seq}" RESTART'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database: a fresh SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        path = tmp_path / "r2pwatch.sqlite"
        shutil.copy(_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    pg: str = request.getfixturevalue("_pg_database")
    if pg.startswith("unavailable:"):
        missing_service(pg)
    _truncate_pg(pg)
    yield pg


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, _sqlite_template: Path) -> Iterator[Database]:
    """SQLite only, for tests about SQLite itself."""
    path = tmp_path / "r2pwatch.sqlite"
    shutil.copy(_sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """User data/config directories and working directory inside tmp_path; no R2PWATCH_* from outside."""
    for key in list(os.environ):
        if key.startswith("R2PWATCH_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
