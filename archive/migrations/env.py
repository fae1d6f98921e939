"""Alembic environment: migrations run on the connection the archive hands in.

The archive calls :func:`archive.db.migrate` with its own engine, so this
file never reads a URL of its own; ``alembic`` run by hand is not needed.
"""

from __future__ import annotations

from alembic import context

from archive.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
