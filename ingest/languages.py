"""Language codes a feed may be given: ISO 639-1 (two letters), optionally with a region (``pt-BR``).
The command line and the dashboard check codes with this one function."""

from __future__ import annotations

import re

# ISO 639-1: the 183 two-letter codes (ISO 639 Registration Authority, Library of Congress list).
_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz "
    "ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii "
    "ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi "
    "mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw "
    "sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk "
    "ur uz ve vi vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_CODES.split())
_CODE = re.compile(r"^([A-Za-z]{2})(?:[-_]([A-Za-z]{2}|[0-9]{3}))?$")


class BadLanguage(ValueError):
    """Not an ISO 639-1 code."""


def normalise_language(code: str) -> str:
    """``en``, ``pt-BR`` (case fixed); raises BadLanguage for anything else (``english``, ``xx``, ``eng``)."""
    m = _CODE.match(code.strip())
    if m is None or m.group(1).lower() not in ISO_639_1:
        raise BadLanguage(
            f"not an ISO 639-1 language code: {code!r} (use a code such as en, fr, ar or pt-BR)"
        )
    lang, region = m.group(1).lower(), m.group(2)
    return f"{lang}-{region.upper()}" if region else lang
