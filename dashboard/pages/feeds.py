"""Feeds (/feeds): health of every feed; add (validated, with a test fetch first), edit, delete
(saying what happens to its items), fetch now, OPML import and export."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashboard import feed_actions
from dashboard.auth import current_user, require
from dashboard.components import ago, select_options
from dashboard.context import AppContext, get_ctx, write_callback
from dashboard.dashtyped import register_page, send_bytes
from dashboard.redact import mask_credentials, reveals, shown
from db.feeds import FeedInfo, FeedNotFound, list_feeds, removal_impact, remove_feed, request_fetch

PATH = "/feeds"
STATUS_BADGE = {"ok": "success", "not_modified": "success", "error": "danger", "never": "secondary"}


def _status(f: FeedInfo) -> Any:
    parts: list[Any] = [
        html.Span(
            f.last_status.replace("_", " "),
            className=f"badge bg-{STATUS_BADGE.get(f.last_status, 'secondary')}",
        )
    ]
    if not f.enabled:
        parts.append(html.Span("disabled", className="badge bg-light text-dark border ms-1"))
    if f.stale:
        parts.append(
            html.Span(
                "stale",
                className="badge bg-warning text-dark ms-1",
                title="silent for much longer than usual",
            )
        )
    if f.fetch_requested:
        parts.append(html.Span("fetch requested", className="badge bg-info text-dark ms-1"))
    err = mask_credentials(f.error_text() or f.disabled_reason)
    if err:
        parts.append(html.Div(err, className="small text-danger text-break"))
    return parts


def feed_table(ctx: AppContext, can_edit: bool) -> Any:
    feeds = list_feeds(ctx.database)
    user = current_user()
    if not feeds:
        return html.Div(
            "No feeds yet. Add one above or import an OPML file.", className="text-muted", id="feeds-empty"
        )
    rows = []
    for f in feeds:
        actions = html.Div(
            [
                dbc.Button(
                    "Edit",
                    id={"type": "feeds-edit", "index": f.id},
                    size="sm",
                    color="secondary",
                    outline=True,
                    disabled=not can_edit,
                    className="me-1",
                ),
                dbc.Button(
                    "Fetch now",
                    id={"type": "feeds-fetch", "index": f.id},
                    size="sm",
                    color="primary",
                    outline=True,
                    disabled=not can_edit,
                    className="me-1",
                ),
                dbc.Button(
                    "Delete",
                    id={"type": "feeds-delete", "index": f.id},
                    size="sm",
                    color="danger",
                    outline=True,
                    disabled=not can_edit,
                ),
            ],
            className="text-nowrap",
        )
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [
                            html.Div(shown(f.title, user) or "(untitled)", className="fw-semibold"),
                            html.Div(shown(f.url, user), className="small text-muted text-break"),
                        ]
                    ),
                    html.Td(ctx.meta.region_name(f.region) if f.region else "—", className="small"),
                    html.Td(f.language or "—", className="small"),
                    html.Td(f"{f.interval_minutes} min", className="small text-nowrap"),
                    html.Td(_status(f)),
                    html.Td(ago(f.last_fetched_at), className="small text-nowrap"),
                    html.Td(f"{f.items_per_day_30d:g}", className="text-end small"),
                    html.Td(str(f.item_count), className="text-end small"),
                    html.Td(actions),
                ],
                id=f"feeds-row-{f.id}",
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th("Feed"),
                html.Th("Region"),
                html.Th("Lang"),
                html.Th("Every"),
                html.Th("Health"),
                html.Th("Last fetch"),
                html.Th("Items/day", className="text-end"),
                html.Th("Items", className="text-end"),
                html.Th(""),
            ]
        )
    )
    return html.Table([head, html.Tbody(rows)], className="table table-sm align-middle", id="feeds-table")


def _add_form(ctx: AppContext, can_edit: bool) -> dbc.Card:
    regions = [{"label": "No region hint", "value": ""}, *select_options(ctx.meta.regions.items())]
    return dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        dbc.Col(
                            dbc.Input(
                                id="feeds-add-url",
                                placeholder="https://example.org/feed.xml",
                                type="text",
                                disabled=not can_edit,
                            ),
                            lg=4,
                        ),
                        dbc.Col(
                            dbc.Input(
                                id="feeds-add-title", placeholder="Title (optional)", disabled=not can_edit
                            ),
                            lg=2,
                        ),
                        dbc.Col(
                            dbc.Select(
                                id="feeds-add-region", options=regions, value="", disabled=not can_edit
                            ),
                            lg=2,
                        ),
                        dbc.Col(
                            dbc.Input(
                                id="feeds-add-language", placeholder="Language (en)", disabled=not can_edit
                            ),
                            lg=1,
                        ),
                        dbc.Col(
                            dbc.Input(
                                id="feeds-add-interval",
                                placeholder="Minutes",
                                type="number",
                                min=1,
                                disabled=not can_edit,
                            ),
                            lg=1,
                        ),
                        dbc.Col(
                            [
                                dbc.Button(
                                    "Test",
                                    id="feeds-test",
                                    color="secondary",
                                    outline=True,
                                    disabled=not can_edit,
                                    className="me-1",
                                ),
                                dbc.Button(
                                    "Add feed", id="feeds-add", color="primary", disabled=not can_edit
                                ),
                            ],
                            lg=2,
                            className="text-nowrap",
                        ),
                    ],
                    className="g-2",
                ),
                dcc.Loading(html.Div(id="feeds-preview", className="mt-2"), delay_show=200),
            ],
            className="py-2",
        ),
        className="shadow-sm mb-3",
    )


def _modals() -> list[Any]:
    return [
        dbc.Modal(
            [
                dbc.ModalHeader(dbc.ModalTitle("Edit feed")),
                dbc.ModalBody(
                    [
                        html.Div(id="feeds-edit-url", className="small text-muted mb-2 text-break"),
                        dbc.Label("Region hint", html_for="feeds-edit-region"),
                        dbc.Select(id="feeds-edit-region", className="mb-2"),
                        dbc.Label("Language", html_for="feeds-edit-language"),
                        dbc.Input(id="feeds-edit-language", className="mb-2"),
                        dbc.Label("Poll every (minutes)", html_for="feeds-edit-interval"),
                        dbc.Input(id="feeds-edit-interval", type="number", min=1, className="mb-2"),
                        dbc.Switch(id="feeds-edit-enabled", label="Enabled", value=True),
                    ]
                ),
                dbc.ModalFooter(
                    [
                        dbc.Button("Cancel", id="feeds-edit-cancel", color="secondary", outline=True),
                        dbc.Button("Save", id="feeds-edit-save", color="primary"),
                    ]
                ),
            ],
            id="feeds-edit-modal",
            is_open=False,
        ),
        dbc.Modal(
            [
                dbc.ModalHeader(dbc.ModalTitle("Delete feed")),
                dbc.ModalBody(id="feeds-delete-text"),
                dbc.ModalFooter(
                    [
                        dbc.Button("Cancel", id="feeds-delete-cancel", color="secondary", outline=True),
                        dbc.Button("Delete", id="feeds-delete-confirm", color="danger"),
                    ]
                ),
            ],
            id="feeds-delete-modal",
            is_open=False,
        ),
    ]


def layout(**_query: Any) -> html.Div:
    ctx = get_ctx()
    user = current_user()
    can_edit = user is not None and user.can("feeds")
    right = html.Div(
        [
            dcc.Upload(
                dbc.Button("Import OPML", color="secondary", outline=True, size="sm", disabled=not can_edit),
                id="feeds-opml-upload",
                accept=".opml,.xml,text/xml,application/xml",
                disabled=not can_edit,
                className="d-inline-block",
            ),
            dbc.Button("Export OPML", id="feeds-opml-export", color="secondary", outline=True, size="sm"),
            dcc.Download(id="feeds-opml-download"),
        ],
        className="d-flex gap-1 align-items-center",
    )
    return html.Div(
        [
            html.Div(
                [html.H1("Feeds", className="h4 mb-0"), right],
                className="d-flex justify-content-between align-items-center mb-3",
            ),
            None
            if can_edit
            else dbc.Alert(
                "Viewing as a viewer: changing feeds needs an analyst login.",
                color="light",
                className="py-1 small",
            ),
            _add_form(ctx, can_edit),
            html.Div(id="feeds-msg", role="status"),
            dcc.Store(id="feeds-refresh", data=0),
            dcc.Store(id="feeds-target"),
            html.Div(feed_table(ctx, can_edit), id="feeds-list"),
            *_modals(),
        ]
    )


def _alert(outcome: feed_actions.Outcome) -> dbc.Alert:
    details = (
        html.Ul([html.Li(d) for d in outcome.details[:50]], className="small mb-0")
        if outcome.details
        else None
    )
    return dbc.Alert(
        [html.Div(outcome.message), details],
        color="success" if outcome.ok else "danger",
        dismissable=True,
        className="py-2",
        id="feeds-alert",
    )


def _clicked() -> bool:
    """A real click (pattern-matching inputs also fire when the table is re-rendered)."""
    return any(t.get("value") for t in dash.ctx.triggered)


def refresh_table(_n: int | None) -> Any:
    user = current_user()
    return feed_table(get_ctx(), user is not None and user.can("feeds"))


def test_feed(_n: int | None, url: str | None) -> Any:
    require("feeds")
    outcome = feed_actions.preview(get_ctx(), url)
    items = (
        html.Ol([html.Li(t) for t in outcome.details], className="small mb-0") if outcome.details else None
    )
    return dbc.Alert(
        [html.Div(outcome.message), items],
        color="info" if outcome.ok else "warning",
        className="py-2",
        id="feeds-preview-result",
    )


def act(
    _add: Any,
    _fetch: Any,
    _save: Any,
    _delete: Any,
    upload: str | None,
    url: str | None,
    title: str | None,
    region: str | None,
    language: str | None,
    interval: Any,
    target: int | None,
    e_region: str | None,
    e_language: str | None,
    e_interval: Any,
    e_enabled: bool | None,
    filename: str | None,
    refresh: int | None,
) -> tuple[Any, int, Any]:
    require("feeds")
    ctx = get_ctx()
    trigger = dash.ctx.triggered_id
    clear_url: Any = dash.no_update
    if trigger == "feeds-add":
        outcome = feed_actions.add_from_form(
            ctx, feed_actions.FeedForm(url, title, region, language, interval)
        )
        if outcome.ok:
            clear_url = ""
    elif isinstance(trigger, dict) and trigger.get("type") == "feeds-fetch":
        if not _clicked():
            raise dash.exceptions.PreventUpdate
        try:
            request_fetch(ctx.database, int(trigger["index"]))
            outcome = feed_actions.Outcome(
                True, "Fetch requested: the scheduler picks it up at its next tick."
            )
        except FeedNotFound:
            outcome = feed_actions.Outcome(False, "That feed no longer exists.")
    elif trigger == "feeds-edit-save" and target:
        outcome = feed_actions.edit(
            ctx,
            int(target),
            region=e_region,
            language=e_language,
            interval=e_interval,
            enabled=e_enabled is not False,
        )
    elif trigger == "feeds-delete-confirm" and target:
        try:
            _fid, deleted = remove_feed(ctx.database, int(target), actor=feed_actions._actor())
            outcome = feed_actions.Outcome(True, f"Deleted the feed and {deleted} items only it carried.")
        except FeedNotFound:
            outcome = feed_actions.Outcome(False, "That feed no longer exists.")
    elif trigger == "feeds-opml-upload" and upload:
        outcome = feed_actions.import_opml(ctx, upload, filename)
    else:
        raise dash.exceptions.PreventUpdate
    return _alert(outcome), (refresh or 0) + 1, clear_url


def open_modals(_edit: Any, _delete: Any, _ce: Any, _cd: Any, _refresh: Any) -> tuple[Any, ...]:
    """Open the edit or delete dialog for a row (read only: saving goes through ``act``)."""
    trigger = dash.ctx.triggered_id
    closed = (
        False,
        False,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
    )
    if not isinstance(trigger, dict) or not _clicked():
        return closed
    return modal_for(int(trigger["index"]), str(trigger.get("type")))


def modal_for(feed_id: int, kind: str) -> tuple[Any, ...]:
    """The edit ("feeds-edit") or delete dialog's contents for one feed."""
    ctx = get_ctx()
    closed = (
        False,
        False,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
    )
    feed = next((f for f in list_feeds(ctx.database) if f.id == feed_id), None)
    if feed is None:
        return closed
    if kind == "feeds-edit":
        regions = [{"label": "No region hint", "value": ""}, *select_options(ctx.meta.regions.items())]
        return (
            True,
            False,
            feed_id,
            shown(feed.url, current_user()),
            regions,
            feed.region or "",
            feed.language or "",
            feed.interval_minutes,
            feed.enabled,
            dash.no_update,
        )
    only, shared = removal_impact(ctx.database, feed_id)
    text = [
        html.P(["Delete ", html.Strong(shown(feed.title or feed.url, current_user())), "?"]),
        html.P(
            f"{only} items only this feed carried will be deleted, with their reviews. "
            f"{shared} items other feeds also carried stay. Its fetch history is deleted."
        ),
    ]
    return (
        False,
        True,
        feed_id,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        dash.no_update,
        text,
    )


def export(_n: Any) -> dict[str, Any]:
    return send_bytes(
        feed_actions.export_opml(get_ctx(), reveal=reveals(current_user())), "r2pwatch-feeds.opml"
    )


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(__name__, path=PATH, name="Feeds", title="Feeds · r2pwatch", layout=layout)
    app.callback(Output("feeds-list", "children"), Input("feeds-refresh", "data"), prevent_initial_call=True)(
        refresh_table
    )
    write_callback(
        app,
        ctx,
        "feeds",
        Output("feeds-preview", "children"),
        Input("feeds-test", "n_clicks"),
        State("feeds-add-url", "value"),
        prevent_initial_call=True,
    )(test_feed)
    write_callback(
        app,
        ctx,
        "feeds",
        Output("feeds-msg", "children"),
        Output("feeds-refresh", "data"),
        Output("feeds-add-url", "value"),
        Input("feeds-add", "n_clicks"),
        Input({"type": "feeds-fetch", "index": ALL}, "n_clicks"),
        Input("feeds-edit-save", "n_clicks"),
        Input("feeds-delete-confirm", "n_clicks"),
        Input("feeds-opml-upload", "contents"),
        State("feeds-add-url", "value"),
        State("feeds-add-title", "value"),
        State("feeds-add-region", "value"),
        State("feeds-add-language", "value"),
        State("feeds-add-interval", "value"),
        State("feeds-target", "data"),
        State("feeds-edit-region", "value"),
        State("feeds-edit-language", "value"),
        State("feeds-edit-interval", "value"),
        State("feeds-edit-enabled", "value"),
        State("feeds-opml-upload", "filename"),
        State("feeds-refresh", "data"),
        prevent_initial_call=True,
    )(act)
    app.callback(
        Output("feeds-edit-modal", "is_open"),
        Output("feeds-delete-modal", "is_open"),
        Output("feeds-target", "data"),
        Output("feeds-edit-url", "children"),
        Output("feeds-edit-region", "options"),
        Output("feeds-edit-region", "value"),
        Output("feeds-edit-language", "value"),
        Output("feeds-edit-interval", "value"),
        Output("feeds-edit-enabled", "value"),
        Output("feeds-delete-text", "children"),
        Input({"type": "feeds-edit", "index": ALL}, "n_clicks"),
        Input({"type": "feeds-delete", "index": ALL}, "n_clicks"),
        Input("feeds-edit-cancel", "n_clicks"),
        Input("feeds-delete-cancel", "n_clicks"),
        Input("feeds-refresh", "data"),
        prevent_initial_call=True,
    )(open_modals)
    app.callback(
        Output("feeds-opml-download", "data"),
        Input("feeds-opml-export", "n_clicks"),
        prevent_initial_call=True,
    )(export)
