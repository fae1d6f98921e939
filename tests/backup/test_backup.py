"""``records backup``, ``backup list`` and ``backup verify`` on a real archive."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from archive import objects
from archive.backup.manifest import list_snapshot_ids
from storage.folder import FolderBlobStore
from tests.backup.conftest import (
    backup,
    copied_count,
    ingest,
    make_box,
    open_env_archive,
    records,
    records_command,
    write_secret,
)

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def archived(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The archive with two documents in it."""
    ingest(env, make_box(tmp_path / "box", 1, 2))
    return env


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "target"


def stored_object_ids(env: dict[str, str]) -> set[str]:
    archive = open_env_archive(env)
    try:
        return {info.key.rsplit("/", 1)[1] for info in archive.store.list("objects/")}
    finally:
        archive.close()


def target_objects(target: Path) -> list[Path]:
    """The objects in a target folder, without a killed put's partial file."""
    found = (target / "objects").glob("*/*")
    return sorted(p for p in found if p.is_file() and not p.name.startswith("."))


def add_objects(env: dict[str, str], count: int, size: int) -> None:
    archive = open_env_archive(env)
    try:
        for _ in range(count):
            objects.store_object(
                archive, io.BytesIO(os.urandom(size)), kind="test", actor="test:backup"
            )
    finally:
        archive.close()


def test_backup_target_and_backup_list_target_both_work(
    archived: dict[str, str], target: Path
) -> None:
    made = records(archived, "backup", str(target))
    listed = records(archived, "backup", "list", str(target))
    verified = records(archived, "backup", "verify", str(target))

    assert made.returncode == 0, made.stderr
    snapshot = made.stdout.splitlines()[-1]
    assert list_snapshot_ids(FolderBlobStore(target)) == [snapshot]
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()
    fields = line.split()
    assert fields[0] == snapshot
    assert fields[2:4] == ["2", "objects"]
    assert verified.returncode == 0, verified.stderr
    assert "snapshot verified" in verified.stdout


def test_backup_help_shows_both_forms(env: dict[str, str]) -> None:
    result = records(env, "backup", "--help")

    assert result.returncode == 0
    assert "backup [OPTIONS] TARGET" in result.stdout
    assert "list" in result.stdout and "verify" in result.stdout


def test_backup_without_a_recovery_secret_is_refused_before_writing(
    archived: dict[str, str], target: Path
) -> None:
    env = {**archived, "RECORDS_RECOVERY_KEY_FILE": ""}

    result = records(env, "backup", str(target))

    assert result.returncode == 2
    assert "recovery secret" in result.stderr
    assert "Traceback" not in result.stderr
    assert not target.exists()


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        pytest.param("short", 0o600, "at least 16", id="too-short"),
        pytest.param(
            "a long enough recovery secret", 0o644, "chmod 600", id="too-open"
        ),
    ],
)
def test_a_weak_or_exposed_recovery_secret_is_refused(
    archived: dict[str, str], target: Path, content: str, mode: int, message: str
) -> None:
    secret = write_secret(target.parent / "weak.key", content)
    secret.chmod(mode)

    result = records(
        archived, "backup", str(target), "--recovery-key-file", str(secret)
    )

    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_backups_are_incremental_by_content(
    archived: dict[str, str], target: Path, tmp_path: Path
) -> None:
    first = records(archived, "backup", str(target))
    second = records(archived, "backup", str(target))
    before = stored_object_ids(archived)
    ingest(archived, make_box(tmp_path / "box2", 10, 2))
    new = stored_object_ids(archived) - before
    third = records(archived, "backup", str(target))

    assert copied_count(first) == len(before)
    assert copied_count(second) == 0
    assert new
    assert copied_count(third) == len(new)
    assert {p.name for p in target_objects(target)} == before | new
    assert len(list_snapshot_ids(FolderBlobStore(target))) == 3


@sqlite_only
@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        pytest.param("change", "was changed", id="changed"),
        pytest.param("remove", "is missing", id="missing"),
        pytest.param("add", "no snapshot lists it", id="extra"),
    ],
)
def test_verify_names_a_changed_missing_or_extra_object(
    archived: dict[str, str], target: Path, damage: str, expected: str
) -> None:
    backup(archived, str(target))
    victim = target_objects(target)[0]
    if damage == "change":
        data = bytearray(victim.read_bytes())
        data[100] ^= 1
        victim.write_bytes(bytes(data))
    elif damage == "remove":
        victim.unlink()
    else:
        victim = target / "objects" / "ab" / ("ab" * 16)
        victim.parent.mkdir(exist_ok=True)
        victim.write_bytes(b"not ours")

    result = records(archived, "backup", "verify", str(target))

    assert result.returncode == 1
    failures = [
        line for line in result.stderr.splitlines() if line.startswith("FAILED")
    ]
    assert len(failures) == 1, result.stderr
    assert victim.name in failures[0]
    assert expected in failures[0]


@sqlite_only
def test_sampled_verify_still_finds_a_missing_object(
    archived: dict[str, str], target: Path
) -> None:
    backup(archived, str(target))
    whole = records(archived, "backup", "verify", str(target), "--sample", "50")
    target_objects(target)[1].unlink()

    damaged = records(archived, "backup", "verify", str(target), "--sample", "50")

    assert whole.returncode == 0, whole.stderr
    assert "1 read back" in whole.stdout
    assert damaged.returncode == 1
    assert "is missing" in damaged.stderr


@sqlite_only
@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda m: m["snapshot"]["counts"].update(objects=99), id="count"),
        pytest.param(lambda m: m["snapshot"]["objects"].pop(), id="dropped-object"),
        pytest.param(
            lambda m: m["snapshot"]["audit_head"].update(seq=1), id="audit-head"
        ),
    ],
)
def test_a_tampered_manifest_fails_its_hmac(
    archived: dict[str, str], target: Path, edit: Callable[[dict[str, Any]], object]
) -> None:
    snapshot = backup(archived, str(target))
    path = target / "snapshots" / snapshot / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))

    result = records(archived, "backup", "verify", str(target))

    assert result.returncode == 1
    assert "manifest was altered" in result.stderr
    assert "Traceback" not in result.stderr


@sqlite_only
def test_a_wrong_recovery_secret_fails_clearly(
    archived: dict[str, str], target: Path, tmp_path: Path
) -> None:
    snapshot = backup(archived, str(target))
    wrong = write_secret(tmp_path / "wrong.key", "this is not the recovery secret")
    env = {**archived, "RECORDS_RECOVERY_KEY_FILE": str(wrong)}

    results = [
        records(env, "backup", "verify", str(target)),
        records(env, "backup", str(target)),
        records(
            {**env, "RECORDS_DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'r.db'}"},
            "restore",
            str(target),
            snapshot,
            "--to",
            str(tmp_path / "new"),
        ),
    ]

    for result in results:
        assert result.returncode == 1
        assert "recovery secret does not open" in result.stderr
        assert "Traceback" not in result.stderr
    assert len(list_snapshot_ids(FolderBlobStore(target))) == 1
    assert not (tmp_path / "new").exists()


@sqlite_only
def test_rolled_back_data_keys_fail_verification(
    archived: dict[str, str], target: Path, tmp_path: Path
) -> None:
    backup(archived, str(target))
    old_keys = (target / "keys" / "data-keys.enc").read_bytes()
    backup(archived, str(target))
    (target / "keys" / "data-keys.enc").write_bytes(old_keys)

    result = records(archived, "backup", "verify", str(target))

    assert result.returncode == 1
    assert "rolled back" in result.stderr


@sqlite_only
@pytest.mark.slow
def test_a_killed_backup_leaves_earlier_snapshots_and_the_next_run_completes(
    archived: dict[str, str], target: Path
) -> None:
    earlier = backup(archived, str(target))
    add_objects(archived, 60, 1 << 20)
    total = len(stored_object_ids(archived))

    process = subprocess.Popen(
        records_command("backup", str(target)),
        env={**os.environ, **archived},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(target_objects(target)) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    status = process.wait(timeout=60)
    copied_before_kill = len(target_objects(target))

    assert status == -signal.SIGKILL
    assert list_snapshot_ids(FolderBlobStore(target)) == [earlier]
    listed = records(archived, "backup", "list", str(target))
    assert listed.stdout.split()[0] == earlier
    assert copied_before_kill < total

    completed = records(archived, "backup", str(target))
    assert completed.returncode == 0, completed.stderr
    assert copied_count(completed) == total - copied_before_kill
    assert len(list_snapshot_ids(FolderBlobStore(target))) == 2
    verified = records(archived, "backup", "verify", str(target))
    assert verified.returncode == 0, verified.stderr
    older = records(archived, "backup", "verify", str(target), earlier)
    assert older.returncode == 0, older.stderr


def test_a_backup_into_the_archives_own_store_is_refused(
    archived: dict[str, str],
) -> None:
    own = Path(archived["RECORDS_DATA_DIR"]) / "blobs" / "backup"

    result = records(archived, "backup", str(own))

    assert result.returncode == 1
    assert "overlaps the archive's own store" in result.stderr


def test_list_of_a_missing_folder_says_so(
    archived: dict[str, str], tmp_path: Path
) -> None:
    result = records(archived, "backup", "list", str(tmp_path / "nowhere"))

    assert result.returncode == 1
    assert "no backup folder" in result.stderr
    assert not (tmp_path / "nowhere").exists()
