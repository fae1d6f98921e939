"""Documents, pages, and the account of each ingest run.

Revision ID: 0003_documents
Revises: 0002_students
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from archive.models.core import UTCDateTime

revision = "0003_documents"
down_revision = "0002_students"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("files_total", sa.Integer, nullable=False),
        sa.Column("files_done", sa.Integer, nullable=False),
        sa.Column("pages_done", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "original_object_id",
            sa.String(32),
            sa.ForeignKey("stored_objects.id"),
            nullable=False,
        ),
        sa.Column(
            "searchable_object_id", sa.String(32), sa.ForeignKey("stored_objects.id")
        ),
        sa.Column("source_name", sa.String(1024), nullable=False),
        sa.Column("file_kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column(
            "student_id",
            sa.String(32),
            sa.ForeignKey("students.student_id"),
            index=True,
        ),
        sa.Column("doc_type", sa.String(32), nullable=False),
        sa.Column("page_count", sa.Integer, nullable=False),
        sa.Column("ocr_confidence", sa.Float),
        sa.Column("match_score", sa.Float),
        sa.Column("match_evidence", sa.Text),
        sa.Column("candidates", sa.Text),
        sa.Column("fields", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("batch_id", sa.String(32), sa.ForeignKey("ingest_batches.id")),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("indexed_version", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "pages",
        sa.Column(
            "document_id",
            sa.String(32),
            sa.ForeignKey("documents.id"),
            primary_key=True,
        ),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("mean_confidence", sa.Float),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("rotation", sa.Integer, nullable=False),
    )
    op.create_table(
        "ingest_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "batch_id",
            sa.String(32),
            sa.ForeignKey("ingest_batches.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("path", sa.String(4096), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id")),
        sa.Column("reason", sa.Text),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ingest_files")
    op.drop_table("pages")
    op.drop_table("documents")
    op.drop_table("ingest_batches")
