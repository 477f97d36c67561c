"""WSGI entry point for a team server: ``gunicorn -w 4 -b 0.0.0.0:8050 'dashboard.wsgi:server'``.

Settings come from the usual places (r2pwatch.toml, R2PWATCH_* environment variables).
"""

from __future__ import annotations

from dashboard.app import create_app
from r2pwatch.settings import load_settings

app = create_app(load_settings())
server = app.server
