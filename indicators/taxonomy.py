"""The taxonomy: indicators, their terms per language with weights, context rules, stages, cues.

The built-in taxonomy is ``indicators/taxonomy.toml``; users merge files of their own over it (same
format, see the comments at the top of the built-in file). A bad file raises :class:`TaxonomyError`
with the file, the line and the reason.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

#: cue names provided by the gazetteer rather than by phrase lists
BUILTIN_CUES = frozenset({"country", "organisation", "leader"})
KINDS = ("pillar3", "crime", "other")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


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


_DEFAULTS = Settings()
_GEO_DEFAULTS = GeoRules()

# ------------------------------------------------------------------------------------------------
# brace expansion: "sanction{,s,ed}" -> sanction, sanctions, sanctioned

_BRACE = re.compile(r"\{([^{}]*)\}")


def expand_braces(phrase: str) -> list[str]:
    parts = _BRACE.split(phrase)
    if len(parts) == 1:
        return [phrase]
    choices: list[list[str]] = []
    for i, p in enumerate(parts):
        choices.append(p.split(",") if i % 2 else [p])
    return ["".join(c) for c in itertools.product(*choices)]


# ------------------------------------------------------------------------------------------------
# loading


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
        v = _Validator(path, text, known_cues, set(merged.get("indicators", {})))
        v.check(raw, is_base=not sources)
        _merge(merged, raw)
        known_cues |= set(raw.get("cues", {}))
        versions.append(str(raw.get("version") or path.stem))
        sources.append(path)
    if not sources:
        raise TaxonomyError("<none>", 0, "no taxonomy file")
    return _build(merged, "+".join(versions), tuple(sources))


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


_TOP_KEYS = {"version", "settings", "negation", "cues", "indicators", "geo"}
_SETTINGS_KEYS = {
    "threshold": float,
    "title_factor": float,
    "negation_window": int,
    "negation_factor": float,
    "context_window": int,
    "stage_window": int,
    "repeat_factor": float,
    "flag_kinds": list,
}
_IND_KEYS = {
    "name",
    "report_wording",
    "description",
    "colour",
    "kind",
    "threshold",
    "terms",
    "stages",
    "stage_window",
    "replace",
    "remove",
}
_GROUP_KEYS = {"weight", "near", "window", "unless", "unless_window", "negatable", "stage", "label"}
_GEO_KEYS = {
    "support_window",
    "support",
    "veto",
    "org_unless",
    "add",
    "drop",
    "block",
    "ethnic_prefix",
    "ethnic_suffix",
}
_GEO_ADD_KEYS = {"iso3", "kind", "ambiguous"}
_COUNTRY_KINDS = ("name", "demonym", "capital", "place")


class _Validator:
    def __init__(self, path: Path, text: str, known_cues: set[str], existing: set[str]) -> None:
        self.path = path
        self.locator = _Locator(text)
        self.known_cues = known_cues
        self.existing = existing

    def fail(self, keypath: Sequence[str | int], reason: str) -> None:
        raise TaxonomyError(self.path, self.locator.line_of(keypath), reason)

    def check(self, raw: dict[str, Any], *, is_base: bool) -> None:
        for k in raw:
            if k not in _TOP_KEYS:
                self.fail([k], f"unknown key {k!r} (expected one of {', '.join(sorted(_TOP_KEYS))})")
        if "version" in raw and not isinstance(raw["version"], str | int | float):
            self.fail(["version"], "version must be a string")
        if is_base and "version" not in raw:
            self.fail([], "the base taxonomy needs a version")
        self._settings(raw.get("settings", {}))
        self._langmap(["negation"], raw.get("negation", {}))
        cues = raw.get("cues", {})
        if not isinstance(cues, dict):
            self.fail(["cues"], "cues must be a table")
        self.known_cues = self.known_cues | set(cues)
        for name, langs in cues.items():
            if not _ID_RE.match(name) or name in BUILTIN_CUES:
                self.fail(["cues", name], f"bad cue name {name!r}")
            self._langmap(["cues", name], langs)
        inds = raw.get("indicators", {})
        if not isinstance(inds, dict):
            self.fail(["indicators"], "indicators must be a table of tables")
        for ind_id, ind in inds.items():
            self._indicator(ind_id, ind)
        self._geo(raw.get("geo", {}))

    def _settings(self, s: Any) -> None:
        if not isinstance(s, dict):
            self.fail(["settings"], "settings must be a table")
        for k, v in s.items():
            typ = _SETTINGS_KEYS.get(k)
            if typ is None:
                self.fail(["settings", k], f"unknown setting {k!r}")
            elif typ is float:
                if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                    self.fail(["settings", k], f"{k} must be a non-negative number")
            elif typ is int:
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    self.fail(["settings", k], f"{k} must be a non-negative integer")
            elif not isinstance(v, list) or not all(x in KINDS for x in v):
                self.fail(["settings", k], f"{k} must be a list of {', '.join(KINDS)}")

    def _langmap(self, kp: list[str | int], d: Any) -> None:
        if not isinstance(d, dict):
            self.fail(kp, "expected a table of language = [phrases]")
        for lang, phrases in d.items():
            if not _LANG_RE.match(lang) and lang != "any":
                self.fail([*kp, lang], f"bad language code {lang!r}")
            self._phrases([*kp, lang], phrases)

    def _phrases(self, kp: list[str | int], phrases: Any) -> None:
        if not isinstance(phrases, list):
            self.fail(kp, "expected a list of phrases")
        for p in phrases:
            if not isinstance(p, str) or not p.strip():
                self.fail(kp, f"phrase {p!r} must be a non-empty string")
            if p.count("{") != p.count("}"):
                self.fail(kp, f"unbalanced braces in {p!r}")

    def _indicator(self, ind_id: str, ind: Any) -> None:
        kp: list[str | int] = ["indicators", ind_id]
        if not _ID_RE.match(ind_id):
            self.fail(kp, f"bad indicator id {ind_id!r} (lower case letters, digits, _)")
        if not isinstance(ind, dict):
            self.fail(kp, "an indicator must be a table")
        for k in ind:
            if k not in _IND_KEYS:
                self.fail([*kp, k], f"unknown key {k!r} in indicator {ind_id!r}")
        for k in ("name", "report_wording", "description"):
            if k in ind and not isinstance(ind[k], str):
                self.fail([*kp, k], f"{k} must be a string")
        if "colour" in ind and not (isinstance(ind["colour"], str) and _COLOUR_RE.match(ind["colour"])):
            self.fail([*kp, "colour"], f"colour must be like '#1f77b4', not {ind['colour']!r}")
        if "kind" in ind and ind["kind"] not in KINDS:
            self.fail([*kp, "kind"], f"kind must be one of {', '.join(KINDS)}")
        for k in ("threshold",):
            v = ind.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v <= 0):
                self.fail([*kp, k], f"{k} must be a positive number")
        v = ind.get("stage_window")
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            self.fail([*kp, "stage_window"], "stage_window must be a non-negative integer")
        if "replace" in ind and not isinstance(ind["replace"], bool):
            self.fail([*kp, "replace"], "replace must be true or false")
        if "remove" in ind:
            self._langmap([*kp, "remove"], ind["remove"])
        new = ind_id not in self.existing or ind.get("replace")
        if new and "name" not in ind:
            self.fail(kp, f"new indicator {ind_id!r} needs a name")
        if new and not ind.get("terms"):
            self.fail(kp, f"new indicator {ind_id!r} needs terms ([[indicators.{ind_id}.terms]])")
        groups = ind.get("terms", [])
        if not isinstance(groups, list):
            self.fail([*kp, "terms"], "terms must be an array of tables ([[indicators.ID.terms]])")
        for i, g in enumerate(groups):
            self._group([*kp, "terms", i], g)
        stages = ind.get("stages", {})
        if not isinstance(stages, dict):
            self.fail([*kp, "stages"], "stages must be a table of stage = {lang = [phrases]}")
        for st, langs in stages.items():
            if not _ID_RE.match(st):
                self.fail([*kp, "stages", st], f"bad stage name {st!r}")
            self._langmap([*kp, "stages", st], langs)

    def _group(self, kp: list[str | int], g: Any) -> None:
        if not isinstance(g, dict):
            self.fail(kp, "a term group must be a table")
        if "weight" not in g:
            self.fail(kp, "term group without weight")
        has_terms = False
        for k, v in g.items():
            if k in _GROUP_KEYS:
                continue
            if _LANG_RE.match(k) or k == "any":
                self._phrases([*kp, k], v)
                has_terms = True
            else:
                self.fail([*kp, k], f"unknown key {k!r} in term group")
        if not has_terms:
            self.fail(kp, "term group without phrases (give en = [...], fr = [...], ...)")
        w = g["weight"]
        if isinstance(w, bool) or not isinstance(w, int | float):
            self.fail([*kp, "weight"], "weight must be a number")
        for k in ("window", "unless_window"):
            v = g.get(k, 0)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                self.fail([*kp, k], f"{k} must be a non-negative integer")
        for k in ("near", "unless"):
            v = g.get(k, [])
            if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
                self.fail([*kp, k], f"{k} must be a list of cue names")
            for x in v:
                for c in x.split("|"):
                    if c not in self.known_cues:
                        self.fail([*kp, k], f"unknown cue {c!r} in {k} (define it under [cues.{c}])")
        if "negatable" in g and not isinstance(g["negatable"], bool):
            self.fail([*kp, "negatable"], "negatable must be true or false")
        for k in ("stage", "label"):
            if k in g and not isinstance(g[k], str):
                self.fail([*kp, k], f"{k} must be a string")

    def _geo(self, geo: Any) -> None:
        if not isinstance(geo, dict):
            self.fail(["geo"], "geo must be a table")
        for k in geo:
            if k not in _GEO_KEYS:
                self.fail(["geo", k], f"unknown key {k!r} in geo")
        v = geo.get("support_window", 0)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            self.fail(["geo", "support_window"], "support_window must be a non-negative integer")
        self._langmap(["geo", "support"], geo.get("support", {}))
        veto = geo.get("veto", {})
        if not isinstance(veto, dict):
            self.fail(["geo", "veto"], "veto must be a table of ISO3 = {lang = [phrases]}")
        for iso3, langs in veto.items():
            if not re.match(r"^[A-Z]{3}$", iso3):
                self.fail(["geo", "veto", iso3], f"bad ISO3 code {iso3!r}")
            self._langmap(["geo", "veto", iso3], langs)
        for i, a in enumerate(geo.get("add", [])):
            kp: list[str | int] = ["geo", "add", i]
            if not isinstance(a, dict):
                self.fail(kp, "geo.add entries must be tables ([[geo.add]])")
            if not isinstance(a.get("iso3"), str) or not re.match(r"^[A-Z]{3}$", a["iso3"]):
                self.fail([*kp, "iso3"], 'geo.add needs iso3 = "ABC"')
            if a.get("kind", "name") not in _COUNTRY_KINDS:
                self.fail([*kp, "kind"], f"kind must be one of {', '.join(_COUNTRY_KINDS)}")
            if not isinstance(a.get("ambiguous", False), bool):
                self.fail([*kp, "ambiguous"], "ambiguous must be true or false")
            self._langmap(kp, {k: v for k, v in a.items() if k not in _GEO_ADD_KEYS})
        drop = geo.get("drop", {})
        if not isinstance(drop, dict):
            self.fail(["geo", "drop"], "drop must be a table of ISO3 = [forms]")
        for iso3, forms in drop.items():
            if not re.match(r"^[A-Z]{3}$", iso3):
                self.fail(["geo", "drop", iso3], f"bad ISO3 code {iso3!r}")
            self._phrases(["geo", "drop", iso3], forms)
        self._langmap(["geo", "block"], geo.get("block", {}))
        self._langmap(["geo", "ethnic_prefix"], geo.get("ethnic_prefix", {}))
        self._langmap(["geo", "ethnic_suffix"], geo.get("ethnic_suffix", {}))
        ou = geo.get("org_unless", {})
        if not isinstance(ou, dict):
            self.fail(["geo", "org_unless"], "org_unless must be a table of ORG = [cue names]")
        for org, cues in ou.items():
            if not isinstance(cues, list) or not all(isinstance(c, str) for c in cues):
                self.fail(["geo", "org_unless", org], "expected a list of cue names")
            for c in cues:
                if c not in self.known_cues:
                    self.fail(["geo", "org_unless", org], f"unknown cue {c!r}")


class _Locator:
    """Finds the (approximate) line of a key path in TOML source, for error messages."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    @staticmethod
    def _split(dotted: str) -> list[str]:
        return [p.strip().strip("\"'") for p in dotted.split(".")]

    def line_of(self, keypath: Sequence[str | int]) -> int:
        target = [str(k) for k in keypath]
        if not target:
            return 1
        best, best_line = -1, 0
        table: list[str] = []
        counters: dict[tuple[str, ...], int] = {}
        for n, line in enumerate(self.lines, 1):
            m = self._HEADER.match(line)
            if m:
                parts = self._split(m.group(2))
                if m.group(1) == "[[":
                    key = tuple(parts)
                    counters[key] = counters.get(key, -1) + 1
                    table = [*parts, str(counters[key])]
                else:
                    table = parts
                path = table
            else:
                k = self._KEY.match(line)
                if not k:
                    continue
                path = table + self._split(k.group(1))
            score = 0
            for a, b in zip(path, target, strict=False):
                if a != b:
                    break
                score += 1
            if score > best:
                best, best_line = score, n
                if score >= len(target):
                    break
        return best_line or 1


def _merge(base: dict[str, Any], raw: dict[str, Any]) -> None:
    """Merge one file's raw dict into ``base`` (lists of phrases append; indicator groups append)."""
    if "version" in raw:
        base["version"] = raw["version"]
    base.setdefault("settings", {}).update(raw.get("settings", {}))
    _merge_langmap(base.setdefault("negation", {}), raw.get("negation", {}))
    cues = base.setdefault("cues", {})
    for name, langs in raw.get("cues", {}).items():
        _merge_langmap(cues.setdefault(name, {}), langs)
    inds = base.setdefault("indicators", {})
    for ind_id, ind in raw.get("indicators", {}).items():
        if ind.get("replace") or ind_id not in inds:
            inds[ind_id] = {k: v for k, v in ind.items() if k != "replace"}
            inds[ind_id]["terms"] = list(ind.get("terms", []))
            continue
        cur = inds[ind_id]
        for k, v in ind.items():
            if k == "terms":
                cur["terms"] = list(cur.get("terms", [])) + list(v)
            elif k == "stages":
                st = cur.setdefault("stages", {})
                for s, langs in v.items():
                    _merge_langmap(st.setdefault(s, {}), langs)
            elif k == "remove":
                _merge_langmap(cur.setdefault("remove", {}), v)
            else:
                cur[k] = v
    geo = base.setdefault("geo", {})
    gr = raw.get("geo", {})
    if "support_window" in gr:
        geo["support_window"] = gr["support_window"]
    _merge_langmap(geo.setdefault("support", {}), gr.get("support", {}))
    veto = geo.setdefault("veto", {})
    for iso3, langs in gr.get("veto", {}).items():
        _merge_langmap(veto.setdefault(iso3, {}), langs)
    ou = geo.setdefault("org_unless", {})
    for org, cues_ in gr.get("org_unless", {}).items():
        ou[org] = list(ou.get(org, [])) + list(cues_)
    geo["add"] = list(geo.get("add", [])) + list(gr.get("add", []))
    drop = geo.setdefault("drop", {})
    for iso3, forms in gr.get("drop", {}).items():
        drop[iso3] = list(drop.get(iso3, [])) + list(forms)
    _merge_langmap(geo.setdefault("block", {}), gr.get("block", {}))
    _merge_langmap(geo.setdefault("ethnic_prefix", {}), gr.get("ethnic_prefix", {}))
    _merge_langmap(geo.setdefault("ethnic_suffix", {}), gr.get("ethnic_suffix", {}))


def _merge_langmap(into: dict[str, list[str]], new: Mapping[str, Iterable[str]]) -> None:
    for lang, phrases in new.items():
        into[lang] = list(into.get(lang, [])) + list(phrases)


def _expand_langmap(
    d: Mapping[str, Iterable[str]], removed: Mapping[str, set[str]] | None = None
) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for lang, phrases in d.items():
        seen: dict[str, None] = {}
        gone = removed.get(lang, set()) if removed else set()
        for p in phrases:
            for e in expand_braces(p.strip()):
                if e and e not in gone:
                    seen[e] = None
        out[lang] = tuple(seen)
    return out


_DEFAULT_COLOURS = ("#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78")


def _build(m: dict[str, Any], version: str, sources: tuple[Path, ...]) -> Taxonomy:
    s = m.get("settings", {})
    settings = Settings(
        threshold=float(s.get("threshold", _DEFAULTS.threshold)),
        title_factor=float(s.get("title_factor", _DEFAULTS.title_factor)),
        negation_window=int(s.get("negation_window", _DEFAULTS.negation_window)),
        negation_factor=float(s.get("negation_factor", _DEFAULTS.negation_factor)),
        context_window=int(s.get("context_window", _DEFAULTS.context_window)),
        stage_window=int(s.get("stage_window", _DEFAULTS.stage_window)),
        repeat_factor=float(s.get("repeat_factor", _DEFAULTS.repeat_factor)),
        flag_kinds=tuple(s.get("flag_kinds", _DEFAULTS.flag_kinds)),
    )
    indicators: list[Indicator] = []
    for n, (ind_id, ind) in enumerate(m.get("indicators", {}).items()):
        removed = {
            lang: {e for p in ps for e in expand_braces(p)} for lang, ps in ind.get("remove", {}).items()
        }
        groups: list[TermGroup] = []
        for i, g in enumerate(ind.get("terms", [])):
            terms = _expand_langmap({k: v for k, v in g.items() if k not in _GROUP_KEYS}, removed)
            groups.append(
                TermGroup(
                    weight=float(g["weight"]),
                    terms=terms,
                    near=tuple(tuple(x.split("|")) for x in g.get("near", [])),
                    window=int(g.get("window", settings.context_window if g.get("near") else 0)),
                    unless=tuple(g.get("unless", [])),
                    unless_window=int(g.get("unless_window", 0)),
                    negatable=bool(g.get("negatable", True)),
                    stage=g.get("stage"),
                    label=str(g.get("label", f"group{i + 1}")),
                )
            )
        indicators.append(
            Indicator(
                id=ind_id,
                name=str(ind.get("name", ind_id)),
                report_wording=str(ind.get("report_wording", "")),
                description=str(ind.get("description", "")),
                colour=str(ind.get("colour", _DEFAULT_COLOURS[n % len(_DEFAULT_COLOURS)])),
                kind=str(ind.get("kind", "other")),
                threshold=float(ind.get("threshold", settings.threshold)),
                groups=tuple(groups),
                stages={st: _expand_langmap(langs) for st, langs in ind.get("stages", {}).items()},
                stage_window=int(ind.get("stage_window", settings.stage_window)),
            )
        )
    geo = m.get("geo", {})
    return Taxonomy(
        version=version,
        indicators=tuple(indicators),
        cues={name: _expand_langmap(langs) for name, langs in m.get("cues", {}).items()},
        negation=_expand_langmap(m.get("negation", {})),
        settings=settings,
        geo=GeoRules(
            support_window=int(geo.get("support_window", _GEO_DEFAULTS.support_window)),
            support=_expand_langmap(geo.get("support", {})),
            veto={iso3: _expand_langmap(langs) for iso3, langs in geo.get("veto", {}).items()},
            org_unless={org: tuple(c) for org, c in geo.get("org_unless", {}).items()},
            add=tuple(
                GeoAdd(
                    iso3=a["iso3"],
                    kind=a.get("kind", "name"),
                    ambiguous=bool(a.get("ambiguous", False)),
                    forms=_expand_langmap({k: v for k, v in a.items() if k not in _GEO_ADD_KEYS}),
                )
                for a in geo.get("add", [])
            ),
            drop={
                iso3: tuple(e for f in forms for e in expand_braces(f))
                for iso3, forms in geo.get("drop", {}).items()
            },
            block=_expand_langmap(geo.get("block", {})),
            ethnic_prefix=_expand_langmap(geo.get("ethnic_prefix", {})),
            ethnic_suffix=_expand_langmap(geo.get("ethnic_suffix", {})),
        ),
        sources=sources,
    )
