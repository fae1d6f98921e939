"""Pick the blob store a URL names: a local folder or an S3 bucket."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from storage.blobstore import BlobStore
from storage.folder import FolderBlobStore
from storage.s3 import S3BlobStore

ACCEPTED_FORMS = "file:///absolute/path, a plain folder path, or s3://bucket[/prefix]"


def open_blob_store(
    url: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
) -> BlobStore:
    """Open the store ``url`` names; the S3 settings apply only to ``s3://``.

    Opening contacts no service; call the store's ``check()`` to fail early.
    """
    if not url:
        raise ValueError(f"no blob store URL given; use {ACCEPTED_FORMS}")
    if "://" not in url:
        if url.startswith(("file:", "s3:")):
            raise ValueError(f"malformed blob store URL {url!r}; use {ACCEPTED_FORMS}")
        return FolderBlobStore(Path(url))

    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise ValueError(
                f"blob store URL {url!r} names no local folder; use {ACCEPTED_FORMS}"
            )
        return FolderBlobStore(Path(unquote(parts.path)))

    if parts.scheme == "s3":
        if not parts.netloc or parts.query or parts.fragment:
            raise ValueError(
                f"blob store URL {url!r} names no bucket; use {ACCEPTED_FORMS}"
            )
        return S3BlobStore(
            parts.netloc,
            unquote(parts.path).strip("/"),
            endpoint_url=endpoint_url,
            region=region,
            access_key=access_key,
            secret_key=secret_key,
        )

    raise ValueError(
        f"unsupported blob store URL scheme {parts.scheme!r}; use {ACCEPTED_FORMS}"
    )
