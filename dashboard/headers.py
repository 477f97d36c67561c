"""Security headers on every response.

The Content-Security-Policy allows only this server's own scripts, styles, images and connections:
everything the dashboard uses is served locally. Dash renders two inline scripts (its renderer start-up
and any inline clientside callbacks); they are allowed by their hashes (``Dash.csp_hashes``), never by
'unsafe-inline'. Styles need 'unsafe-inline' because Dash, Plotly and ag-grid set style attributes and
inject style elements at run time; images allow data: URLs (sparklines, Plotly's exports).
"""

from __future__ import annotations

from typing import Any

import dash
import flask


def content_security_policy(script_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install(app: dash.Dash) -> None:
    """The policy is computed at the first response, once Dash has set itself up (Dash pages adds
    its inline clientside script then), and again should the inline scripts change."""
    cache: dict[tuple[str, ...], str] = {}

    def policy() -> str:
        hashes = tuple(app.csp_hashes())
        if hashes not in cache:
            cache.clear()
            cache[hashes] = content_security_policy(list(hashes))
        return cache[hashes]

    def add_headers(response: flask.Response) -> flask.Response:
        headers: Any = response.headers
        headers.setdefault("Content-Security-Policy", policy())
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response

    app.server.after_request(add_headers)
