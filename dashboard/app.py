"""The app factory. Everything is served by the app itself: Bootstrap CSS, Dash's scripts and the
map outlines (``assets/topojson``) — no CDN, no web fonts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import dash
import dash_bootstrap_components as dbc
import flask
from dash import dcc, html

from dashboard import atom, audit_view, auth, brief, headers, saved_views, unavailable
from dashboard.auth import current_user
from dashboard.config import DashboardConfig
from dashboard.context import EXTENSION, AppContext, CurrentUser, get_ctx
from dashboard.meta import Meta
from dashboard.pages import alerts, country, feeds, indicators, overview, region, review, users
from db import Database

ASSETS = Path(__file__).resolve().parent / "assets"
PAGES = (overview, region, country, review, alerts, feeds, indicators, users)


def _navbar(user: CurrentUser | None, ctx: AppContext) -> dbc.Navbar:
    regions = [dbc.DropdownMenuItem(name, href=f"/region/{slug}") for slug, name in ctx.meta.regions.items()]
    links = [
        dbc.NavItem(dbc.NavLink("Overview", href="/", active="exact", id="nav-overview")),
        dbc.DropdownMenu(regions, label="Regions", nav=True, in_navbar=True, id="nav-regions"),
        dbc.NavItem(dbc.NavLink("Review", href="/review", active="partial", id="nav-review")),
        dbc.NavItem(dbc.NavLink("Alerts", href="/alerts", active="partial", id="nav-alerts")),
        dbc.NavItem(dbc.NavLink("Feeds", href="/feeds", active="partial", id="nav-feeds")),
        dbc.NavItem(dbc.NavLink("Indicators", href="/indicators", active="partial", id="nav-indicators")),
    ]
    if user is not None and user.can("admin"):
        links.append(dbc.NavItem(dbc.NavLink("Audit", href="/audit", external_link=True, id="nav-audit")))
    if user is None or user.anonymous:
        who: Any = html.A("Log in", href="/login", className="btn btn-sm btn-outline-light", id="nav-login")
    else:
        who = html.Span(
            [
                html.Ul(saved_views.nav_menu(ctx, user), className="navbar-nav me-3"),
                html.A(
                    user.name,
                    href="/users",
                    className="me-1 text-light",
                    id="nav-user",
                    title="Your account" + (" and users" if user.can("users") else ""),
                ),
                html.Span(user.role, className="badge bg-light text-dark me-2", id="nav-role"),
                # a form, not a link: logging out changes state, so it is a POST (a cross-site image or
                # prefetch of /logout cannot end a session, and SameSite=Lax keeps other sites' POSTs out)
                html.Form(
                    html.Button(
                        "Log out", type="submit", className="btn btn-sm btn-outline-light", id="nav-logout"
                    ),
                    method="POST",
                    action="/logout",
                    className="d-inline m-0",
                ),
            ],
            className="text-light small d-flex align-items-center",
        )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand([html.Span("r2p", className="fw-bold"), "watch"], href="/", className="me-4"),
                dbc.Nav(links, navbar=True, className="me-auto"),
                who,
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="py-1",
    )


def _shell() -> html.Div:
    ctx = get_ctx()
    user = current_user()
    banner = (
        html.Div(
            "Sample data: everything shown here is invented for the demo.",
            className="demo-banner",
            id="app-demo-banner",
            role="status",
        )
        if ctx.demo
        else None
    )
    return html.Div(
        [
            _navbar(user, ctx),
            banner,
            dbc.Container(dash.page_container, fluid=True, className="py-3 px-4", id="app-main"),
            dcc.Store(id="app-role", data=user.role if user else None),
            saved_views.modal(),
        ]
    )


def create_app(config: DashboardConfig, database: Database) -> dash.Dash:
    """Build the dashboard with ``config`` on ``database``."""
    ctx = AppContext(config, database, Meta(config.tagger))
    server = flask.Flask("dashboard")
    server.extensions[EXTENSION] = ctx
    app = dash.Dash(
        "dashboard",
        server=cast(Any, server),
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title="r2pwatch",
        update_title=cast(Any, None),
        external_stylesheets=[],
        external_scripts=[],
    )
    app.layout = _shell
    auth.install(server, database, config.auth)
    unavailable.install(server)
    atom.install(server)
    brief.install(server)
    audit_view.install(server)
    for page in PAGES:
        page.register(app, ctx)
    saved_views.register(app, ctx)
    headers.install(app)
    return app
