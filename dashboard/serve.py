"""``r2pwatch serve``: the dashboard on one machine (Flask's threaded server).

For a team server run ``gunicorn 'dashboard.wsgi:server'`` instead (see the README), with the
scheduler as its own process (``r2pwatch ingest``).
"""

from __future__ import annotations

import logging

from dashboard.app import create_app
from r2pwatch.settings import Settings

log = logging.getLogger(__name__)


def serve(settings: Settings) -> int:
    app = create_app(settings)
    host = str(settings["serve.host"])
    port = int(settings["serve.port"])
    print(f"r2pwatch dashboard on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    app.run(host=host, port=port, debug=False, threaded=True)
    return 0
