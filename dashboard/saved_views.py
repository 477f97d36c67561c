"""Saved views: the navbar's "Views" menu (open one, or save the page as it is now, URL state and all),
``/views/<id>`` (marks the view seen and goes there) and the overview's card of views with their counts
of new items since each was last opened."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import flask
from dash import ClientsideFunction, Input, Output, State, dcc, html
from werkzeug.wrappers import Response

from dashboard.auth import current_user
from dashboard.context import AppContext, CurrentUser, get_ctx
from dashboard.dashtyped import clientside_callback
from dashboard.urlstate import review_filter
from db.filters import ItemFilter
from db.listing import item_page
from db.views import ViewError, ViewInfo, list_views, open_view, save_view


def _named_user(user: CurrentUser | None) -> CurrentUser | None:
    return user if user is not None and not user.anonymous else None


def new_items(ctx: AppContext, view: ViewInfo) -> int | None:
    """Items the view shows that were published since it was last opened (None: the page has no items)."""
    q = {k: v[0] for k, v in parse_qs(view.query).items() if v}
    flt: ItemFilter | None = None
    if view.path == "/review":
        flt = review_filter(q)
    elif view.path.startswith("/region/"):
        flt = ItemFilter(
            region=view.path.removeprefix("/region/"),
            indicator=q.get("indicator") or None,
            organisation=q.get("org") or None,
            flagged_only=True,
        )
    elif view.path.startswith("/country/"):
        flt = ItemFilter(country=view.path.removeprefix("/country/")[:3].upper())
    if flt is None:
        return None
    since = max(flt.since, view.seen_at) if flt.since is not None else view.seen_at
    return item_page(ctx.database, replace(flt, since=since), start=0, end=0).total


def saved_views_card(ctx: AppContext) -> Any:
    user = _named_user(current_user())
    if user is None:
        return None
    views = list_views(ctx.database, user.name)
    if not views:
        return None
    items = []
    for v in views:
        n = new_items(ctx, v)
        badge = (
            html.Span(
                f"{n} new" if n else "nothing new",
                className="badge " + ("text-bg-warning" if n else "text-bg-light border") + " ms-2",
            )
            if n is not None
            else None
        )
        items.append(html.Li([html.A(v.name, href=f"/views/{v.id}"), badge], className="me-4 mb-1"))
    return dbc.Card(
        [
            dbc.CardHeader("Your saved views (new since you last opened each)"),
            dbc.CardBody(
                html.Ul(items, className="list-unstyled d-flex flex-wrap mb-0", id="overview-saved-views")
            ),
        ],
        className="mb-3",
    )


def nav_menu(ctx: AppContext, user: CurrentUser | None) -> Any:
    user = _named_user(user)
    if user is None:
        return None
    views = list_views(ctx.database, user.name)
    entries: list[Any] = [
        dbc.DropdownMenuItem(v.name, href=f"/views/{v.id}", external_link=True) for v in views
    ]
    if views:
        entries.append(dbc.DropdownMenuItem(divider=True))
    entries.append(dbc.DropdownMenuItem("Save this view…", id="views-save-open"))
    return dbc.DropdownMenu(entries, label="Views", nav=True, in_navbar=True, id="nav-views", align_end=True)


def modal() -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Save this view")),
            dbc.ModalBody(
                [
                    html.Div(
                        "Its filters, sort and period are kept; open it again from the Views menu.",
                        className="small text-muted mb-2",
                    ),
                    dbc.Input(id="views-name", placeholder="Name, e.g. Sahel incitement", maxLength=200),
                    html.Div(id="views-msg", className="small mt-2", role="status"),
                ]
            ),
            dbc.ModalFooter(dbc.Button("Save", id="views-save", color="primary", size="sm")),
            dcc.Store(id="views-location"),
        ],
        id="views-modal",
        is_open=False,
    )


def open_modal(_n: Any) -> bool:
    return True


def save(_n: Any, name: str | None, location: dict[str, Any] | None) -> str:
    user = _named_user(current_user())
    if user is None:
        return "Log in to save views."
    loc = location or {}
    try:
        view = save_view(
            get_ctx().database,
            user.name,
            name or "",
            str(loc.get("path") or ""),
            str(loc.get("search") or ""),
        )
    except ViewError as exc:
        return f"Not saved: {exc}."
    return f"Saved “{view.name}”. It is in the Views menu from the next page you open."


def go(view_id: int) -> Response:
    user = _named_user(current_user())
    if user is None:
        return flask.redirect(f"/login?next=/views/{view_id}")
    view = open_view(get_ctx().database, user.name, view_id)
    if view is None:
        return Response("no such saved view\n", status=404, mimetype="text/plain")
    return flask.redirect(view.href)


def register(app: dash.Dash, ctx: AppContext) -> None:
    app.server.add_url_rule("/views/<int:view_id>", "r2p_saved_view", go)
    app.callback(
        Output("views-modal", "is_open"), Input("views-save-open", "n_clicks"), prevent_initial_call=True
    )(open_modal)
    clientside_callback(
        app,
        ClientsideFunction("r2pwatch", "currentLocation"),
        Output("views-location", "data"),
        Input("views-modal", "is_open"),
    )
    app.callback(
        Output("views-msg", "children"),
        Input("views-save", "n_clicks"),
        State("views-name", "value"),
        State("views-location", "data"),
        prevent_initial_call=True,
    )(save)
