"""feed_days (db.feed_days): each feed's sightings per UTC day of publication, with first/last times

The feed list (and every country page and brief, through db.briefs.covering_feeds) computed each
feed's health by joining every sighting with its item: its cost grew with the history stored. It now
reads this table; the backfill is one set-based INSERT ... SELECT over the stored sightings
(db.feed_days.rebuild).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

import db.types
from db.feed_days import rebuild

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feed_days',
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('first_published', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_published', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('feed_id', 'day', name=op.f('pk_feed_days'))
    )
    # count what is already stored
    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_table('feed_days')
