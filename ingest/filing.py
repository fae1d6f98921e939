"""File one read document into the archive: store, match, record, in that order.

The original and the searchable copy are sealed as pending objects first;
one transaction then records the document, its pages, the batch's account
of the file and the objects' confirmation. Several filed documents may
share that transaction (a group commit), since each stays all-or-nothing
within it. A crash before that commit leaves pending objects that the next
run removes; after it, the document is whole and only the index may lag,
which the next run repairs.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive import audit, objects
from archive.context import Archive
from archive.models import Document, IngestBatch, IngestFile, Page, Student
from ingest.faults import checkpoint
from ingest.fields import ExtractedFields
from ingest.match import MatchResult, RosterEntry, RosterIndex, match_student
from ingest.outcome import (
    ARCHIVED,
    DUPLICATE,
    NEEDS_REVIEW,
    QUARANTINED,
    FileOutcome,
)
from ingest.reader import ReadResult

log = logging.getLogger(__name__)

# Mean word confidence under which a person should check the text.
LOW_CONFIDENCE = 50.0


class FileChanged(Exception):
    """The file's bytes changed between reading and storing it."""


@dataclass(frozen=True)
class Unreadable:
    """Why a worker could not read a file: a short code and the clerk's reason."""

    code: str
    reason: str
    kind: str


@dataclass(frozen=True)
class Filed:
    """A document whose objects are sealed, waiting for the commit that keeps it."""

    document: Document
    outcome: FileOutcome
    sealed: list[objects.SealedPending] = field(default_factory=list)


def load_roster(archive: Archive) -> RosterIndex:
    """The roster as the matcher wants it: every student with every name."""
    with archive.sessions() as session:
        students = session.scalars(
            select(Student).options(selectinload(Student.names))
        ).all()
    entries = [
        RosterEntry(
            student_id=s.student_id,
            last_name=s.last_name,
            first_name=s.first_name,
            middle_name=s.middle_name or "",
            birth_date=s.birth_date.isoformat(),
            grad_year=s.grad_year,
            last_school=s.last_school or "",
            other_names=tuple(
                f"{n.last_name}, {_given(n.first_name, n.middle_name)}"
                for n in s.names
                if n.kind != "current"
            ),
        )
        for s in students
    ]
    return RosterIndex(entries)


def _given(first: str, middle: str | None) -> str:
    return f"{first} {middle}" if middle else first


def find_duplicate(archive: Archive, sha256: str, path: Path) -> FileOutcome | None:
    """Describe the archived document with this content, if there is one."""
    with archive.sessions() as session:
        document = session.scalars(
            select(Document).where(Document.sha256 == sha256)
        ).first()
    if document is None:
        return None
    return FileOutcome(
        path=str(path),
        status=DUPLICATE,
        document_id=document.id,
        student_id=document.student_id,
        doc_type=document.doc_type,
        pages=document.page_count,
        ocr_confidence=document.ocr_confidence,
        reason=f"the same content was archived before as document {document.id}",
    )


def decide(match: MatchResult, result: ReadResult) -> tuple[str, str | None]:
    """Say whether a read document can be archived or needs a person, and why."""
    confidence = mean_confidence(result)
    if not any(page.text.strip() for page in result.pages):
        return NEEDS_REVIEW, "no text was found on any page"
    if match.status == "ambiguous":
        why = match.evidence[0] if match.evidence else "the match is uncertain"
        return NEEDS_REVIEW, f"{why}; pick the student from the candidates"
    if match.status == "none":
        return NEEDS_REVIEW, "no student on the roster fits the document"
    if confidence is not None and confidence < LOW_CONFIDENCE:
        return (
            NEEDS_REVIEW,
            f"the OCR confidence is low ({confidence:.0f}); check the text",
        )
    return ARCHIVED, None


def mean_confidence(result: ReadResult) -> float | None:
    scores = [p.mean_confidence for p in result.pages if p.mean_confidence is not None]
    return round(sum(scores) / len(scores), 1) if scores else None


def _fields_json(fields: ExtractedFields) -> str:
    """Record what was read and where, for the reviewer; not the whole text."""
    data: dict[str, Any] = asdict(fields)
    data.pop("text", None)
    return json.dumps(data, ensure_ascii=False, default=str)


def _seal_file(
    archive: Archive, path: Path, kind: str, sha256: str | None
) -> objects.SealedPending:
    with path.open("rb") as source:
        sealed = objects.seal_pending(archive, source, kind=kind)
    if sha256 is not None and sealed.sha256 != sha256:
        objects.discard_pending(archive, sealed.id)
        raise FileChanged(f"{path} changed while it was being ingested")
    return sealed


def file_read_document(
    archive: Archive,
    batch: IngestBatch,
    *,
    path: Path,
    sha256: str,
    result: ReadResult,
    roster: RosterIndex,
) -> Filed:
    """Seal a document that was read, linked or sent to review, for its commit."""
    match = match_student(result.fields, roster)
    status, reason = decide(match, result)
    student_id = match.student_id if status == ARCHIVED else None

    original = _seal_file(archive, path, "original", sha256)
    sealed = [original]
    if result.searchable_pdf is not None:
        sealed.append(_seal_file(archive, result.searchable_pdf, "searchable", None))
    checkpoint("sealed")

    document = Document(
        id=secrets.token_hex(16),
        sha256=sha256,
        original_object_id=original.id,
        searchable_object_id=sealed[1].id if len(sealed) > 1 else None,
        source_name=path.name,
        file_kind=result.kind.format.value,
        status=status,
        student_id=student_id,
        doc_type=result.fields.doc_type,
        page_count=len(result.pages),
        ocr_confidence=mean_confidence(result),
        match_score=match.score,
        match_evidence=json.dumps(match.evidence, ensure_ascii=False),
        candidates=json.dumps(match.candidates, ensure_ascii=False),
        fields=_fields_json(result.fields),
        reason=reason,
        batch_id=batch.id,
        version=1,
        indexed_version=0,
        pages=[
            Page(
                number=page.number,
                text=page.text,
                mean_confidence=page.mean_confidence,
                source=page.source,
                rotation=page.rotation,
            )
            for page in result.pages
        ],
    )
    outcome = FileOutcome(
        path=str(path),
        status=status,
        document_id=document.id,
        student_id=student_id,
        doc_type=document.doc_type,
        pages=document.page_count,
        ocr_confidence=document.ocr_confidence,
        reason=reason,
    )
    return Filed(document, outcome, sealed)


def file_unreadable(
    archive: Archive,
    batch: IngestBatch,
    *,
    path: Path,
    sha256: str,
    failure: Unreadable,
) -> Filed:
    """Keep a file that could not be read, encrypted, for a person to look at."""
    original = _seal_file(archive, path, "quarantine", sha256)
    document = Document(
        id=secrets.token_hex(16),
        sha256=sha256,
        original_object_id=original.id,
        source_name=path.name,
        file_kind=failure.kind,
        status=QUARANTINED,
        doc_type="other",
        page_count=0,
        reason=failure.reason,
        fields=json.dumps({"problem": failure.code}),
        batch_id=batch.id,
        version=1,
        indexed_version=0,
        pages=[],
    )
    outcome = FileOutcome(
        path=str(path),
        status=QUARANTINED,
        document_id=document.id,
        doc_type="other",
        reason=failure.reason,
    )
    return Filed(document, outcome, [original])


def commit_filed(
    archive: Archive,
    batch: IngestBatch,
    filed: Sequence[Filed],
    accounts: Sequence[FileOutcome],
    *,
    actor: str,
) -> None:
    """Keep filed documents, and the account of files without one, in one commit.

    Nothing here may be reported to the clerk before this returns: until
    then a crash leaves only pending objects, and the files are read again.
    """
    with archive.sessions.begin() as session:
        for item in filed:
            checkpoint("commit")
            for sealed in item.sealed:
                objects.confirm_stored(session, sealed, actor=actor, reason="ingest")
            session.add(item.document)
            audit.append(
                session,
                actor=actor,
                action="document.ingest",
                target=f"document:{item.document.id}",
                detail={"status": item.outcome.status, "pages": item.outcome.pages},
            )
        record_outcomes(session, batch, [*(item.outcome for item in filed), *accounts])
    if filed:
        checkpoint("committed")
    for item in filed:
        log.info(
            "batch %s: document %s %s (%d pages)",
            batch.id,
            item.document.id,
            item.outcome.status,
            item.outcome.pages,
        )


def record_outcomes(
    session: Session, batch: IngestBatch, outcomes: Sequence[FileOutcome]
) -> None:
    """Write the batch's account of each file inside the caller's transaction."""
    session.add_all(
        IngestFile(
            batch_id=batch.id,
            path=outcome.path,
            status=outcome.status,
            document_id=outcome.document_id,
            reason=outcome.reason,
            pages=outcome.pages,
        )
        for outcome in outcomes
    )
    row = session.get_one(IngestBatch, batch.id)
    row.files_done += len(outcomes)
    row.pages_done += sum(o.pages for o in outcomes if o.status != DUPLICATE)
