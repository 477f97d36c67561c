"""The review queue by story (``/review?view=stories``): one row per story with its items inside, and
decisions on a story, which the server applies to every item of it (stored per item, with the reviewer
and the time, as for items). Viewers see the rows; the server refuses their decisions."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashboard.auth import current_user, require
from dashboard.context import AppContext, CurrentUser, get_ctx, write_callback
from dashboard.item_view import RTL_LANGUAGES
from dashboard.redact import shown
from dashboard.review_grid import ACTION_LABELS, MAX_NOTE, do_review, filter_from
from db.story_queue import StoryRow, story_item_ids, story_page

PAGE = 50
MAX_STORIES = 100  # stories one decision may name


def story_view(user: CurrentUser | None, visible: bool) -> html.Div:
    """The story list's frame (its rows come from ``story_rows``)."""
    allowed = user is not None and user.can("review")
    return html.Div(
        [
            html.Div(
                [
                    dbc.Input(
                        id="review-story-note",
                        placeholder="Note for a story decision",
                        size="sm",
                        disabled=not allowed,
                        className="me-2",
                        style={"maxWidth": "320px"},
                    ),
                    html.Span(id="review-story-msg", className="small me-2", role="status"),
                    html.Span(id="review-story-count", className="small text-muted ms-auto"),
                    dbc.Button("Newer", id="review-story-newer", size="sm", outline=True, className="ms-2"),
                    dbc.Button("Older", id="review-story-older", size="sm", outline=True, className="ms-1"),
                ],
                className="d-flex align-items-center mb-2 flex-wrap gap-1",
            ),
            dcc.Store(id="review-story-start", data=0),
            html.Div(id="review-stories", className="review-stories"),
        ],
        id="review-stories-view",
        hidden=not visible,
    )


def _member(ctx: AppContext, row: Any, user: CurrentUser | None) -> html.Li:
    rtl = (row.language or "") in RTL_LANGUAGES
    return html.Li(
        [
            html.Span(row.published_at.strftime("%Y-%m-%d %H:%M"), className="text-muted me-2"),
            html.Span(shown(row.source, user), className="me-2"),
            html.A(row.title, href=f"/review?item={row.id}", dir="rtl" if rtl else "ltr"),
            dbc.Badge(row.status, color="light", text_color="dark", className="ms-2"),
        ],
        className="small story-item",
    )


def _story(ctx: AppContext, story: StoryRow, user: CurrentUser | None) -> html.Div:
    allowed = user is not None and user.can("review")
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(story.statuses.items()))
    facts = [
        f"{story.items} item{'s' if story.items != 1 else ''}",
        f"{story.sources} source{'s' if story.sources != 1 else ''}",
        statuses,
    ]
    if story.selected != story.items:
        facts.append(f"{story.selected} match the filters")
    buttons = [
        dbc.Button(
            label,
            # a viewer's buttons are not the decision callback's input: drawing them would call it
            id={
                "type": "review-story-act" if allowed else "review-story-shown",
                "story": story.key,
                "action": action,
            },
            color=colour,
            size="sm",
            outline=True,
            disabled=not allowed,
            className="me-1",
            title=f"{label} every item of this story",
        )
        for action, label, colour in ACTION_LABELS
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.Span(story.first_seen_at.strftime("%Y-%m-%d %H:%M"), className="text-muted me-2"),
                    html.Strong(story.title, className="bidi-auto me-2"),
                    html.Span(" · ".join(facts), className="small text-muted"),
                ]
            ),
            html.Div(
                [
                    html.Span(
                        ", ".join(ctx.meta.indicator_name(i) for i in story.indicators) or "no indicator",
                        className="small me-2",
                    ),
                    html.Span(", ".join(story.countries), className="small text-muted me-2"),
                    html.Span(buttons, className="ms-auto"),
                ],
                className="d-flex align-items-center flex-wrap",
            ),
            html.Details(
                [
                    html.Summary(f"Items ({len(story.members)} shown)", className="small"),
                    html.Ul([_member(ctx, m, user) for m in story.members], className="mb-1"),
                ]
            ),
        ],
        className="border-bottom py-2 story-row",
    )


def story_rows(filters: dict[str, Any] | None, _refresh: int | None, start: int | None) -> tuple[Any, str]:
    """The page of stories the filters select (only rendered in the story view)."""
    if (filters or {}).get("view") != "stories":
        raise dash.exceptions.PreventUpdate
    ctx = get_ctx()
    user = current_user()
    first = max(0, int(start or 0))
    stories, total = story_page(ctx.database, filter_from(filters), start=first, limit=PAGE)
    if not stories:
        return html.Div("No story has items these filters select.", className="text-muted"), "0 stories"
    count = f"stories {first + 1:,}–{first + len(stories):,} of {total:,}"
    return [_story(ctx, s, user) for s in stories], count


def turn_page(_newer: Any, _older: Any, _filters: Any, start: int | None) -> int:
    trigger = dash.ctx.triggered_id
    if trigger == "review-story-older":
        return int(start or 0) + PAGE
    if trigger == "review-story-newer":
        return max(0, int(start or 0) - PAGE)
    return 0  # new filters: back to the newest


def decide_stories(ctx: AppContext, user: CurrentUser, keys: list[int], action: str, note: str | None) -> str:
    """Apply ``action`` to every item of the stories ``keys`` for ``user`` (the same checks as for
    items: role, action, note length, how many at once)."""
    if not user.can("review"):
        return f"Your role ({user.role}) cannot review items."
    if not keys:
        return "No story chosen."
    if len(keys) > MAX_STORIES:
        return f"Refused: at most {MAX_STORIES} stories at once."
    if note is not None and len(note) > MAX_NOTE:
        return f"Refused: a note has at most {MAX_NOTE:,} characters ({len(note):,} given)."
    ids = story_item_ids(ctx.database, keys)
    if not ids:
        return "This story no longer exists."
    return do_review(ctx, user, ids, action, note)


def act_on_story(_clicks: list[Any], note: str | None, refresh: int | None) -> tuple[str, int]:
    user = require("review")
    trigger = dash.ctx.triggered_id
    fired = dash.ctx.triggered[0].get("value") if dash.ctx.triggered else None
    if not isinstance(trigger, dict) or not fired:  # buttons drawn anew fire with no click
        raise dash.exceptions.PreventUpdate
    try:
        key = int(str(trigger.get("story")))
    except (TypeError, ValueError):
        return "No story chosen.", (refresh or 0)
    message = decide_stories(get_ctx(), user, [key], str(trigger.get("action")), note)
    return message, (refresh or 0) + 1


def show_view(filters: dict[str, Any] | None) -> tuple[bool, bool]:
    """Which of the two views is visible: (items hidden, stories hidden)."""
    stories = (filters or {}).get("view") == "stories"
    return stories, not stories


def register(app: dash.Dash, ctx: AppContext) -> None:
    app.callback(
        Output("review-items-view", "hidden"),
        Output("review-stories-view", "hidden"),
        Input("review-filters", "data"),
    )(show_view)
    app.callback(
        Output("review-story-start", "data"),
        Input("review-story-newer", "n_clicks"),
        Input("review-story-older", "n_clicks"),
        Input("review-filters", "data"),
        State("review-story-start", "data"),
        prevent_initial_call=True,
    )(turn_page)
    app.callback(
        Output("review-stories", "children"),
        Output("review-story-count", "children"),
        Input("review-filters", "data"),
        Input("review-refresh", "data"),
        Input("review-story-start", "data"),
    )(story_rows)
    write_callback(
        app,
        ctx,
        "review",
        Output("review-story-msg", "children"),
        Output("review-refresh", "data", allow_duplicate=True),
        Input({"type": "review-story-act", "story": ALL, "action": ALL}, "n_clicks"),
        State("review-story-note", "value"),
        State("review-refresh", "data"),
        prevent_initial_call=True,
    )(act_on_story)
