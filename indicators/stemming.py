"""Language-aware normal forms of tokens, used by the matcher in its single pass.

Arabic: a token that is not a phrase key is retried without its attached proclitics
(و ف ب ك ل, the article ال and combinations like وال بال لل).
"""

from __future__ import annotations

import re

__all__ = ["ARABIC", "arabic_stems"]

ARABIC = re.compile("[\u0600-\u06ff]")

# proclitics, tried in this order so that the article stays in the evidence where it can
_AR_PREFIXES = (
    "وب",
    "ول",
    "وك",
    "فب",
    "فل",
    "فك",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
    "ولل",
    "فلل",
    "لل",
    "وبال",
    "وكال",
    "وفال",
    "فبال",
    "وال",
    "فال",
    "بال",
    "كال",
    "ال",
)


def arabic_stems(tokens: list[str], keys: frozenset[str]) -> dict[int, tuple[int, str]]:
    """Slot index -> (prefix length, key) for Arabic tokens that are keys once a proclitic goes."""
    stems: dict[int, tuple[int, str]] = {}
    for i, t in enumerate(tokens):
        if not t or t in keys or not ARABIC.match(t):
            continue
        for prefix in _AR_PREFIXES:
            if t.startswith(prefix):
                stem = t[len(prefix) :]
                if len(stem) >= 2 and stem in keys:
                    stems[i] = (len(prefix), stem)
                    break
    return stems
