"""Alembic environment: runs on the connection handed over by db.migrate."""

from __future__ import annotations

from alembic import context

from db.models import Base
from db.search import is_search_object
from db.substring import is_substring_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=lambda name, _type, _parents: not (is_search_object(name) or is_substring_object(name)),
)
with context.begin_transaction():
    context.run_migrations()
