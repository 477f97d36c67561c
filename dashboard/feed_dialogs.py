"""The Feeds page's forms: adding a feed (with its Test button), and the edit and delete dialogs of a
row (opened here, read only; saving goes through the page's ``act``)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.auth import current_user
from dashboard.components import select_options
from dashboard.context import AppContext, get_ctx
from dashboard.redact import shown
from db.feeds import list_feeds, removal_impact

#: the outputs of ``open_modals``: both dialogs' open state, the target feed, the edit dialog's seven
#: fields and the delete dialog's text
_OUTPUTS = 10


def region_options(ctx: AppContext) -> list[dict[str, str]]:
    """The region select's options: no hint, then every region."""
    return [{"label": "No region hint", "value": ""}, *select_options(ctx.meta.regions.items())]


def _closed() -> tuple[Any, ...]:
    return (False, False, *([dash.no_update] * (_OUTPUTS - 2)))


def clicked() -> bool:
    """A real click (pattern-matching inputs also fire when the table is re-rendered)."""
    return any(t.get("value") for t in dash.ctx.triggered)


def add_form(ctx: AppContext, can_edit: bool) -> dbc.Card:
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
                                id="feeds-add-region",
                                options=region_options(ctx),
                                value="",
                                disabled=not can_edit,
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


def modals() -> list[Any]:
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


def open_modals(_edit: Any, _delete: Any, _ce: Any, _cd: Any, _refresh: Any) -> tuple[Any, ...]:
    """Open the edit or delete dialog for a row (read only: saving goes through ``act``)."""
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not clicked():
        return _closed()
    return modal_for(int(trigger["index"]), str(trigger.get("type")))


def modal_for(feed_id: int, kind: str) -> tuple[Any, ...]:
    """The edit ("feeds-edit") or delete dialog's contents for one feed."""
    ctx = get_ctx()
    feed = next((f for f in list_feeds(ctx.database) if f.id == feed_id), None)
    if feed is None:
        return _closed()
    if kind == "feeds-edit":
        return (
            True,
            False,
            feed_id,
            shown(feed.url, current_user()),
            region_options(ctx),
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
