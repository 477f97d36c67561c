"""The r2pwatch dashboard: a Dash app built by :func:`dashboard.app.create_app`."""
