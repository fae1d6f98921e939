"""A BagIt bag of one student's records: what the records office puts on disc.

The bag holds, under ``data/``, each archived document as a PDF (the
original, or the searchable copy of a scan), a small JSON account of each
document and one of the student. Its SHA-256 manifests let the recipient
prove that nothing changed on the way.

An export is made in a hidden folder beside the target and renamed into
place only when it is whole, so a failure at any point leaves nothing that
could be mistaken for a finished disc. Every document is decrypted through
:func:`archive.objects.open_object`, which audits each read with the
reason given, and streamed to disk a segment at a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bagit
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import audit
from archive.context import Archive
from archive.export.access import authorise_export
from archive.export.disc import volume_id_for, write_disc_image
from archive.export.errors import (
    ExportError,
    ExportNotAllowed,
    ExportUsage,
    NothingToExport,
    StudentUnknown,
)
from archive.export.placing import (
    check_targets,
    place,
    staged_file,
    staged_folder,
    sync_tree,
)
from archive.models import Document, StoredObject, Student, utcnow
from archive.models.documents import ARCHIVED
from archive.models.students import EARLIER
from archive.objects import open_object

log = logging.getLogger(__name__)

DEFAULT_SOURCE_ORGANIZATION = "School district records office"
ORIGINAL = "original"
SEARCHABLE_COPY = "searchable_copy"
_CHUNK = 1 << 20
_EXTENSIONS = {"pdf": ".pdf", "tiff": ".tif", "jpeg": ".jpg", "png": ".png"}


@dataclass(frozen=True)
class PlannedDocument:
    """One document to put in the bag: which object, under which name."""

    document_id: str
    object_id: str
    object_sha256: str | None
    file_name: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class ExportPlan:
    """Everything read from the database before the first byte is decrypted."""

    student_id: str
    student: dict[str, Any]
    documents: list[PlannedDocument]


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote, for the operator and the audit entry."""

    student_id: str
    bag_dir: Path
    iso_path: Path | None
    documents: int
    payload_files: int
    payload_bytes: int
    document_ids: list[str] = field(default_factory=list)


def export_student(
    archive: Archive,
    student_id: str,
    bag_dir: Path,
    *,
    actor: str,
    role: str,
    reason: str,
    iso_path: Path | None = None,
    source_organization: str = DEFAULT_SOURCE_ORGANIZATION,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ExportReport:
    """Write a bag of the student's archived documents, and optionally its image.

    ``role`` is checked before anything is read, and a refusal is audited.
    The bag folder must be new or empty and the image must not exist: an
    export never writes over anything. Either both appear whole or neither
    does.
    """
    _authorise(archive, student_id, actor=actor, role=role, reason=reason)
    if not reason.strip():
        raise ExportUsage("give a reason for the export; it goes into the audit log")
    check_targets(bag_dir, iso_path)

    with archive.sessions() as session:
        plan = plan_export(session, student_id)
    if on_total is not None:
        on_total(len(plan.documents))

    staging = staged_folder(bag_dir)
    staged_image: Path | None = None
    try:
        payload_bytes = _fill_payload(
            archive, plan, staging, actor=actor, reason=reason, progress=progress
        )
        bag = _make_bag(staging, plan, source_organization)
        if iso_path is not None:
            staged_image = staged_file(iso_path)
            write_disc_image(
                staging, staged_image, volume_id=volume_id_for(plan.student_id)
            )
        place(staging, bag_dir, staged_image, iso_path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if staged_image is not None:
            staged_image.unlink(missing_ok=True)
        raise

    report = ExportReport(
        student_id=plan.student_id,
        bag_dir=bag_dir,
        iso_path=iso_path,
        documents=len(plan.documents),
        payload_files=len(bag.payload_entries()),
        payload_bytes=payload_bytes,
        document_ids=[d.document_id for d in plan.documents],
    )
    _audit_export(archive, report, actor=actor, reason=reason)
    log.info(
        "export of student %s: %d documents, %d payload files, %d bytes",
        report.student_id,
        report.documents,
        report.payload_files,
        report.payload_bytes,
    )
    return report


def _authorise(
    archive: Archive, student_id: str, *, actor: str, role: str, reason: str
) -> None:
    """Check the role, leaving a trace of a refusal for the auditor."""
    try:
        authorise_export(role)
    except ExportNotAllowed:
        audit.record(
            archive.sessions,
            actor=actor,
            action="export.refused",
            target=f"student:{student_id}",
            reason=reason or None,
            detail={"role": role},
        )
        raise


def plan_export(session: Session, student_id: str) -> ExportPlan:
    """Read the student and the archived documents; refuse when there are none."""
    student = session.get(Student, student_id)
    if student is None:
        raise StudentUnknown(
            f"no student has the id {student_id}; check it with `records search`"
        )
    documents = session.scalars(
        select(Document)
        .where(Document.student_id == student_id, Document.status == ARCHIVED)
        .order_by(Document.created_at, Document.id)
    ).all()
    if not documents:
        raise NothingToExport(
            f"student {student_id} has no archived documents; nothing was written "
            "(documents waiting in `records review` are not exported)"
        )

    planned = [_plan_document(session, document) for document in documents]
    return ExportPlan(
        student_id=student.student_id,
        student=describe_student(student, len(planned)),
        documents=planned,
    )


def _plan_document(session: Session, document: Document) -> PlannedDocument:
    """Choose the file a reader can open: a PDF wherever the archive has one."""
    if document.file_kind == "pdf" or document.searchable_object_id is None:
        object_id, content = document.original_object_id, ORIGINAL
        extension = _EXTENSIONS.get(document.file_kind, ".bin")
    else:
        object_id, content = document.searchable_object_id, SEARCHABLE_COPY
        extension = ".pdf"
    stored = session.get_one(StoredObject, object_id)
    file_name = f"{document.id}{extension}"
    return PlannedDocument(
        document_id=document.id,
        object_id=object_id,
        object_sha256=stored.sha256,
        file_name=file_name,
        metadata={
            "document_id": document.id,
            "doc_type": document.doc_type,
            "pages": document.page_count,
            "ingested_at": document.created_at.isoformat(),
            "file_kind": document.file_kind,
            "original_sha256": document.sha256,
            "ocr_confidence": document.ocr_confidence,
            "file": f"documents/{file_name}",
            "content": content,
        },
    )


def describe_student(student: Student, documents: int) -> dict[str, Any]:
    """The student as the roster knows them, earlier names included."""
    return {
        "student_id": student.student_id,
        "name": _name(student.last_name, student.first_name, student.middle_name),
        "earlier_names": [
            _name(name.last_name, name.first_name, name.middle_name)
            for name in student.names
            if name.kind == EARLIER
        ],
        "birth_date": student.birth_date.isoformat(),
        "last_school": student.last_school,
        "grad_year": student.grad_year,
        "documents": documents,
    }


def _name(last: str, first: str, middle: str | None) -> dict[str, str | None]:
    return {"last": last, "first": first, "middle": middle}


def _fill_payload(
    archive: Archive,
    plan: ExportPlan,
    root: Path,
    *,
    actor: str,
    reason: str,
    progress: Callable[[int], None] | None,
) -> int:
    """Decrypt each document into ``root``; return the bytes written."""
    (root / "documents").mkdir()
    (root / "metadata").mkdir()
    _write_json(root / "student.json", plan.student)

    total = 0
    for planned in plan.documents:
        target = root / "documents" / planned.file_name
        total += _decrypt_to(archive, planned, target, actor=actor, reason=reason)
        metadata_file = root / "metadata" / f"{planned.document_id}.json"
        _write_json(metadata_file, planned.metadata)
        total += metadata_file.stat().st_size
        if progress is not None:
            progress(1)
    return total + (root / "student.json").stat().st_size


def _decrypt_to(
    archive: Archive, planned: PlannedDocument, target: Path, *, actor: str, reason: str
) -> int:
    """Stream one object's plaintext to ``target``, checking its recorded digest.

    Decryption already proves the bytes are the ones stored under this id;
    the digest also catches a wrong object filed under the right document.
    """
    digest = hashlib.sha256()
    size = 0
    with (
        open_object(archive, planned.object_id, actor=actor, reason=reason) as plain,
        target.open("xb") as out,
    ):
        while chunk := plain.read(_CHUNK):
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    if (
        planned.object_sha256 is not None
        and digest.hexdigest() != planned.object_sha256
    ):
        raise ExportError(
            f"document {planned.document_id}: object {planned.object_id} does not "
            "match its recorded digest; run `records verify` and export again once "
            "it is repaired (nothing was written)"
        )
    return size


def _write_json(path: Path, value: dict[str, Any]) -> None:
    with path.open("x", encoding="utf-8") as out:
        json.dump(value, out, ensure_ascii=False, indent=2)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


def _make_bag(root: Path, plan: ExportPlan, source_organization: str) -> bagit.Bag:
    """Turn the filled folder into a bag with SHA-256 manifests.

    bagit moves the folder's content under ``data/`` and changes the
    process's working folder while it works, so two bags must not be made
    at once in one process.
    """
    info = {
        "Source-Organization": source_organization,
        "External-Description": (
            f"Student records of student {plan.student_id}: "
            f"{len(plan.documents)} documents with their metadata"
        ),
        "External-Identifier": f"student-{plan.student_id}",
        "Bagging-Date": utcnow().date().isoformat(),
        "Document-Count": str(len(plan.documents)),
    }
    try:
        with quiet_bagit():
            bag = bagit.make_bag(str(root), info, checksums=["sha256"])
    except (bagit.BagError, OSError, RuntimeError) as err:
        raise ExportError(f"could not make the bag: {err}") from err
    sync_tree(root)
    return bag


@contextmanager
def quiet_bagit() -> Iterator[None]:
    """Silence bagit's own log lines: they name paths, and its errors reach us."""
    logger = logging.getLogger("bagit")
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


def _audit_export(
    archive: Archive, report: ExportReport, *, actor: str, reason: str
) -> None:
    audit.record(
        archive.sessions,
        actor=actor,
        action="export.bag",
        target=f"student:{report.student_id}",
        reason=reason,
        detail={
            "documents": report.documents,
            "payload_files": report.payload_files,
            "payload_bytes": report.payload_bytes,
            "disc_image": report.iso_path is not None,
            "document_ids": report.document_ids,
        },
    )
