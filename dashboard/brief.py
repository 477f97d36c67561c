"""Situation briefs for a region or a country over a period: headline figures against the baseline,
alerts with their arithmetic, confirmed and escalated items by indicator with the analysts' notes, and
coverage caveats. One ``Brief`` value, rendered as Markdown (e-mail, wikis, ``r2pwatch brief``) or as
a printable HTML page (``/brief?region=…|country=…&from=…&to=…``)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import flask
from werkzeug.wrappers import Response

from dashboard.components import safe_href
from dashboard.context import CurrentUser
from dashboard.meta import Meta
from db import Database
from db.alerts import AlertInfo, list_alerts
from db.briefs import Covering, Figure, Scope, covering_feeds, headline_figures, item_count, reviewed_items
from db.exports import ExportRecord

DEFAULT_DAYS = 7
MAX_DAYS = 366


class BriefError(ValueError):
    """The request names no known region or country, or its dates are wrong (one line for the user)."""


@dataclass(frozen=True, slots=True)
class Brief:
    scope: Scope
    place: str  # "Africa", "Sudan (SDN)"
    start: date
    end: date  # inclusive
    generated: datetime
    items: int
    flagged: int
    figures: tuple[Figure, ...]
    alerts: tuple[AlertInfo, ...]
    alerts_region: str | None
    reviewed: tuple[tuple[str, tuple[ExportRecord, ...]], ...]  # indicator -> items
    coverage: tuple[Covering, ...]
    base_url: str


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise BriefError(f"{name}: not a date (YYYY-MM-DD): {value!r}") from None


def period(start: str | None, end: str | None, *, today: date | None = None) -> tuple[date, date]:
    """The inclusive days of the brief: by default the last 7 days up to today."""
    today = today or datetime.now(UTC).date()
    last = _day(end, "to") or today
    first = _day(start, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BriefError(f"from ({first}) is after to ({last})")
    if (last - first).days >= MAX_DAYS:
        raise BriefError(f"a brief covers at most {MAX_DAYS} days")
    return first, last


def scope_of(meta: Meta, region: str | None, country: str | None) -> tuple[Scope, str]:
    if bool(region) == bool(country):
        raise BriefError("name either a region or a country")
    if region:
        if region not in meta.regions:
            raise BriefError(f"unknown region {region!r}; use one of: {', '.join(meta.regions)}")
        return Scope(region=region), meta.region_name(region)
    iso3 = str(country).strip().upper()
    if not meta.is_country(iso3):
        raise BriefError(f"unknown country {country!r}: use an ISO 3166-1 alpha-3 code such as SDN")
    return Scope(country=iso3), f"{meta.country_name(iso3)} ({iso3})"


def collect(
    database: Database,
    meta: Meta,
    *,
    region: str | None = None,
    country: str | None = None,
    start: str | None = None,
    end: str | None = None,
    base_url: str = "",
    now: datetime | None = None,
) -> Brief:
    now = now or datetime.now(UTC)
    scope, place = scope_of(meta, region, country)
    first, last = period(start, end, today=now.date())
    t0 = datetime(first.year, first.month, first.day, tzinfo=UTC)
    t1 = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    items, flagged = item_count(database, scope, t0, t1)
    alerts_region = scope.region or meta.region_of(scope.country or "")
    alerts = (
        [a for a in list_alerts(database, since=t0, region=alerts_region) if a.window_end <= t1]
        if alerts_region
        else []
    )
    grouped: dict[str, list[ExportRecord]] = {}
    for record in reviewed_items(database, scope, t0, t1):
        top = record.indicators[0].indicator if record.indicators else "untagged"
        grouped.setdefault(top, []).append(record)
    order = {ind: n for n, ind in enumerate(meta.indicator_ids)}
    reviewed = tuple(
        (ind, tuple(rs)) for ind, rs in sorted(grouped.items(), key=lambda kv: order.get(kv[0], 99))
    )
    return Brief(
        scope,
        place,
        first,
        last,
        now,
        items,
        flagged,
        tuple(headline_figures(database, scope, t0, t1)),
        tuple(alerts),
        alerts_region,
        reviewed,
        tuple(covering_feeds(database, scope, t0, t1, now=now)),
        base_url.rstrip("/"),
    )


# --------------------------------------------------------------------------------------------------
# Markdown

# Brackets and the rest are escaped; parentheses alone cannot make a link once brackets are escaped.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<#|~])")


def md(text: str | None) -> str:
    """Text that Markdown shows as it is (no links, emphasis or HTML from feed text)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def _ratio(f: Figure) -> str:
    return f"{f.ratio:.1f}×" if f.ratio is not None else "new"


def _item_url(brief: Brief, item_id: int) -> str:
    return f"{brief.base_url}/review?item={item_id}"


def to_markdown(brief: Brief, meta: Meta) -> str:
    days = (brief.end - brief.start).days + 1
    lines = [
        f"# Situation brief: {md(brief.place)}, {brief.start} to {brief.end}",
        "",
        f"{days} days. Generated {brief.generated:%Y-%m-%d %H:%M} UTC by r2pwatch from monitored news; "
        "counts are news items, not events.",
        "",
        "## Headline figures",
        "",
        f"{brief.items} items about {md(brief.place)}, {brief.flagged} flagged for review.",
        "",
    ]
    if brief.figures:
        lines += [
            f"| Indicator | Items | Baseline ({brief.figures[0].baseline_periods} previous periods, mean) "
            "| Ratio |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {md(meta.indicator_name(f.indicator))} | {f.count} | {f.baseline_mean:.1f} | {_ratio(f)} |"
            for f in brief.figures
        ]
    else:
        lines.append("No tagged items in this period or its baseline.")
    lines += ["", "## Alerts", ""]
    if brief.alerts:
        for a in brief.alerts:
            lines.append(
                f"- **{md(meta.region_name(a.region))} · {md(meta.indicator_name(a.indicator) if a.indicator else 'coverage gap')}**: "
                f"{md(a.figures())}. "
                f"{md(a.explain())}"
            )
    else:
        where = meta.region_name(brief.alerts_region) if brief.alerts_region else brief.place
        lines.append(f"No alerts for {md(where)} in this period.")
    lines += ["", "## Confirmed and escalated items", ""]
    if not brief.reviewed:
        lines.append("No item about this place in this period has been confirmed or escalated.")
    for indicator, records in brief.reviewed:
        lines += [f"### {md(meta.indicator_name(indicator))}", ""]
        for r in records:
            link = safe_href(r.link)
            title = f"[{md(r.title)}]({link})" if link else md(r.title)
            source = r.sources[0][0] if r.sources else "unknown source"
            lines.append(
                f"- {title} — {md(source)}, {r.published:%Y-%m-%d}, **{r.review_status}** "
                f"([in r2pwatch]({_item_url(brief, r.id)}))"
            )
            if r.review_note:
                lines.append(f"  - Note ({md(r.reviewer)}): {md(r.review_note)}")
        lines.append("")
    lines += ["", "## Coverage caveats", ""]
    problems = [c for c in brief.coverage if c.problem]
    lines.append(
        f"{len(brief.coverage)} feeds cover {md(brief.place)} in this period; {len(problems)} with problems."
    )
    for c in problems:
        lines.append(f"- {md(c.feed.title or c.feed.url)}: {md(c.problem)}")
    if not brief.coverage:
        lines.append("- No feed carried news about this place in this period: silence here is not calm.")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------------------------------
# HTML (printable)

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",sans-serif;
max-width:900px;margin:2rem auto;padding:0 1rem;color:#212529}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #dee2e6;padding-bottom:.2rem;margin-top:1.6rem}
h3{font-size:1.05rem}table{border-collapse:collapse}td,th{border:1px solid #dee2e6;padding:.25rem .5rem}
td.n{text-align:right}.muted{color:#6c757d}.note{margin:.2rem 0 .6rem 1rem;font-style:italic}
.toolbar{margin-bottom:1rem}.toolbar a,.toolbar button{margin-right:.5rem}
@media print{.toolbar{display:none}a{color:inherit}body{margin:0}}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def to_html(brief: Brief, meta: Meta, *, markdown_href: str | None = None) -> str:
    days = (brief.end - brief.start).days + 1
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Brief: {_e(brief.place)} {brief.start} to {brief.end} · r2pwatch</title>",
        f"<style>{_CSS}</style></head><body><main id='brief'>",
        "<div class='toolbar'><button type='button' onclick='window.print()' id='brief-print'>Print</button>",
        f"<a href='{_e(markdown_href)}' id='brief-markdown'>Markdown</a>" if markdown_href else "",
        "<a href='/'>Dashboard</a></div>",
        f"<h1>Situation brief: {_e(brief.place)}, {brief.start} to {brief.end}</h1>",
        f"<p class='muted'>{days} days. Generated {brief.generated:%Y-%m-%d %H:%M} UTC by r2pwatch from "
        "monitored news; counts are news items, not events.</p>",
        "<h2>Headline figures</h2>",
        f"<p id='brief-count'>{brief.items} items about {_e(brief.place)}, {brief.flagged} flagged for review.</p>",
    ]
    if brief.figures:
        out.append(
            f"<table id='brief-figures'><tr><th>Indicator</th><th>Items</th><th>Baseline "
            f"({brief.figures[0].baseline_periods} previous periods, mean)</th><th>Ratio</th></tr>"
        )
        out += [
            f"<tr><td>{_e(meta.indicator_name(f.indicator))}</td><td class='n'>{f.count}</td>"
            f"<td class='n'>{f.baseline_mean:.1f}</td><td class='n'>{_e(_ratio(f))}</td></tr>"
            for f in brief.figures
        ]
        out.append("</table>")
    else:
        out.append("<p>No tagged items in this period or its baseline.</p>")
    out.append("<h2>Alerts</h2>")
    if brief.alerts:
        out.append("<ul id='brief-alerts'>")
        out += [
            f"<li><strong>{_e(meta.region_name(a.region))} · {_e(meta.indicator_name(a.indicator) if a.indicator else 'coverage gap')}</strong>: "
            f"{_e(a.figures())}. "
            f"<span class='muted'>{_e(a.explain())}</span></li>"
            for a in brief.alerts
        ]
        out.append("</ul>")
    else:
        where = meta.region_name(brief.alerts_region) if brief.alerts_region else brief.place
        out.append(f"<p>No alerts for {_e(where)} in this period.</p>")
    out.append("<h2>Confirmed and escalated items</h2>")
    if not brief.reviewed:
        out.append("<p>No item about this place in this period has been confirmed or escalated.</p>")
    for indicator, records in brief.reviewed:
        out.append(f"<h3>{_e(meta.indicator_name(indicator))}</h3><ul>")
        for r in records:
            link = safe_href(r.link)
            title = (
                f"<a href='{_e(link)}' dir='auto'>{_e(r.title)}</a>"
                if link
                else f"<span dir='auto'>{_e(r.title)}</span>"
            )
            source = r.sources[0][0] if r.sources else "unknown source"
            out.append(
                f"<li>{title} — {_e(source)}, {r.published:%Y-%m-%d}, <strong>{_e(r.review_status)}</strong> "
                f"(<a href='{_e(_item_url(brief, r.id))}'>in r2pwatch</a>)"
            )
            if r.review_note:
                out.append(
                    f"<div class='note' dir='auto'>Note ({_e(r.reviewer or '')}): {_e(r.review_note)}</div>"
                )
            out.append("</li>")
        out.append("</ul>")
    out.append("<h2>Coverage caveats</h2>")
    problems = [c for c in brief.coverage if c.problem]
    out.append(
        f"<p>{len(brief.coverage)} feeds cover {_e(brief.place)} in this period; "
        f"{len(problems)} with problems.</p><ul id='brief-coverage'>"
    )
    out += [f"<li>{_e(c.feed.title or c.feed.url)}: {_e(c.problem)}</li>" for c in problems]
    if not brief.coverage:
        out.append("<li>No feed carried news about this place in this period: silence here is not calm.</li>")
    out.append("</ul></main></body></html>")
    return "\n".join(x for x in out if x)


# --------------------------------------------------------------------------------------------------
# /brief


def for_reader(brief: Brief, user: CurrentUser | None) -> Brief:
    """What this reader may see: credentials in feed addresses for admins only; review notes and
    reviewers' names not for anonymous visitors."""
    from dashboard.redact import mask_credentials, mask_record, reveals

    if reveals(user):
        return brief
    private = user is None or user.anonymous

    def record(r: ExportRecord) -> ExportRecord:
        r = mask_record(r)
        return replace(r, review_note=None, reviewer=None) if private else r

    def covering(c: Covering) -> Covering:
        f = c.feed
        return replace(
            c,
            feed=replace(
                f,
                url=mask_credentials(f.url),
                title=mask_credentials(f.title),
                last_error=mask_credentials(f.last_error),
                disabled_reason=mask_credentials(f.disabled_reason),
            ),
        )

    return replace(
        brief,
        reviewed=tuple((ind, tuple(record(r) for r in rs)) for ind, rs in brief.reviewed),
        coverage=tuple(covering(c) for c in brief.coverage),
    )


def brief_view() -> Response:
    from urllib.parse import urlencode

    from dashboard.context import get_ctx

    ctx = get_ctx()
    args = flask.request.args
    try:
        brief = collect(
            ctx.database,
            ctx.meta,
            region=args.get("region") or None,
            country=args.get("country") or None,
            start=args.get("from"),
            end=args.get("to"),
            base_url=flask.request.host_url,
        )
    except BriefError as exc:
        page = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>No brief · r2pwatch</title>"
            f"<style>{_CSS}</style></head><body><h1>No brief</h1><p id='brief-error'>{_e(exc)}</p>"
            "<p>Example: <code>/brief?region=africa&amp;from=2026-11-01&amp;to=2026-11-07</code> or "
            "<code>/brief?country=SDN</code>.</p><p><a href='/'>Dashboard</a></p></body></html>"
        )
        return Response(page, status=400, mimetype="text/html")
    from dashboard.auth import current_user

    brief = for_reader(brief, current_user())
    if args.get("format") == "md":
        return Response(to_markdown(brief, ctx.meta), mimetype="text/markdown")
    query = {k: v for k, v in args.items() if k != "format"}
    return Response(
        to_html(brief, ctx.meta, markdown_href="/brief?" + urlencode({**query, "format": "md"})),
        mimetype="text/html",
    )


def install(server: flask.Flask) -> None:
    server.add_url_rule("/brief", "r2p_brief", brief_view)
