"""Feeds (/feeds): health of every feed; add (validated, with a test fetch first), edit, delete
(saying what happens to its items), fetch now, OPML import and export.

The table is ``dashboard/feed_table.py``, the add form and the dialogs ``dashboard/feed_dialogs.py``,
what the buttons do ``dashboard/feed_actions.py``; this module lays the page out and wires it."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashboard import feed_actions
from dashboard.auth import current_user, require
from dashboard.context import AppContext, get_ctx, write_callback
from dashboard.dashtyped import register_page, send_bytes
from dashboard.feed_dialogs import add_form, clicked, modals, open_modals
from dashboard.feed_table import feed_table
from dashboard.redact import reveals

PATH = "/feeds"


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
            add_form(ctx, can_edit),
            html.Div(id="feeds-msg", role="status"),
            dcc.Store(id="feeds-refresh", data=0),
            dcc.Store(id="feeds-target"),
            html.Div(feed_table(ctx, can_edit), id="feeds-list"),
            *modals(),
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
        if not clicked():
            raise dash.exceptions.PreventUpdate
        outcome = feed_actions.fetch_now(ctx, int(trigger["index"]))
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
        outcome = feed_actions.delete(ctx, int(target))
    elif trigger == "feeds-opml-upload" and upload:
        outcome = feed_actions.import_opml(ctx, upload, filename)
    else:
        raise dash.exceptions.PreventUpdate
    return _alert(outcome), (refresh or 0) + 1, clear_url


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
