from __future__ import annotations

import subprocess
import sys

import pytest

from db import Database
from db.users import DuplicateUser, add_user, authenticate, user_by_token


def test_add_and_authenticate(db: Database) -> None:
    user = add_user(db, "amina", "analyst", "correct horse")
    assert authenticate(db, "amina", "correct horse") == user
    assert authenticate(db, "amina", "wrong horse") is None
    assert authenticate(db, "nobody", "correct horse") is None
    assert user_by_token(db, user.feed_token) == user
    with pytest.raises(DuplicateUser):
        add_user(db, "amina", "viewer", "another one")


def test_password_is_stored_hashed(db: Database) -> None:
    from sqlalchemy import select

    from db.models import User

    add_user(db, "amina", "admin", "correct horse")
    with db.read() as s:
        stored = s.scalar(select(User.password_hash))
    assert stored is not None and "correct horse" not in stored and stored.startswith("scrypt$")


@pytest.mark.slow
def test_cli_users_add_from_stdin(db: Database) -> None:
    run = [
        sys.executable,
        "-m",
        "r2pwatch",
        "--database-url",
        db.url,
        "users",
        "add",
        "omar",
        "--role",
        "viewer",
        "--password-stdin",
    ]
    proc = subprocess.run(run, input="long enough pw\n", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert authenticate(db, "omar", "long enough pw") is not None
    proc = subprocess.run(run, input="long enough pw\n", capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr.strip() == "r2pwatch: error: user 'omar' exists"
    proc = subprocess.run(
        [*run[:-4], "short", "--password-stdin"], input="abc\n", capture_output=True, text=True
    )
    assert proc.returncode == 1 and "at least 8 characters" in proc.stderr


def test_cli_users_list(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    from r2pwatch.cli import main

    assert main(["--database-url", db.url, "users", "list"]) == 0
    assert "no users" in capsys.readouterr().out
    user = add_user(db, "amina", "analyst", "correct horse")
    assert main(["--database-url", db.url, "users", "list", "--tokens"]) == 0
    out = capsys.readouterr().out
    assert "amina" in out and "analyst" in out and f"token={user.feed_token}" in out
