"""alert deliveries: pending / delivered / failed, with the last attempt's time

The 0005 table said ``sent``; nothing wrote it before this revision, but any row is carried over
(``sent`` becomes ``delivered``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_COLUMNS = ("id", "alert_id", "channel", "target", "status", "attempts", "next_attempt_at", "last_error")


def _create(status_check: str, delivered_column: str, extra: bool) -> None:
    columns = [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('target', sa.String(length=2048), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', db.types.UTCDateTime(timezone=True), nullable=False),
    ]
    if extra:
        columns.append(sa.Column('last_attempt_at', db.types.UTCDateTime(timezone=True), nullable=True))
    columns += [
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column(delivered_column, db.types.UTCDateTime(timezone=True), nullable=True),
    ]
    if extra:
        columns.append(sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False))
    op.create_table(
        'alert_deliveries', *columns,
        sa.CheckConstraint(status_check, name=op.f('ck_alert_deliveries_status')),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_deliveries_alert_id_alerts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries')),
        sa.UniqueConstraint('alert_id', 'channel', 'target', name=op.f('uq_alert_deliveries_alert_id_channel_target')),
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_deliveries_status_next_attempt_at'), ['status', 'next_attempt_at'],
                              unique=False)


def _rows(delivered_column: str) -> list[dict[str, object]]:
    cols = ", ".join((*_COLUMNS, delivered_column))
    return [dict(r._mapping) for r in op.get_bind().execute(sa.text(f"SELECT {cols} FROM alert_deliveries"))]


def _drop() -> None:
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_status_next_attempt_at'))
    op.drop_table('alert_deliveries')


def upgrade() -> None:
    rows = _rows("sent_at")
    _drop()
    _create("status IN ('pending','delivered','failed')", "delivered_at", extra=True)
    table = sa.table('alert_deliveries', *(sa.column(c) for c in (*_COLUMNS, "delivered_at", "last_attempt_at",
                                                                  "created_at")))
    if rows:
        op.bulk_insert(table, [{
            **{c: r[c] for c in _COLUMNS}, "status": "delivered" if r["status"] == "sent" else r["status"],
            "delivered_at": r["sent_at"], "last_attempt_at": r["sent_at"], "created_at": r["next_attempt_at"],
        } for r in rows])


def downgrade() -> None:
    rows = _rows("delivered_at")
    _drop()
    _create("status IN ('pending','sent','failed')", "sent_at", extra=False)
    table = sa.table('alert_deliveries', *(sa.column(c) for c in (*_COLUMNS, "sent_at")))
    if rows:
        op.bulk_insert(table, [{
            **{c: r[c] for c in _COLUMNS}, "status": "sent" if r["status"] == "delivered" else r["status"],
            "sent_at": r["delivered_at"],
        } for r in rows])
