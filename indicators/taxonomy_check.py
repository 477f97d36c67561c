"""Checking one taxonomy file before it is merged: every key known, every value of the right type,
every cue defined; a refusal names the file, the (approximate) line and the reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .taxonomy_model import BUILTIN_CUES, GEO_ADD_KEYS, GROUP_KEYS, KINDS, TaxonomyError

_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")

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
_COUNTRY_KINDS = ("name", "demonym", "capital", "place")


class Validator:
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
            if k in GROUP_KEYS:
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
            self._langmap(kp, {k: v for k, v in a.items() if k not in GEO_ADD_KEYS})
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
