"""An archive built the way a clerk builds one, and the backup commands to run on it.

The archive comes from real ``records init``, ``roster import`` and
``ingest`` processes over born-digital PDFs (quick) and, where a test asks
for it, one scanned page read by the real tesseract.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive.config import load_settings
from archive.context import Archive, open_archive
from archive.models import Base
from tests.builders import ROSTER, SAMPLES, pdf_copy

# Runs the records command with the backup commands on it, whether or not
# archive.cli registers them itself.
_RUNNER = (
    "from archive.cli import cli, main\n"
    "from archive.backup.cli import backup_group, restore_command\n"
    "cli.commands.setdefault('backup', backup_group)\n"
    "cli.commands.setdefault('restore', restore_command)\n"
    "main()\n"
)
SECRET = "correct horse battery staple, twice over"


def records(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``records ARGS`` as an operator would, in a real process."""
    return subprocess.run(
        [sys.executable, "-c", _RUNNER, *args],
        env={**os.environ, "OMP_THREAD_LIMIT": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def records_command(*args: str) -> list[str]:
    """The argument list of a ``records`` process, for tests that start one."""
    return [sys.executable, "-c", _RUNNER, *args]


def write_secret(path: Path, secret: str = SECRET) -> Path:
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    return write_secret(tmp_path / "recovery.key")


@pytest.fixture
def env(tmp_path: Path, database_url: str, secret_file: Path) -> dict[str, str]:
    """A fresh archive with a roster; the recovery secret is in the environment."""
    env = {
        "RECORDS_DATA_DIR": str(tmp_path / "data"),
        "RECORDS_DATABASE_URL": database_url,
        "RECORDS_OCR_LANGUAGES": "eng",
        "RECORDS_RECOVERY_KEY_FILE": str(secret_file),
    }
    assert records(env, "init").returncode == 0
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    result = records(env, "roster", "import", str(roster))
    assert result.returncode == 0, result.stderr
    return env


def make_box(folder: Path, first: int, count: int, *, scan: bool = False) -> Path:
    """A folder of distinct born-digital transcripts, and a scan if asked."""
    folder.mkdir(parents=True)
    for n in range(first, first + count):
        pdf_copy(folder / f"transcript-{n}.pdf", n)
    if scan:
        shutil.copy(SAMPLES / "typed_page.png", folder / "scan.png")
    return folder


def ingest(env: dict[str, str], box: Path) -> list[dict[str, Any]]:
    result = records(env, "ingest", str(box), "--json", "--workers", "1")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def backup(env: dict[str, str], target: str) -> str:
    """Run ``records backup TARGET`` and return the snapshot id it printed last."""
    result = records(env, "backup", target)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


def copied_count(result: subprocess.CompletedProcess[str]) -> int:
    for line in result.stdout.splitlines():
        if line.startswith("objects:"):
            return int(line.split(",")[1].split()[0])
    raise AssertionError(f"no object count in {result.stdout!r}")


def open_env_archive(env: dict[str, str]) -> Archive:
    return open_archive(load_settings(env))


def table_rows(env: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by primary key."""
    archive = open_env_archive(env)
    try:
        with archive.engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in Base.metadata.sorted_tables
            }
    finally:
        archive.close()
