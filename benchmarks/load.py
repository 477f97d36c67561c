"""A team server under load: dashboard users browsing and reviewing while ingestion writes.

Starts the dashboard (gunicorn with --web-workers workers, or `r2pwatch serve`), an ingest worker
(`r2pwatch ingest`) polling loopback feeds that publish about --rate new items per second, and --users
simulated analysts, each logged in, who in a loop open a page (overview, a region, a country, the review
queue) the way the browser does — the page callback and then the page's content callback — scroll the
review grid a few blocks and now and then confirm or dismiss an item. Every request is timed.

    python benchmarks/load.py --database-url URL [--server gunicorn|serve] [--web-workers 4] [--web-threads 4]
        [--users 20] [--duration 300]
        [--rate 50] [--seed-items 0]

The database must exist; --seed-items N first fills an empty one as benchmarks/dashboard_queries.py does.
Prints per-kind p50/p95 latencies, failures, "database is locked" lines in the logs and the peak RSS of
each process; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db import open_database  # noqa: E402
from db.feeds import NewFeed, add_feed  # noqa: E402
from db.models import Feed  # noqa: E402
from db.users import add_user  # noqa: E402

FEEDS = 60
PASSWORD = "load-test-password"
PLACES = [("Sudan", "SDN"), ("Ukraine", "UKR"), ("Haiti", "HTI"), ("Myanmar", "MMR"), ("Gaza", "PSE")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Publisher:
    """Loopback feeds that each publish ``per_minute`` new items a minute (their last 3 minutes served)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        publisher = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                feed = int(self.path.strip("/").removeprefix("feed") or 0)
                body = publisher.body(feed).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def body(self, feed: int) -> str:
        now = time.time()
        minute = int(now // 60)
        items = []
        for m in range(minute - 2, minute + 1):
            for k in range(self.per_minute):
                # spread over the minute: only items "published" by now are served
                at = m * 60 + k * 60 / self.per_minute
                if at > now:
                    continue
                place, _iso = PLACES[(feed + k) % len(PLACES)]
                pub = format_datetime(datetime.fromtimestamp(at, UTC), usegmt=True)
                items.append(
                    f"<item><title>Feed {feed} item {m}-{k}: sanctions and peacekeepers in {place}</title>"
                    f"<link>https://load.example.org/{feed}/{m}/{k}</link><guid>f{feed}-{m}-{k}</guid>"
                    f"<description>Report {m}-{k} on {place}: the UN Security Council discussed sanctions."
                    f"</description><pubDate>{pub}</pubDate></item>"
                )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Load</title><link>https://load.example.org'
            f"</link><description>d</description>{''.join(items)}</channel></rss>"
        )


def callback(
    output: str,
    outputs: list[dict[str, str]],
    inputs: list[dict[str, Any]],
    state: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": state or [],
    }


def page_request(path: str) -> dict[str, Any]:
    return callback(
        ".._pages_content.children..._pages_store.data..",
        [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
    )


def overview_content() -> dict[str, Any]:
    return callback(
        "overview-panels.children",
        [{"id": "overview-panels", "property": "children"}],
        [
            {"id": "overview-window", "property": "value", "value": "7"},
            {"id": "overview-org", "property": "value", "value": None},
        ],
    )


def region_content(slug: str) -> dict[str, Any]:
    return callback(
        "region-content.children",
        [{"id": "region-content", "property": "children"}],
        [
            {"id": "region-period", "property": "value", "value": "90"},
            {"id": "region-indicator", "property": "value", "value": None},
            {"id": "region-org", "property": "value", "value": None},
        ],
        [{"id": "region-slug", "property": "data", "value": slug}],
    )


def grid_rows(start: int) -> dict[str, Any]:
    return callback(
        "review-grid.getRowsResponse",
        [{"id": "review-grid", "property": "getRowsResponse"}],
        [
            {
                "id": "review-grid",
                "property": "getRowsRequest",
                "value": {"startRow": start, "endRow": start + 100, "sortModel": [], "filterModel": {}},
            }
        ],
        [{"id": "review-filters", "property": "data", "value": {"flagged": True}}],
    )


ACTION_OUTPUT = "..review-action-msg.children...review-bulk-msg.children...review-refresh.data.."


def review_action(item_id: int, action: str) -> dict[str, Any]:
    names = ["confirm", "dismiss", "escalate"]
    inputs = [
        {"id": f"review-{n}", "property": "n_clicks", "value": 1 if n == action else None} for n in names
    ]
    inputs += [{"id": f"review-bulk-{n}", "property": "n_clicks", "value": None} for n in names]
    first = inputs[names.index(action)]
    inputs.remove(first)
    inputs.insert(0, first)  # changedPropIds is taken from the first input
    body = callback(
        ACTION_OUTPUT,
        [
            {"id": "review-action-msg", "property": "children"},
            {"id": "review-bulk-msg", "property": "children"},
            {"id": "review-refresh", "property": "data"},
        ],
        inputs,
        [
            {"id": "review-current", "property": "data", "value": item_id},
            {"id": "review-note", "property": "value", "value": "load test"},
            {"id": "review-grid", "property": "selectedRows", "value": []},
            {"id": "review-bulk-note", "property": "value", "value": None},
            {"id": "review-refresh", "property": "data", "value": 0},
        ],
    )
    body["inputs"] = sorted(
        inputs,
        key=lambda i: [
            "review-confirm",
            "review-dismiss",
            "review-escalate",
            "review-bulk-confirm",
            "review-bulk-dismiss",
            "review-bulk-escalate",
        ].index(i["id"]),
    )
    return body


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.failures: list[str] = []

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(seconds)
            if error:
                self.failures.append(f"{kind}: {error}")


def user_loop(base: str, name: str, stop: threading.Event, results: Results, rng: random.Random) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        client.post("/login", data={"name": name, "password": PASSWORD, "next": "/"})

        def call(kind: str, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
            t = time.perf_counter()
            error = None
            data = None
            try:
                resp = client.request(method, url, json=body)
                if resp.status_code >= 400:
                    error = f"HTTP {resp.status_code} {resp.text[:120]}"
                elif body is not None and resp.status_code != 204:  # 204: the callback left all as it was
                    data = resp.json()
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            except ValueError:
                error = f"HTTP {resp.status_code}: not JSON: {resp.text[:120]!r}"
            results.record(kind, time.perf_counter() - t, error)
            return data

        while not stop.is_set():
            choice = rng.random()
            if choice < 0.25:
                call("page: overview", "POST", "/_dash-update-component", page_request("/"))
                call("content: overview", "POST", "/_dash-update-component", overview_content())
            elif choice < 0.45:
                slug = rng.choice(
                    ["africa", "americas", "asia-pacific", "europe-central-asia", "middle-east"]
                )
                call("page: region", "POST", "/_dash-update-component", page_request(f"/region/{slug}"))
                call("content: region", "POST", "/_dash-update-component", region_content(slug))
            elif choice < 0.6:
                iso3 = rng.choice([iso for _p, iso in PLACES])
                call("page: country", "POST", "/_dash-update-component", page_request(f"/country/{iso3}"))
            else:
                call("page: review", "POST", "/_dash-update-component", page_request("/review"))
                first = call("review: grid block", "POST", "/_dash-update-component", grid_rows(0))
                for start in range(100, 100 * rng.randint(1, 5), 100):
                    call("review: grid block", "POST", "/_dash-update-component", grid_rows(start))
                rows = (((first or {}).get("response") or {}).get("review-grid") or {}).get("getRowsResponse")
                ids = [int(r["id"]) for r in (rows or {}).get("rowData", [])]
                if ids and rng.random() < 0.5:
                    call(
                        "review: action",
                        "POST",
                        "/_dash-update-component",
                        review_action(rng.choice(ids), rng.choice(["confirm", "dismiss", "escalate"])),
                    )
            stop.wait(rng.uniform(0.5, 2.0))  # reading the page


def _p95_ms(times: list[float]) -> int | None:
    """The 95th percentile in milliseconds (inclusive method: defined from two samples on)."""
    if len(times) < 2:
        return round(times[0] * 1000) if times else None
    return round(statistics.quantiles(times, n=20, method="inclusive")[-1] * 1000)


def peak_rss_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(m.group(1)) / 1024 if m else 0.0


def children(pid: int) -> list[int]:
    out = []
    for task in Path("/proc").glob("[0-9]*"):
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(task.name))
    return out


@contextmanager
def process(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--server", choices=("gunicorn", "serve"), default="gunicorn")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument(
        "--web-threads",
        type=int,
        default=4,
        help="threads per gunicorn worker (gthread): quick requests pass slow ones",
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--rate", type=float, default=50, help="new items per second from the feeds")
    parser.add_argument("--seed-items", type=int, default=0)
    args = parser.parse_args()

    database = open_database(args.database_url)
    if args.seed_items:
        from benchmarks.dashboard_queries import seed

        seed_start = time.perf_counter()
        seed(database, args.seed_items, random.Random(1))
        print(
            f"seeded {args.seed_items:,} items in {time.perf_counter() - seed_start:.0f} s", file=sys.stderr
        )
    with database.write() as session:  # the seeded feeds' addresses do not exist
        session.execute(
            update(Feed).where(Feed.url.like("https://feeds.example.org/%")).values(enabled=False)
        )
    users = [f"load{i}" for i in range(args.users)]
    for name in users:
        with contextlib.suppress(Exception):  # already there from an earlier run
            add_user(database, name, "analyst", PASSWORD)
    publisher = Publisher(max(1, round(args.rate * 60 / FEEDS)))
    for f in range(FEEDS):
        add_feed(database, NewFeed(url=f"http://127.0.0.1:{publisher.port}/feed{f}", interval_minutes=1))
    database.dispose()

    tmp = Path(tempfile.mkdtemp(prefix="r2p-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
    env.update(
        R2PWATCH_DATABASE_URL=args.database_url,
        XDG_DATA_HOME=str(tmp),
        PYTHONUNBUFFERED="1",
        R2PWATCH_FETCH_ALLOW_PRIVATE=f"127.0.0.1:{publisher.port}",
        R2PWATCH_INGEST_TICK_SECONDS="2",
    )
    port = free_port()
    bin_dir = Path(sys.executable).parent
    if args.server == "gunicorn":
        web_cmd = [
            str(bin_dir / "gunicorn"),
            "-w",
            str(args.web_workers),
            "--threads",
            str(args.web_threads),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "r2pwatch.wsgi:server",
        ]
    else:
        web_cmd = [sys.executable, "-m", "r2pwatch", "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    results = Results()
    with (
        process(web_cmd, env, tmp / "web.log") as web,
        process([sys.executable, "-m", "r2pwatch", "ingest"], env, tmp / "ingest.log") as ingest,
    ):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        stop = threading.Event()
        threads = [
            threading.Thread(target=user_loop, args=(base, u, stop, results, random.Random(i)), daemon=True)
            for i, u in enumerate(users)
        ]
        before = _items(args.database_url)
        started = time.monotonic()
        for t in threads:
            t.start()
        peak_web: dict[int, float] = {}
        peak_ingest = 0.0
        while time.monotonic() - started < args.duration:
            time.sleep(5)
            for pid in [web.pid, *children(web.pid)]:
                peak_web[pid] = max(peak_web.get(pid, 0.0), peak_rss_mb(pid))
            peak_ingest = max(peak_ingest, peak_rss_mb(ingest.pid))
            done = sum(len(v) for v in results.times.values())
            print(
                f"  {time.monotonic() - started:5.0f} s: {done} requests, {len(results.failures)} failed",
                file=sys.stderr,
                flush=True,
            )
        stop.set()
        for t in threads:
            t.join(timeout=60)
        elapsed = time.monotonic() - started
        written = _items(args.database_url) - before
    logs = (tmp / "web.log").read_text(errors="replace") + (tmp / "ingest.log").read_text(errors="replace")
    every = [x for v in results.times.values() for x in v]
    report = {
        "server": args.server,
        "users": args.users,
        "duration_s": round(elapsed),
        "requests": len(every),
        "failed": len(results.failures),
        "database_locked": logs.count("database is locked"),
        "p50_ms": round(statistics.median(every) * 1000) if every else None,
        "p95_ms": _p95_ms(every),
        "by_kind_p50_ms": {k: round(statistics.median(v) * 1000) for k, v in sorted(results.times.items())},
        "by_kind_p95_ms": {k: _p95_ms(v) for k, v in sorted(results.times.items())},
        "items_written_per_s": round(written / elapsed, 1),
        "peak_rss_mb": {
            "web_workers": round(max((v for p, v in peak_web.items() if p != web.pid), default=0), 1),
            "web_master": round(peak_web.get(web.pid, 0), 1),
            "ingest": round(peak_ingest, 1),
        },
    }
    print(f"  {'request':<22}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}", file=sys.stderr)
    for kind, times in sorted(results.times.items()):
        print(
            f"  {kind:<22}{len(times):>7}{statistics.median(times) * 1000:>9.0f}{_p95_ms(times) or 0:>9}"
            f"{max(times) * 1000:>9.0f}",
            file=sys.stderr,
        )
    for failure in results.failures[:10]:
        print("FAILED", failure, file=sys.stderr)
    print(json.dumps(report))


def _items(url: str) -> int:
    from sqlalchemy import func, select

    from db.models import Item

    database = open_database(url)
    with database.read() as session:
        n = int(session.scalar(select(func.count()).select_from(Item)) or 0)
    database.dispose()
    return n


if __name__ == "__main__":
    main()
