"""Review queue (/review): flagged items in a dash-ag-grid (infinite row model: paging, sorting and
filtering happen in the database), the item with its evidence, and review actions."""

from __future__ import annotations

from typing import Any, NoReturn

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import flask
from dash import ClientsideFunction, Input, Output, State, dcc, html

from dashboard.auth import current_user, require
from dashboard.components import select_options
from dashboard.context import AppContext, CurrentUser, get_ctx, write_callback
from dashboard.dashtyped import clientside_callback, register_page
from dashboard.exports import export_download
from dashboard.grid import BadGridRequest, grid_request
from dashboard.item_view import RTL_LANGUAGES, item_panel
from dashboard.redact import shown
from dashboard.urlstate import REVIEW_KEYS, query_string, review_filter, review_state, with_sort
from db.choices import feed_choices, known_countries
from db.filters import ItemFilter
from db.listing import item_page
from db.models import REVIEW_STATUSES
from db.reviews import ACTIONS, ReviewError, apply_action
from db.rows import item_detail

PATH = "/review"
MAX_NOTE = 5_000
MAX_BULK = 1_000
ACTION_LABELS = (
    ("confirm", "Confirm", "success"),
    ("dismiss", "Dismiss", "secondary"),
    ("escalate", "Escalate", "danger"),
)
FILTER_KEYS = ("region", "country", "indicator", "status", "feed", "start", "end", "text", "flagged")


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


def _dropdown(id_: str, placeholder: str, value: Any, options: list[dict[str, str]]) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=id_, placeholder=placeholder, value=value, options=options, clearable=True, className="dd-sm"
    )


def _controls(ctx: AppContext, q: dict[str, Any]) -> dbc.Row:
    countries = known_countries(ctx.database)
    return dbc.Row(
        [
            dbc.Col(
                _dropdown(
                    "review-f-region",
                    "Region",
                    value=q.get("region"),
                    options=select_options(ctx.meta.regions.items()),
                ),
                xl=2,
                lg=4,
                md=4,
            ),
            dbc.Col(
                _dropdown(
                    "review-f-country",
                    "Country",
                    value=q.get("country"),
                    options=select_options((c, f"{ctx.meta.country_name(c)} ({c})") for c in countries),
                ),
                xl=2,
                lg=4,
                md=4,
            ),
            dbc.Col(
                _dropdown(
                    "review-f-indicator",
                    "Indicator",
                    value=q.get("indicator"),
                    options=select_options((i.id, i.name) for i in ctx.meta.indicators),
                ),
                xl=2,
                lg=4,
                md=4,
            ),
            dbc.Col(
                _dropdown(
                    "review-f-status",
                    "Status",
                    value=q.get("status"),
                    options=select_options((s, s) for s in REVIEW_STATUSES),
                ),
                xl=1,
                lg=2,
                md=3,
            ),
            dbc.Col(
                _dropdown(
                    "review-f-feed",
                    "Source",
                    value=q.get("feed"),
                    options=[
                        {"label": shown(t, current_user()), "value": str(i)}
                        for i, t in feed_choices(ctx.database)
                    ],
                ),
                xl=2,
                lg=3,
                md=3,
            ),
            dbc.Col(
                dcc.DatePickerRange(
                    id="review-f-dates",
                    display_format="YYYY-MM-DD",
                    clearable=True,
                    start_date=q.get("from"),
                    end_date=q.get("to"),
                    start_date_placeholder_text="From",
                    end_date_placeholder_text="To",
                    className="dates-sm",
                ),
                xl=3,
                lg=4,
                md=6,
            ),
            dbc.Col(
                html.Div(
                    dbc.Input(
                        id="review-f-text",
                        placeholder="Search words (all must match)",
                        debounce=True,
                        type="search",
                        size="sm",
                        value=q.get("q"),
                        className="bidi-auto",
                    ),
                    title="Every word must match; stems and other-language place names count "
                    "(Darfur finds Darfour and دارفور)",
                ),
                xl=4,
                lg=3,
                md=6,
            ),
            dbc.Col(
                dbc.Switch(
                    id="review-f-flagged",
                    label="Flagged only",
                    value=q.get("flagged", True),
                    className="small mb-0",
                ),
                xs="auto",
            ),
        ],
        className="g-2 mb-2 align-items-center",
    )


def _bulk_bar(user: CurrentUser | None) -> html.Div:
    allowed = user is not None and user.can("review")
    buttons = [
        dbc.Button(
            label,
            id=f"review-bulk-{a}",
            color=c,
            size="sm",
            outline=True,
            disabled=not allowed,
            className="me-1",
        )
        for a, label, c in ACTION_LABELS
    ]
    return html.Div(
        [
            html.Span(
                "0 selected", id="review-selected-count", className="small text-muted me-2 text-nowrap"
            ),
            dbc.Input(
                id="review-bulk-note",
                placeholder="Note for the selected items",
                size="sm",
                disabled=not allowed,
                className="me-2",
                style={"maxWidth": "320px"},
            ),
            *buttons,
            html.Span(id="review-bulk-msg", className="small ms-2", role="status"),
            html.Div(
                [
                    dbc.Button(
                        "CSV",
                        id="review-export-csv",
                        size="sm",
                        color="secondary",
                        outline=True,
                        className="me-1",
                    ),
                    dbc.Button("JSON", id="review-export-json", size="sm", color="secondary", outline=True),
                    dcc.Download(id="review-download"),
                ],
                className="ms-auto text-nowrap",
                title="Export what the filters show",
            ),
        ],
        className="d-flex align-items-center mb-2 flex-wrap gap-1",
    )


def _item_actions(user: CurrentUser | None) -> html.Div:
    allowed = user is not None and user.can("review")
    return html.Div(
        [
            html.H2("Review", className="h6 mt-3"),
            dbc.Textarea(
                id="review-note", placeholder="Note (why)", rows=2, disabled=not allowed, className="mb-2"
            ),
            html.Div(
                [
                    dbc.Button(
                        label, id=f"review-{a}", color=c, size="sm", disabled=not allowed, className="me-2"
                    )
                    for a, label, c in ACTION_LABELS
                ]
            ),
            html.Div(id="review-action-msg", className="small mt-2", role="status"),
            None if allowed else html.Div("Viewers cannot review items.", className="small text-muted mt-1"),
        ],
        className="border-top pt-2 mt-3",
    )


def atom_href(filters: dict[str, Any] | None, token: str | None) -> str:
    """The Atom feed of the flagged items every filter of the page selects, with the user's token."""
    state = review_state(filters or {})
    query = query_string(
        {**state, "flagged": True, "sort": None, "token": token}, keys=(*REVIEW_KEYS, "token")
    )
    return "/feeds/flagged.atom?" + query


def _subscribe_link(user: CurrentUser | None, filters: dict[str, Any]) -> html.A:
    token = user.feed_token if user is not None else None
    return html.A(
        "Atom feed of these flagged items",
        id="review-atom",
        href=atom_href(filters, token),
        className="small ms-3",
        hidden=not token,  # anonymous viewers have no token to subscribe with
        title="Subscribe in any feed reader (every filter applies; the link holds your personal token)",
    )


def update_atom(filters: dict[str, Any] | None) -> str:
    user = current_user()
    return atom_href(filters, user.feed_token if user is not None else None)


def layout(**q: Any) -> html.Div:
    ctx = get_ctx()
    user = current_user()
    initial = review_state(q)
    try:
        item = int(q.get("item") or 0) or None
    except ValueError:
        item = None
    hint = (
        None
        if user is not None and user.can("review")
        else dbc.Alert(
            "You are viewing as a viewer: reviewing needs an analyst login.",
            color="light",
            className="py-1 small mb-2",
            id="review-viewer-hint",
        )
    )
    return html.Div(
        [
            html.Div(
                [html.H1("Review queue", className="h4 mb-2 d-inline-block"), _subscribe_link(user, initial)]
            ),
            hint,
            _controls(ctx, initial),
            _bulk_bar(user),
            dcc.Store(id="review-filters", data={k: v for k, v in initial.items() if k != "sort"}),
            dcc.Store(id="review-url"),
            dcc.Store(id="review-current", data=item),
            dcc.Store(id="review-refresh", data=0),
            dcc.Store(id="review-purged"),
            dag.AgGrid(
                id="review-grid",
                columnDefs=with_sort(COLUMNS, initial["sort"]),
                rowModelType="infinite",
                getRowId="params.data.id",
                defaultColDef={
                    "sortable": True,
                    "resizable": True,
                    "filter": False,
                    "floatingFilter": False,
                    "suppressHeaderMenuButton": False,
                },
                dashGridOptions={
                    "rowSelection": {
                        "mode": "multiRow",
                        "checkboxes": True,
                        "headerCheckbox": False,
                        "enableClickSelection": False,
                    },
                    "cacheBlockSize": 100,
                    "maxBlocksInCache": 20,
                    "infiniteInitialRowCount": 1,
                    "tooltipShowDelay": 400,
                    "animateRows": False,
                    "rowHeight": 32,
                    "headerHeight": 36,
                },
                style={"height": "calc(100vh - 290px)", "minHeight": "320px"},
                className="ag-theme-quartz",
            ),
            dbc.Offcanvas(
                id="review-detail",
                is_open=item is not None,
                placement="end",
                scrollable=True,
                title="Item",
                style={"width": "min(640px, 92vw)"},
                children=[html.Div(id="review-detail-body"), _item_actions(user)],
            ),
        ]
    )


def collect_filters(
    region: Any,
    country: Any,
    indicator: Any,
    status: Any,
    feed: Any,
    start: Any,
    end: Any,
    text: Any,
    flagged: Any,
) -> dict[str, Any]:
    values = dict(
        zip(
            FILTER_KEYS,
            (region, country, indicator, status, feed, start, end, text, flagged is not False),
            strict=True,
        )
    )
    state = review_state(values)
    state.pop("sort")
    return state


def _bad_request(exc: BadGridRequest) -> NoReturn:
    flask.abort(flask.make_response({"error": f"bad grid request: {exc}"}, 400))


def rows(request: dict[str, Any] | None, filters: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return grid_response(get_ctx(), request, filters, current_user())
    except BadGridRequest as exc:
        _bad_request(exc)


def open_item(cell: dict[str, Any] | None) -> tuple[int, bool]:
    try:
        item_id = int((cell or {}).get("rowId") or 0)
    except (TypeError, ValueError):
        item_id = 0
    if not item_id or (cell or {}).get("colId") in (None, "ag-Grid-SelectionColumn"):
        raise dash.exceptions.PreventUpdate
    return item_id, True


def close_item(is_open: bool | None) -> None:
    """Closing the item panel forgets the item (and so drops ``item=`` from the URL)."""
    if is_open:
        raise dash.exceptions.PreventUpdate


def detail(item_id: int | None, _refresh: int | None) -> Any:
    ctx = get_ctx()
    if not item_id:
        return html.Div("Select an item in the table.", className="text-muted")
    found = item_detail(ctx.database, int(item_id))
    if found is None:
        return html.Div("This item no longer exists.", className="text-muted")
    user = current_user()
    return item_panel(ctx, found, can_review=user is not None and user.can("review"))


def act(
    _c: Any,
    _d: Any,
    _e: Any,
    _bc: Any,
    _bd: Any,
    _be: Any,
    item_id: int | None,
    note: str | None,
    selected: list[dict[str, Any]] | None,
    bulk_note: str | None,
    refresh: int | None,
) -> tuple[Any, Any, int]:
    user = require("review")
    trigger = str(dash.ctx.triggered_id or "")
    action = trigger.rsplit("-", 1)[-1]
    ctx = get_ctx()
    if trigger.startswith("review-bulk-"):
        ids = [int(r["id"]) for r in selected or [] if isinstance(r, dict) and str(r.get("id", "")).isdigit()]
        return dash.no_update, do_review(ctx, user, ids, action, bulk_note), (refresh or 0) + 1
    ids = [int(item_id)] if item_id else []
    return do_review(ctx, user, ids, action, note), dash.no_update, (refresh or 0) + 1


def clear_action(_item_id: int | None) -> tuple[str, str]:
    """A new item opens with an empty note and no message left over from the previous one."""
    return "", ""


def selected_count(selected: list[dict[str, Any]] | None) -> str:
    return f"{len(selected or [])} selected"


def export(
    _csv: Any, _json: Any, filters: dict[str, Any] | None, request: dict[str, Any] | None
) -> dict[str, Any]:
    fmt = "json" if dash.ctx.triggered_id == "review-export-json" else "csv"
    try:
        req = grid_request(request)
    except BadGridRequest as exc:
        _bad_request(exc)
    return export_download(
        get_ctx(), filter_from(filters), fmt, "r2pwatch-review", sort=req.sort, columns=req.columns
    )


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(__name__, path=PATH, name="Review", title="Review · r2pwatch", layout=layout)
    app.callback(
        Output("review-filters", "data"),
        Input("review-f-region", "value"),
        Input("review-f-country", "value"),
        Input("review-f-indicator", "value"),
        Input("review-f-status", "value"),
        Input("review-f-feed", "value"),
        Input("review-f-dates", "start_date"),
        Input("review-f-dates", "end_date"),
        Input("review-f-text", "value"),
        Input("review-f-flagged", "value"),
        prevent_initial_call=True,
    )(collect_filters)
    clientside_callback(
        app,
        ClientsideFunction("r2pwatch", "purgeGrid"),
        Output("review-purged", "data"),
        Input("review-filters", "data"),
        Input("review-refresh", "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output("review-grid", "getRowsResponse"),
        Input("review-grid", "getRowsRequest"),
        State("review-filters", "data"),
        prevent_initial_call=True,
    )(rows)
    app.callback(
        Output("review-current", "data"),
        Output("review-detail", "is_open"),
        Input("review-grid", "cellClicked"),
        prevent_initial_call=True,
    )(open_item)
    app.callback(
        Output("review-current", "data", allow_duplicate=True),
        Input("review-detail", "is_open"),
        prevent_initial_call=True,
    )(close_item)
    clientside_callback(
        app,
        ClientsideFunction("r2pwatch", "syncReviewUrl"),
        Output("review-url", "data"),
        Input("review-filters", "data"),
        Input("review-current", "data"),
        Input("review-grid", "getRowsRequest"),
    )
    app.callback(
        Output("review-detail-body", "children"),
        Input("review-current", "data"),
        Input("review-refresh", "data"),
    )(detail)
    app.callback(
        Output("review-action-msg", "children", allow_duplicate=True),
        Output("review-note", "value", allow_duplicate=True),
        Input("review-current", "data"),
        prevent_initial_call=True,
    )(clear_action)
    app.callback(Output("review-atom", "href"), Input("review-filters", "data"), prevent_initial_call=True)(
        update_atom
    )
    app.callback(Output("review-selected-count", "children"), Input("review-grid", "selectedRows"))(
        selected_count
    )
    write_callback(
        app,
        ctx,
        "review",
        Output("review-action-msg", "children"),
        Output("review-bulk-msg", "children"),
        Output("review-refresh", "data"),
        Input("review-confirm", "n_clicks"),
        Input("review-dismiss", "n_clicks"),
        Input("review-escalate", "n_clicks"),
        Input("review-bulk-confirm", "n_clicks"),
        Input("review-bulk-dismiss", "n_clicks"),
        Input("review-bulk-escalate", "n_clicks"),
        State("review-current", "data"),
        State("review-note", "value"),
        State("review-grid", "selectedRows"),
        State("review-bulk-note", "value"),
        State("review-refresh", "data"),
        prevent_initial_call=True,
    )(act)
    app.callback(
        Output("review-download", "data"),
        Input("review-export-csv", "n_clicks"),
        Input("review-export-json", "n_clicks"),
        State("review-filters", "data"),
        State("review-grid", "getRowsRequest"),
        prevent_initial_call=True,
    )(export)
