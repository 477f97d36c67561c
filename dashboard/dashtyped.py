"""Typed handles on the few Dash functions that ship without annotations (mypy strict)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import dash
from dash.dcc import express

register_page = cast(Callable[..., None], dash.register_page)
get_asset_url = cast(Callable[[str], str], dash.get_asset_url)
send_string = cast(Callable[..., dict[str, Any]], express.send_string)
send_bytes = cast(Callable[..., dict[str, Any]], express.send_bytes)


def clientside_callback(app: dash.Dash, *args: Any, **kwargs: Any) -> None:
    cast(Any, app).clientside_callback(*args, **kwargs)
