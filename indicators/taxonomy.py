"""The taxonomy: indicators, their terms per language with weights, context rules, stages, cues.

The built-in taxonomy is ``indicators/taxonomy.toml``; users merge files of their own over it (same
format, see the comments at the top of the built-in file). A bad file raises :class:`TaxonomyError`
with the file, the line and the reason.

The values are in ``taxonomy_model.py``, the checks of a file in ``taxonomy_check.py``, merging and
building in ``taxonomy_build.py``; this module reads the files and holds the names callers import.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .taxonomy_build import build, expand_braces, merge
from .taxonomy_check import Validator
from .taxonomy_model import (
    BUILTIN_CUES,
    GeoAdd,
    GeoRules,
    Indicator,
    Settings,
    Taxonomy,
    TaxonomyError,
    TermGroup,
)

__all__ = [
    "BUILTIN_CUES",
    "BUILTIN_TAXONOMY",
    "GeoAdd",
    "GeoRules",
    "Indicator",
    "Settings",
    "Taxonomy",
    "TaxonomyError",
    "TermGroup",
    "expand_braces",
    "load_taxonomy",
]

BUILTIN_TAXONOMY = Path(__file__).resolve().parent / "taxonomy.toml"


def load_taxonomy(
    extra_files: Sequence[Path | str] = (), builtin: Path | None = BUILTIN_TAXONOMY
) -> Taxonomy:
    """Load the built-in taxonomy and merge ``extra_files`` over it, in order."""
    merged: dict[str, Any] = {}
    versions: list[str] = []
    sources: list[Path] = []
    files = ([builtin] if builtin is not None else []) + [Path(f) for f in extra_files]
    known_cues: set[str] = set(BUILTIN_CUES)
    for path in files:
        raw, text = _read(path)
        v = Validator(path, text, known_cues, set(merged.get("indicators", {})))
        v.check(raw, is_base=not sources)
        merge(merged, raw)
        known_cues |= set(raw.get("cues", {}))
        versions.append(str(raw.get("version") or path.stem))
        sources.append(path)
    if not sources:
        raise TaxonomyError("<none>", 0, "no taxonomy file")
    return build(merged, "+".join(versions), tuple(sources))


def _read(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaxonomyError(path, 0, "file not found") from None
    except UnicodeDecodeError as exc:
        line = 1
        with contextlib.suppress(OSError):
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise TaxonomyError(path, line, "not UTF-8") from None
    except OSError as exc:
        raise TaxonomyError(path, 0, f"cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)|\(at end of document\)", msg)
        line = int(m.group(1)) if m and m.group(1) else text.count("\n") + 1
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        raise TaxonomyError(path, line, f"TOML syntax: {reason}") from None
