"""The dashboard on one machine, under waitress (a production WSGI server in pure Python, so one
laptop needs nothing else).

For a team server run ``gunicorn 'r2pwatch.wsgi:server'`` instead (see the README), with the
scheduler as its own process (``r2pwatch ingest``).
"""

from __future__ import annotations

import dash


def serve(app: dash.Dash, *, host: str, port: int) -> None:
    """Serve ``app`` until Ctrl-C."""
    from waitress import serve as waitress_serve

    waitress_serve(app.server, host=host, port=port, threads=8, ident="r2pwatch")
