"""items: an index on title_key alone

The dedupe rule's "same title from the same feed" lookup (db.known_items) reads items by title and
checks their sightings; without this index it read every sighting of the feed, so storing an attempt
cost more as the feed's history grew.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 13:45:00
"""

from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_title_key'), ['title_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_title_key'))
