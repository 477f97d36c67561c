"""Malformed requests get a 400 with a short message: never a 500, never SQL in the log."""

from __future__ import annotations

import json
import logging
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.grid import BadGridRequest, grid_request
from db import Database
from db.users import add_user
from tests.dashboard_seed import seed_sample
from tests.dashboard_server import make_config


@pytest.fixture
def client(db: Database) -> FlaskClient:
    seed_sample(db)
    add_user(db, "ana", "analyst", "analyst-password")
    app: dash.Dash = create_app(make_config(), db)
    c = app.server.test_client()
    c.post("/login", data={"name": "ana", "password": "analyst-password"})
    return c


def _rows(client: FlaskClient, request: Any) -> Any:
    body = {
        "output": "review-grid.getRowsResponse",
        "outputs": {"id": "review-grid", "property": "getRowsResponse"},
        "inputs": [{"id": "review-grid", "property": "getRowsRequest", "value": request}],
        "state": [{"id": "review-filters", "property": "data", "value": {"flagged": True}}],
        "changedPropIds": ["review-grid.getRowsRequest"],
    }
    return client.post("/_dash-update-component", json=body)


def _deep(levels: int) -> Any:
    model: Any = {"filterType": "text", "type": "contains", "filter": "x"}
    for _ in range(levels):
        model = {"conditions": [model], "operator": "AND"}
    return model


BAD = {
    "non-numeric startRow": {"startRow": "abc", "endRow": 100},
    "startRow as a list": {"startRow": [1], "endRow": 100},
    "negative row": {"startRow": -5, "endRow": 100},
    "huge row": {"startRow": 10**30, "endRow": 10**30 + 100},
    "huge block": {"startRow": 0, "endRow": 5_000_000},
    "nested filter": {"startRow": 0, "endRow": 100, "filterModel": {"title": _deep(50)}},
    "many filters": {
        "startRow": 0,
        "endRow": 100,
        "filterModel": {f"c{i}": {"filterType": "text", "filter": "x"} for i in range(500)},
    },
    "many conditions": {
        "startRow": 0,
        "endRow": 100,
        "filterModel": {
            "title": {
                "operator": "OR",
                "conditions": [{"filterType": "text", "type": "contains", "filter": "x"}] * 1000,
            }
        },
    },
    "huge filter text": {
        "startRow": 0,
        "endRow": 100,
        "filterModel": {"title": {"filterType": "text", "type": "contains", "filter": "x" * 100_000}},
    },
    "filter model as a list": {"startRow": 0, "endRow": 100, "filterModel": [1, 2]},
    "request as a string": "startRow=1",
}


@pytest.mark.parametrize("name", list(BAD))
def test_malformed_grid_requests_get_400(
    client: FlaskClient, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        r = _rows(client, BAD[name])
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    message = r.get_json()["error"]
    assert message.startswith("bad grid request:") and len(message) < 120
    assert "SELECT" not in caplog.text and "Traceback" not in caplog.text


def test_a_good_grid_request_still_works(client: FlaskClient) -> None:
    r = _rows(
        client,
        {
            "startRow": 0,
            "endRow": 10,
            "sortModel": [{"colId": "score", "sort": "desc"}],
            "filterModel": {"title": {"filterType": "text", "type": "contains", "filter": "a"}},
        },
    )
    assert r.status_code == 200
    assert len(r.get_json()["response"]["review-grid"]["getRowsResponse"]["rowData"]) <= 10


def test_absurdly_nested_json_gets_400(client: FlaskClient) -> None:
    body = "[" * 200_000 + "]" * 200_000
    r = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert r.status_code == 400
    big = json.dumps({"output": "x", "pad": "y" * (9 * 1024 * 1024)})
    assert (
        client.post("/_dash-update-component", data=big, content_type="application/json").status_code == 413
    )


def test_grid_request_translator_directly() -> None:
    assert grid_request({"startRow": 100.0, "endRow": 200}).start == 100
    assert grid_request(None).end == 100
    with pytest.raises(BadGridRequest, match="startRow must be a whole number"):
        grid_request({"startRow": True})
    with pytest.raises(BadGridRequest):
        grid_request({"startRow": 200, "endRow": 100})
