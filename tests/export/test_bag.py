"""The export service on each database: what the bag holds, who may make it,
what the audit log says, and that a refused or failed export leaves nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit
import pytest
from sqlalchemy import func, select

from archive import objects
from archive.context import Archive
from archive.export import (
    DEFAULT_SOURCE_ORGANIZATION,
    ExportNotAllowed,
    ExportReport,
    ExportUsage,
    NothingToExport,
    StudentUnknown,
    TargetNotEmpty,
    export_student,
)
from archive.models import AuditEntry, Document, Page
from ingest.outcome import FileOutcome
from ingest.pipeline import ingest_paths
from storage.errors import KeyMissing
from tests.builders import SAMPLES, STUDENT
from tests.export.conftest import EARLIER_NAME, NO_DOCUMENTS, REASON, Filed

ACTOR = "test:registrar"


def export(archive: Archive, target: Path, **options: Any) -> ExportReport:
    settings: dict[str, Any] = {"actor": ACTOR, "role": "registrar", "reason": REASON}
    settings.update(options)
    student = settings.pop("student_id", STUDENT)
    return export_student(archive, student, target, **settings)


def audit_since(archive: Archive, seq: int) -> list[AuditEntry]:
    with archive.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)
            )
        )


def audit_head(archive: Archive) -> int:
    with archive.sessions() as session:
        return session.scalar(select(func.max(AuditEntry.seq))) or 0


def read_json(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return value


def test_bag_holds_each_document_as_the_bytes_ingested(
    filed: Filed, archive_of: Archive, tmp_path: Path
) -> None:
    report = export(archive_of, tmp_path / "bag")

    bag = bagit.Bag(str(report.bag_dir))
    bag.validate(fast=False)
    payload = {
        path.stem: path.read_bytes()
        for path in (report.bag_dir / "data" / "documents").iterdir()
    }
    assert payload == {id_: src.read_bytes() for id_, src in filed.sources.items()}
    assert bag.algorithms == ["sha256"]
    assert (report.documents, report.payload_files) == (2, 5)
    assert sorted(report.document_ids) == sorted(filed.sources)


def test_bag_info_names_the_source_the_contents_and_the_date(
    archive_of: Archive, tmp_path: Path
) -> None:
    report = export(archive_of, tmp_path / "bag")

    info = bagit.Bag(str(report.bag_dir)).info
    assert info["Source-Organization"] == DEFAULT_SOURCE_ORGANIZATION
    assert STUDENT in info["External-Description"]
    assert info["Bagging-Date"] == datetime.now(UTC).date().isoformat()
    assert info["Payload-Oxum"] == f"{report.payload_bytes}.5"
    assert info["Document-Count"] == "2"


def test_source_organization_is_the_one_given(
    archive_of: Archive, tmp_path: Path
) -> None:
    report = export(
        archive_of, tmp_path / "bag", source_organization="Lakeside Unified Records"
    )

    info = bagit.Bag(str(report.bag_dir)).info
    assert info["Source-Organization"] == "Lakeside Unified Records"


def test_metadata_describes_each_document_without_its_text(
    filed: Filed, archive_of: Archive, tmp_path: Path
) -> None:
    report = export(archive_of, tmp_path / "bag")

    with archive_of.sessions() as session:
        texts = list(session.scalars(select(Page.text)))
    for document_id, source in filed.sources.items():
        file = report.bag_dir / "data" / "metadata" / f"{document_id}.json"
        metadata = read_json(file)
        assert metadata == {
            "document_id": document_id,
            "doc_type": "transcript",
            "pages": 1,
            "ingested_at": metadata["ingested_at"],
            "file_kind": "pdf",
            "original_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "ocr_confidence": None,
            "file": f"documents/{document_id}.pdf",
            "content": "original",
        }
        assert datetime.fromisoformat(metadata["ingested_at"]).tzinfo is not None
        raw = file.read_text(encoding="utf-8")
        assert all(t.strip()[:40] not in raw for t in texts if t.strip())


def test_student_file_holds_names_birth_date_school_and_year(
    archive_of: Archive, tmp_path: Path
) -> None:
    report = export(archive_of, tmp_path / "bag")

    student = read_json(report.bag_dir / "data" / "student.json")
    last, first, middle = EARLIER_NAME
    assert student == {
        "student_id": STUDENT,
        "name": {"last": "Núñez", "first": "José", "middle": "Antonio"},
        "earlier_names": [{"last": last, "first": first, "middle": middle}],
        "birth_date": "1990-10-30",
        "last_school": "Blair High School",
        "grad_year": 2009,
        "documents": 2,
    }


def test_each_decryption_and_the_export_are_audited_with_the_reason(
    archive_of: Archive, tmp_path: Path
) -> None:
    before = audit_head(archive_of)

    report = export(archive_of, tmp_path / "bag")

    with archive_of.sessions() as session:
        object_ids = set(
            session.scalars(
                select(Document.original_object_id).where(
                    Document.student_id == STUDENT
                )
            )
        )
    entries = audit_since(archive_of, before)
    reads = [e for e in entries if e.action == "object.read"]
    assert sorted(e.target for e in reads) == sorted(f"object:{o}" for o in object_ids)
    assert {(e.actor, e.reason) for e in reads} == {(ACTOR, REASON)}
    (done,) = [e for e in entries if e.action == "export.bag"]
    assert (done.actor, done.target, done.reason) == (
        ACTOR,
        f"student:{STUDENT}",
        REASON,
    )
    detail = json.loads(done.detail or "{}")
    assert detail["documents"] == 2
    assert detail["payload_files"] == 5
    assert detail["payload_bytes"] == report.payload_bytes
    assert sorted(detail["document_ids"]) == sorted(report.document_ids)
    assert detail["disc_image"] is False


@pytest.mark.parametrize(
    "role",
    [
        pytest.param("clerk", id="clerk"),
        pytest.param("auditor", id="auditor"),
        pytest.param("janitor", id="unknown-role"),
    ],
)
def test_roles_other_than_registrar_and_admin_may_not_export(
    archive_of: Archive, tmp_path: Path, role: str
) -> None:
    before = audit_head(archive_of)

    with pytest.raises(ExportNotAllowed, match=role):
        export(archive_of, tmp_path / "bag", role=role)

    assert not (tmp_path / "bag").exists()
    entries = audit_since(archive_of, before)
    assert [e.action for e in entries] == ["export.refused"]
    assert json.loads(entries[0].detail or "{}") == {"role": role}


def test_admin_may_export(archive_of: Archive, tmp_path: Path) -> None:
    report = export(archive_of, tmp_path / "bag", role="admin")

    assert report.documents == 2
    assert (tmp_path / "bag" / "bagit.txt").is_file()


def test_unknown_student_is_refused_and_nothing_is_written(
    archive_of: Archive, tmp_path: Path
) -> None:
    before = sorted(tmp_path.iterdir())

    with pytest.raises(StudentUnknown, match="9999999") as refused:
        export(archive_of, tmp_path / "bag", student_id="9999999")

    assert refused.value.exit_code == 2
    assert sorted(tmp_path.iterdir()) == before


def test_student_without_archived_documents_is_refused(
    archive_of: Archive, tmp_path: Path
) -> None:
    before = sorted(tmp_path.iterdir())

    with pytest.raises(NothingToExport, match="no archived documents"):
        export(archive_of, tmp_path / "bag", student_id=NO_DOCUMENTS)

    assert sorted(tmp_path.iterdir()) == before


def test_non_empty_bag_folder_is_refused_and_left_untouched(
    archive_of: Archive, tmp_path: Path
) -> None:
    target = tmp_path / "bag"
    target.mkdir()
    (target / "keep.txt").write_text("earlier work", encoding="utf-8")
    before = audit_head(archive_of)

    with pytest.raises(TargetNotEmpty, match="not empty"):
        export(archive_of, target)

    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert (target / "keep.txt").read_text(encoding="utf-8") == "earlier work"
    assert audit_since(archive_of, before) == []


def test_an_empty_bag_folder_is_filled(archive_of: Archive, tmp_path: Path) -> None:
    (tmp_path / "bag").mkdir()

    export(archive_of, tmp_path / "bag")

    assert (tmp_path / "bag" / "data" / "student.json").is_file()


def test_an_existing_disc_image_is_never_overwritten(
    archive_of: Archive, tmp_path: Path
) -> None:
    image = tmp_path / "records.iso"
    image.write_bytes(b"another disc")

    with pytest.raises(TargetNotEmpty, match="exists"):
        export(archive_of, tmp_path / "bag", iso_path=image)

    assert image.read_bytes() == b"another disc"
    assert not (tmp_path / "bag").exists()


def test_a_bag_folder_whose_parent_is_missing_is_bad_input(
    archive_of: Archive, tmp_path: Path
) -> None:
    with pytest.raises(ExportUsage, match="does not exist") as refused:
        export(archive_of, tmp_path / "no-such-folder" / "bag")

    assert refused.value.exit_code == 2
    assert not (tmp_path / "no-such-folder").exists()


def test_a_blank_reason_is_refused(archive_of: Archive, tmp_path: Path) -> None:
    with pytest.raises(ExportUsage, match="reason"):
        export(archive_of, tmp_path / "bag", reason="  ")

    assert not (tmp_path / "bag").exists()


def test_a_failure_midway_leaves_neither_bag_nor_image(
    filed: Filed, archive_of: Archive, tmp_path: Path
) -> None:
    with archive_of.sessions() as session:
        last = session.scalars(
            select(Document).order_by(Document.created_at.desc(), Document.id.desc())
        ).first()
        assert last is not None
    objects.shred_object(
        archive_of, last.original_object_id, actor=ACTOR, reason="test: unreadable"
    )
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(KeyMissing):
        export(archive_of, out / "bag", iso_path=out / "records.iso")

    assert list(out.iterdir()) == []


@pytest.mark.slow
def test_a_scan_is_exported_as_its_searchable_pdf(
    filed: Filed, archive_of: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    scan = tmp_path / "scan-box" / "scan.png"
    scan.parent.mkdir()
    shutil.copy(SAMPLES / "typed_page.png", scan)
    outcomes: list[FileOutcome] = []
    ingest_paths(
        archive_of, [scan.parent], actor=ACTOR, workers=1, on_outcome=outcomes.append
    )
    (outcome,) = outcomes
    assert (outcome.status, outcome.student_id) == ("archived", STUDENT)

    report = export(archive_of, tmp_path / "bag")

    data = report.bag_dir / "data"
    copy = data / "documents" / f"{outcome.document_id}.pdf"
    assert copy.read_bytes().startswith(b"%PDF")
    metadata = read_json(data / "metadata" / f"{outcome.document_id}.json")
    assert metadata["content"] == "searchable_copy"
    assert metadata["file_kind"] == "png"
    assert metadata["original_sha256"] == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert isinstance(metadata["ocr_confidence"], float)
    assert report.documents == 3
