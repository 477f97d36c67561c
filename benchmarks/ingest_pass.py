"""Benchmark: one ingest pass over 1,000 feeds x 50 items served from loopback, tagging on.

    /work/venv/bin/python benchmarks/ingest_pass.py [--feeds 1000] [--items 50] [--database-url URL]

The feed server runs in its own process (this script with ``--serve``); the ingest runs as the real
``r2pwatch ingest --once --all`` process, timed from outside, with its peak RSS from wait4().
Reports the first pass (all new), a no-change pass (all 304) and items/s.
Targets on a 2-core machine: first pass <= 60 s, no-change pass <= 10 s, peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "news-2023" / "items.jsonl.gz"
TARGETS = {"first": 60.0, "no_change": 10.0, "rss_mb": 300.0}


# --- the feed server (its own process) ------------------------------------------------------


def serve(directory: Path) -> None:
    docs = {f"/{p.name}": p.read_bytes() for p in directory.glob("*.xml")}
    etags = {
        path: '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
        for path, body in docs.items()
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            body = docs.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = etags[self.path]
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

    httpd = Server(("127.0.0.1", 0), Handler)
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()


# --- building the feeds ------------------------------------------------------------------------


def build_feeds(directory: Path, feeds: int, per_feed: int) -> int:
    needed = feeds * per_feed
    items: list[dict[str, Any]] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            items.append(json.loads(line))
            if len(items) >= needed:
                break
    now = datetime.now(UTC)
    for f in range(feeds):
        chunk = items[f * per_feed : (f + 1) * per_feed] or items[:per_feed]
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
            f"<title>Benchmark feed {f}</title><link>https://bench.example.org/{f}/</link>",
            "<description>benchmark</description>",
        ]
        for n, item in enumerate(chunk):
            try:
                published = datetime.fromisoformat(item["published"])
            except (KeyError, TypeError, ValueError):
                published = now - timedelta(hours=n)
            parts.append(
                f"<item><title>{escape(item.get('title') or '')}</title>"
                f"<link>{escape(item.get('link') or '')}?feed={f}&amp;n={n}</link>"
                f'<guid isPermaLink="false">{f}-{n}-{escape(item.get("id") or "")}</guid>'
                f"<description>{escape(item.get('summary') or '')}</description>"
                f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate></item>"
            )
        parts.append("</channel></rss>\n")
        (directory / f"f{f}.xml").write_text("".join(parts), encoding="utf-8")
    return min(len(items), needed) if len(items) >= per_feed else len(items)


# --- running the ingest process --------------------------------------------------------------


def run_ingest_measured(env: dict[str, str], cwd: Path) -> tuple[float, float, float, str]:
    """(wall seconds, peak RSS in MB, CPU seconds, stdout) of one ``r2pwatch ingest --once --all``."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "r2pwatch", "ingest", "--once", "--all"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}):\n{out}")
    # ru_maxrss is in KiB on Linux
    return elapsed, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime, out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--items", type=int, default=50)
    p.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    p.add_argument("--serve", metavar="DIR", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        serve(Path(args.serve))
        return 0
    if not CORPUS.exists():
        print(f"skipped: the news corpus is not present at {CORPUS}")
        return 0

    with tempfile.TemporaryDirectory(prefix="r2p-bench-") as tmp_name:
        tmp = Path(tmp_name)
        docs = tmp / "feeds"
        docs.mkdir()
        print(f"building {args.feeds} feeds x {args.items} items ...", flush=True)
        build_feeds(docs, args.feeds, args.items)
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(docs)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
            sys.path.insert(0, str(ROOT))
            from db import open_database
            from db.feeds import NewFeed, add_feeds

            database = open_database(url)
            add_feeds(database, [NewFeed(url=f"http://127.0.0.1:{port}/f{f}.xml") for f in range(args.feeds)])
            database.dispose()
            env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
            env.update(
                R2PWATCH_DATABASE_URL=url,
                R2PWATCH_FETCH_ALLOW_PRIVATE=f"127.0.0.1:{port}",
                XDG_DATA_HOME=str(tmp / "data"),
                XDG_CONFIG_HOME=str(tmp / "config"),
            )

            first_s, first_rss, first_cpu, first_out = run_ingest_measured(env, tmp)
            new_items = _count(first_out, "new items")
            again_s, again_rss, again_cpu, again_out = run_ingest_measured(env, tmp)
            not_modified = _count(again_out, "feeds not modified")
        finally:
            server.terminate()
            server.wait(timeout=10)

    rate = new_items / first_s if first_s else 0.0
    peak = max(first_rss, again_rss)
    print(
        f"feeds: {args.feeds}, items per feed: {args.items}, tagging on, database: "
        f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}"
    )
    print(
        f"first pass (all new):  {first_s:6.1f} s   {new_items} new items, {rate:,.0f} items/s   "
        f"CPU {first_cpu:.1f} s   (target <= {TARGETS['first']:.0f} s)"
    )
    print(
        f"no-change pass (304s): {again_s:6.1f} s   {not_modified} feeds not modified   "
        f"CPU {again_cpu:.1f} s   (target <= {TARGETS['no_change']:.0f} s)"
    )
    print(
        f"peak RSS of the ingest process: {first_rss:.0f} MB first pass, {again_rss:.0f} MB no-change pass   "
        f"(target <= {TARGETS['rss_mb']:.0f} MB)"
    )
    ok = first_s <= TARGETS["first"] and again_s <= TARGETS["no_change"] and peak <= TARGETS["rss_mb"]
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def _count(summary: str, label: str) -> int:
    for line in summary.splitlines():
        if label in line:
            digits = "".join(ch for ch in line.split(label, 1)[1] if ch.isdigit())
            return int(digits or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
