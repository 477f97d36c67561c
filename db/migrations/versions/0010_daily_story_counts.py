"""daily story aggregates (db.story_counts): stories per first day x place x indicator, and per feed

The dashboard counted items: one event reported by forty outlets was forty. These tables count
stories (and keep each story's feeds, so a window's distinct sources can be read); the backfill is
set-based SQL over the stored stories (db.recount.rebuild_stories), not a loop over items.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from db.recount import rebuild_stories

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('daily_story_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'scope', 'key', 'indicator', name=op.f('pk_daily_story_counts'))
    )
    with op.batch_alter_table('daily_story_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_story_counts_scope_key_day'), ['scope', 'key', 'day'], unique=False)

    op.create_table('daily_story_feeds',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'scope', 'key', 'indicator', 'feed_id', name=op.f('pk_daily_story_feeds'))
    )
    with op.batch_alter_table('daily_story_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_story_feeds_scope_key_day'), ['scope', 'key', 'day'], unique=False)
    # count what is already stored
    rebuild_stories(Session(bind=op.get_bind()))


def downgrade() -> None:
    with op.batch_alter_table('daily_story_feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_story_feeds_scope_key_day'))
    op.drop_table('daily_story_feeds')
    with op.batch_alter_table('daily_story_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_story_counts_scope_key_day'))
    op.drop_table('daily_story_counts')
