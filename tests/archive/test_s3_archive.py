"""The archive on an S3 blob store, through the ``records`` command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive import objects
from archive.config import load_settings
from archive.context import open_archive
from archive.models import StoredObject
from storage.errors import StoreUnavailable
from tests.commands import run_records as run
from tests.fixtures.s3server import S3Server

pytestmark = pytest.mark.s3


def s3_env(
    tmp_path: Path,
    database_url: str,
    server: S3Server,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Settings for an archive on the bucket; boto3 in this process sees them too."""
    for name, value in server.aws_environment().items():
        monkeypatch.setenv(name, value)
    return {
        "RECORDS_DATA_DIR": str(tmp_path / "data"),
        "RECORDS_DATABASE_URL": database_url,
        "RECORDS_BLOB_URL": f"s3://{bucket}/district",
        "RECORDS_S3_ENDPOINT_URL": server.endpoint_url,
        **server.aws_environment(),
    }


def test_archive_on_s3_stores_reads_and_verifies(
    tmp_path: Path,
    database_url: str,
    s3_server: S3Server,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = s3_env(tmp_path, database_url, s3_server, s3_bucket, monkeypatch)

    assert run(env, "init").returncode == 0
    check = run(env, "selfcheck")
    archive = open_archive(load_settings(env))
    try:
        row = objects.store_object(
            archive, io.BytesIO(b"diploma " * 9000), kind="original", actor="t"
        )
    finally:
        archive.close()
    verify = run(env, "verify", "--deep")
    listed = s3_server.client().list_objects_v2(Bucket=s3_bucket, Prefix="district/")

    assert check.returncode == 0, check.stderr
    assert verify.returncode == 0, verify.stderr
    keys = [item["Key"] for item in listed.get("Contents", [])]
    assert keys == [f"district/{row.blob_key}"]
    body = s3_server.client().get_object(Bucket=s3_bucket, Key=keys[0])["Body"].read()
    assert b"diploma" not in body


def test_wrong_credentials_are_named_without_a_traceback(
    tmp_path: Path,
    database_url: str,
    s3_server: S3Server,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = s3_env(tmp_path, database_url, s3_server, s3_bucket, monkeypatch)
    assert run(env, "init").returncode == 0

    result = run({**env, "AWS_SECRET_ACCESS_KEY": "not-the-secret"}, "selfcheck")

    assert result.returncode == 1
    assert "credentials" in result.stderr
    assert "Traceback" not in result.stderr
    assert "not-the-secret" not in result.stderr


def test_missing_bucket_is_named(
    tmp_path: Path,
    database_url: str,
    s3_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = s3_env(tmp_path, database_url, s3_server, "no-such-bucket", monkeypatch)

    run(env, "init")
    result = run(env, "selfcheck")

    assert result.returncode == 1
    assert "no-such-bucket" in result.stderr
    assert "Traceback" not in result.stderr


def test_server_gone_mid_run_records_nothing_as_stored(
    tmp_path: Path,
    database_url: str,
    short_lived_s3_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = short_lived_s3_server
    env = s3_env(tmp_path, database_url, server, server.make_bucket(), monkeypatch)
    assert run(env, "init").returncode == 0
    archive = open_archive(load_settings(env))

    class DiesHalfway(io.RawIOBase):
        """A source that stops the server after the first parts were sent."""

        sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            if self.sent > 12 << 20 and server.is_running():
                server.stop(kill=True)
            n = len(buffer)
            buffer[:] = bytes(n)
            self.sent += n
            return n if self.sent < 40 << 20 else 0

    try:
        with pytest.raises(StoreUnavailable) as caught:
            objects.store_object(archive, DiesHalfway(), kind="original", actor="t")
        with archive.sessions() as session:
            stored = session.scalar(
                select(func.count())
                .select_from(StoredObject)
                .where(StoredObject.state == "stored")
            )
    finally:
        archive.close()

    message = str(caught.value)
    assert server.endpoint_url in message
    assert "Traceback" not in message
    assert stored == 0
    after = run(env, "selfcheck")
    assert after.returncode == 1
    assert server.endpoint_url in after.stderr
    assert "Traceback" not in after.stderr
