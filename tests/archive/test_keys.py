from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from archive import keys, objects
from archive.context import Archive, open_archive
from archive.errors import ArchiveError
from archive.models import DataKey, StoredObject
from storage.errors import KeyMissing


def _store_many(archive: Archive, count: int) -> list[StoredObject]:
    return [
        objects.store_object(
            archive, io.BytesIO(f"record {n}".encode()), kind="original", actor="t"
        )
        for n in range(count)
    ]


def _ciphertexts(archive: Archive) -> dict[str, bytes]:
    root = archive.settings.data_dir / "blobs"
    return {
        str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()
    }


def test_rotation_rewraps_every_data_key_without_touching_content(
    archive: Archive,
) -> None:
    rows = _store_many(archive, 5)
    old = archive.keyring.active_id
    before = _ciphertexts(archive)

    report = keys.rotate_keys(archive, actor="admin")

    assert report.added and report.rewrapped == 5
    assert report.kek_id != old
    assert keys.key_usage(archive) == {old: 0, report.kek_id: 5}
    assert _ciphertexts(archive) == before
    for n, row in enumerate(rows):
        with objects.open_object(archive, row.id, actor="t") as plain:
            assert plain.read() == f"record {n}".encode()


def test_interrupted_rotation_is_finished_by_running_it_again(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_many(archive, 7)
    monkeypatch.setattr(keys, "_BATCH", 3)

    def crash_after_first_batch(_n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keys.rotate_keys(archive, actor="admin", progress=crash_after_first_batch)
    halfway = keys.key_usage(archive)
    assert sorted(halfway.values()) == [3, 4]

    report = keys.rotate_keys(archive, actor="admin")

    assert not report.added
    assert len(archive.keyring.ids()) == 2
    assert keys.key_usage(archive)[report.kek_id] == 7


def test_retiring_a_key_is_refused_while_used_or_active(archive: Archive) -> None:
    _store_many(archive, 2)
    first = archive.keyring.active_id

    with pytest.raises(ArchiveError, match="active key"):
        keys.retire_key(archive, first, actor="admin")

    archive.keyring.add_key()
    with pytest.raises(ArchiveError, match="2 data keys still use"):
        keys.retire_key(archive, first, actor="admin")

    keys.rotate_keys(archive, actor="admin")
    keys.retire_key(archive, first, actor="admin")
    assert first not in archive.keyring.ids()


def test_object_whose_key_left_the_ring_fails_clearly(archive: Archive) -> None:
    (row,) = _store_many(archive, 1)
    old = archive.keyring.active_id
    archive.keyring.add_key()
    archive.keyring.remove_key(old)

    with pytest.raises(KeyMissing):
        objects.open_object(archive, row.id, actor="t").read()

    with archive.sessions() as session:
        assert session.scalar(select(DataKey.kek_id)) == old


def test_rotated_keys_open_objects_in_a_fresh_process_view(archive: Archive) -> None:
    (row,) = _store_many(archive, 1)
    report = keys.rotate_keys(archive, actor="admin")

    reopened = open_archive(archive.settings)
    try:
        assert reopened.keyring.active_id == report.kek_id
        with objects.open_object(reopened, row.id, actor="t") as plain:
            assert plain.read() == b"record 0"
    finally:
        reopened.close()
