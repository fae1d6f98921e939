"""``records ingest`` as a clerk runs it: a real process over real files.

Most files here are born-digital PDFs, which need no OCR, so the suite
stays quick; one scanned page goes through the real tesseract.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.config import load_settings
from archive.context import open_archive
from archive.indexing import open_index
from archive.models import Document, IngestFile, StoredObject
from ingest.faults import CRASH_ENV
from tests.builders import ROSTER, SAMPLES, STUDENT, pdf_copy
from tests.commands import run_records as records


def killed_run(env: dict[str, str], crash_at: str, *args: str) -> int:
    """Run ``records`` until its crash point, then kill everything it started.

    The whole process group dies, as in a power cut: the main process by its
    own SIGKILL at the crash point, its OCR workers and tesseract after it.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "archive", *args],
        env={**os.environ, **env, CRASH_ENV: crash_at},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    status = process.wait(timeout=600)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    return status


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {
        "RECORDS_DATA_DIR": str(tmp_path / "data"),
        "RECORDS_DATABASE_URL": database_url,
        "RECORDS_OCR_LANGUAGES": "eng",
    }
    assert records(env, "init").returncode == 0
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    assert records(env, "roster", "import", str(roster)).returncode == 0
    return env


def db_counts(env: dict[str, str]) -> dict[str, int]:
    archive = open_archive(load_settings(env))
    try:
        with archive.sessions() as session:
            documents = session.scalar(select(func.count()).select_from(Document))
            states = dict(
                session.execute(
                    select(StoredObject.state, func.count()).group_by(
                        StoredObject.state
                    )
                ).all()
            )
            referenced = session.scalar(
                select(func.count())
                .select_from(StoredObject)
                .where(
                    StoredObject.id.in_(select(Document.original_object_id))
                    | StoredObject.id.in_(select(Document.searchable_object_id))
                )
            )
        with open_index(archive) as index:
            indexed = index.count()
        blobs = sum(1 for _ in archive.store.list("objects/"))
    finally:
        archive.close()
    return {
        "documents": documents or 0,
        "stored": states.get("stored", 0),
        "pending": states.get("pending", 0),
        "referenced": referenced or 0,
        "indexed": indexed,
        "blobs": blobs,
    }


def test_a_box_is_archived_and_bad_files_are_quarantined(
    env: dict[str, str], tmp_path: Path
) -> None:
    box = tmp_path / "box"
    box.mkdir()
    pdf_copy(box / "transcript.pdf", 1)
    shutil.copy(SAMPLES / "typed_page.png", box / "scan.png")
    shutil.copy(SAMPLES / "truncated_page.png", box / "cut.png")
    shutil.copy(SAMPLES / "spreadsheet.xlsx", box / "grades.xlsx")
    (box / "empty.pdf").write_bytes(b"")

    result = records(env, "ingest", str(box), "--json", "--workers", "2")

    assert result.returncode == 3, result.stderr
    *files, summary = lines(result)
    by_name = {Path(str(f["path"])).name: f for f in files}
    assert by_name["transcript.pdf"]["status"] == "archived"
    assert by_name["transcript.pdf"]["student_id"] == STUDENT
    assert by_name["transcript.pdf"]["ocr_confidence"] is None
    assert by_name["scan.png"]["status"] == "archived"
    assert by_name["scan.png"]["student_id"] == STUDENT
    assert isinstance(by_name["scan.png"]["ocr_confidence"], float)
    for bad in ("cut.png", "grades.xlsx", "empty.pdf"):
        assert by_name[bad]["status"] == "quarantined"
        assert by_name[bad]["reason"]
    assert summary["summary"]["quarantined"] == 3
    assert summary["summary"]["archived"] == 2
    assert "Traceback" not in result.stderr


def test_quarantined_bytes_are_kept_encrypted(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "grades.xlsx"
    shutil.copy(SAMPLES / "spreadsheet.xlsx", bad)
    (outcome, _) = lines(records(env, "ingest", str(bad), "--json"))
    restored = tmp_path / "restored.xlsx"

    got = records(env, "get", str(outcome["document_id"]), "-o", str(restored))

    assert got.returncode == 0, got.stderr
    assert restored.read_bytes() == bad.read_bytes()


def test_same_content_under_another_name_is_a_duplicate(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = pdf_copy(tmp_path / "a.pdf", 1)
    (archived, _) = lines(records(env, "ingest", str(first), "--json"))
    before = db_counts(env)
    again = tmp_path / "renamed.pdf"
    shutil.copy(first, again)
    twin = tmp_path / "twin.pdf"
    shutil.copy(first, twin)

    result = records(env, "ingest", str(again), str(twin), "--json")

    assert result.returncode == 0, result.stderr
    outcomes = lines(result)[:-1]
    assert [o["status"] for o in outcomes] == ["duplicate", "duplicate"]
    assert {o["document_id"] for o in outcomes} == {archived["document_id"]}
    assert db_counts(env) == before


def test_duplicates_within_one_batch_are_stored_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    box = tmp_path / "box"
    box.mkdir()
    pdf_copy(box / "a.pdf", 1)
    shutil.copy(box / "a.pdf", box / "b.pdf")

    outcomes = lines(records(env, "ingest", str(box), "--json"))[:-1]

    assert sorted(o["status"] for o in outcomes) == ["archived", "duplicate"]
    assert len({o["document_id"] for o in outcomes}) == 1
    assert db_counts(env)["documents"] == 1


def test_doubtful_document_waits_for_review_then_is_found(
    env: dict[str, str], tmp_path: Path
) -> None:
    # The roster now disagrees with the birth date printed on the transcript,
    # so even the printed student number must not link it without a person.
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(ROSTER.replace("1990-10-30", "1991-02-02"), encoding="utf-8")
    assert records(env, "roster", "import", str(corrected)).returncode == 0
    pdf = pdf_copy(tmp_path / "transcript.pdf", 7)

    (waiting, _summary) = lines(records(env, "ingest", str(pdf), "--json"))
    listed = records(env, "review")
    resolved = records(
        env,
        "review",
        "resolve",
        str(waiting["document_id"]),
        "--student",
        STUDENT,
        "--type",
        "transcript",
    )
    found = records(env, "search", "name:Nunez", "--json")

    assert waiting["status"] == "needs_review"
    assert waiting["student_id"] is None
    assert str(waiting["document_id"]) in listed.stdout
    assert resolved.returncode == 0, resolved.stderr
    hits = lines(found)
    assert [h["document_id"] for h in hits] == [waiting["document_id"]]
    assert hits[0]["student_id"] == STUDENT
    assert "nothing waits" in records(env, "review").stdout


CRASH_POINTS = [
    pytest.param("submitted:2", id="during-ocr"),
    pytest.param("sealed", id="after-storing-before-commit"),
    pytest.param("commit:2", id="during-commit"),
    pytest.param("committed", id="between-commit-and-index"),
    pytest.param("index", id="during-indexing"),
]


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_killed_ingest_run_again_archives_everything_exactly_once(
    env: dict[str, str], tmp_path: Path, crash_at: str
) -> None:
    box = tmp_path / "box"
    box.mkdir()
    for n in range(4):
        pdf_copy(box / f"transcript_{n}.pdf", n)
    shutil.copy(SAMPLES / "typed_page.png", box / "scan.png")

    assert killed_run(env, crash_at, "ingest", str(box), "--json") == -signal.SIGKILL

    rerun = records(env, "ingest", str(box), "--json")
    verify = records(env, "verify", "--deep")

    assert rerun.returncode == 0, rerun.stderr
    outcomes = lines(rerun)[:-1]
    assert len(outcomes) == 5
    assert all(o["status"] in ("archived", "duplicate") for o in outcomes)
    counts = db_counts(env)
    assert counts["documents"] == 5
    assert counts["pending"] == 0
    assert counts["stored"] == counts["referenced"] == counts["blobs"]
    assert counts["indexed"] == 5
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_account_of_each_file_is_kept(env: dict[str, str], tmp_path: Path) -> None:
    pdf = pdf_copy(tmp_path / "t.pdf", 3)
    records(env, "ingest", str(pdf), "--json")

    archive = open_archive(load_settings(env))
    try:
        with archive.sessions() as session:
            account = session.scalars(select(IngestFile)).all()
    finally:
        archive.close()

    assert [(a.path, a.status) for a in account] == [(str(pdf), "archived")]


def test_verify_finds_a_document_missing_from_the_index_and_rebuild_repairs_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    (archived, _) = lines(
        records(env, "ingest", str(pdf_copy(tmp_path / "t.pdf", 4)), "--json")
    )
    archive = open_archive(load_settings(env))
    try:
        with open_index(archive) as index:
            index.remove([str(archived["document_id"])])
    finally:
        archive.close()

    broken = records(env, "verify")
    rebuilt = records(env, "index", "rebuild")
    repaired = records(env, "verify")

    assert broken.returncode == 1
    assert (
        f"document {archived['document_id']}: missing from the index" in broken.stderr
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "1 documents" in rebuilt.stdout
    assert repaired.returncode == 0, repaired.stderr


def test_a_name_change_on_the_roster_is_searchable_at_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    records(env, "ingest", str(pdf_copy(tmp_path / "t.pdf", 5)), "--json")
    married = tmp_path / "married.csv"
    married.write_text(ROSTER.replace("Núñez,José", "Whitaker,José"), encoding="utf-8")

    assert records(env, "roster", "import", str(married)).returncode == 0
    by_new = lines(records(env, "search", "name:Whitaker", "--json"))
    by_old = lines(records(env, "search", "name:Nunez", "--json"))
    verify = records(env, "verify")

    assert [h["student_id"] for h in by_new] == [STUDENT]
    assert [h["student_id"] for h in by_old] == [STUDENT]
    assert verify.returncode == 0, verify.stderr
