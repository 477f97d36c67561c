"""Regions, countries, organisations and memberships, and the data file loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from indicators import (
    REGIONS,
    countries_in_region,
    country_name,
    memberships,
    organisation_name,
    region_of,
)
from indicators.gazetteer import Gazetteer, GazetteerError, get_gazetteer


@pytest.mark.parametrize(
    ("iso3", "region"),
    [
        ("SDN", "africa"),
        ("MRT", "africa"),
        ("SOM", "africa"),
        ("DJI", "africa"),
        ("COM", "africa"),
        ("EGY", "middle-east-north-africa"),
        ("LBY", "middle-east-north-africa"),
        ("MAR", "middle-east-north-africa"),
        ("ESH", "middle-east-north-africa"),
        ("IRN", "middle-east-north-africa"),
        ("ISR", "middle-east-north-africa"),
        ("PSE", "middle-east-north-africa"),
        ("SAU", "middle-east-north-africa"),
        ("TUR", "europe-central-asia"),
        ("CYP", "europe-central-asia"),
        ("GEO", "europe-central-asia"),
        ("KAZ", "europe-central-asia"),
        ("AFG", "asia-pacific"),
        ("PAK", "asia-pacific"),
        ("XKX", "europe-central-asia"),
        ("BRA", "americas"),
    ],
)
def test_region_table_edges(iso3: str, region: str) -> None:
    assert region_of(iso3) == region


def test_api_functions() -> None:
    assert region_of("XXX") is None
    assert country_name("COD") and country_name("XXX") == "XXX"
    for slug in REGIONS:
        members = countries_in_region(slug)
        assert members == sorted(members) and len(members) > 10
    assert "NGA" in countries_in_region("africa")
    assert organisation_name("AU") != "AU"
    assert organisation_name("NOPE") == "NOPE"
    assert "AU" in memberships("NGA")
    assert memberships("XXX") == []


def test_every_country_has_a_region() -> None:
    g = get_gazetteer()
    assert all(r["region"] in REGIONS for r in g.countries.values())
    assert {"PSE", "XKX"} <= set(g.countries)


def _write(d: Path, name: str, text: str) -> None:
    (d / name).write_text(text, encoding="utf-8")


def test_loader_with_fixture(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "countries.tsv",
        "# test\niso3\tiso2\tm49_code\tm49_subregion\tregion\tname\n"
        "AAA\tAA\t001\tX\tafrica\tAland\nBBB\tBB\t002\tY\tamericas\tBeeland\n",
    )
    _write(
        tmp_path,
        "country_names.tsv",
        "iso3\tlang\tkind\ttext\tcontext\nAAA\ten\tname\tAland\t0\nBBB\ten\tname\tBee\t1\n",
    )
    _write(tmp_path, "leaders.tsv", "iso3\tname\trole\tstart\tend\nAAA\tAl Leader\tpresident\t2020-01-01\t\n")
    _write(tmp_path, "organisations_meta.tsv", "id\tname\tkind\tseat_note\nORG\tThe Org\tregional\t\n")
    _write(tmp_path, "organisations.tsv", "id\tlang\tkind\ttext\tcontext\nORG\ten\tacronym\tORG\t0\n")
    _write(tmp_path, "memberships.tsv", "org\tiso3\nORG\tAAA\n")
    g = Gazetteer.load(tmp_path)
    assert g.region_of("aaa") == "africa"
    assert g.memberships("AAA") == ["ORG"]
    assert g.leaders[0].end is None
    assert [n.ambiguous for n in g.names] == [False, True]
    assert g.organisation_name("ORG") == "The Org"


@pytest.mark.parametrize(
    ("countries", "reason"),
    [
        ("iso3\tname\nAAA\tAland\n", "header lacks column(s) region"),
        ("iso3\tregion\tname\nAAA\tmars\tAland\n", "unknown region 'mars'"),
        ("iso3\tregion\tname\nAAA\tafrica\tAland\textra\n", "3 columns"),
        ("iso3\tregion\tname\n\tafrica\tAland\n", "empty iso3"),
    ],
)
def test_loader_refuses_bad_rows(tmp_path: Path, countries: str, reason: str) -> None:
    _write(tmp_path, "countries.tsv", countries)
    with pytest.raises(GazetteerError) as ei:
        Gazetteer.load(tmp_path)
    assert reason in ei.value.reason
    assert ei.value.line >= 1
