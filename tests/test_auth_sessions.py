"""Sessions belong to one instance and can be revoked; login is throttled; cookies and proxies.

Flask test client against real databases (SQLite and PostgreSQL through the ``db`` fixture)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from db import Database, open_database
from db.secrets import instance_secret
from db.sessions import count_sessions, session_user, start_session
from db.throttle import ThrottlePolicy, blocked_for, record_failure
from db.users import (
    add_user,
    authenticate,
    get_user,
    remove_user,
    rotate_token,
    set_disabled,
    set_password,
    set_role,
    user_by_token,
)
from tests.dashboard_server import make_config


def _settings(**overrides: Any) -> Any:
    return make_config(**{"serve__secret_key": "", **overrides})


def login(client: FlaskClient, name: str, password: str, **kw: Any) -> Any:
    return client.post("/login", data={"name": name, "password": password, "next": "/review"}, **kw)


def _session_cookie(client: FlaskClient, app: dash.Dash) -> tuple[str, str]:
    name = app.server.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None
    return name, cookie.value


def _replay(app: dash.Dash, name: str, value: str) -> int:
    fresh = app.server.test_client()
    fresh.set_cookie(name, value)
    return int(fresh.get("/review").status_code)


@pytest.fixture
def app(db: Database) -> dash.Dash:
    add_user(db, "ana", "analyst", "analyst-password")
    return create_app(_settings(), db)


def test_a_demo_login_does_not_open_another_instance(tmp_path: Path, isolated_home: Path) -> None:
    demo_db, real_db = (open_database(f"sqlite:///{tmp_path / n}") for n in ("demo.sqlite", "real.sqlite"))
    add_user(demo_db, "admin", "admin", "demo-admin")
    add_user(real_db, "admin", "admin", "the real one")
    demo, real = create_app(_settings(), demo_db), create_app(_settings(), real_db)
    assert demo.server.secret_key != real.server.secret_key
    client = demo.server.test_client()
    assert login(client, "admin", "demo-admin").status_code == 302
    name, value = _session_cookie(client, demo)
    assert _replay(demo, name, value) == 200
    # A browser sends the demo's cookie to the real dashboard on the same host: it opens nothing,
    # under its own name or under the real instance's cookie name.
    assert _replay(real, name, value) == 302
    assert _replay(real, real.server.config["SESSION_COOKIE_NAME"], value) == 302
    # Even when an operator gives both instances the same signing key, the session is the demo's.
    same = dict(serve__secret_key="shared-key")
    demo2, real2 = create_app(_settings(**same), demo_db), create_app(_settings(**same), real_db)
    client2 = demo2.server.test_client()
    login(client2, "admin", "demo-admin")
    name2, value2 = _session_cookie(client2, demo2)
    assert name2 == real2.server.config["SESSION_COOKIE_NAME"]
    assert _replay(demo2, name2, value2) == 200 and _replay(real2, name2, value2) == 302
    demo_db.dispose()
    real_db.dispose()


def test_the_session_key_lives_in_the_database(db: Database) -> None:
    key = instance_secret(db, "session_key")
    assert len(key) >= 40 and instance_secret(db, "session_key") == key
    assert create_app(_settings(), db).server.secret_key == key


def test_concurrent_first_use_creates_one_key(db: Database) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(8)

    def first_use(_: int) -> str:
        barrier.wait()
        return instance_secret(db, "race_key")

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(first_use, range(8)))
    assert len(keys) == 1


def test_logout_ends_the_session_at_once(app: dash.Dash, db: Database) -> None:
    client = app.server.test_client()
    login(client, "ana", "analyst-password")
    name, value = _session_cookie(client, app)
    user = get_user(db, "ana")
    assert user is not None and count_sessions(db, user.id) == 1
    client.post("/logout")
    assert _replay(app, name, value) == 302
    assert count_sessions(db, user.id) == 0


def test_a_get_of_logout_asks_and_keeps_the_session(app: dash.Dash, db: Database) -> None:
    # <img src="/logout"> on another site, or a link prefetch, must not end anyone's session
    client = app.server.test_client()
    login(client, "ana", "analyst-password")
    user = get_user(db, "ana")
    assert user is not None
    page = client.get("/logout")
    assert page.status_code == 200 and 'method="post" action="/logout"' in page.get_data(as_text=True)
    assert count_sessions(db, user.id) == 1
    assert client.get("/review").status_code == 200


@pytest.mark.parametrize("change", ["password", "role", "disable", "remove"])
def test_account_changes_end_the_users_sessions(app: dash.Dash, db: Database, change: str) -> None:
    add_user(db, "other", "analyst", "other-password")
    clients = [app.server.test_client() for _ in range(3)]
    login(clients[0], "ana", "analyst-password")
    login(clients[1], "ana", "analyst-password")
    login(clients[2], "other", "other-password")
    cookies = [_session_cookie(c, app) for c in clients]
    assert [_replay(app, *c) for c in cookies] == [200, 200, 200]
    {
        "password": lambda: set_password(db, "ana", "a new password"),
        "role": lambda: set_role(db, "ana", "viewer"),
        "disable": lambda: set_disabled(db, "ana", True),
        "remove": lambda: remove_user(db, "ana"),
    }[change]()
    assert [_replay(app, *c) for c in cookies] == [302, 302, 200]
    if change == "disable":
        assert login(app.server.test_client(), "ana", "analyst-password").status_code == 401
        set_disabled(db, "ana", False)
        assert login(app.server.test_client(), "ana", "analyst-password").status_code == 302


def test_sessions_expire(db: Database) -> None:
    user = add_user(db, "ana", "analyst", "analyst-password")
    then = datetime.now(UTC) - timedelta(hours=13)
    token = start_session(db, user.id, timedelta(hours=12), now=then)
    assert session_user(db, token, now=then + timedelta(hours=1)) is not None
    assert session_user(db, token) is None
    assert session_user(db, "forged") is None and session_user(db, "x" * 10_000) is None


def test_rotating_a_token_stops_the_old_one(db: Database) -> None:
    user = add_user(db, "ana", "analyst", "analyst-password")
    new = rotate_token(db, "ana")
    assert new.feed_token != user.feed_token
    assert user_by_token(db, user.feed_token) is None and user_by_token(db, new.feed_token) == new
    set_disabled(db, "ana", True)
    assert user_by_token(db, new.feed_token) is None


def test_throttle_delay_grows_per_key(db: Database) -> None:
    policy = ThrottlePolicy(free_failures=3, base_delay=2.0, max_delay=60.0)
    keys = [("user:ana", policy)]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    waits = [record_failure(db, keys, now=now + timedelta(seconds=i)) for i in range(8)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32]
    assert blocked_for(db, keys, now=now + timedelta(seconds=7)) == pytest.approx(32.0)
    assert blocked_for(db, [("user:omar", policy)], now=now) == 0
    assert record_failure(db, keys, now=now + timedelta(seconds=20)) == 60.0  # capped
    later = now + timedelta(hours=3)  # old failures are forgotten
    assert blocked_for(db, keys, now=later) == 0 and record_failure(db, keys, now=later) == 0


def test_login_is_throttled_per_user_with_a_clear_message(app: dash.Dash) -> None:
    client = app.server.test_client()
    codes = [login(client, "ana", f"wrong {i}").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    r = login(client, "ana", "analyst-password")  # even the right password waits now
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert re.search(r"Too many failed logins .* Try again in \d+ seconds?\.", r.get_data(as_text=True))
    # Another user from another address is not affected.
    other = app.server.test_client()
    assert login(other, "nobody", "x", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 401


def test_login_is_throttled_per_address(app: dash.Dash) -> None:
    client = app.server.test_client()
    env = {"REMOTE_ADDR": "192.0.2.7"}
    codes = [login(client, f"user{i}", "guess", environ_base=env).status_code for i in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429
    assert login(client, "ana", "analyst-password", environ_base=env).status_code == 429
    assert (
        login(client, "ana", "analyst-password", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 302
    )


def test_a_failed_login_costs_the_same_for_unknown_users(db: Database) -> None:
    add_user(db, "ana", "analyst", "analyst-password")

    def best(name: str) -> float:
        times = []
        for _ in range(5):
            # this thread's CPU time: the hash is CPU work, and other processes on a busy host do not count
            start = time.thread_time()
            assert authenticate(db, name, "wrong password") is None
            times.append(time.thread_time() - start)
        return min(times)

    known, unknown = best("ana"), best("nobody-by-that-name")
    # Without hashing for unknown users the ratio is about 0.02; with it, about 1.
    assert unknown > 0.5 * known, (known, unknown)


def test_cookie_secure_setting_and_proxy(db: Database) -> None:
    add_user(db, "ana", "analyst", "analyst-password")
    plain = create_app(_settings(), db).server.test_client()
    assert "Secure" not in login(plain, "ana", "analyst-password").headers["Set-Cookie"]
    secure = create_app(_settings(serve__secure_cookies=True), db).server.test_client()
    assert "; Secure" in login(secure, "ana", "analyst-password").headers["Set-Cookie"]
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    untrusted = create_app(_settings(), db).server.test_client()
    assert "Secure" not in login(untrusted, "ana", "analyst-password", headers=https).headers["Set-Cookie"]
    proxied_app = create_app(_settings(serve__trust_proxy=True), db)
    proxied = proxied_app.server.test_client()
    r = login(proxied, "ana", "analyst-password", headers=https)
    assert "; Secure" in r.headers["Set-Cookie"] and r.headers["Location"] == "/review"
    # Behind the proxy the throttle counts the forwarded client address, not the proxy's.
    for i in range(21):
        login(proxied, f"u{i}", "guess", headers={"X-Forwarded-For": "198.51.100.1"})
    assert (
        login(proxied, "ana", "analyst-password", headers={"X-Forwarded-For": "198.51.100.1"}).status_code
        == 429
    )
    assert (
        login(proxied, "ana", "analyst-password", headers={"X-Forwarded-For": "198.51.100.2"}).status_code
        == 302
    )


_STARTER = """
import sys, time
from pathlib import Path
go = Path(sys.argv[1])
import dashboard.app, r2pwatch.config  # the slow imports first, so the four start together
while not go.exists():
    time.sleep(0.01)
from r2pwatch.wsgi import server
print(server.secret_key)
"""


@pytest.mark.slow
def test_four_processes_starting_on_a_fresh_data_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _STARTER, str(go)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    time.sleep(8)
    go.touch()
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-2000:] for _, err in results]
    keys = {out.strip() for out, _ in results}
    assert len(keys) == 1 and len(keys.pop()) >= 40
