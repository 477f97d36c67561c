"""items: the date index also carries id and feed_id

The alert arithmetic reads, for weeks of items, each item's feed and day (db.alert_inputs); with only
``published_at`` in the index PostgreSQL fetched every one of those rows from the table (2 s at a
million items). ``(published_at, id, feed_id)`` answers it from the index and still serves every query
the old one did (its first column, and ``ORDER BY published_at, id``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_items_published_at_id_feed_id', 'items', ['published_at', 'id', 'feed_id'], unique=False)
    op.drop_index('ix_items_published_at', table_name='items')


def downgrade() -> None:
    op.create_index('ix_items_published_at', 'items', ['published_at'], unique=False)
    op.drop_index('ix_items_published_at_id_feed_id', table_name='items')
