"""An archive holding a student's documents, built as a clerk would build it.

The documents are born-digital PDFs, which need no OCR, so an archive is
ready in a few seconds; ``records ingest`` files them to the student
printed on them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive import roster
from archive.config import load_settings
from archive.context import Archive, open_archive
from ingest.outcome import FileOutcome
from ingest.pipeline import ingest_paths
from tests.builders import STUDENT, pdf_copy
from tests.conftest import initialise

EARLIER_NAME = ("García", "José", "Antonio")
ROSTER = (
    "student_id,last_name,first_name,middle_name,birth_date,grad_year,"
    "last_school,status,other_names\n"
    f'{STUDENT},Núñez,José,Antonio,1990-10-30,2009,Blair High School,alumni,"'
    f'{EARLIER_NAME[0]}, {EARLIER_NAME[1]} {EARLIER_NAME[2]}"\n'
    "1000001,Brooks,Beverly,Lynn,1972-04-10,1990,Marshall Fundamental,alumni,\n"
)
NO_DOCUMENTS = "1000001"
REASON = "court order 2026-CV-118, copy for the student's counsel"


def export_command_line(*args: str) -> list[str]:
    """The command line of ``records export ARGS``."""
    return [sys.executable, "-m", "archive", "export", *args]


def run_export(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``records export ARGS`` in a real process, its stdin not a terminal."""
    return subprocess.run(
        export_command_line(*args),
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@dataclass
class Filed:
    """An archive with the student's documents and the files they came from."""

    env: dict[str, str]
    sources: dict[str, Path]  # document id -> the file that was ingested
    root: Path

    def open(self) -> Archive:
        return open_archive(load_settings(self.env))


def build_archive(root: Path, database_url: str, documents: int = 2) -> Filed:
    """Initialise an archive, load the roster and ingest ``documents`` PDFs.

    Done in this process with the services the commands call, since
    starting the command three times costs more than the work itself.
    """
    env = {
        "RECORDS_DATA_DIR": str(root / "data"),
        "RECORDS_DATABASE_URL": database_url,
        "RECORDS_OCR_LANGUAGES": "eng",
    }
    settings = load_settings(env)
    initialise(settings)
    roster_file = root / "roster.csv"
    roster_file.write_text(ROSTER, encoding="utf-8")
    box = root / "box"
    box.mkdir()
    for n in range(documents):
        pdf_copy(box / f"transcript-{n}.pdf", 100 + n)

    outcomes: list[FileOutcome] = []
    archive = open_archive(settings)
    try:
        roster.import_roster(archive.sessions, roster_file, actor="test:clerk")
        ingest_paths(
            archive, [box], actor="test:clerk", workers=1, on_outcome=outcomes.append
        )
    finally:
        archive.close()
    assert [o.status for o in outcomes] == ["archived"] * documents
    assert {o.student_id for o in outcomes} == {STUDENT}
    sources = {str(o.document_id): Path(o.path) for o in outcomes}
    return Filed(env=env, sources=sources, root=root)


@pytest.fixture
def filed(tmp_path: Path, database_url: str) -> Filed:
    """A fresh archive on each database the run can reach."""
    return build_archive(tmp_path, database_url)


@pytest.fixture
def archive_of(filed: Filed) -> Iterator[Archive]:
    opened = filed.open()
    yield opened
    opened.close()


@dataclass
class Exported:
    """A bag and its disc image, exported once and copied for each test."""

    bag: Path
    iso: Path
    sources: dict[str, Path]
    env: dict[str, str]


@pytest.fixture(scope="module")
def exported_once(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = tmp_path_factory.mktemp("exported")
    filed = build_archive(root, f"sqlite:///{root / 'records.db'}")
    bag, iso = root / "bag", root / "records.iso"
    result = run_export(
        filed.env,
        *("--student", STUDENT, "--bag", str(bag), "--iso", str(iso)),
        *("--reason", REASON),
    )
    assert result.returncode == 0, result.stderr
    return Exported(bag=bag, iso=iso, sources=filed.sources, env=filed.env)


@pytest.fixture
def exported(exported_once: Exported, tmp_path: Path) -> Exported:
    """A copy of the exported bag and image that a test may damage."""
    bag = shutil.copytree(exported_once.bag, tmp_path / "bag")
    iso = shutil.copy(exported_once.iso, tmp_path / "records.iso")
    return Exported(
        bag=Path(bag),
        iso=Path(iso),
        sources=exported_once.sources,
        env=exported_once.env,
    )
