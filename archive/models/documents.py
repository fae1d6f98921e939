"""Archived documents, their pages, and the ingest runs that made them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.core import Base, UTCDateTime, utcnow

ARCHIVED = "archived"
NEEDS_REVIEW = "needs_review"
QUARANTINED = "quarantined"


class Document(Base):
    """One ingested file: its encrypted original, its text, and its owner.

    ``sha256`` is the original's plaintext digest and is unique: the same
    content ingested again under any name is a duplicate of this row.
    ``version`` grows with every change that the search index shows, and
    ``indexed_version`` records the version the index holds, so a crash
    between committing and indexing is repaired by the next run.
    """

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_object_id: Mapped[str] = mapped_column(ForeignKey("stored_objects.id"))
    searchable_object_id: Mapped[str | None] = mapped_column(
        ForeignKey("stored_objects.id")
    )
    source_name: Mapped[str] = mapped_column(String(1024))
    file_kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    student_id: Mapped[str | None] = mapped_column(
        ForeignKey("students.student_id"), index=True
    )
    doc_type: Mapped[str] = mapped_column(String(32))
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    match_score: Mapped[float | None] = mapped_column(Float)
    match_evidence: Mapped[str | None] = mapped_column(Text)
    candidates: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("ingest_batches.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    indexed_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pages: Mapped[list[Page]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="Page.number",
    )


class Page(Base):
    """One page's text as read from the text layer or by OCR."""

    __tablename__ = "pages"

    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    mean_confidence: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    rotation: Mapped[int] = mapped_column(Integer, default=0)

    document: Mapped[Document] = relationship(back_populates="pages")


class IngestBatch(Base):
    """One run of ``records ingest``: what it was given and how it ended."""

    __tablename__ = "ingest_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    actor: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    files_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IngestFile(Base):
    """The account of one file of a batch: what became of it, and why.

    This is what the clerk reads after walking away from ten thousand
    files; it holds no text, only the outcome and a reason.
    """

    __tablename__ = "ingest_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    path: Mapped[str] = mapped_column(String(4096))
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
