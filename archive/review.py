"""The review queue: documents that wait for a person, and settling them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from archive import audit
from archive.context import Archive
from archive.errors import ArchiveError, ObjectUnknown
from archive.models import Document, Student, utcnow
from archive.models.documents import ARCHIVED, NEEDS_REVIEW, QUARANTINED
from archive.vocabulary import DOCUMENT_TYPES


@dataclass(frozen=True)
class ReviewItem:
    document_id: str
    status: str
    doc_type: str
    source_name: str
    reason: str | None
    candidates: list[tuple[str, float]]


def waiting(archive: Archive) -> list[ReviewItem]:
    """Every document that needs a person, oldest first."""
    with archive.sessions() as session:
        documents = session.scalars(
            select(Document)
            .where(Document.status.in_((NEEDS_REVIEW, QUARANTINED)))
            .order_by(Document.created_at, Document.id)
        ).all()
    return [
        ReviewItem(
            document_id=d.id,
            status=d.status,
            doc_type=d.doc_type,
            source_name=d.source_name,
            reason=d.reason,
            candidates=[(c[0], c[1]) for c in json.loads(d.candidates or "[]")][:5],
        )
        for d in documents
    ]


def resolve(
    archive: Archive,
    document_id: str,
    *,
    student_id: str,
    doc_type: str | None,
    actor: str,
    reason: str | None = None,
) -> Document:
    """Link a document to a student (and fix its type), as a person decided."""
    if doc_type is not None and doc_type not in DOCUMENT_TYPES:
        known = ", ".join(DOCUMENT_TYPES)
        raise ArchiveError(f"{doc_type!r} is not a document type; use one of {known}")
    with archive.sessions.begin() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise ObjectUnknown(f"no document has the id {document_id}")
        if document.status == QUARANTINED:
            raise ArchiveError(
                f"document {document_id} is quarantined: the file could not be read "
                f"({document.reason}); ingest a good copy instead"
            )
        if session.get(Student, student_id) is None:
            raise ObjectUnknown(f"no student on the roster has the id {student_id}")
        before = (document.student_id, document.doc_type, document.status)

        document.student_id = student_id
        document.doc_type = doc_type or document.doc_type
        document.status = ARCHIVED
        document.reason = None
        document.version += 1
        document.updated_at = utcnow()
        audit.append(
            session,
            actor=actor,
            action="review.resolve",
            target=f"document:{document_id}",
            reason=reason,
            detail={
                "student_id": student_id,
                "doc_type": document.doc_type,
                "was": {"student_id": before[0], "doc_type": before[1]},
                "status_was": before[2],
            },
        )
    return document
