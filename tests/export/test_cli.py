"""``records export`` as an operator runs it: a real process, real exit codes."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

from sqlalchemy import select

from archive.config import load_settings
from archive.context import open_archive
from archive.models import AuditEntry
from tests.builders import STUDENT
from tests.export.conftest import REASON, Exported, export_command_line, run_export


def test_export_writes_a_bag_and_disc_image_that_verify(exported: Exported) -> None:
    bag = run_export(exported.env, "verify", str(exported.bag))
    image = run_export(exported.env, "verify", str(exported.iso))

    assert (bag.returncode, bag.stdout.strip()) == (0, "valid: 5 files"), bag.stderr
    assert (image.returncode, image.stdout.strip()) == (0, "valid: 5 files")


def test_unknown_student_exits_2(exported: Exported, tmp_path: Path) -> None:
    result = run_export(
        exported.env,
        *("--student", "9999999", "--bag", str(tmp_path / "out"), "--reason", REASON),
    )

    assert result.returncode == 2
    assert "no student has the id 9999999" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_missing_reason_exits_2_when_not_a_terminal(
    exported: Exported, tmp_path: Path
) -> None:
    result = run_export(
        exported.env, "--student", STUDENT, "--bag", str(tmp_path / "out")
    )

    assert result.returncode == 2
    assert "--reason is required" in result.stderr
    assert not (tmp_path / "out").exists()


def test_non_empty_bag_folder_exits_1_and_is_left_untouched(
    exported: Exported, tmp_path: Path
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_bytes(b"earlier work")

    result = run_export(
        exported.env,
        *("--student", STUDENT, "--bag", str(target), "--reason", REASON),
    )

    assert result.returncode == 1
    assert "is not empty" in result.stderr
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert (target / "keep.txt").read_bytes() == b"earlier work"


def test_export_without_student_and_bag_is_bad_usage(exported: Exported) -> None:
    result = run_export(exported.env, "--reason", REASON)

    assert result.returncode == 2
    assert "--student ID and --bag DIR" in result.stderr


def test_missing_reason_is_asked_for_at_a_terminal(
    exported: Exported, tmp_path: Path
) -> None:
    reason = "student's own request at the counter"
    terminal, stdin = pty.openpty()
    try:
        process = subprocess.Popen(
            export_command_line("--student", STUDENT, "--bag", str(tmp_path / "out")),
            env={**os.environ, **exported.env},
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(terminal, f"{reason}\n".encode())
        out, err = process.communicate(timeout=600)
    finally:
        os.close(terminal)
        os.close(stdin)

    assert process.returncode == 0, err
    assert "Why do these records leave the archive" in out
    archive = open_archive(load_settings(exported.env))
    try:
        with archive.sessions() as session:
            entry = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "export.bag")
                .order_by(AuditEntry.seq.desc())
            ).first()
    finally:
        archive.close()
    assert entry is not None
    assert entry.reason == reason
    assert json.loads(entry.detail or "{}")["documents"] == 2
