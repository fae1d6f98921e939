"""Students and all their names, loaded from the district's roster.

Revision ID: 0002_students
Revises: 0001_core
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.models import UTCDateTime

revision = "0002_students"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "students",
        sa.Column("student_id", sa.String(32), primary_key=True),
        sa.Column("last_name", sa.String(128), nullable=False),
        sa.Column("first_name", sa.String(128), nullable=False),
        sa.Column("middle_name", sa.String(128)),
        sa.Column("birth_date", sa.Date, nullable=False, index=True),
        sa.Column("grad_year", sa.Integer),
        sa.Column("last_school", sa.String(255)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "student_names",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "student_id",
            sa.String(32),
            sa.ForeignKey("students.student_id"),
            nullable=False,
            index=True,
        ),
        sa.Column("last_name", sa.String(128), nullable=False, index=True),
        sa.Column("first_name", sa.String(128), nullable=False),
        sa.Column("middle_name", sa.String(128)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.UniqueConstraint("student_id", "last_name", "first_name", "middle_name"),
    )


def downgrade() -> None:
    op.drop_table("student_names")
    op.drop_table("students")
