"""The one HTML -> text function (indicators.text.html_to_text, used by ingestion and the tagger) runs
in time linear in its input, on adversarial input: unclosed tags, nested and unclosed comments, CDATA,
entities, runs of "<". The property is a growth ratio (16x the input costs about 16x the CPU time
when linear, 256x when quadratic), never an absolute time."""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.text import html_to_text
from ingest.normalise import plain_text

FRAGMENTS = [
    "<script",
    "<script>",
    "</script",
    "<style x='",
    "<!--",
    "-->",
    "<!-- <!--",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#x",
    "&#12",
    "&lt;script&gt;",
    "&",
    "<b>",
    "</i>",
    "<div>",
    "<",
    "<?",
    "<!",
    "</",
    "<a ",
    'href="',
    ">",
    "x",
    " ",
    "word",
    "\u202e",
]
SMALL = 20_000
GROWTH = 16
RATIO = 48.0  # linear: about 16; quadratic: about 256


def cost(fn: Callable[[str], object], text: str) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.thread_time()  # CPU time of this thread: other processes do not count
        fn(text)
        best = min(best, time.thread_time() - started)
    return best


def growth(fn: Callable[[str], object], unit: str) -> float:
    small = unit * max(1, SMALL // len(unit))
    big = small * GROWTH
    ratio = float("inf")
    for _ in range(3):  # a busy machine can slow one measurement: keep the best of three
        ratio = min(ratio, cost(fn, big) / max(cost(fn, small), 1e-6))
        if ratio < RATIO:
            break
    return ratio


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join))
def test_html_to_text_grows_linearly(unit: str) -> None:
    assert growth(html_to_text, unit) < RATIO, repr(unit)


def test_known_quadratic_inputs_are_linear() -> None:
    # the review's case: a description of repeated (decoded) <script tags; and runs of openers
    for unit in ["<script>", "<script", "<!--", "<![CDATA[", "<a ", "<b>x", "&lt;script&gt;"]:
        assert growth(html_to_text, unit) < RATIO, unit
        assert growth(lambda s: plain_text(s, is_html=True, limit=5000), unit) < RATIO, unit
