"""Turning the checked, merged files into a :class:`Taxonomy`: later files' phrases append to earlier
ones (or replace an indicator), braces expand, removed phrases go, defaults fill the gaps."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .taxonomy_model import (
    GEO_ADD_KEYS,
    GROUP_KEYS,
    GeoAdd,
    GeoRules,
    Indicator,
    Settings,
    Taxonomy,
    TermGroup,
)

_DEFAULTS = Settings()
_GEO_DEFAULTS = GeoRules()

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


def merge(base: dict[str, Any], raw: dict[str, Any]) -> None:
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


def build(m: dict[str, Any], version: str, sources: tuple[Path, ...]) -> Taxonomy:
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
            terms = _expand_langmap({k: v for k, v in g.items() if k not in GROUP_KEYS}, removed)
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
                    forms=_expand_langmap({k: v for k, v in a.items() if k not in GEO_ADD_KEYS}),
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
