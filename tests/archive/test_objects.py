from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive import objects
from archive.context import Archive
from archive.errors import ObjectUnknown
from archive.models import AuditEntry, DataKey, StoredObject
from storage.errors import KeyMissing

MARKER = b"SMITH, JANE 1987-04-12 TRANSCRIPT "


def _blob_path(archive: Archive, row: StoredObject) -> Path:
    return archive.settings.data_dir / "blobs" / row.blob_key


def _audit_actions(archive: Archive) -> list[str]:
    with archive.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_stored_object_reads_back_and_is_ciphertext_at_rest(archive: Archive) -> None:
    payload = MARKER * 50_000

    row = objects.store_object(archive, io.BytesIO(payload), kind="original", actor="t")
    with objects.open_object(archive, row.id, actor="t", reason="test") as plain:
        readback = plain.read()

    assert readback == payload
    assert row.state == objects.STORED
    assert row.size == len(payload)
    at_rest = _blob_path(archive, row).read_bytes()
    assert MARKER not in at_rest
    assert len(at_rest) == row.stored_size


def test_reading_writes_the_audit_entry_before_any_byte(archive: Archive) -> None:
    row = objects.store_object(archive, io.BytesIO(b"x"), kind="original", actor="t")

    reader = objects.open_object(archive, row.id, actor="registrar", reason="request")

    assert _audit_actions(archive) == ["object.store", "object.read"]
    reader.close()


def test_failed_put_leaves_no_row_and_no_bytes(archive: Archive) -> None:
    class Failing(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            if self.sent > 3 << 20:
                raise OSError("scanner disconnected")
            buffer[:] = b"a" * len(buffer)
            self.sent += len(buffer)
            return len(buffer)

    with pytest.raises(OSError, match="scanner disconnected"):
        objects.store_object(archive, Failing(), kind="original", actor="t")

    with archive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoredObject)) == 0
        assert session.scalar(select(func.count()).select_from(DataKey)) == 0
    assert list(archive.store.list("objects/")) == []


def test_shredded_object_is_unreadable_even_from_an_old_copy(archive: Archive) -> None:
    row = objects.store_object(archive, io.BytesIO(MARKER), kind="original", actor="t")
    backup_copy = _blob_path(archive, row).read_bytes()

    objects.shred_object(archive, row.id, actor="admin", reason="retention")

    with pytest.raises(KeyMissing, match="shredded"):
        objects.open_object(archive, row.id, actor="t")
    with archive.sessions() as session:
        assert session.get(DataKey, row.id) is None
    # Putting the old ciphertext back, as a restore from backup would, does not help.
    path = _blob_path(archive, row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(backup_copy)
    with pytest.raises(KeyMissing):
        objects.open_object(archive, row.id, actor="t")
    assert _audit_actions(archive)[-1] == "object.shred"


def test_unknown_object_is_a_usage_error(archive: Archive) -> None:
    with pytest.raises(ObjectUnknown) as caught:
        objects.open_object(archive, "0" * 32, actor="t")
    assert caught.value.exit_code == 2


def test_recover_pending_settles_what_a_crash_left(archive: Archive) -> None:
    prepared = archive.vault.prepare()
    with archive.sessions.begin() as session:
        session.add(
            StoredObject(
                id=prepared.object_id,
                blob_key=prepared.blob_key,
                kind="original",
                state=objects.PENDING,
            )
        )
    # The crash came after the store received the bytes, before the commit.
    archive.vault.seal(prepared, io.BytesIO(b"half-finished"))

    assert objects.recover_pending(archive, older_than=timedelta(hours=1)) == 0
    assert objects.recover_pending(archive, older_than=timedelta(0)) == 1

    assert not archive.store.exists(prepared.blob_key)
    with archive.sessions() as session:
        assert session.get(StoredObject, prepared.object_id) is None


@pytest.fixture
def big_source() -> Iterator[io.BufferedReader]:
    """A 24 MiB stream that is never held in memory whole."""

    class Zeros(io.RawIOBase):
        left = 24 << 20

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            n = min(len(buffer), self.left)
            buffer[:n] = bytes(n)
            self.left -= n
            return n

    with io.BufferedReader(Zeros()) as reader:
        yield reader


def test_large_object_round_trips_in_segments(
    archive: Archive, big_source: io.BufferedReader
) -> None:
    row = objects.store_object(archive, big_source, kind="original", actor="t")

    total = 0
    with objects.open_object(archive, row.id, actor="t") as plain:
        while chunk := plain.read(1 << 20):
            assert not any(chunk)
            total += len(chunk)

    assert total == row.size == 24 << 20
