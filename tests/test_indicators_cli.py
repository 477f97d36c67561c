"""`r2pwatch tag` as a real process: the JSON Lines contract, exit codes, and what it imports."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from r2pwatch.tag_cli import tag_main

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "r2pwatch.tag_cli", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def lines(out: bytes) -> list[dict[str, Any]]:
    return [json.loads(x) for x in out.decode("utf-8").splitlines()]


INPUT = (
    "\n".join(
        [
            json.dumps(
                {
                    "id": "a1",
                    "title": "EU sanctions on Russia",
                    "summary": "<p>Asset freeze &amp; travel bans</p>",
                }
            ),
            json.dumps({"title": "Weather is fine in Oslo"}),
            "{not json",
            json.dumps({"id": "b2", "summary": "no title here"}),
            "",
            json.dumps(["a", "list"]),
            json.dumps({"id": 7, "title": "ICC arrest warrant", "published": "yesterday"}),
            json.dumps(
                {
                    "id": "c3",
                    "title": "Bolsonaro meets generals",
                    "language": "en-US",
                    "published": "2021-05-01T10:00:00Z",
                }
            ),
            json.dumps(
                {"id": "d4", "title": "Génocide au Rwanda : l'ONU se souvient", "language": "fr"},
                ensure_ascii=False,
            ),
        ]
    ).encode("utf-8")
    + b"\n"
)


def test_jsonl_contract() -> None:
    p = run([], INPUT)
    assert p.returncode == 0, p.stderr
    out = lines(p.stdout)
    assert len(out) == 8  # the blank line is skipped, every other line answers in its place
    a = out[0]
    assert a["id"] == "a1" and "line" not in a
    assert a["indicators"] == ["sanctions"]
    assert a["countries"] == ["RUS"] and a["regions"] == ["europe-central-asia"]
    assert a["organisations"] == ["EU"] and a["flagged"] is True
    for e in a["evidence"]:
        assert set(e) >= {"kind", "id", "field", "text", "start", "end", "weight"}
        src = "EU sanctions on Russia" if e["field"] == "title" else "Asset freeze & travel bans"
        assert src[e["start"] : e["end"]] == e["text"]
    assert out[1]["line"] == 2 and "id" not in out[1] and out[1]["countries"] == ["NOR"]
    assert out[2]["line"] == 3 and "invalid JSON" in str(out[2]["error"])
    assert out[3]["line"] == 4 and out[3]["error"] == "missing 'title'"
    assert out[4]["line"] == 6 and out[4]["error"] == "expected a JSON object"
    assert out[5]["line"] == 7 and "ISO 8601" in str(out[5]["error"]) and out[5]["id"] == 7
    assert out[6]["id"] == "c3" and out[6]["countries"] == ["BRA"]  # Bolsonaro was president in 2021
    assert out[7]["id"] == "d4" and out[7]["indicators"] == ["genocide"] and out[7]["countries"] == ["RWA"]


def test_file_argument_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    f.write_bytes(INPUT)
    p = run([str(f)])
    assert p.returncode == 0
    assert len(lines(p.stdout)) == 8
    p = run([str(tmp_path / "missing.jsonl")])
    assert p.returncode == 2
    assert b"cannot read" in p.stderr
    assert p.stdout == b""


def test_bad_utf8_line_is_reported() -> None:
    p = run([], b'{"title": "ok"}\n{"title": "\xff\xfe"}\n{"title": "Sudan"}\n')
    out = lines(p.stdout)
    assert p.returncode == 0
    assert out[1]["line"] == 2 and "UTF-8" in str(out[1]["error"])
    assert out[2]["countries"] == ["SDN"]


def test_extra_taxonomy_and_bad_taxonomy(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(
        '[[indicators.sanctions.terms]]\nweight = 1.0\nen = ["punitive measures"]\n', encoding="utf-8"
    )
    p = run(["--taxonomy", str(good)], b'{"title": "Punitive measures against Belarus"}\n')
    assert p.returncode == 0
    assert lines(p.stdout)[0]["indicators"] == ["sanctions"]
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "1"\ncolour = \n', encoding="utf-8")
    p = run(["--taxonomy", str(bad)], b'{"title": "x"}\n')
    assert p.returncode == 2
    assert f"{bad}:2:".encode() in p.stderr


def test_in_process_entry_point() -> None:
    out = io.StringIO()
    err = io.StringIO()
    rc = tag_main([], io.StringIO('{"title": "Peacekeepers attacked in Mali"}\n'), out, err)
    assert rc == 0
    d = json.loads(out.getvalue())
    assert (
        d["line"] == 1 and d["indicators"] == ["peacekeeping"] and d["stages"] == {"peacekeeping": "attacked"}
    )


CHECK_IMPORTS = """
import io, sys
import r2pwatch.tag_cli
from r2pwatch.tag_cli import tag_main
lines = [
    '{"title": "EU sanctions on Russia", "language": "en"}',
    # no language given, and function words clear enough that the language model is not needed
    '{"title": "The EU imposes sanctions on Russia", "summary": "The bloc said that it was ready to act."}',
]
tag_main([], io.StringIO("\\n".join(lines) + "\\n"), io.StringIO(), sys.stderr)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"dash", "pandas", "sqlalchemy", "numpy", "plotly", "flask"})
print(",".join(heavy))
"""


def test_cli_imports_nothing_heavy() -> None:
    p = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS], capture_output=True, cwd=ROOT, timeout=60, check=True
    )
    assert p.stdout.decode().strip() == "", p.stdout
    p = subprocess.run(
        [sys.executable, "-c", "import indicators, sys; print('indicators.engine' in sys.modules)"],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert p.stdout.decode().strip() == "False"  # importing the package loads no data


def test_json_line_equals_json_dumps() -> None:
    from indicators.engine import default_tagger

    tagger = default_tagger()
    samples = [
        (
            'EU sanctions on Russia\'s "oligarchs" – ICC warrant',
            "Genocide & war crimes in Darfur, Sudan; AU, ECOWAS",
        ),
        ("Génocide au Rwanda", "La CPI et l'ONU"),
        ("عقوبات على إيران", ""),
        ("Nothing here", ""),
    ]
    for title, summary in samples:
        raw = tagger.tag_plain(title, summary)
        for head, members in (('{"id":"x\\"y",', {"id": 'x"y'}), ('{"line":3,', {"line": 3})):
            line = raw.json_line(head)
            assert line.isascii()
            assert json.loads(line) == {**members, **raw.to_json()}
            assert line == json.dumps({**members, **raw.to_json()}, separators=(",", ":"))
