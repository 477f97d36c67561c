"""Page state in the URL's query string, so that a reload, a pasted link or back/forward shows the same
view. Each page reads its query (``layout(**query)``) through these functions; the browser writes it back
on every change (``assets/r2pwatch.js``: ``syncUrl``), leaving out the defaults.

The review queue's keys are also what the Atom feed, the exports and saved views understand:
``region country indicator status feed from to q flagged dismissed sort item``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from db.filters import ItemFilter
from db.listing import LIST_COLUMNS, SortKey
from db.models import REVIEW_STATUSES
from db.search import parse_query
from indicators.names import name_variants

REVIEW_KEYS = (
    "region",
    "country",
    "indicator",
    "status",
    "feed",
    "from",
    "to",
    "q",
    "flagged",
    "sort",
    "view",
)
MAX_TEXT = 200
#: old names still read from saved links and stores
_ALIASES = {"start": "from", "end": "to", "text": "q"}


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) and value else value


def _str(value: Any, limit: int = 100) -> str | None:
    value = _first(value)
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()[:limit]
    return text or None


def _day(value: Any) -> str | None:
    text = _str(value, 40)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def flag(value: Any, default: bool) -> bool:
    value = _first(value)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "off")


def review_state(query: Mapping[str, Any]) -> dict[str, Any]:
    """The review queue's state from a query string (or the filters store): clean values, bad ones dropped."""
    q = {_ALIASES.get(k, k): v for k, v in query.items()}
    status = _str(q.get("status"), 20)
    feed = _str(q.get("feed"), 9)  # an int column: longer ids overflow PostgreSQL
    country = _str(q.get("country"), 3)
    return {
        "region": _str(q.get("region"), 40),
        "country": country.upper() if country and country.isalpha() else None,
        "indicator": _str(q.get("indicator"), 60),
        "status": status if status in REVIEW_STATUSES else None,
        "feed": feed if feed and feed.isdigit() else None,
        "from": _day(q.get("from")),
        "to": _day(q.get("to")),
        "q": _str(q.get("q"), MAX_TEXT),
        "flagged": flag(q.get("flagged"), True),
        "sort": sort_param(_str(q.get("sort"), 40)),
        # one row per story instead of per item (None: the items)
        "view": "stories" if _str(q.get("view"), 10) == "stories" else None,
    }


def review_filter(state: Mapping[str, Any] | None) -> ItemFilter:
    """The items a review state selects; its text is a full-text search (words, stems, place names)."""
    s = review_state(state or {})

    def at(day: str | None, plus: int = 0) -> datetime | None:
        if day is None:
            return None
        d = date.fromisoformat(day)
        return datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=plus)

    return ItemFilter(
        region=s["region"],
        country=s["country"],
        indicator=s["indicator"],
        status=s["status"],
        feed_id=int(s["feed"]) if s["feed"] else None,
        since=at(s["from"]),
        until=at(s["to"], 1),
        flagged_only=s["flagged"],
        search=parse_query(s["q"], name_variants) if s["q"] else None,
    )


def sort_param(value: str | None) -> str | None:
    """``column:asc|desc`` for a sortable column, else None (the default: newest first)."""
    if not value:
        return None
    column, _, direction = value.partition(":")
    if column not in LIST_COLUMNS or direction not in ("asc", "desc"):
        return None
    if (column, direction) == ("published_at", "desc"):
        return None
    return f"{column}:{direction}"


def sort_keys(value: str | None) -> tuple[SortKey, ...]:
    param = sort_param(value)
    if param is None:
        return ()
    column, _, direction = param.partition(":")
    return (SortKey(column, direction == "desc"),)  # type: ignore[arg-type]


def with_sort(columns: list[dict[str, Any]], value: str | None) -> list[dict[str, Any]]:
    """Grid column definitions with the URL's sort applied (newest first when it names none)."""
    param = sort_param(value) or "published_at:desc"
    column, _, direction = param.partition(":")
    out = []
    for col in columns:
        col = {k: v for k, v in col.items() if k != "sort"}
        if col.get("field") == column:
            col["sort"] = direction
        out.append(col)
    return out


def query_string(
    state: Mapping[str, Any],
    *,
    keys: tuple[str, ...] = REVIEW_KEYS,
    defaults: Mapping[str, Any] | None = None,
) -> str:
    """The canonical query string of a state: keys in order, defaults and empty values left out."""
    defaults = {"flagged": True} if defaults is None else defaults
    params: list[tuple[str, str]] = []
    for key in keys:
        value = state.get(key)
        if value is None or value == "" or defaults.get(key) == value:
            continue
        params.append((key, ("1" if value else "0") if isinstance(value, bool) else str(value)))
    return urlencode(params)
