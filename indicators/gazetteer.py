"""Countries, regions, names, leaders, organisations and memberships, read from ``indicators/data``.

The data files are UTF-8 TSV with a header row; lines starting with ``#`` are comments (sources and
dates). Loading takes a few milliseconds and happens once per process (``get_gazetteer()``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .model import REGIONS

__all__ = [
    "DATA_DIR",
    "CountryName",
    "Gazetteer",
    "GazetteerError",
    "Leader",
    "OrganisationName",
    "get_gazetteer",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

COUNTRY_KINDS = ("name", "demonym", "capital", "place")


class GazetteerError(ValueError):
    """A data file is malformed: ``file``, ``line`` and ``reason`` say where and why."""

    def __init__(self, file: Path, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CountryName:
    iso3: str
    lang: str
    kind: str  # name | demonym | capital | place
    text: str
    ambiguous: bool  # context=1: counts only with support from context


@dataclass(frozen=True, slots=True)
class Leader:
    iso3: str
    name: str
    role: str
    start: date
    end: date | None  # None: still in office


@dataclass(frozen=True, slots=True)
class OrganisationName:
    org: str
    lang: str
    kind: str
    text: str
    ambiguous: bool


@dataclass(slots=True)
class Gazetteer:
    countries: dict[str, dict[str, str]] = field(default_factory=dict)  # iso3 -> row
    names: list[CountryName] = field(default_factory=list)
    leaders: list[Leader] = field(default_factory=list)
    org_names: list[OrganisationName] = field(default_factory=list)
    org_meta: dict[str, dict[str, str]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # iso3 -> org ids
    org_members: dict[str, list[str]] = field(default_factory=dict)  # org -> iso3s

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> Gazetteer:
        g = cls()
        for line, row in _rows(data_dir / "countries.tsv", ("iso3", "region", "name")):
            iso3 = row["iso3"]
            if row["region"] not in REGIONS:
                raise GazetteerError(data_dir / "countries.tsv", line, f"unknown region {row['region']!r}")
            g.countries[iso3] = row
        path = data_dir / "country_names.tsv"
        if path.exists():
            for line, row in _rows(path, ("iso3", "lang", "kind", "text")):
                if row["kind"] not in COUNTRY_KINDS:
                    raise GazetteerError(path, line, f"unknown kind {row['kind']!r}")
                if row["iso3"] not in g.countries:
                    raise GazetteerError(path, line, f"unknown country {row['iso3']!r}")
                g.names.append(
                    CountryName(row["iso3"], row["lang"], row["kind"], row["text"], _flag(row.get("context")))
                )
        path = data_dir / "leaders.tsv"
        if path.exists():
            for line, row in _rows(path, ("iso3", "name", "start")):
                try:
                    start = date.fromisoformat(row["start"])
                    end = date.fromisoformat(row["end"]) if row.get("end") else None
                except ValueError as exc:
                    raise GazetteerError(path, line, f"bad date: {exc}") from None
                g.leaders.append(Leader(row["iso3"], row["name"], row.get("role", ""), start, end))
        path = data_dir / "organisations_meta.tsv"
        if path.exists():
            for _line, row in _rows(path, ("id", "name")):
                g.org_meta[row["id"]] = row
        path = data_dir / "organisations.tsv"
        if path.exists():
            for _line, row in _rows(path, ("id", "text")):
                g.org_names.append(
                    OrganisationName(
                        row["id"],
                        row.get("lang") or "*",
                        row.get("kind", ""),
                        row["text"],
                        _flag(row.get("context")),
                    )
                )
        path = data_dir / "memberships.tsv"
        if path.exists():
            for _line, row in _rows(path, ("org", "iso3")):
                g.members.setdefault(row["iso3"], []).append(row["org"])
                g.org_members.setdefault(row["org"], []).append(row["iso3"])
        return g

    # ---------------------------------------------------------------- queries
    def region_of(self, iso3: str) -> str | None:
        row = self.countries.get(iso3.upper())
        return row["region"] if row else None

    def country_name(self, iso3: str) -> str:
        row = self.countries.get(iso3.upper())
        return row["name"] if row else iso3

    def countries_in_region(self, slug: str) -> list[str]:
        return sorted(k for k, r in self.countries.items() if r["region"] == slug)

    def organisation_name(self, org_id: str) -> str:
        row = self.org_meta.get(org_id)
        return row["name"] if row else org_id

    def memberships(self, iso3: str) -> list[str]:
        return sorted(self.members.get(iso3.upper(), []))


def _flag(v: str | None) -> bool:
    return (v or "").strip() in ("1", "true", "yes", "y")


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    header: list[str] | None = None
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.split("\t")]
            if header is None:
                header = cells
                missing = [c for c in required if c not in header]
                if missing:
                    raise GazetteerError(path, lineno, f"header lacks column(s) {', '.join(missing)}")
                continue
            if len(cells) > len(header):
                raise GazetteerError(path, lineno, f"{len(cells)} cells for {len(header)} columns")
            row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
            for col in required:
                if not row[col]:
                    raise GazetteerError(path, lineno, f"empty {col}")
            yield lineno, row
    if header is None:
        raise GazetteerError(path, 1, "no header row")


_lock = threading.Lock()
_default: Gazetteer | None = None


def get_gazetteer() -> Gazetteer:
    """The gazetteer of the package's own data, loaded once."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Gazetteer.load()
    return _default
