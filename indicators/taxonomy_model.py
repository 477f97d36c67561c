"""The taxonomy's values: indicators, their term groups, the tagger's settings, the geotagger's rules,
and the error a refused file raises. Loading is ``indicators.taxonomy``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: cue names provided by the gazetteer rather than by phrase lists
BUILTIN_CUES = frozenset({"country", "organisation", "leader"})
KINDS = ("pillar3", "crime", "other")
#: the keys of a term group (``[[indicators.ID.terms]]``) and of a ``[[geo.add]]`` entry that are not
#: language codes
GROUP_KEYS = {"weight", "near", "window", "unless", "unless_window", "negatable", "stage", "label"}
GEO_ADD_KEYS = {"iso3", "kind", "ambiguous"}


class TaxonomyError(ValueError):
    """A taxonomy file was refused. ``file``, ``line`` (1-based, 0 if unknown) and ``reason``."""

    def __init__(self, file: Path | str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file = Path(file)
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TermGroup:
    """Phrases sharing a weight and context rules.

    ``near``: every entry must be satisfied by a cue within ``window`` tokens (0: anywhere in the
    item); an entry is one or more cue names separated by ``|`` (any of them).
    ``unless``: the match is dropped when any of these cues is within ``unless_window`` tokens
    (0: anywhere in the item).
    """

    weight: float
    terms: Mapping[str, tuple[str, ...]]  # lang -> phrases (braces expanded)
    near: tuple[tuple[str, ...], ...] = ()
    window: int = 0
    unless: tuple[str, ...] = ()
    unless_window: int = 0
    negatable: bool = True
    stage: str | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name: str
    report_wording: str
    description: str
    colour: str
    kind: str  # pillar3 | crime | other
    threshold: float
    groups: tuple[TermGroup, ...]
    stages: Mapping[str, Mapping[str, tuple[str, ...]]]  # stage -> lang -> phrases
    stage_window: int

    @property
    def terms(self) -> dict[str, dict[str, float]]:
        """lang -> phrase -> weight (the highest weight when a phrase is in several groups)."""
        out: dict[str, dict[str, float]] = {}
        for g in self.groups:
            for lang, phrases in g.terms.items():
                d = out.setdefault(lang, {})
                for p in phrases:
                    d[p] = max(d.get(p, g.weight), g.weight)
        return out


@dataclass(frozen=True, slots=True)
class Settings:
    threshold: float = 1.0
    title_factor: float = 1.5
    negation_window: int = 3
    negation_factor: float = 0.0
    context_window: int = 10
    stage_window: int = 8
    repeat_factor: float = 0.5
    flag_kinds: tuple[str, ...] = ("pillar3", "crime")


@dataclass(frozen=True, slots=True)
class GeoAdd:
    iso3: str
    kind: str
    ambiguous: bool
    forms: Mapping[str, tuple[str, ...]]  # lang -> forms


@dataclass(frozen=True, slots=True)
class GeoRules:
    support_window: int = 6
    support: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> cue phrases
    veto: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)  # iso3 -> lang -> phrases
    org_unless: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # org id -> cue names
    add: tuple[GeoAdd, ...] = ()  # extra gazetteer forms
    drop: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # iso3 -> forms to ignore
    block: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> phrases naming no country
    ethnic_prefix: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> "ethnic" words
    ethnic_suffix: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # lang -> "de souche", "étnicos"


@dataclass(frozen=True, slots=True)
class Taxonomy:
    version: str
    indicators: tuple[Indicator, ...]
    cues: Mapping[str, Mapping[str, tuple[str, ...]]]
    negation: Mapping[str, tuple[str, ...]]
    settings: Settings
    geo: GeoRules
    sources: tuple[Path, ...]

    def indicator(self, ind_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == ind_id:
                return ind
        raise KeyError(ind_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicators)
