"""/alerts: filters from the URL, and states set by analysts but refused on the server for viewers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import pytest

from dashboard.app import create_app
from dashboard.context import AppContext
from db import Database
from db.alerts import AlertValues, get_alert, record_alerts
from db.types import utcnow
from db.users import add_user
from tests.dashboard_server import make_config


@pytest.fixture
def alert_db(db: Database) -> tuple[Database, int]:
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    [alert] = record_alerts(
        db,
        [
            AlertValues(
                kind="signal",
                scope="country",
                region="africa",
                country="SDN",
                indicator="war_crimes",
                day=day,
                window_start=day - timedelta(days=1),
                window_end=day + timedelta(hours=20),
                observed=4,
                expected=0.2,
                score=4.1,
                threshold=3.0,
                sources=3,
                story_ids=(11, 12, 13, 14),
                detail={"explain": "4 stories in 2 days; expected 0.20"},
            )
        ],
        cooldown_days=7,
    )
    add_user(db, "ana", "analyst", "analyst-password")
    add_user(db, "vic", "viewer", "viewer-password")
    return db, alert.id


def _login(client: Any, name: str, password: str) -> None:
    client.post("/login", data={"name": name, "password": password, "next": "/alerts"})


def _body(ctx: AppContext, alert_id: int, note: str) -> dict[str, Any]:
    key = next(k for k in ctx.write_outputs if "alert-msg" in k)
    ident = {"type": "alert-ack", "id": alert_id}
    return {
        "output": key,
        "outputs": [
            {"id": {"type": "alert-state", "id": alert_id}, "property": "children"},
            {"id": {"type": "alert-msg", "id": alert_id}, "property": "children"},
        ],
        "inputs": [
            {"id": ident, "property": "n_clicks", "value": 1},
            {"id": {"type": "alert-dismiss", "id": alert_id}, "property": "n_clicks", "value": None},
        ],
        "state": [{"id": {"type": "alert-note", "id": alert_id}, "property": "value", "value": note}],
        "changedPropIds": ['{"id":' + str(alert_id) + ',"type":"alert-ack"}.n_clicks'],
    }


def test_alerts_page_lists_and_filters(alert_db: tuple[Database, int]) -> None:
    db, _ = alert_db
    app = create_app(make_config(anonymous=True), db)
    client = app.server.test_client()
    assert client.get("/alerts?country=SDN").status_code == 200
    from dashboard.pages.alerts import layout as page

    with app.server.test_request_context("/alerts"):
        text = str(page(country="SDN", state="new"))
        assert "4 stories from 3 sources" in text and "expected 0.20" in text
        assert "No alerts match" in str(page(country="TCD"))
        assert "Viewing as a viewer" in text


def test_viewer_cannot_change_an_alert_analyst_can(alert_db: tuple[Database, int]) -> None:
    db, alert_id = alert_db
    app: dash.Dash = create_app(make_config(), db)
    ctx: AppContext = app.server.extensions["r2pwatch"]
    viewer = app.server.test_client()
    _login(viewer, "vic", "viewer-password")
    assert viewer.post("/_dash-update-component", json=_body(ctx, alert_id, "forged")).status_code == 403
    alert = get_alert(db, alert_id)
    assert alert is not None and alert.state == "new" and alert.state_by is None
    analyst = app.server.test_client()
    _login(analyst, "ana", "analyst-password")
    r = analyst.post("/_dash-update-component", json=_body(ctx, alert_id, "sent to the AU desk"))
    assert r.status_code == 200, r.get_data(as_text=True)
    alert = get_alert(db, alert_id)
    assert alert is not None and (alert.state, alert.state_by, alert.state_note) == (
        "acknowledged",
        "ana",
        "sent to the AU desk",
    )
