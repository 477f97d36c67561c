"""Benchmark: peak RSS of ``r2pwatch ingest --once --all`` on one feed with very many entries.

    python benchmarks/big_feed_memory.py [--entries 80000] [--summary-bytes 0]

One feed of ``--entries`` short entries (the review's case: 80,000 entries, well under the 10 MB body
cap) is served from loopback by a separate process; the ingest runs as the real process on a fresh
SQLite database, with tagging on, and its peak RSS is read from wait4(). Target: <= 300 MB for any
feed under the body cap.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_pass import run_ingest_measured  # noqa: E402

TARGET_MB = 300.0


def build(path: Path, entries: int, summary_bytes: int) -> int:
    words = "Ceasefire talks resume as sanctions on the militia leaders are debated in the council "
    summary = (words * (summary_bytes // len(words) + 1))[:summary_bytes]
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Big</title>'
            "<link>https://big.example/</link><description>d</description>"
        )
        for n in range(entries):
            out.write(
                f"<item><title>Report {n} from the region</title><link>https://big.example/a/{n}</link>"
                f"<guid>g{n}</guid>"
                + (f"<description>{summary}</description>" if summary else "")
                + "</item>"
            )
        out.write("</channel></rss>")
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=80_000)
    p.add_argument("--summary-bytes", type=int, default=0)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        docs = work / "docs"
        docs.mkdir()
        size = build(docs / "big.xml", args.entries, args.summary_bytes)
        print(f"feed: {args.entries:,} entries, {size / 1e6:.1f} MB", flush=True)
        server = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "ingest_pass.py"), "--serve", str(docs)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            env = {k: v for k, v in os.environ.items() if not k.startswith("R2PWATCH_")}
            env.update(
                R2PWATCH_DATABASE_URL=f"sqlite:///{work / 'big.sqlite'}",
                R2PWATCH_FETCH_ALLOW_PRIVATE=f"127.0.0.1:{port}",
                XDG_DATA_HOME=str(work / "data"),
                XDG_CONFIG_HOME=str(work / "config"),
                XDG_CACHE_HOME=str(work / "cache"),
            )
            subprocess.run(
                [sys.executable, "-m", "r2pwatch", "init"], env=env, cwd=work, check=True, capture_output=True
            )
            subprocess.run(
                [sys.executable, "-m", "r2pwatch", "feeds", "add", f"http://127.0.0.1:{port}/big.xml"],
                env=env,
                cwd=work,
                check=True,
                capture_output=True,
            )
            started = time.monotonic()
            elapsed, rss_mb, cpu, out = run_ingest_measured(env, work)
        finally:
            server.terminate()
            server.wait(timeout=10)
    stored = [line for line in out.splitlines() if "new items" in line]
    print(f"ingest --once --all: {elapsed:.1f} s wall ({time.monotonic() - started:.1f} s), {cpu:.1f} s CPU")
    print(f"  {stored[0].strip() if stored else out[-500:]}")
    verdict = "ok" if rss_mb <= TARGET_MB else "OVER TARGET"
    print(f"peak RSS of the ingest process: {rss_mb:.0f} MB (target <= {TARGET_MB:.0f} MB) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
