"""WSGI entry point for a team server: ``gunicorn -w 4 --threads 4 -b 127.0.0.1:8050 'r2pwatch.wsgi:server'``.

Settings come from the usual places (r2pwatch.toml, R2PWATCH_* environment variables).
"""

from __future__ import annotations

from dashboard.app import create_app
from db import open_database
from r2pwatch.config import dashboard_config
from r2pwatch.settings import load_settings

_settings = load_settings()
app = create_app(dashboard_config(_settings), open_database(_settings.database_url))
server = app.server
