"""The taxonomy file: built-in contents, user extensions, refused files (file, line, reason)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indicators import INDICATOR_IDS, TaxonomyError, load_tagger
from indicators.taxonomy import BUILTIN_TAXONOMY, expand_braces, load_taxonomy


def test_builtin_taxonomy() -> None:
    tax = load_taxonomy()
    assert (
        tax.ids
        == INDICATOR_IDS
        == (
            "incitement",
            "membership",
            "peacekeeping",
            "sanctions",
            "icc",
            "genocide",
            "war_crimes",
            "ethnic_cleansing",
            "crimes_against_humanity",
        )
    )
    assert tax.version
    colours = set()
    for ind in tax.indicators:
        assert ind.name and ind.description and ind.report_wording
        assert re.fullmatch(r"#[0-9a-f]{6}", ind.colour)
        colours.add(ind.colour)
        assert ind.kind in ("pillar3", "crime")
        assert ind.threshold > 0
        assert set(ind.terms) >= {"en", "fr", "es", "pt", "ar"}, ind.id
        for lang, terms in ind.terms.items():
            assert all(isinstance(w, float) for w in terms.values()), (ind.id, lang)
    assert len(colours) == len(INDICATOR_IDS)  # one fixed colour each


def test_report_wording_quotes_the_seed_report() -> None:
    seed = Path(__file__).resolve().parents[2] / "shared" / "seed"
    files = sorted(seed.glob("*.txt")) if seed.exists() else []
    if not files:
        pytest.skip("seed report not available")
    text = re.sub(r"\s+", " ", files[0].read_text(encoding="utf-8").replace("**", ""))
    for ind in load_taxonomy().indicators:
        first_sentence = ind.report_wording.split(". ")[0]
        assert first_sentence in text, ind.id


def test_expand_braces() -> None:
    assert expand_braces("sanction{,s,ed}") == ["sanction", "sanctions", "sanctioned"]
    assert expand_braces("{a,b} {c,d}") == ["a c", "a d", "b c", "b d"]
    assert expand_braces("plain") == ["plain"]


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_user_file_adds_an_indicator_and_terms(tmp_path: Path) -> None:
    extra = write(
        tmp_path,
        """
version = "local-1"

[cues.military]
en = ["army", "soldiers", "junta"]

[indicators.coup]
name = "Coups d'état"
kind = "pillar3"
colour = "#123456"
description = "Unconstitutional seizures of power."

[[indicators.coup.terms]]
weight = 1.0
en = ["coup", "coup d'état", "seize{,s,d} power"]
fr = ["coup d'État", "putsch"]

[[indicators.coup.terms]]
weight = 1.0
near = ["military"]
window = 5
en = ["took power"]

[[indicators.sanctions.terms]]
weight = 1.0
en = ["punitive measures"]
""",
    )
    tagger = load_tagger([extra])
    assert tagger.version.endswith("+local-1")
    assert tagger.taxonomy.ids[-1] == "coup"
    assert tagger.taxonomy.indicator("coup").colour == "#123456"
    r = tagger.tag("Soldiers seize power in Gabon")
    assert [t.id for t in r.indicators] == ["coup"]
    assert r.flagged
    assert "coup" in [t.id for t in tagger.tag("The junta took power in July").indicators]
    assert "coup" not in [t.id for t in tagger.tag("The party took power in July").indicators]
    assert "sanctions" in [t.id for t in tagger.tag("EU weighs punitive measures against Belarus").indicators]
    # the built-in terms are still there
    assert "sanctions" in [t.id for t in tagger.tag("EU sanctions on Belarus").indicators]


def test_user_file_can_remove_and_replace(tmp_path: Path) -> None:
    extra = write(
        tmp_path,
        """
[indicators.sanctions]
remove = { en = ["embargo"] }
threshold = 2.0
""",
    )
    tagger = load_tagger([extra])
    assert tagger.taxonomy.indicator("sanctions").threshold == 2.0
    assert "embargo" not in tagger.taxonomy.indicator("sanctions").terms["en"]
    assert not tagger.tag("Oil embargo on Russia").indicators
    # in the title 1.5, a repeat 0.75: 2.25 reaches the new threshold
    assert [t.id for t in tagger.tag("Sanctions on Russia, and more sanctions").indicators] == ["sanctions"]
    assert not tagger.tag("x", "Sanctions on Russia").indicators  # 1.0 < 2.0


def test_kind_other_does_not_flag(tmp_path: Path) -> None:
    extra = write(
        tmp_path,
        """
[indicators.elections]
name = "Elections"
kind = "other"
[[indicators.elections.terms]]
weight = 1.0
en = ["election"]
""",
    )
    r = load_tagger([extra]).tag("Election day in Kenya")
    assert [t.id for t in r.indicators] == ["elections"]
    assert not r.flagged


BAD_FILES = [
    ("syntax", 'version = "x"\n[indicators.sanctions\nname = "S"\n', 2, "TOML syntax"),
    ("unknown top key", 'version = "x"\n\nindicatorz = 1\n', 3, "unknown key 'indicatorz'"),
    (
        "bad colour",
        '[indicators.sanctions]\nname = "S"\n\ncolour = "red"\n',
        4,
        "colour must be like",
    ),
    (
        "weight not a number",
        '[indicators.sanctions]\n[[indicators.sanctions.terms]]\nen = ["x"]\nweight = "heavy"\n',
        4,
        "weight must be a number",
    ),
    (
        "group without weight",
        '[[indicators.sanctions.terms]]\nen = ["x"]\n',
        1,
        "term group without weight",
    ),
    (
        "unknown cue",
        '# comment\n[[indicators.sanctions.terms]]\nweight = 1\nen = ["x"]\nnear = ["nowhere"]\n',
        5,
        "unknown cue 'nowhere'",
    ),
    (
        "new indicator without terms",
        'version = "2"\n[indicators.coup]\nname = "Coup"\n',
        2,
        "needs terms",
    ),
    (
        "bad language",
        '[[indicators.icc.terms]]\nweight = 1\nEnglish = ["x"]\n',
        3,
        "unknown key 'English'",
    ),
    (
        "phrase not a string",
        '[[indicators.icc.terms]]\nweight = 1\nen = ["x", 3]\n',
        3,
        "must be a non-empty string",
    ),
    ("bad setting", "[settings]\nthreshold = -1\n", 2, "threshold must be a non-negative number"),
    ("bad iso3", '[geo.veto.georgia]\nen = ["atlanta"]\n', 1, "bad ISO3"),
]


@pytest.mark.parametrize(("name", "text", "line", "reason"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_refused(tmp_path: Path, name: str, text: str, line: int, reason: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(TaxonomyError) as ei:
        load_taxonomy([p])
    err = ei.value
    assert err.file == p
    assert err.line == line, (err.line, err.reason)
    assert reason in err.reason
    assert str(p) in str(err) and f":{line}:" in str(err)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError) as ei:
        load_taxonomy([tmp_path / "nope.toml"])
    assert ei.value.reason == "file not found"
    p = tmp_path / "latin1.toml"
    p.write_bytes(b'version = "x"\n# caf\xe9\n')
    with pytest.raises(TaxonomyError) as ei:
        load_taxonomy([p])
    assert ei.value.line == 2 and ei.value.reason == "not UTF-8"


def test_builtin_file_is_documented() -> None:
    head = BUILTIN_TAXONOMY.read_text(encoding="utf-8")[:3000]
    for word in ("near", "unless", "negatable", "stage", "weight", "threshold", "replace", "remove"):
        assert word in head
