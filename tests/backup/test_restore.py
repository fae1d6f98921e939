"""``records restore``: what it refuses, and what crypto-shredding leaves behind."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from archive import objects
from archive.models import Document
from storage.errors import KeyMissing
from tests.backup.conftest import (
    backup,
    ingest,
    make_box,
    open_env_archive,
    records,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def archived(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    ingest(env, make_box(tmp_path / "box", 1, 2))
    return env


def restore(
    env: dict[str, str], target: Path, snapshot: str, data_dir: Path
) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
    restored = {
        **env,
        "RECORDS_DATA_DIR": str(data_dir),
        "RECORDS_DATABASE_URL": f"sqlite:///{data_dir / 'records.db'}",
    }
    result = records(restored, "restore", str(target), snapshot, "--to", str(data_dir))
    return restored, result


def test_restore_refuses_a_folder_that_is_not_empty(
    archived: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "target"
    snapshot = backup(archived, str(target))
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("keep me")

    _, result = restore(archived, target, snapshot, occupied)

    assert result.returncode == 1
    assert "not an empty folder" in result.stderr
    assert sorted(p.name for p in occupied.iterdir()) == ["notes.txt"]
    assert (occupied / "notes.txt").read_text() == "keep me"


def test_restore_refuses_a_snapshot_that_does_not_verify(
    archived: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "target"
    snapshot = backup(archived, str(target))
    victim = next(p for p in (target / "objects").glob("*/*") if p.is_file())
    victim.write_bytes(victim.read_bytes()[:-1] + b"\x00")

    _, result = restore(archived, target, snapshot, tmp_path / "new")

    assert result.returncode == 1
    assert "does not verify" in result.stderr
    assert victim.name in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "new").exists()


def test_restore_of_an_unknown_snapshot_names_the_remedy(
    archived: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "target"
    backup(archived, str(target))

    _, result = restore(archived, target, "20200101T000000Z-abcdef", tmp_path / "new")

    assert result.returncode == 2
    assert "backup list" in result.stderr


def test_an_object_shredded_after_a_snapshot_stays_unreadable_when_it_is_restored(
    archived: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "target"
    older = backup(archived, str(target))
    archive = open_env_archive(archived)
    try:
        with archive.sessions() as session:
            shredded, kept = session.scalars(
                select(Document.original_object_id).order_by(Document.id)
            ).all()
        objects.shred_object(archive, shredded, actor="test:shred", reason="test")
    finally:
        archive.close()
    backup(archived, str(target))

    restored, result = restore(archived, target, older, tmp_path / "restored")

    assert result.returncode == 0, result.stderr
    assert "shredded since the snapshot" in result.stdout
    archive = open_env_archive(restored)
    try:
        with pytest.raises(KeyMissing):
            objects.open_object(archive, shredded, actor="test:shred")
        with objects.open_object(archive, kept, actor="test:shred") as plaintext:
            assert plaintext.read().startswith(b"%PDF")
    finally:
        archive.close()
    verified = records(restored, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_snapshot_taken_before_a_key_rotation_restores_with_the_new_keys(
    archived: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "target"
    older = backup(archived, str(target))
    key_file = Path(archived["RECORDS_DATA_DIR"]) / "keys.json"
    (old_kek,) = [key["id"] for key in json.loads(key_file.read_text())["keys"]]
    assert records(archived, "keys", "rotate").returncode == 0
    retired = records(archived, "keys", "retire", old_kek)
    assert retired.returncode == 0, retired.stderr
    backup(archived, str(target))

    restored, result = restore(archived, target, older, tmp_path / "restored")

    assert result.returncode == 0, result.stdout + result.stderr
    restored_keys = json.loads((tmp_path / "restored" / "keys.json").read_text())
    assert len(restored_keys["keys"]) == 2
    assert restored_keys["active"] != old_kek
    verified = records(restored, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
