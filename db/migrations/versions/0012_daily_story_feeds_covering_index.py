"""daily_story_feeds: the (scope, key, day) index also carries indicator and feed_id

A window's distinct sources per place (the region page's country table, the overview's panels) are
the distinct feeds of ``daily_story_feeds`` over its days. The table holds about fifteen rows per item
(places x indicators x feeds); with only ``(scope, key, day)`` indexed, PostgreSQL fetched every
matching row from the table to read its indicator and feed (470 ms for Africa's countries over 90 days
at a million items). With the two columns in the index the same read is an index-only scan: 44 ms.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_daily_story_feeds_scope_key_day_indicator_feed_id',
        'daily_story_feeds',
        ['scope', 'key', 'day', 'indicator', 'feed_id'],
        unique=False,
    )
    op.drop_index('ix_daily_story_feeds_scope_key_day', table_name='daily_story_feeds')


def downgrade() -> None:
    op.create_index('ix_daily_story_feeds_scope_key_day', 'daily_story_feeds', ['scope', 'key', 'day'], unique=False)
    op.drop_index('ix_daily_story_feeds_scope_key_day_indicator_feed_id', table_name='daily_story_feeds')
