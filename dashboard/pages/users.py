"""Users (/users): your account (Atom feed token, password) for everyone logged in; for admins, every
user with add, role, disable/enable, password, token and remove."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashboard import user_actions
from dashboard.auth import current_user, require
from dashboard.context import AppContext, CurrentUser, get_ctx, write_callback
from dashboard.dashtyped import register_page
from db.roles import ROLES
from db.users import get_user, list_users

PATH = "/users"
ACTION_LABELS = {
    "viewer": "Make viewer",
    "analyst": "Make analyst",
    "admin": "Make admin",
    "disable": "Disable",
    "enable": "Enable",
    "password": "Set password",
    "rotate-token": "New feed token",
    "remove": "Remove",
}


def _own(ctx: AppContext, user: CurrentUser) -> dbc.Card:
    info = get_user(ctx.database, user.name)
    token = info.feed_token if info else ""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Your account", className="h6"),
                html.P([html.Strong(user.name), f" · {user.role}"], className="mb-2"),
                html.Div(
                    [
                        "Atom feed of flagged items: ",
                        html.Code(f"/feeds/flagged.atom?token={token}", id="users-own-feed"),
                    ],
                    className="small mb-2 text-break",
                ),
                html.Div(
                    [
                        "Atom feed of alerts: ",
                        html.Code(f"/feeds/alerts.atom?token={token}", id="users-own-alerts-feed"),
                    ],
                    className="small mb-2 text-break",
                ),
                dbc.Button(
                    "New feed token",
                    id="users-rotate-own",
                    size="sm",
                    color="secondary",
                    outline=True,
                    className="mb-3",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            dbc.Input(
                                id="users-own-current",
                                type="password",
                                placeholder="Current password",
                                autocomplete="current-password",
                            ),
                            md=4,
                        ),
                        dbc.Col(
                            dbc.Input(
                                id="users-own-new",
                                type="password",
                                placeholder="New password (8+ characters)",
                                autocomplete="new-password",
                            ),
                            md=4,
                        ),
                        dbc.Col(
                            dbc.Button(
                                "Change password", id="users-own-password", color="primary", size="sm"
                            ),
                            md=4,
                        ),
                    ],
                    className="g-2",
                ),
                html.Div(id="users-own-msg", role="status", className="mt-2"),
            ]
        ),
        className="shadow-sm mb-3",
    )


def user_table(ctx: AppContext) -> Any:
    rows = [
        html.Tr(
            [
                html.Td(u.name),
                html.Td(u.role),
                html.Td(html.Span("disabled", className="badge bg-secondary") if u.disabled else "active"),
            ],
            id=f"users-row-{u.id}",
        )
        for u in list_users(ctx.database)
    ]
    head = html.Thead(html.Tr([html.Th("Name"), html.Th("Role"), html.Th("Status")]))
    return html.Table([head, html.Tbody(rows)], className="table table-sm align-middle")


def _admin(ctx: AppContext) -> dbc.Card:
    names = [{"label": u.name, "value": u.name} for u in list_users(ctx.database)]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Users", className="h6"),
                html.Div(user_table(ctx), id="users-table"),
                dbc.Row(
                    [
                        dbc.Col(dbc.Select(id="users-target", options=names, placeholder="User"), md=3),
                        dbc.Col(
                            dbc.Select(
                                id="users-action",
                                options=[{"label": v, "value": k} for k, v in ACTION_LABELS.items()],
                                placeholder="Action",
                            ),
                            md=3,
                        ),
                        dbc.Col(
                            dbc.Input(
                                id="users-password",
                                type="password",
                                placeholder="New password (for Set password)",
                                autocomplete="new-password",
                            ),
                            md=4,
                        ),
                        dbc.Col(dbc.Button("Apply", id="users-apply", color="primary", size="sm"), md=2),
                    ],
                    className="g-2 mb-3",
                ),
                html.H3("Add a user", className="h6"),
                dbc.Row(
                    [
                        dbc.Col(dbc.Input(id="users-add-name", placeholder="Name"), md=3),
                        dbc.Col(
                            dbc.Select(
                                id="users-add-role",
                                options=[{"label": r, "value": r} for r in ROLES],
                                value="analyst",
                            ),
                            md=3,
                        ),
                        dbc.Col(
                            dbc.Input(
                                id="users-add-password",
                                type="password",
                                placeholder="Password (8+ characters)",
                                autocomplete="new-password",
                            ),
                            md=4,
                        ),
                        dbc.Col(dbc.Button("Add user", id="users-add", color="primary", size="sm"), md=2),
                    ],
                    className="g-2",
                ),
                html.Div(id="users-admin-msg", role="status", className="mt-2"),
            ]
        ),
        className="shadow-sm",
    )


def layout(**_query: Any) -> html.Div:
    ctx = get_ctx()
    user = current_user()
    if user is None or user.anonymous:
        return html.Div(
            [
                html.H1("Account", className="h4"),
                html.P(["Log in to see your account: ", html.A("log in", href="/login?next=/users")]),
            ]
        )
    return html.Div(
        [
            html.H1("Account and users", className="h4 mb-3"),
            _own(ctx, user),
            _admin(ctx) if user.can("users") else None,
        ]
    )


def _alert(outcome: user_actions.Outcome) -> dbc.Alert:
    return dbc.Alert(
        outcome.message, color="success" if outcome.ok else "danger", className="py-2 small mb-0"
    )


def own_action(_rotate: Any, _password: Any, current: str | None, new: str | None) -> Any:
    user = require("account")
    ctx = get_ctx()
    if dash.ctx.triggered_id == "users-rotate-own":
        return _alert(user_actions.rotate_own_token(ctx, user))
    return _alert(user_actions.change_own_password(ctx, user, current, new))


def admin_action(
    _add: Any,
    _apply: Any,
    target: str | None,
    action: str | None,
    password: str | None,
    name: str | None,
    role: str | None,
    new_password: str | None,
) -> tuple[Any, Any]:
    admin = require("users")
    ctx = get_ctx()
    if dash.ctx.triggered_id == "users-add":
        outcome = user_actions.add(ctx, admin, name, role, new_password)
    else:
        outcome = user_actions.manage(ctx, admin, target, action, password)
    return _alert(outcome), user_table(ctx)


def register(app: dash.Dash, ctx: AppContext) -> None:
    register_page(__name__, path=PATH, name="Users", title="Users · r2pwatch", layout=layout)
    write_callback(
        app,
        ctx,
        "account",
        Output("users-own-msg", "children"),
        Input("users-rotate-own", "n_clicks"),
        Input("users-own-password", "n_clicks"),
        State("users-own-current", "value"),
        State("users-own-new", "value"),
        prevent_initial_call=True,
    )(own_action)
    write_callback(
        app,
        ctx,
        "users",
        Output("users-admin-msg", "children"),
        Output("users-table", "children"),
        Input("users-add", "n_clicks"),
        Input("users-apply", "n_clicks"),
        State("users-target", "value"),
        State("users-action", "value"),
        State("users-password", "value"),
        State("users-add-name", "value"),
        State("users-add-role", "value"),
        State("users-add-password", "value"),
        prevent_initial_call=True,
    )(admin_action)
