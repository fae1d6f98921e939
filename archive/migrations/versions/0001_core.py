"""Core tables: stored objects, their data keys, and the audit log.

The audit log is append-only in the database itself: triggers refuse any
UPDATE or DELETE, so no code path, and no careless hand, changes history.
Someone with the power to drop the triggers can still edit rows; the hash
chain is what catches that.

Revision ID: 0001_core
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.models.core import UTCDateTime

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_GUARDS = [
    f"""
    CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """
    for verb in ("UPDATE", "DELETE")
]

_POSTGRES_GUARDS = [
    """
    CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only'; END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
    """,
]


def upgrade() -> None:
    op.create_table(
        "stored_objects",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("blob_key", sa.String(255), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("size", sa.BigInteger),
        sa.Column("stored_size", sa.BigInteger),
        sa.Column("sha256", sa.String(64), index=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("stored_at", UTCDateTime),
        sa.Column("verified_at", UTCDateTime),
    )
    op.create_table(
        "data_keys",
        sa.Column(
            "object_id",
            sa.String(32),
            sa.ForeignKey("stored_objects.id"),
            primary_key=True,
        ),
        sa.Column("kek_id", sa.String(64), nullable=False, index=True),
        sa.Column("wrapped", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("target", sa.String(255), nullable=False, index=True),
        sa.Column("reason", sa.Text),
        sa.Column("detail", sa.Text),
        sa.Column("prev_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
    )

    dialect = op.get_bind().dialect.name
    guards = _POSTGRES_GUARDS if dialect == "postgresql" else _SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("data_keys")
    op.drop_table("stored_objects")
