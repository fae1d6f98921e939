"""The restore drill: back up a real archive, destroy it, restore it, compare."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from archive import audit, objects
from archive.models import Document
from tests.backup.conftest import (
    backup,
    ingest,
    make_box,
    open_env_archive,
    records,
    table_rows,
)
from tests.conftest import PG_ENV, _postgres_schema_url
from tests.fixtures.s3server import S3Server


@pytest.fixture
def restore_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the original's, to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'records.db'}"
        return
    yield from _postgres_schema_url(os.environ[PG_ENV])


def search(env: dict[str, str], query: str) -> list[tuple[object, ...]]:
    """The hits in id order, without scores.

    Documents that score alike may come in any order, and an index built
    in one pass weighs terms a little differently from one built by many
    ingests, so only which documents answer is compared.
    """
    result = records(env, "search", query, "--json")
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return sorted(
        (hit["document_id"], hit["student_id"], hit["doc_type"]) for hit in hits
    )


def chain_head(env: dict[str, str]) -> tuple[int, str]:
    archive = open_env_archive(env)
    try:
        with archive.sessions() as session:
            report = audit.verify_chain(session)
    finally:
        archive.close()
    assert report.ok, report.problem
    return report.head_seq, report.head_digest


def originals(env: dict[str, str]) -> dict[str, bytes]:
    """Each document's decrypted original, by source file name."""
    archive = open_env_archive(env)
    try:
        with archive.sessions() as session:
            documents = session.scalars(select(Document)).all()
        found = {}
        for document in documents:
            with objects.open_object(
                archive, document.original_object_id, actor="test:drill"
            ) as plaintext:
                found[document.source_name] = plaintext.read()
    finally:
        archive.close()
    return found


def drill(env: dict[str, str], tmp_path: Path, target: str, restore_url: str) -> None:
    box = make_box(tmp_path / "box", 1, 3, scan=True)
    ingest(env, box)
    answers_before = search(env, "Nunez")
    assert answers_before
    rows_before = table_rows(env)
    head_before = chain_head(env)

    snapshot = backup(env, target)
    shutil.rmtree(env["RECORDS_DATA_DIR"])

    restored_dir = tmp_path / "restored"
    restored = {**env, "RECORDS_DATA_DIR": str(restored_dir)}
    restored["RECORDS_DATABASE_URL"] = restore_url
    result = records(restored, "restore", target, snapshot, "--to", str(restored_dir))
    assert result.returncode == 0, result.stdout + result.stderr

    rows_after = table_rows(restored)
    audit_before = rows_before.pop("audit_log")
    audit_after = rows_after.pop("audit_log")
    assert rows_after == rows_before
    assert audit_after[: len(audit_before)] == audit_before
    assert chain_head(restored)[0] == head_before[0] + 1

    decrypted = originals(restored)
    assert sorted(decrypted) == sorted(p.name for p in box.iterdir())
    for name, content in decrypted.items():
        assert content == (box / name).read_bytes(), name

    answers_after = search(restored, "Nunez")
    assert answers_after == answers_before
    verified = records(restored, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert (restored_dir / "keys.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_restore_drill_brings_back_the_archive_bit_for_bit(
    env: dict[str, str], tmp_path: Path, restore_url: str
) -> None:
    drill(env, tmp_path, str(tmp_path / "target"), restore_url)


@pytest.mark.slow
@pytest.mark.s3
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_restore_drill_from_an_s3_target(
    env: dict[str, str],
    tmp_path: Path,
    restore_url: str,
    s3_server: S3Server,
    s3_bucket: str,
) -> None:
    s3_env = {**env, **s3_server.aws_environment()}
    s3_env["RECORDS_S3_ENDPOINT_URL"] = s3_server.endpoint_url
    drill(s3_env, tmp_path, f"s3://{s3_bucket}/backups", restore_url)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_snapshot_restores_into_postgresql(
    env: dict[str, str], tmp_path: Path
) -> None:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set; PostgreSQL tests run in CI")
    schemas = _postgres_schema_url(base)
    url = next(schemas)
    try:
        drill(env, tmp_path, str(tmp_path / "target"), url)
    finally:
        next(schemas, None)  # drops the throwaway schema
