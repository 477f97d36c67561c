from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db import Database, open_database, upgrade
from db.migrate import alembic_config, current_revision, head_revision
from db.models import Base
from db.search import is_search_object
from db.substring import is_substring_object


def test_models_match_migrations(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, _t, _p: (
                        not (is_search_object(name) or is_substring_object(name))
                    ),
                },
            ),
            Base.metadata,
        )
    assert diff == []


def test_upgrade_from_empty_and_from_every_revision(tmp_path: Path) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in script.walk_revisions()]
    for rev in [None, *revisions]:
        database = Database(f"sqlite:///{tmp_path / f'{rev}.sqlite'}")
        if rev is not None:
            upgrade(database, rev)
        upgrade(database)
        assert current_revision(database) == head_revision()
        database.dispose()


def test_sqlite_pragmas(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_scratch_sqlite_database_skips_journal_file_and_fsync(tmp_path: Path) -> None:
    scratch = open_database(f"sqlite:///{tmp_path / 'scratch.sqlite'}", durable=False)
    with scratch.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    scratch.dispose()


def test_open_database_migrates_concurrently_without_racing(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    with ThreadPoolExecutor(4) as pool:
        dbs = list(pool.map(lambda _: open_database(url), range(4)))
    assert all(current_revision(d) == head_revision() for d in dbs)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    engine.dispose()
    for d in dbs:
        d.dispose()
