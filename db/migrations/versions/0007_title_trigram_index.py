"""trigram index on item titles, for the review grid's "contains" filters

SQLite: an FTS5 table with the trigram tokenizer over ``items.title`` kept in step by triggers.
PostgreSQL: ``pg_trgm`` (a trusted extension since PostgreSQL 13: the database owner may create it)
and a GIN index on ``items.title``. See ``db.substring``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE item_title_fts USING fts5(title, content='items', content_rowid='id', "
    "tokenize='trigram case_sensitive 0')",
    "CREATE TRIGGER item_title_fts_ai AFTER INSERT ON items BEGIN "
    "INSERT INTO item_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER item_title_fts_ad AFTER DELETE ON items BEGIN "
    "INSERT INTO item_title_fts(item_title_fts, rowid, title) VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER item_title_fts_au AFTER UPDATE OF title ON items BEGIN "
    "INSERT INTO item_title_fts(item_title_fts, rowid, title) VALUES ('delete', old.id, old.title); "
    "INSERT INTO item_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "INSERT INTO item_title_fts(item_title_fts) VALUES ('rebuild')",
)
POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_items_title_trgm ON items USING gin (title gin_trgm_ops)",
)


def upgrade() -> None:
    for statement in SQLITE if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ("item_title_fts_ai", "item_title_fts_ad", "item_title_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS item_title_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_items_title_trgm")
