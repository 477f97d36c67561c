"""One language guess for ingestion and the tagger: the same text gets the same language from both."""

from __future__ import annotations

import pytest

from indicators.engine import Tagger, load_tagger
from indicators.language import guess_language

SENTENCES = [
    ("en", "Security Council extends the mandate of the mission in Mali"),
    ("fr", "Le Conseil de sécurité prolonge le mandat de la mission au Mali"),
    ("es", "El Consejo de Seguridad prorroga el mandato de la misión en Malí"),
    ("pt", "Conselho de Segurança não aprova sanções contra o regime"),
    ("pt", "O presidente não disse que o governo vai para as eleições com a oposição"),
    ("ar", "مجلس الأمن يمدد ولاية البعثة في مالي لمدة عام"),
]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger()


@pytest.mark.parametrize(("lang", "text"), SENTENCES)
def test_the_tagger_reads_an_unlabelled_item_in_the_language_ingestion_stores(
    tagger: Tagger, lang: str, text: str
) -> None:
    assert guess_language(text) == lang
    assert tagger.tag_plain(text, "", None).language == lang


def test_function_words_are_compared_folded() -> None:
    # "não" folds to "nao": the Portuguese negation counts like any other function word
    assert guess_language("não há paz, não há pão, não há nada aqui") == "pt"


def test_too_little_text_or_another_script_is_no_guess() -> None:
    assert guess_language("ok") is None
    assert guess_language("安全理事会延长了特派团的任务期限") is None
    assert guess_language("Совет Безопасности продлил мандат миссии") is None
