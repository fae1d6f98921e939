from __future__ import annotations

import io
import os
from pathlib import Path

from sqlalchemy import select

from archive import fixity, objects
from archive.context import Archive
from archive.models import AuditEntry, StoredObject


def _store(archive: Archive, payload: bytes) -> StoredObject:
    return objects.store_object(
        archive, io.BytesIO(payload), kind="original", actor="t"
    )


def _path(archive: Archive, row: StoredObject) -> Path:
    return archive.settings.data_dir / "blobs" / row.blob_key


def test_clean_archive_verifies_and_is_audited(archive: Archive) -> None:
    rows = [_store(archive, os.urandom(5000 + n)) for n in range(3)]

    report = fixity.verify_objects(archive, actor="t")

    assert report.ok and report.checked == 3
    with archive.sessions() as session:
        assert all(session.get_one(StoredObject, r.id).verified_at for r in rows)
        last = session.scalars(
            select(AuditEntry).order_by(AuditEntry.seq.desc())
        ).first()
    assert last is not None and last.action == "fixity.verify"


def test_flipped_bit_is_named_by_object_id(archive: Archive) -> None:
    good, bad = _store(archive, b"a" * 9000), _store(archive, b"b" * 9000)
    data = bytearray(_path(archive, bad).read_bytes())
    data[len(data) // 2] ^= 0x01
    _path(archive, bad).write_bytes(bytes(data))

    report = fixity.verify_objects(archive, actor="t")

    assert [f.object_id for f in report.failures] == [bad.id]
    assert good.id not in {f.object_id for f in report.failures}


def test_missing_and_swapped_objects_are_named(archive: Archive) -> None:
    gone, one, two = (_store(archive, os.urandom(3000)) for _ in range(3))
    _path(archive, gone).unlink()
    first, second = _path(archive, one).read_bytes(), _path(archive, two).read_bytes()
    _path(archive, one).write_bytes(second)
    _path(archive, two).write_bytes(first)

    report = fixity.verify_objects(archive, actor="t")

    assert {f.object_id for f in report.failures} == {gone.id, one.id, two.id}


def test_digest_mismatch_is_caught_even_when_decryption_succeeds(
    archive: Archive,
) -> None:
    row = _store(archive, b"transcript")
    with archive.sessions.begin() as session:
        session.get_one(StoredObject, row.id).sha256 = "0" * 64

    report = fixity.verify_objects(archive, actor="t")

    assert report.failures[0].object_id == row.id
    assert "SHA-256" in report.failures[0].problem


def test_deep_check_names_objects_nobody_recorded(archive: Archive) -> None:
    _store(archive, b"known")
    archive.store.put("objects/ab/" + "ab" * 16, io.BytesIO(b"stray"))

    shallow = fixity.verify_objects(archive, actor="t", list_store=False)
    deep = fixity.verify_objects(archive, actor="t", list_store=True)

    assert shallow.ok
    assert deep.unrecorded == ["objects/ab/" + "ab" * 16]
    assert not deep.ok
