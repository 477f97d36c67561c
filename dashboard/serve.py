"""``r2pwatch serve``: the dashboard on one machine, under waitress (a production WSGI server in pure
Python, so one laptop needs nothing else).

For a team server run ``gunicorn 'dashboard.wsgi:server'`` instead (see the README), with the
scheduler as its own process (``r2pwatch ingest``).
"""

from __future__ import annotations

from dashboard.app import create_app
from r2pwatch.settings import Settings


def serve(settings: Settings) -> int:
    from waitress import serve as waitress_serve

    app = create_app(settings)
    host = str(settings["serve.host"])
    port = int(settings["serve.port"])
    print(f"r2pwatch dashboard on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        waitress_serve(app.server, host=host, port=port, threads=8, ident="r2pwatch")
    except KeyboardInterrupt:
        print("r2pwatch dashboard stopped", flush=True)
    return 0
