"""``r2pwatch serve``: the dashboard built from the settings, on waitress, with its one line of news."""

from __future__ import annotations

from typing import TYPE_CHECKING

from r2pwatch.config import dashboard_config
from r2pwatch.settings import Settings

if TYPE_CHECKING:
    from db.engine import Database


def serve_dashboard(settings: Settings, database: Database) -> int:
    from dashboard.app import create_app
    from dashboard.serve import serve

    app = create_app(dashboard_config(settings), database)
    host = str(settings["serve.host"])
    port = int(settings["serve.port"])
    print(f"r2pwatch dashboard on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        serve(app, host=host, port=port)
    except KeyboardInterrupt:
        print("r2pwatch dashboard stopped", flush=True)
    return 0
