"""The review queue's item grid: ag-grid's infinite row model answered from the database (paging,
sorting and filtering there), and review decisions on items with the server's checks."""

from __future__ import annotations

from typing import Any

from dashboard.context import AppContext, CurrentUser
from dashboard.grid import grid_request
from dashboard.item_view import RTL_LANGUAGES
from dashboard.redact import shown
from dashboard.urlstate import review_filter
from db.filters import ItemFilter
from db.listing import item_page
from db.reviews import ACTIONS, ReviewError, apply_action

MAX_NOTE = 5_000
MAX_BULK = 1_000
ACTION_LABELS = (
    ("confirm", "Confirm", "success"),
    ("dismiss", "Dismiss", "secondary"),
    ("escalate", "Escalate", "danger"),
)


def filter_from(values: dict[str, Any] | None) -> ItemFilter:
    """The filters store (the URL's keys) as an ItemFilter; bad values are ignored, not trusted."""
    return review_filter(values)


def grid_response(
    ctx: AppContext,
    request: dict[str, Any] | None,
    filters: dict[str, Any] | None,
    user: CurrentUser | None = None,
) -> dict[str, Any]:
    """The answer to one ag-grid getRows request (feed credentials masked unless ``user`` is an admin)."""
    req = grid_request(request)
    flt = filter_from(filters)
    query = repr((flt, req.sort, req.columns))
    after, total = ctx.grid_cursors.get(query, req.start)
    page = item_page(
        ctx.database,
        flt,
        start=req.start,
        end=req.end,
        sort=req.sort,
        columns=req.columns,
        after=after,
        total=total,
    )
    ctx.grid_cursors.put(query, req.start + len(page.rows), page.cursor, page.total)
    rows = [
        {
            "id": str(r.id),
            "published_at": r.published_at.strftime("%Y-%m-%d %H:%M"),
            "source": shown(r.source, user),
            "title": r.title,
            "dir": "rtl" if (r.language or "") in RTL_LANGUAGES else "ltr",
            "regions": ", ".join(ctx.meta.region_name(x) for x in r.regions),
            "countries": ", ".join(r.countries),
            "indicators": ", ".join(ctx.meta.indicator_name(i) for i in r.indicators),
            "score": r.score,
            "status": r.status,
        }
        for r in page.rows
    ]
    return {"rowData": rows, "rowCount": page.total}


def do_review(ctx: AppContext, user: CurrentUser, item_ids: list[int], action: str, note: str | None) -> str:
    """Apply an action for ``user``; returns the message to show. Refuses users without the role."""
    if not user.can("review"):
        return f"Your role ({user.role}) cannot review items."
    if action not in ACTIONS:
        return "Unknown action."
    if not item_ids:
        return "Select one or more items first."
    if note is not None and len(note) > MAX_NOTE:
        return f"Refused: a note has at most {MAX_NOTE:,} characters ({len(note):,} given)."
    if len(item_ids) > MAX_BULK:
        return f"Refused: at most {MAX_BULK:,} items at once."
    try:
        n = apply_action(ctx.database, item_ids, action, user.name, note)
    except ReviewError as exc:
        return f"Refused: {exc}"
    return f"{ACTIONS[action].capitalize()}: {n} item{'s' if n != 1 else ''}."


COLUMNS: list[dict[str, Any]] = [
    {
        "field": "published_at",
        "headerName": "Time (UTC)",
        "width": 150,
        "filter": "agDateColumnFilter",
        "sort": "desc",
        "filterParams": {"buttons": ["apply", "reset"], "maxNumConditions": 1},
    },
    {"field": "source", "headerName": "Source", "width": 150, "filter": "agTextColumnFilter"},
    {
        "field": "title",
        "headerName": "Title",
        "flex": 1,
        "minWidth": 260,
        "filter": "agTextColumnFilter",
        "tooltipField": "title",
        "cellClassRules": {"cell-rtl": "params.data && params.data.dir === 'rtl'"},
    },
    {"field": "regions", "headerName": "Region", "width": 130, "sortable": False},
    {"field": "countries", "headerName": "Countries", "width": 105, "sortable": False},
    {
        "field": "indicators",
        "headerName": "Indicators",
        "width": 190,
        "sortable": False,
        "tooltipField": "indicators",
    },
    {
        "field": "score",
        "headerName": "Score",
        "width": 90,
        "filter": "agNumberColumnFilter",
        "type": "numericColumn",
    },
    {"field": "status", "headerName": "Status", "width": 110, "filter": "agTextColumnFilter"},
]
