from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

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


def test_cli_account_management(
    db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from db.sessions import session_user, start_session
    from db.users import get_user
    from r2pwatch.cli import main

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--database-url", db.url, "users", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    user = add_user(db, "amina", "analyst", "correct horse")
    token = start_session(db, user.id, timedelta(hours=1))
    assert (
        run("passwd", "amina", "--password-stdin", stdin="short\n")[2].strip()
        == "r2pwatch: error: password must have at least 8 characters"
    )
    assert run("passwd", "amina", "--password-stdin", stdin="battery staple\n")[0] == 0
    assert authenticate(db, "amina", "battery staple") and not authenticate(db, "amina", "correct horse")
    assert session_user(db, token) is None
    token = start_session(db, user.id, timedelta(hours=1))
    assert run("role", "amina", "admin")[0] == 0 and session_user(db, token) is None
    assert (info := get_user(db, "amina")) is not None and info.role == "admin"
    with pytest.raises(SystemExit):  # argparse refuses it, exit code 2
        run("role", "amina", "boss")
    assert run("disable", "amina")[0] == 0 and authenticate(db, "amina", "battery staple") is None
    assert "disabled" in run("list")[1]
    assert run("enable", "amina")[0] == 0 and authenticate(db, "amina", "battery staple")
    code, out, _ = run("rotate-token", "amina")
    assert code == 0 and user.feed_token not in out and user_by_token(db, user.feed_token) is None
    assert run("remove", "amina")[0] == 0 and get_user(db, "amina") is None
    for action in ("remove", "disable", "enable", "rotate-token"):
        assert run(action, "amina")[2].strip() == "r2pwatch: error: no user 'amina'"
    assert run("role", "ghost", "viewer")[2].strip() == "r2pwatch: error: no user 'ghost'"
    code, _, err = run("add", "x" * 101, "--password-stdin", stdin="long enough\n")
    assert code == 1 and "user name is too long (101 characters; at most 100)" in err
    assert run("add", "two words", "--password-stdin", stdin="long enough\n")[0] == 1


def test_database_errors_never_show_parameters(db: Database) -> None:
    import traceback

    from sqlalchemy.exc import IntegrityError

    from db.models import User

    user = add_user(db, "amina", "analyst", "correct horse")
    with pytest.raises(IntegrityError) as caught, db.write() as s:
        s.add(
            User(name="amina", role="viewer", password_hash="scrypt$secret-hash", feed_token="secret-token")
        )
    shown = "".join(traceback.format_exception(caught.value))
    assert "secret-token" not in shown and "secret-hash" not in shown and user.feed_token not in shown
    assert "parameters hidden" in shown


def test_over_long_values_never_reach_the_database(db: Database) -> None:
    from db.feeds import NewFeed, add_feed, update_feed
    from db.limits import FieldTooLong

    feed = add_feed(db, NewFeed("https://example.org/rss"))
    with pytest.raises(FieldTooLong, match=r"feeds.title is too long \(501 characters; at most 500\)"):
        update_feed(db, feed, title="t" * 501)
    with pytest.raises(FieldTooLong, match="feeds.language"):
        add_feed(db, NewFeed("https://example.org/other", language="x" * 17))
    with pytest.raises(FieldTooLong):
        add_feed(db, NewFeed("https://example.org/" + "p" * 2048))
