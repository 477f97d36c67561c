"""Typed values for an item's tags, shared by the write side (store) and the read side (queries)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Evidence = Mapping[str, Any]  # {kind, id, field, text, start, end, weight, rule}


@dataclass(frozen=True, slots=True)
class IndicatorValues:
    id: str
    score: float
    stage: str | None
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class CountryValues:
    iso3: str
    region: str | None
    method: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class OrganisationValues:
    id: str
    evidence: tuple[Evidence, ...]
