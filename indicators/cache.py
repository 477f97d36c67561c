"""The built tagger kept on disk: a pickle keyed by a hash of every input (code, taxonomy and data
files), so a change to any of them builds a new one.

The caller says where (``directory``; None: no file); nothing here reads the environment.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, TypeVar

__all__ = ["cached"]

T = TypeVar("T")
_FORMAT = 2
_KEEP = 8  # newest cache files kept (each code or data change makes a new one)


def cached(
    build: Callable[[], T],
    inputs: Sequence[Path],
    kind: type[T],
    *,
    directory: Path | None,
) -> T:
    """``build()``, or the object pickled in ``directory`` by an earlier call with the same
    ``inputs`` (their paths and contents). A missing input, a stale or broken file or an unwritable
    directory only mean building; ``directory=None`` always builds and writes nothing."""
    if directory is None:
        return build()
    path = _path(inputs, directory)
    if path is not None:
        try:
            with path.open("rb") as fh:
                obj = _load_without_gc(fh)
            if isinstance(obj, kind):
                return obj
        except Exception:  # noqa: BLE001 - a stale or broken cache is rebuilt
            pass
    obj = build()
    if path is not None:
        _write(path, obj)
    return obj


def _load_without_gc(fh: BinaryIO) -> object:
    """pickle.load with the cyclic garbage collector paused: loading makes some 100,000 tuples,
    dicts and objects, which set off a collection every few hundred (of everything loaded so far),
    and that took more than half of the time (about 40 ms instead of 90-150 ms for the tagger)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(fh)
    finally:
        if was_enabled:
            gc.enable()


def _path(inputs: Sequence[Path], directory: Path) -> Path | None:
    h = hashlib.sha256(f"{sys.version}|{_FORMAT}".encode())
    try:
        for f in inputs:
            h.update(str(f).encode() + b"\0" + f.read_bytes() + b"\0")
    except OSError:
        return None  # a missing file: let the build report it
    return directory / f"tagger-{h.hexdigest()[:32]}.pickle"


def _write(path: Path, obj: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        old = sorted(path.parent.glob("tagger-*.pickle"), key=lambda f: f.stat().st_mtime, reverse=True)
        for f in old[_KEEP:]:
            f.unlink(missing_ok=True)
    except OSError:
        pass
