"""One item as the analyst reads it: highlighted title and summary, evidence, places and
organisations with how they were found, the source link (http/https only) and the review history."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.auth import current_user
from dashboard.components import fmt_time, highlight, indicator_badge, source_link, status_badge
from dashboard.context import AppContext
from dashboard.redact import row_for, shown
from db.reviews import review_history
from db.rows import ItemDetail
from db.values import Evidence

#: languages written right to left (the item's text gets dir="rtl"; anything else dir="auto")
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ku", "yi", "dv", "sd", "ug"})


def text_dir(language: str | None) -> str:
    return "rtl" if (language or "") in RTL_LANGUAGES else "auto"


def _evidence_items(ctx: AppContext, evidence: tuple[Evidence, ...]) -> list[Any]:
    return [
        html.Li(
            [
                html.Q(str(ev.get("text", "")), className="me-2"),
                html.Span(
                    f"{ev.get('field', '')} · {ev.get('rule', '')} · weight {ev.get('weight', '')}",
                    className="text-muted small",
                ),
            ]
        )
        for ev in evidence
    ]


def item_panel(ctx: AppContext, d: ItemDetail, *, can_review: bool = False) -> html.Div:
    row = d.row
    all_evidence = [ev for t in d.tags for ev in t.evidence]
    all_evidence += [ev for c in d.countries for ev in c.evidence]
    all_evidence += [ev for o in d.organisations for ev in o.evidence]
    indicators = [
        html.Div(
            [
                html.Div(
                    [
                        indicator_badge(ctx.meta, t.id),
                        html.Span(
                            f"score {t.score:g}" + (f" · stage {t.stage}" if t.stage else ""),
                            className="small text-muted",
                        ),
                    ]
                ),
                html.Ul(_evidence_items(ctx, t.evidence), className="evidence mb-1"),
            ],
            className="mb-1",
        )
        for t in d.tags
    ]
    places = [
        html.Li(
            [
                html.A(f"{ctx.meta.country_name(c.iso3)} ({c.iso3})", href=f"/country/{c.iso3}"),
                html.Span(
                    f" · {ctx.meta.region_name(c.region)} · found by {c.method}", className="small text-muted"
                ),
                html.Span(": " + ", ".join(f"“{e.get('text', '')}”" for e in c.evidence), className="small")
                if c.evidence
                else None,
            ]
        )
        for c in d.countries
    ]
    orgs = [
        html.Li(
            [
                ctx.meta.organisation_name(o.id),
                html.Span(": " + ", ".join(f"“{e.get('text', '')}”" for e in o.evidence), className="small")
                if o.evidence
                else None,
            ]
        )
        for o in d.organisations
    ]
    user = current_user()
    # Review notes and reviewers' names are the team's own work: anonymous visitors see statuses only.
    private = user is None or user.anonymous
    history = review_history(ctx.database, row.id)
    hist = [
        html.Li(
            [
                html.Span(fmt_time(h.at), className="text-muted small me-2"),
                status_badge(h.status),
                None if private else html.Span(f" by {h.analyst}", className="small"),
                html.Div(h.note, className="small fst-italic", dir="auto")
                if h.note and not private
                else None,
            ]
        )
        for h in reversed(history)
    ]
    row = row_for(row, user)
    sources = [shown(s, user) for s in d.sources]
    return html.Div(
        [
            html.Div(
                [status_badge(row.status), html.Span(f" #{row.id}", className="text-muted small")],
                id="review-item-status",
            ),
            html.H2(
                highlight(row.title, all_evidence, "title", ctx.meta),
                className="h5 mt-2",
                id="review-item-title",
                dir=text_dir(row.language),
            ),
            html.Div(
                f"{fmt_time(row.published_at)} UTC · {', '.join(sources) or row.source}"
                f" · {row.language or 'language unknown'} · score {row.score:g}",
                className="small text-muted mb-2",
            ),
            html.P(
                highlight(row.summary, all_evidence, "summary", ctx.meta),
                id="review-item-summary",
                className="item-summary",
                dir=text_dir(row.language),
            ),
            html.Div(source_link(row.link), className="mb-3"),
            html.H3("Indicators and evidence", className="h6"),
            html.Div(indicators or html.Span("No indicator.", className="text-muted small")),
            html.H3("Countries", className="h6 mt-2"),
            html.Ul(places, className="small")
            if places
            else html.Div("None found.", className="text-muted small"),
            html.H3("Organisations", className="h6 mt-2"),
            html.Ul(orgs, className="small")
            if orgs
            else html.Div("None found.", className="text-muted small"),
            html.H3("History", className="h6 mt-2"),
            html.Ul(hist, className="list-unstyled small", id="review-item-history")
            if hist
            else html.Div("Not reviewed yet.", className="text-muted small", id="review-item-history"),
        ],
    )
