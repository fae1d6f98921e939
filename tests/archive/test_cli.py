"""The ``records`` command as an operator runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands import run_records as run


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "RECORDS_DATA_DIR": str(tmp_path / "data"),
        "RECORDS_DATABASE_URL": database_url,
    }


def test_init_creates_everything_and_never_overwrites_keys(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = run(env, "init")

    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "data" / "keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert str(key_file) in first.stdout
    assert re.search(r"\(schema \w+\)", first.stdout)
    keys_before = key_file.read_bytes()

    second = run(env, "init")

    assert second.returncode == 0, second.stderr
    assert "not overwritten" in second.stdout
    assert key_file.read_bytes() == keys_before


def test_selfcheck_then_verify_pass_on_a_fresh_archive(env: dict[str, str]) -> None:
    assert run(env, "init").returncode == 0

    check = run(env, "selfcheck")
    verify = run(env, "verify", "--deep")

    assert check.returncode == 0, check.stderr
    assert "self-check passed" in check.stdout
    assert verify.returncode == 0, verify.stderr
    assert "chain intact" in verify.stdout


def test_verify_names_a_damaged_object_and_fails(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(env, "init").returncode == 0
    # A stored object that stays: store it through the library, as ingest will.
    script = (
        "import io;from archive.config import load_settings;"
        "from archive.context import open_archive;from archive import objects;"
        "a=open_archive(load_settings());"
        "r=objects.store_object(a,io.BytesIO(b'x'*70000),kind='original',actor='t');"
        "print(r.id)"
    )
    made = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    object_id = made.stdout.strip()
    blob = next((tmp_path / "data" / "blobs").rglob(object_id))
    data = bytearray(blob.read_bytes())
    data[-1] ^= 0x80
    blob.write_bytes(bytes(data))

    verify = run(env, "verify")

    assert verify.returncode == 1
    assert object_id in verify.stderr
    assert "Traceback" not in verify.stderr


def test_commands_before_init_say_what_to_do(env: dict[str, str]) -> None:
    result = run(env, "verify")

    assert result.returncode == 1
    assert "records init" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_configuration_exits_with_usage_status(env: dict[str, str]) -> None:
    result = run({**env, "RECORDS_BLOB_URL": "ftp://district/records"}, "init")

    assert result.returncode == 2
    assert "RECORDS_BLOB_URL" in result.stderr


def test_key_rotation_from_the_command_line(env: dict[str, str]) -> None:
    assert run(env, "init").returncode == 0
    first_id = json.loads(Path(env["RECORDS_DATA_DIR"], "keys.json").read_text())[
        "active"
    ]

    rotated = run(env, "keys", "rotate")
    listed = run(env, "keys", "list")
    retired = run(env, "keys", "retire", first_id)

    assert rotated.returncode == 0, rotated.stderr
    assert "added key" in rotated.stdout
    assert first_id in listed.stdout and "active" in listed.stdout
    assert retired.returncode == 0, retired.stderr
    assert first_id not in run(env, "keys", "list").stdout


@pytest.mark.slow
def test_demo_builds_an_archive_a_registrar_can_search(env: dict[str, str]) -> None:
    result = run(env, "demo", "--workers", "2")

    assert result.returncode == 0, result.stderr
    assert (
        "6 files: 4 archived, 1 duplicates, 1 need review, 0 quarantined"
        in result.stdout
    )
    assert "3100901" in result.stdout  # found under her maiden name
    assert "1 documents wait for review" in result.stdout
    again = run(env, "demo", "--workers", "2")
    assert "6 files: 0 archived, 6 duplicates" in again.stdout
