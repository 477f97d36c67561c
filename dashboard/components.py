"""Small UI pieces shared by the pages. Feed text is always passed as a string child (React escapes
it); nothing here builds HTML from item text."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import dash_bootstrap_components as dbc
from dash import html

from dashboard.colours import COUNTRY, ORGANISATION, STATUS_COLOURS, tint
from dashboard.meta import Meta

GRAPH_CONFIG_BASE: dict[str, Any] = {"displaylogo": False, "responsive": True}


def graph_config(topojson_url: str | None = None, **extra: Any) -> Any:
    config = {**GRAPH_CONFIG_BASE, "modeBarButtonsToRemove": ["lasso2d", "select2d"], **extra}
    if topojson_url:
        config["topojsonURL"] = topojson_url
    return config


def fmt_time(value: datetime | None, *, with_time: bool = True) -> str:
    if value is None:
        return "—"
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M") if with_time else value.strftime("%Y-%m-%d")


def ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = max(0, int((now - value).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def safe_href(url: str | None) -> str | None:
    """The URL if it is absolute http(s), else None (no javascript:, data:, relative...)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def source_link(url: str | None, label: str = "Open the source") -> Any:
    href = safe_href(url)
    if href is None:
        return html.Span("No http(s) link to the source", className="text-muted small")
    return html.A(label, href=href, target="_blank", rel="noopener noreferrer nofollow")


def indicator_badge(meta: Meta, indicator: str, *, short: bool = False, extra: str = "") -> html.Span:
    name = meta.indicator_name(indicator)
    colour = meta.colour(indicator)
    label = meta.short_name(indicator) if short else name
    return html.Span(
        [label, extra],
        className="badge ind-badge me-1",
        style={
            "backgroundColor": tint(colour, 0.14),
            "color": "#212529",
            "borderLeft": f"4px solid {colour}",
        },
        title=name,
    )


def colour_dot(colour: str) -> html.Span:
    return html.Span(className="dot me-2", style={"backgroundColor": colour})


def status_badge(status: str) -> html.Span:
    colour = STATUS_COLOURS.get(status, "secondary")
    text_class = " text-dark border" if colour == "light" else ""
    return html.Span(status, className=f"badge bg-{colour}{text_class}")


def highlight(text: str, evidence: Iterable[Mapping[str, Any]], field: str, meta: Meta) -> list[Any]:
    """``text`` split into plain strings and <mark> spans for the evidence in ``field``; overlapping
    spans keep the first (longest when they start together). Offsets that do not match are skipped."""
    spans: list[tuple[int, int, str, str]] = []
    for ev in evidence:
        if ev.get("field") != field:
            continue
        try:
            start, end = int(ev["start"]), int(ev["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if not (0 <= start < end <= len(text)):
            continue
        kind = str(ev.get("kind", "indicator"))
        ident = str(ev.get("id", ""))
        colour = (
            meta.colour(ident) if kind == "indicator" else (COUNTRY if kind == "country" else ORGANISATION)
        )
        label = meta.indicator_name(ident) if kind == "indicator" else ident
        spans.append((start, end, colour, f"{kind}: {label}"))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[Any] = []
    pos = 0
    for start, end, colour, label in spans:
        if start < pos:
            continue
        if start > pos:
            out.append(text[pos:start])
        style = {"backgroundColor": tint(colour, 0.22), "borderBottom": f"2px solid {colour}"}
        if colour in (COUNTRY, ORGANISATION):
            style = {"backgroundColor": "transparent", "borderBottom": f"2px dotted {colour}"}
        out.append(html.Mark(text[start:end], style=style, title=label, className="ev"))
        pos = end
    if pos < len(text):
        out.append(text[pos:])
    return out


def sparkline_src(values: Sequence[int], colour: str, *, width: int = 120, height: int = 22) -> str:
    """A tiny SVG polyline as a data URI: only numbers and a #rrggbb colour go into it."""
    if not colour.startswith("#") or len(colour) != 7:
        colour = "#6c757d"
    peak = max(values, default=0) or 1
    n = max(len(values) - 1, 1)
    pts = " ".join(
        f"{i * (width - 2) / n + 1:.1f},{height - 2 - (v / peak) * (height - 4):.1f}"
        for i, v in enumerate(values)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="{colour}" stroke-width="1.4" '
        f'stroke-linejoin="round" points="{pts}"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def empty(message: str) -> html.Div:
    return html.Div(message, className="text-muted small fst-italic py-2")


def card(title: Any, body: Any, *, class_name: str = "", header_right: Any = None) -> dbc.Card:
    header = html.Div(
        [html.Span(title, className="fw-semibold"), header_right],
        className="d-flex justify-content-between align-items-center",
    )
    return dbc.Card(
        [dbc.CardHeader(header, className="py-2"), dbc.CardBody(body)], className=f"shadow-sm {class_name}"
    )


def select_options(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"label": label, "value": value} for value, label in pairs]
