"""Which store a blob URL opens, and the message for a URL that names none."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from storage.folder import FolderBlobStore
from storage.s3 import S3BlobStore
from storage.stores import open_blob_store


def test_file_url_opens_a_folder_store_at_its_path(tmp_path: Path) -> None:
    root = tmp_path / "blob folder"

    store = open_blob_store(root.as_uri())

    assert isinstance(store, FolderBlobStore)
    assert store.location == str(root)
    store.put("a/b.bin", io.BytesIO(b"data"))
    assert (root / "a" / "b.bin").read_bytes() == b"data"


def test_plain_path_opens_a_folder_store(tmp_path: Path) -> None:
    store = open_blob_store(str(tmp_path / "blobs"))

    assert isinstance(store, FolderBlobStore)
    assert store.location == str(tmp_path / "blobs")


def test_folder_store_root_is_created_private(tmp_path: Path) -> None:
    root = tmp_path / "new" / "blobs"

    open_blob_store(root.as_uri()).check()

    assert root.is_dir()
    assert root.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        pytest.param("s3://records", "records", "", id="bucket-only"),
        pytest.param("s3://records/", "records", "", id="trailing-slash"),
        pytest.param(
            "s3://records/district/blobs", "records", "district/blobs", id="prefix"
        ),
    ],
)
def test_s3_url_opens_an_s3_store_with_bucket_and_prefix(
    url: str, bucket: str, prefix: str
) -> None:
    store = open_blob_store(
        url,
        endpoint_url="http://127.0.0.1:9",
        access_key="access",
        secret_key="secret-value",
    )

    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == (bucket, prefix)
    assert store.location == f"s3://{bucket}/{prefix} at http://127.0.0.1:9"
    assert "secret-value" not in store.location


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("", id="empty"),
        pytest.param("http://example.invalid/blobs", id="http"),
        pytest.param("gs://bucket/prefix", id="other-cloud"),
        pytest.param("file://otherhost/blobs", id="remote-file-host"),
        pytest.param("file:relative", id="file-without-slashes"),
        pytest.param("s3:///prefix-without-bucket", id="s3-without-bucket"),
    ],
)
def test_unsupported_url_is_refused_listing_the_accepted_forms(url: str) -> None:
    with pytest.raises(ValueError, match=r"file:///absolute/path.*s3://bucket"):
        open_blob_store(url)


def test_s3_store_needs_both_halves_of_a_credential() -> None:
    with pytest.raises(ValueError, match="both an S3 access key and a secret key"):
        open_blob_store("s3://records", access_key="only-the-key")
