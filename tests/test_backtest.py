"""``r2pwatch backtest``: the output contract, progress and bad lines on stderr, never the user's database."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from r2pwatch.cli import main

START = datetime(2023, 3, 1, tzinfo=UTC)
SPIKE = [
    "Militia accused of war crimes after torching villages in West Darfur, Sudan",
    "Sudan: UN says killings of civilians in El Geneina may amount to war crimes",
    "Doctors in Sudan describe shelling of hospitals as a war crime",
    "Rights group documents war crimes against Masalit families in Sudan",
]


def _corpus(path: Path) -> None:
    lines = []
    for d in range(70):
        day = START + timedelta(days=d)
        for n in range(6 if day.weekday() < 5 else 2):
            for source in ("https://a.example/rss", "https://b.example/rss"):
                lines.append(
                    {
                        "title": f"Paris budget talks round {d}-{n} in France ({source[8]})",
                        "summary": "",
                        "link": f"{source}/{d}/{n}",
                        "published": (day + timedelta(hours=8 + n)).isoformat(),
                        "source": source,
                    }
                )
    spike_day = START + timedelta(days=66)
    for n, title in enumerate(SPIKE):
        source = ("https://a.example/rss", "https://b.example/rss")[n % 2]
        lines.append(
            {
                "title": title,
                "summary": "",
                "link": f"{source}/spike/{n}",
                "published": (spike_day + timedelta(hours=9 + n)).strftime("%Y-%m-%d %H:%M:%S+00:00"),
                "source": source,
                "language": "en",
            }
        )
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for obj in reversed(lines):  # out of order: the backtest sorts by time
            fh.write(json.dumps(obj) + "\n")
        fh.write("{not json\n")
        fh.write(json.dumps({"title": "no date", "source": "x"}) + "\n")


@pytest.mark.slow
def test_backtest_json_contract(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = isolated_home / "items.jsonl.gz"
    _corpus(path)
    assert main(["backtest", str(path), "--from", "2023-04-01", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    alerts = json.loads(out)
    signal = [a for a in alerts if a["kind"] == "signal"]
    assert signal, err
    [sudan] = [a for a in signal if a["scope"] == "country"]
    assert sudan["date"] == "2023-05-06" and sudan["indicator"] == "war_crimes"
    assert sudan["country"] == "SDN" and sudan["region"] == "africa"
    assert sudan["stories"] == 4 and sudan["observed"] == 4
    assert isinstance(sudan["expected"], float) and sudan["score"] >= sudan["threshold"]
    for a in alerts:
        assert {
            "date",
            "indicator",
            "scope",
            "country",
            "region",
            "observed",
            "expected",
            "score",
            "stories",
        } <= set(a)
        assert a["date"] >= "2023-04-01"
    assert ":1: skipped" in err or "skipped" in err  # the two bad lines, reported
    assert "missing published" in err
    assert "backtest:" in err and "days)" in err  # progress
    assert not (isolated_home / "data").exists() or not any((isolated_home / "data").rglob("*.sqlite"))


def test_backtest_bad_arguments(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(isolated_home / "missing.jsonl")]) == 1
    assert "no such file" in capsys.readouterr().err
    path = isolated_home / "x.jsonl"
    path.write_text("")
    assert main(["backtest", str(path), "--from", "2023-13-01"]) == 1
    assert "--from" in capsys.readouterr().err
