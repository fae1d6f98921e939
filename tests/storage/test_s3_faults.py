"""How the S3 store fails: each fault becomes one storage error an operator can act on.

The messages name the endpoint and bucket, say what to check, and carry no
traceback and no secret. No failed operation may look like a success.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest

from storage.errors import BucketMissing, ObjectNotFound, StoreUnavailable
from storage.s3 import S3BlobStore
from tests.fixtures.s3server import S3Server

pytestmark = pytest.mark.s3

PART_SIZE = 5 * 1024 * 1024

Operation = Callable[[S3BlobStore], object]

OPERATIONS: list[tuple[str, Operation]] = [
    ("check", lambda store: store.check()),
    ("put small", lambda store: store.put("new/small.bin", io.BytesIO(b"tiny"))),
    (
        "put multipart",
        lambda store: store.put("new/large.bin", io.BytesIO(b"\x01" * (11 << 20))),
    ),
    ("open", lambda store: store.open("kept/object.bin").read()),
    ("head", lambda store: store.head("kept/object.bin")),
    ("exists", lambda store: store.exists("kept/object.bin")),
    ("list", lambda store: list(store.list())),
    ("delete", lambda store: store.delete("kept/object.bin")),
]


def open_store(
    server: S3Server,
    bucket: str,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
) -> S3BlobStore:
    return S3BlobStore(
        bucket,
        "archive",
        endpoint_url=server.endpoint_url,
        access_key=access_key or server.access_key,
        secret_key=secret_key or server.secret_key,
        part_size=PART_SIZE,
    )


def assert_operator_message(error: BaseException, server: S3Server) -> None:
    message = str(error)
    assert "Traceback" not in message
    assert server.secret_key not in message
    assert "wrong-secret" not in message


@pytest.mark.parametrize(
    ("access_key", "secret_key"),
    [
        pytest.param(None, "wrong-secret-0123456789", id="wrong-secret"),
        pytest.param("NO-SUCH-ACCESS-KEY", "wrong-secret-0123456789", id="unknown-key"),
    ],
)
@pytest.mark.parametrize(
    "operation", [pytest.param(op, id=name) for name, op in OPERATIONS]
)
def test_rejected_credentials_are_reported_as_credentials_problem(
    s3_server: S3Server,
    s3_bucket: str,
    access_key: str | None,
    secret_key: str,
    operation: Operation,
) -> None:
    open_store(s3_server, s3_bucket).put("kept/object.bin", io.BytesIO(b"kept"))
    store = open_store(
        s3_server, s3_bucket, access_key=access_key, secret_key=secret_key
    )

    with pytest.raises(StoreUnavailable, match="rejected the credentials") as caught:
        operation(store)

    assert not isinstance(caught.value, BucketMissing)
    assert_operator_message(caught.value, s3_server)
    assert s3_server.endpoint_url in str(caught.value)
    assert open_store(s3_server, s3_bucket).exists("kept/object.bin")


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(op, id=name)
        for name, op in OPERATIONS
        if name not in ("head", "exists", "delete")
    ],
)
def test_missing_bucket_is_reported_by_name(
    s3_server: S3Server, operation: Operation
) -> None:
    store = open_store(s3_server, "no-such-bucket-anywhere")

    with pytest.raises(BucketMissing, match="'no-such-bucket-anywhere' does not exist"):
        operation(store)

    buckets = s3_server.client().list_buckets().get("Buckets", [])
    assert "no-such-bucket-anywhere" not in [b.get("Name") for b in buckets]


def test_head_in_a_missing_bucket_finds_no_object(s3_server: S3Server) -> None:
    """A HEAD answer has no body, so a missing bucket looks like a missing key.

    ``check()`` at start-up is what tells the two apart.
    """
    store = open_store(s3_server, "no-such-bucket-anywhere")

    with pytest.raises(ObjectNotFound):
        store.head("kept/object.bin")
    assert not store.exists("kept/object.bin")


def test_stopped_server_makes_every_operation_unavailable_naming_the_endpoint(
    short_lived_s3_server: S3Server,
) -> None:
    server = short_lived_s3_server
    bucket = server.make_bucket()
    store = open_store(server, bucket)
    store.put("kept/object.bin", io.BytesIO(b"kept"))

    server.stop()

    for name, operation in OPERATIONS:
        with pytest.raises(StoreUnavailable) as caught:
            operation(store)
        message = str(caught.value)
        assert message.startswith(
            f"cannot reach the S3 service at {server.endpoint_url} (bucket '{bucket}')"
        ), name
        assert "check RECORDS_S3_ENDPOINT_URL" in message, name
        assert_operator_message(caught.value, server)


def test_server_killed_mid_read_makes_the_read_fail(
    short_lived_s3_server: S3Server,
) -> None:
    server = short_lived_s3_server
    store = open_store(server, server.make_bucket())
    size = 48 * 1024 * 1024
    store.put("large.bin", io.BytesIO(b"\x07" * size))

    stream = store.open("large.bin")
    received = len(stream.read(1024 * 1024))
    server.stop(kill=True)

    with pytest.raises(StoreUnavailable, match="cannot reach the S3 service") as caught:
        received += read_to_the_end(stream)
    stream.close()

    assert received < size
    assert_operator_message(caught.value, server)


def read_to_the_end(stream: BinaryIO) -> int:
    received = 0
    while chunk := stream.read(1024 * 1024):
        received += len(chunk)
    return received


def test_credentials_come_from_the_environment_when_not_given(
    s3_server: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in s3_server.aws_environment().items():
        monkeypatch.setenv(name, value)
    store = S3BlobStore(s3_bucket, endpoint_url=s3_server.endpoint_url)

    store.check()
    store.put("from/env.bin", io.BytesIO(b"env"))

    assert store.head("from/env.bin").size == 3


def test_missing_credentials_are_reported_with_what_to_set(
    s3_server: S3Server,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = S3BlobStore(s3_bucket, endpoint_url=s3_server.endpoint_url)

    with pytest.raises(StoreUnavailable, match="AWS_ACCESS_KEY_ID"):
        store.check()
