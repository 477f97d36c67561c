"""Regression guard on the labelled development set (held-out ``test`` half).

Skips when the shared corpus is absent. The floors sit a little below the figures measured when the
rules were last tuned (on the ``tune`` half only): see ``benchmarks/tagging_quality.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from indicators import INDICATOR_IDS
from indicators.engine import default_tagger
from indicators.evaluation import CORPUS, LABELS, Report, evaluate, load_devset

pytestmark = pytest.mark.skipif(
    not CORPUS.exists() or not LABELS.exists(), reason="shared corpus or devset labels not available"
)

MICRO_F1_FLOOR = 0.90
INDICATOR_F1_FLOOR = 0.75
COUNTRY_F1_FLOOR = 0.95


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    return load_devset()


@pytest.fixture(scope="module")
def test_report(items: list[dict[str, Any]]) -> Report:
    return evaluate(items, default_tagger(), "test")


def test_devset_is_complete(items: list[dict[str, Any]]) -> None:
    assert len(items) >= 400
    assert {i["split"] for i in items} == {"tune", "test"}


def test_held_out_micro_f1(test_report: Report) -> None:
    assert test_report.micro.f1 >= MICRO_F1_FLOOR


@pytest.mark.parametrize("indicator", INDICATOR_IDS)
def test_held_out_indicator_f1(test_report: Report, indicator: str) -> None:
    assert test_report.indicators[indicator].f1 >= INDICATOR_F1_FLOOR


def test_held_out_countries_f1(test_report: Report) -> None:
    assert test_report.countries.f1 >= COUNTRY_F1_FLOOR
