"""Tagging a stream of JSON Lines: each input line an object with at least ``title``; optionally
``summary`` (may hold HTML), ``id``, ``language`` and ``published`` (ISO 8601). Each output line
carries the same ``id`` (or ``line``, the 1-based input line number, when the input has no id) and
``indicators``, ``countries``, ``regions``, ``organisations``, ``flagged``, ``stages``, ``scores``,
``language``, ``taxonomy_version`` and ``evidence``. A bad line gives ``{"line": N, "error": "..."}``
in its place and the rest go on.

The command around it (``r2pwatch tag``: arguments, messages, exit codes) is ``r2pwatch/tag_cli.py``.
Imports only the standard library and this package.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .text import html_to_text

if TYPE_CHECKING:
    from .engine import Tagger
    from .result import RawResult

__all__ = ["tag_stream"]

_BATCH = 512


def _parse_published(v: Any) -> datetime | date | None:
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise ValueError("'published' must be an ISO 8601 string")
    if len(v) > 10:  # the common case, a full timestamp, in one C call
        try:
            return datetime.fromisoformat(v)
        except ValueError:
            pass  # surrounding spaces, or not ISO 8601: said below
    s = v.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        if len(s) == 10:
            return date.fromisoformat(s)
        return datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"'published' is not ISO 8601: {v!r}") from None


def tag_stream(tagger: Tagger, source: Iterable[bytes | str], write: Callable[[str], object]) -> None:
    """Tag every JSON line of ``source``; ``write`` receives the output lines in batches."""
    tag_plain = tagger.tag_plain
    loads = _loads
    # ASCII output (non-ASCII as \u escapes) encodes about a quarter faster and is still valid JSON
    dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False).encode
    out: list[str] = []
    for n, raw in enumerate(source, 1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                out.append(dumps({"line": n, "error": f"not UTF-8: {exc.reason} at byte {exc.start}"}))
                continue
        else:
            line = raw
        if line.isspace() or not line:
            continue
        out.append(_one(n, line, loads, dumps, tag_plain))
        if len(out) >= _BATCH:
            out.append("")
            write("\n".join(out))
            out.clear()
    if out:
        out.append("")
        write("\n".join(out))


_raw_decode = json.JSONDecoder().raw_decode
_esc = json.encoder.encode_basestring_ascii


def _loads(line: str) -> Any:
    """json.loads without its two whitespace regexes in the common case (no surrounding spaces)."""
    if line[:1].isspace():
        line = line.lstrip()
    obj, end = _raw_decode(line)
    if end != len(line) and not line[end:].isspace():
        raise json.JSONDecodeError("Extra data", line, end)
    return obj


def _one(
    n: int,
    line: str,
    loads: Callable[[str], Any],
    dumps: Callable[[Any], str],
    tag_plain: Callable[..., RawResult],
) -> str:
    """One output line for input line ``n``."""
    try:
        d = loads(line)
    except ValueError as exc:
        return dumps({"line": n, "error": f"invalid JSON: {exc}"})
    if not isinstance(d, dict):
        return dumps({"line": n, "error": "expected a JSON object"})
    ident = d.get("id")
    try:
        if "title" not in d:
            raise ValueError("missing 'title'")
        title = d["title"]
        summary = d.get("summary")
        language = d.get("language")
        if title is None:
            title = ""
        if summary is None:
            summary = ""
        if not isinstance(title, str):
            raise ValueError("'title' must be a string")
        if not isinstance(summary, str):
            raise ValueError("'summary' must be a string")
        if language is not None and not isinstance(language, str):
            raise ValueError("'language' must be a string")
        published = _parse_published(d.get("published"))
        raw = tag_plain(html_to_text(title), html_to_text(summary), language, published)
    except ValueError as exc:
        err: dict[str, Any] = {"id": ident} if ident is not None else {}
        return dumps({**err, "line": n, "error": str(exc)})
    if ident is None:
        head = f'{{"line":{n},'
    else:
        head = f'{{"id":{_esc(ident) if isinstance(ident, str) else dumps(ident)},'
    return raw.json_line(head)
