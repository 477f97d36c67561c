"""Plain text and folding: HTML stripping, Unicode folding with an offset map back to the original.

Everything here works on whole strings with C-level operations (``str.lower``, ``str.translate``,
compiled regexes); the only per-character Python loop is in the rare slow path where folding changes
the length of the text (combining marks, Arabic diacritics, ligatures, ``ß``), and even there it only
visits the non-ASCII runs.

Folding = NFKD compatibility decomposition, combining marks removed, case-folded, a few punctuation
and Arabic letter variants unified (أ إ آ ٱ → ا, ى → ي, ة → ه, tatweel removed, ’ → ', dashes → -).
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right

__all__ = ["OffsetMap", "fold", "fold_char", "html_to_text", "strip_bidi"]

# --------------------------------------------------------------------------------------------------
# HTML → plain text
#
# A one-pass tokenizer made of linear-time patterns: every construct is matched by a pattern that
# either ends at its own terminator or runs to the end of the input (possessive quantifiers, so a
# failed match never rescans), and the scanner never revisits text. Full HTML parsers were measured
# for this job and each grows faster than linearly on some hostile input (they keep a stack of open
# elements): lexbor/selectolax on deeply nested <div>/<b>, libxml2/lxml on end tags that match
# nothing in a deep stack and on runs of "<?", Python 3.11's html.parser on unclosed comments and
# runs of "<script". Text is all we need, so no tree is built.
#
# Inline elements join their neighbours ("<b>Sud</b>an" is "Sudan", as a browser shows it); every
# other tag (paragraphs, line breaks, cells, unknown tags) separates words. Comments, scripts,
# styles, templates, noscript and the like are dropped with their content, to their end tag or, when
# there is none, to the end of the text. CDATA markers go and their content stays.

_INLINE = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "nobr",
        "q",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)
# Every construct but the CDATA end marker starts with "<", which lets the regex engine jump from one
# "<" to the next; the "]]>" alternative takes that away (about twice the time on an item with HTML), so
# it is in a second pattern, used only when the text holds one.
_TAGS = r"""
    <(?:
        !--.*?(?:--!?>|\Z)                                                     # comment
      | (?P<raw>script|style|noscript|template|iframe|noembed|noframes|svg|title)
            \b[^>]*+(?:>.*?(?:</(?P=raw)\s*>|\Z)|\Z)                          # dropped with content
      | (?P<cdata>!\[CDATA\[)                                                  # CDATA start marker
      | /?(?P<name>[A-Za-z][A-Za-z0-9:-]*+)[^<>]*+>                              # start or end tag
      | [!?][^<>]*+>                                                         # doctype, PI, <![if ...]>
    )
"""
_TOKEN = re.compile(_TAGS, re.IGNORECASE | re.DOTALL | re.VERBOSE)
_TOKEN_OR_CDATA_END = re.compile(_TAGS + r"| \]\]>", re.IGNORECASE | re.DOTALL | re.VERBOSE)
_ODD_SPACE = re.compile(r"[^\S ]")
# Bidirectional embedding/override/isolate controls: they can reorder what a reader sees.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi(s: str) -> str:
    """``s`` without bidirectional control characters (U+202A–U+202E, U+2066–U+2069)."""
    return _BIDI.sub("", s) if not s.isascii() else s


def _token(m: re.Match[str]) -> str:
    name = m.group("name")
    if name is not None:
        return "" if name.lower() in _INLINE else " "
    # CDATA markers go and their content stays; anything else dropped separates words
    return "" if m.group("cdata") is not None or m.group() == "]]>" else " "


def html_to_text(s: str) -> str:
    """Strip tags, decode entities, collapse whitespace, in time linear in the length of ``s``.
    Cheap when there is nothing to do."""
    if "]]>" in s:
        s = _TOKEN_OR_CDATA_END.sub(_token, s)
    elif "<" in s:
        s = _TOKEN.sub(_token, s)
    if "&" in s:
        s = html.unescape(s)
    if not s:
        return s
    # collapse whitespace only when there is some to collapse (str.split() is the costly part)
    if (
        "  " in s
        or s[0].isspace()
        or s[-1].isspace()
        or "\n" in s
        or "\t" in s
        or "\r" in s
        or (not s.isascii() and _ODD_SPACE.search(s) is not None)
        or "\x0b" in s
        or "\x0c" in s
    ):
        s = " ".join(s.split())
    return s


# --------------------------------------------------------------------------------------------------
# Folding

_PUNCT = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u02bc": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "\u0060": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u060c": ",",
    "\u061b": ";",
    "\u061f": "?",
    # Arabic letter variants (the hamza-carrying forms lose the hamza through NFKD already)
    "\u0671": "\u0627",
    "\u0649": "\u064a",
    "\u0629": "\u0647",
    "\u06cc": "\u064a",
    "\u06a9": "\u0643",
    "\u0640": "",  # tatweel
}


def fold_char(c: str) -> str:
    """Fold one character (may return '' or several characters)."""
    p = _PUNCT.get(c)
    if p is not None:
        return p
    d = unicodedata.normalize("NFKD", c)
    if len(d) > 1 or unicodedata.combining(d):
        d = "".join(ch for ch in d if not unicodedata.combining(ch))
    d = d.casefold()
    if len(d) != 1:
        # casefold can expand (ß → ss); NFKD of the pieces may re-introduce marks (ǰ)
        d = "".join(ch for ch in unicodedata.normalize("NFKD", d) if not unicodedata.combining(ch))
    return "".join(_PUNCT.get(ch, ch) for ch in d)


class _FoldTable(dict[int, str]):
    """Lazy translation table: code point → folded string, filled on first sight of a character."""

    def __missing__(self, key: int) -> str:
        v = fold_char(chr(key))
        self[key] = v
        return v


_TABLE = _FoldTable()
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class OffsetMap:
    """Maps positions in a folded string back to the original.

    Stored as breakpoints ``(folded_pos, orig_pos)`` taken after every character whose fold did not
    have length one; between breakpoints the two strings advance together.
    """

    __slots__ = ("_f", "_o", "orig_len")

    def __init__(self, folded_bp: list[int], orig_bp: list[int], orig_len: int) -> None:
        self._f = folded_bp
        self._o = orig_bp
        self.orig_len = orig_len

    def to_orig(self, f: int) -> int:
        """Original index corresponding to folded index ``f`` (a match start or exclusive end).

        Characters deleted by folding (combining marks, tatweel) stick to the character before
        them, so an end includes them and a start skips them.
        """
        i = bisect_right(self._f, f) - 1
        return min(self._o[i] + (f - self._f[i]), self.orig_len)


def fold(text: str) -> tuple[str, OffsetMap | None]:
    """Fold ``text``; the map is ``None`` when folded indices equal original indices."""
    if text.isascii():
        return text.lower(), None
    # a news text holds few distinct non-ASCII characters (quotes, dashes, some accents): replace
    # each of them everywhere with one C-level str.replace instead of visiting every character
    table = _TABLE
    folded = text
    for c in set(_NON_ASCII.findall(text)):
        f = table[ord(c)]
        if len(f) != 1:
            return _fold_slow(text)
        if f != c:
            folded = folded.replace(c, f)
    return folded.lower(), None


def _fold_slow(text: str) -> tuple[str, OffsetMap]:
    parts: list[str] = []
    fbp = [0]
    obp = [0]
    flen = 0
    pos = 0
    table = _TABLE
    for m in _NON_ASCII_RUN.finditer(text):
        s, e = m.span()
        if s > pos:
            parts.append(text[pos:s].lower())
            flen += s - pos
        for i in range(s, e):
            v = table[ord(text[i])]
            parts.append(v)
            flen += len(v)
            if len(v) != 1:
                fbp.append(flen)
                obp.append(i + 1)
        pos = e
    if pos < len(text):
        parts.append(text[pos:].lower())
    return "".join(parts), OffsetMap(fbp, obp, len(text))
