"""Review queue (/review): flagged items in a dash-ag-grid (infinite row model: paging, sorting and
filtering happen in the database; ``dashboard.review_grid``), or one row per story with its items
inside (``view=stories``; ``dashboard.review_stories``), the item with its evidence, and review actions
on items or whole stories. The controls are in ``dashboard.review_controls``."""

from __future__ import annotations

from typing import Any, NoReturn

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import flask
from dash import ClientsideFunction, Input, Output, State, dcc, html

from dashboard.auth import current_user, require
from dashboard.context import AppContext, get_ctx, write_callback
from dashboard.dashtyped import clientside_callback, register_page
from dashboard.exports import export_download
from dashboard.grid import BadGridRequest, grid_request
from dashboard.item_view import item_panel
from dashboard.review_controls import atom_href, bulk_bar, controls, item_actions, subscribe_link
from dashboard.review_grid import (
    ACTION_LABELS,
    COLUMNS,
    MAX_BULK,
    MAX_NOTE,
    do_review,
    filter_from,
    grid_response,
)
from dashboard.review_stories import register as register_stories
from dashboard.review_stories import story_view
from dashboard.urlstate import review_state, with_sort
from db.rows import item_detail

__all__ = [
    "ACTION_LABELS",
    "COLUMNS",
    "MAX_BULK",
    "MAX_NOTE",
    "atom_href",
    "detail",
    "do_review",
    "filter_from",
    "grid_response",
    "layout",
    "register",
]

PATH = "/review"
FILTER_KEYS = ("region", "country", "indicator", "status", "feed", "start", "end", "text", "flagged", "view")


def update_atom(filters: dict[str, Any] | None) -> str:
    user = current_user()
    return atom_href(filters, user.feed_token if user is not None else None)


def layout(**q: Any) -> html.Div:
    ctx = get_ctx()
    user = current_user()
    initial = review_state(q)
    stories = initial["view"] == "stories"
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
                [html.H1("Review queue", className="h4 mb-2 d-inline-block"), subscribe_link(user, initial)]
            ),
            hint,
            controls(ctx, initial),
            dcc.Store(id="review-filters", data={k: v for k, v in initial.items() if k != "sort"}),
            dcc.Store(id="review-url"),
            dcc.Store(id="review-current", data=item),
            dcc.Store(id="review-refresh", data=0),
            dcc.Store(id="review-purged"),
            html.Div(
                [
                    bulk_bar(user),
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
                ],
                id="review-items-view",
                hidden=stories,
            ),
            story_view(user, stories),
            dbc.Offcanvas(
                id="review-detail",
                is_open=item is not None,
                placement="end",
                scrollable=True,
                title="Item",
                style={"width": "min(640px, 92vw)"},
                children=[html.Div(id="review-detail-body"), item_actions(user)],
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
    view: Any = None,
) -> dict[str, Any]:
    values = dict(
        zip(
            FILTER_KEYS,
            (region, country, indicator, status, feed, start, end, text, flagged is not False, view),
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
    register_stories(app, ctx)
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
        Input("review-f-view", "value"),
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
