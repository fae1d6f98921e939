"""A blob store in any S3-compatible service (AWS S3, MinIO, Ceph, SeaweedFS).

Uploads go through boto3's transfer manager: objects larger than one part
are sent as a multipart upload, which S3 publishes only when the last part
is committed, so a failed put leaves nothing readable under its key. The
transfer manager aborts the multipart upload when the put fails; if the
service itself vanishes mid-upload the abort cannot reach it either, and
only a bucket lifecycle rule ("abort incomplete multipart uploads after N
days") reclaims those parts.

Every botocore failure is translated into the storage errors, with the
endpoint and bucket named and the cause kept as ``__cause__``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from storage.blobkeys import validate_key, validate_prefix
from storage.blobstore import BlobInfo
from storage.errors import BucketMissing, ObjectNotFound, StorageError, StoreUnavailable

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import GetObjectOutputTypeDef

logger = logging.getLogger(__name__)

MIN_PART_SIZE = 5 * 1024 * 1024
READ1_DEFAULT_SIZE = 1024 * 1024

# Everything botocore raises when the service is unreachable, refuses us, or
# drops a connection. Programming errors (ParamValidationError and the like)
# are left alone so they surface as the bugs they are.
SERVICE_ERRORS = (
    ClientError,
    BotoConnectionError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
)

_CREDENTIAL_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403", "Forbidden"}
)
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})

# One listing level: names with sizes for objects, None for deeper levels.
_Level = list[tuple[str, int | None]]


class S3BlobStore:
    """Objects under ``prefix/`` in one bucket.

    Credentials are the explicit ``access_key``/``secret_key`` when given,
    otherwise boto3's usual chain (``AWS_ACCESS_KEY_ID`` and friends, the
    shared config files, an instance role). Path-style addressing makes any
    endpoint work without wildcard DNS.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        part_size: int = 8 * 1024 * 1024,
        max_concurrency: int = 4,
    ) -> None:
        if not bucket:
            raise ValueError("an S3 blob store needs a bucket name")
        if (access_key is None) != (secret_key is None):
            raise ValueError("give both an S3 access key and a secret key, or neither")
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3)")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if self.prefix:
            validate_key(self.prefix)
        self._key_base = self.prefix + "/" if self.prefix else ""

        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
        )
        self._client: S3Client = session.client(
            "s3", endpoint_url=endpoint_url, config=_client_config(max_concurrency)
        )
        self.endpoint = self._client.meta.endpoint_url
        self._transfer = TransferConfig(
            multipart_threshold=part_size,
            multipart_chunksize=part_size,
            max_concurrency=max_concurrency,
            use_threads=max_concurrency > 1,
        )

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix} at {self.endpoint}"

    def check(self) -> None:
        """Ask for the bucket once, so a bad setting fails before any work."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except SERVICE_ERRORS as err:
            raise self._storage_error(err) from err

    def put(self, key: str, source: BinaryIO) -> BlobInfo:
        """Stream ``source`` up, as a multipart upload beyond one part.

        The source is read once, front to back, in part-sized pieces, so it
        may be a pipe; the transfer manager keeps at most ten parts in memory.
        An error raised by ``source`` itself passes through unchanged.
        """
        name = self._object_name(key)
        counted = _CountingReader(source)
        try:
            self._client.upload_fileobj(
                cast("BinaryIO", counted), self.bucket, name, Config=self._transfer
            )
        except SERVICE_ERRORS as err:
            raise self._storage_error(err, key) from err
        return BlobInfo(key=key, size=counted.count)

    def open(self, key: str) -> BinaryIO:
        """Start a GET and hand back its body as a streaming file."""
        name = self._object_name(key)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=name)
        except SERVICE_ERRORS as err:
            raise self._storage_error(err, key) from err
        return cast("BinaryIO", _ObjectStream(self, key, response))

    def head(self, key: str) -> BlobInfo:
        name = self._object_name(key)
        try:
            response = self._client.head_object(Bucket=self.bucket, Key=name)
        except SERVICE_ERRORS as err:
            raise self._storage_error(err, key) from err
        return BlobInfo(key=key, size=response["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        name = self._object_name(key)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=name)
        except SERVICE_ERRORS as err:
            error = self._storage_error(err, key)
            if not isinstance(error, ObjectNotFound):
                raise error from err

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Walk the bucket one ``/`` level at a time, in key order.

        AWS lists a bucket in key order, but stores built on a file tree
        (SeaweedFS among them) list ``a/x`` before ``a-b``. Listing each
        level with a delimiter and sorting it makes the order hold on any
        service, holding one level's listing in memory at a time.
        """
        validate_prefix(prefix)
        return self._walk(self._key_base + prefix)

    def _walk(self, request_prefix: str) -> Iterator[BlobInfo]:
        for name, size in self._list_level(request_prefix):
            if size is None:
                yield from self._walk(name)
                continue
            key = name[len(self._key_base) :]
            if _is_valid_key(key):
                yield BlobInfo(key=key, size=size)

    def _list_level(self, request_prefix: str) -> _Level:
        """Return one level's objects (with sizes) and sub-levels (size None).

        A sub-level's name ends with ``/``, so plain string order puts it
        exactly where its keys belong among its siblings.
        """
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=request_prefix, Delimiter="/"
        )
        entries: _Level = []
        try:
            for page in pages:
                entries += [(o["Key"], o["Size"]) for o in page.get("Contents", [])]
                entries += [(p["Prefix"], None) for p in page.get("CommonPrefixes", [])]
        except SERVICE_ERRORS as err:
            raise self._storage_error(err) from err
        entries.sort(key=lambda entry: entry[0])
        return entries

    def _object_name(self, key: str) -> str:
        return self._key_base + validate_key(key)

    def _storage_error(self, err: Exception, key: str | None = None) -> StorageError:
        """Say what went wrong in terms an operator can act on.

        ``key`` is given for operations on one object: there a bare 404
        means the object is missing, elsewhere it means the bucket is.
        """
        where = f"the S3 service at {self.endpoint} (bucket '{self.bucket}')"
        if isinstance(err, ClientError):
            error = err.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code in _NOT_FOUND_CODES and key is not None:
                return ObjectNotFound(
                    f"no object under key {key!r} in s3://{self.bucket}/{self.prefix}"
                )
            if code == "NoSuchBucket" or code in _NOT_FOUND_CODES:
                return BucketMissing(
                    f"the bucket '{self.bucket}' does not exist at {self.endpoint}; "
                    "create it or fix RECORDS_BLOB_URL"
                )
            if code in _CREDENTIAL_CODES:
                return StoreUnavailable(
                    f"{where} rejected the credentials ({code}); check the S3 access "
                    "key and secret key, and that they may use this bucket"
                )
            return StoreUnavailable(f"{where} refused the request: {code or err}")

        if isinstance(err, NoCredentialsError | PartialCredentialsError):
            return StoreUnavailable(
                f"no usable S3 credentials for {where}; set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or another boto3 credential source)"
            )

        logger.debug("S3 request to %s failed: %s", self.endpoint, type(err).__name__)
        return StoreUnavailable(
            f"cannot reach {where}: {_short_reason(err)}; check "
            "RECORDS_S3_ENDPOINT_URL and that the service is running"
        )


class _CountingReader:
    """Present ``source`` as a non-seekable stream and count what it yields.

    Non-seekable makes the transfer manager read each byte exactly once and
    keep a part in memory for retries, so the count is what was stored. Each
    ``read(n)`` returns ``n`` bytes unless the source is exhausted: the
    transfer manager takes a short read for the end of the stream.
    """

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.count = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            data = self._source.read()
            self.count += len(data)
            return data

        pieces: list[bytes] = []
        wanted = size
        while wanted > 0:
            piece = self._source.read(wanted)
            if not piece:
                break
            pieces.append(piece)
            wanted -= len(piece)
        data = b"".join(pieces)
        self.count += len(data)
        return data


class _ObjectStream(io.BufferedIOBase):
    """An object's GET body, read straight through, with storage errors.

    ``read(n)`` returns ``n`` bytes unless the object ends first, as a
    buffered file does, and hands on the body's bytes without copying them
    through a second buffer.
    """

    def __init__(
        self, store: S3BlobStore, key: str, response: GetObjectOutputTypeDef
    ) -> None:
        super().__init__()
        self._store = store
        self._key = key
        self._body = response["Body"]

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self.closed:
            raise ValueError("read from a closed S3 object stream")
        if size is None or size < 0:
            return self._read_body(None)

        data = self._read_body(size)
        if len(data) == size or not data:
            return data
        pieces = [data]
        wanted = size - len(data)
        while wanted > 0 and (more := self._read_body(wanted)):
            pieces.append(more)
            wanted -= len(more)
        return b"".join(pieces)

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size >= 0 else READ1_DEFAULT_SIZE)

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()

    def _read_body(self, size: int | None) -> bytes:
        try:
            return self._body.read(size)
        except SERVICE_ERRORS as err:
            raise self._store._storage_error(err, self._key) from err


def _client_config(max_concurrency: int) -> Config:
    """Settings that suit any S3-compatible service, not only AWS.

    Checksums are sent only where S3 requires them: the newer default
    trailing checksums are refused by some S3-compatible services, and the
    bytes stored here are authenticated ciphertext already.
    """
    return Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=max(10, max_concurrency + 2),
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def _short_reason(err: BaseException) -> str:
    """Find the operating system's word for a failure (``Connection refused``)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [err]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return str(current.strerror)
        kwargs = getattr(current, "kwargs", None)
        if isinstance(kwargs, dict) and isinstance(kwargs.get("error"), BaseException):
            pending.append(kwargs["error"])
        pending.extend([current.__cause__, current.__context__])

    return _REASONS.get(type(err).__name__, type(err).__name__)


_REASONS = {
    "EndpointConnectionError": "could not connect",
    "ConnectTimeoutError": "timed out connecting",
    "ReadTimeoutError": "timed out waiting for a response",
    "ConnectionClosedError": "the connection was closed",
    "ResponseStreamingError": "the connection dropped while reading",
    "IncompleteReadError": "the connection dropped while reading",
}


def _is_valid_key(key: str) -> bool:
    try:
        validate_key(key)
    except ValueError:
        return False
    return True
