"""Page figures computed once per period and shared by concurrent visitors."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.context import EXTENSION, AppContext
from dashboard.shared_reads import SharedReads, floor_time, freeze
from db import Database
from db.users import add_user
from tests.dashboard_seed import seed_sample
from tests.dashboard_server import make_config


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_read_is_kept_for_its_period_then_computed_again() -> None:
    clock = Clock()
    reads = SharedReads(30, clock=clock)
    values = iter(range(100))
    assert reads.get("panels", lambda: next(values)) == 0
    clock.now = 29.9
    assert reads.get("panels", lambda: next(values)) == 0
    assert reads.get("series", lambda: next(values)) == 1  # another key is its own read
    clock.now = 30.0
    assert reads.get("panels", lambda: next(values)) == 2
    assert reads.computed == 3


def test_zero_seconds_turns_sharing_off() -> None:
    reads = SharedReads(0)
    values = iter(range(100))
    assert [reads.get("k", lambda: next(values)) for _ in range(3)] == [0, 1, 2]


def test_concurrent_requests_for_one_figure_compute_it_once() -> None:
    reads = SharedReads(30)
    started = threading.Event()
    runs = 0

    def slow() -> str:
        nonlocal runs
        runs += 1
        started.set()
        time.sleep(0.2)
        return "figures"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(reads.get("k", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs == 1
    assert results == ["figures"] * 8


def test_a_failed_read_is_not_kept() -> None:
    reads = SharedReads(30)

    def broken() -> int:
        raise RuntimeError("database unavailable")

    with pytest.raises(RuntimeError):
        reads.get("k", broken)
    assert reads.get("k", lambda: 7) == 7


def test_the_oldest_keys_are_dropped_beyond_the_limit() -> None:
    reads = SharedReads(30, max_entries=2)
    values = iter(range(100))
    for key in ("a", "b", "c"):
        reads.get(key, lambda: next(values))
    assert reads.get("b", lambda: next(values)) == 1
    assert reads.get("a", lambda: next(values)) == 3  # "a" had been dropped


def test_floor_time_makes_one_window_per_period() -> None:
    t = datetime(2026, 11, 29, 17, 20, 41, 500, tzinfo=UTC)
    assert floor_time(t, 30) == datetime(2026, 11, 29, 17, 20, 30, tzinfo=UTC)
    assert floor_time(t, 0) == t


def test_arguments_that_are_lists_or_dicts_make_equal_keys() -> None:
    assert freeze({"b": [1, 2], "a": {"x"}}) == freeze({"a": {"x"}, "b": [1, 2]})
    with pytest.raises(TypeError):
        freeze(bytearray(b"mutable"))


def _overview(client: FlaskClient) -> str:
    body = {
        "output": "overview-panels.children",
        "outputs": {"id": "overview-panels", "property": "children"},
        "inputs": [
            {"id": "overview-window", "property": "value", "value": "7"},
            {"id": "overview-org", "property": "value", "value": None},
        ],
        "changedPropIds": ["overview-window.value"],
    }
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("seconds", [30.0, 0.0])
def test_the_overview_panels_are_read_once_per_period_for_every_visitor(db: Database, seconds: float) -> None:
    seed_sample(db)
    for name in ("ana", "ben"):
        add_user(db, name, "analyst", "analyst-password")
    app: dash.Dash = create_app(make_config(serve__cache_seconds=seconds), db)
    ctx: AppContext = app.server.extensions[EXTENSION]
    visitors = []
    for name in ("ana", "ben"):
        c = app.server.test_client()
        c.post("/login", data={"name": name, "password": "analyst-password"})
        visitors.append(c)
    first = _overview(visitors[0])
    computed = ctx.shared.computed
    assert _overview(visitors[1]) == first
    assert ctx.shared.computed == (computed if seconds else 2 * computed)
