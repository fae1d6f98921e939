"""The blob store contract, run against the folder store and a real S3 server.

Each test states one promise of :class:`storage.blobstore.BlobStore`; both
implementations must keep every one. A few promises about how each store
survives a failed put are specific to it and run on that store only.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.blobstore import BlobInfo, BlobStore
from storage.errors import ObjectNotFound, StoreUnavailable
from storage.folder import FolderBlobStore
from storage.s3 import S3BlobStore
from tests.fixtures.s3server import S3Server

PART_SIZE = 5 * 1024 * 1024
LARGE = 12 * 1024 * 1024
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(
    params=[
        pytest.param("folder", id="folder"),
        pytest.param("s3", id="s3", marks=pytest.mark.s3),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """Each store, empty; the S3 one with a small part size so multipart happens."""
    if request.param == "folder":
        return FolderBlobStore(tmp_path / "blobs")
    server: S3Server = request.getfixturevalue("s3_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    return S3BlobStore(
        bucket,
        "archive",
        endpoint_url=server.endpoint_url,
        region=server.region,
        access_key=server.access_key,
        secret_key=server.secret_key,
        part_size=PART_SIZE,
    )


def make_bytes(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


class GeneratorReader(io.RawIOBase):
    """A non-seekable source that hands out its chunks in odd, short reads."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if not self._pending:
            self._pending = next(self._chunks, b"")
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def chunked(data: bytes, size: int = 70_001) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


class FailingSource(io.RawIOBase):
    """Yields ``good_bytes`` of data, then fails as a broken disk would."""

    def __init__(self, good_bytes: int) -> None:
        self._left = good_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._left <= 0:
            raise OSError("the scanner's disk went away")
        count = min(len(buffer), self._left)
        buffer[:count] = b"\xab" * count
        self._left -= count
        return count


def read_in_chunks(store: BlobStore, key: str) -> bytes:
    """Read an object the way callers stream it: fixed-size reads to the end."""
    digest = bytearray()
    with store.open(key) as stream:
        while chunk := stream.read(64 * 1024):
            digest += chunk
    return bytes(digest)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


SIZES = [
    pytest.param(0, id="empty"),
    pytest.param(1000, id="small"),
    pytest.param(LARGE, id="larger-than-a-part"),
]


@pytest.mark.parametrize("size", SIZES)
def test_put_from_a_file_streams_back_the_same_bytes(
    store: BlobStore, tmp_path: Path, size: int
) -> None:
    data = make_bytes(size)
    source_path = tmp_path / "source.bin"
    source_path.write_bytes(data)

    with source_path.open("rb") as source:
        info = store.put("docs/one.bin", source)

    assert info == BlobInfo(key="docs/one.bin", size=size)
    assert sha256(read_in_chunks(store, "docs/one.bin")) == sha256(data)


@pytest.mark.parametrize("size", SIZES)
def test_put_from_a_non_seekable_reader_streams_back_the_same_bytes(
    store: BlobStore, size: int
) -> None:
    data = make_bytes(size, seed=1)

    info = store.put("docs/generated.bin", GeneratorReader(chunked(data)))  # type: ignore[arg-type]

    assert info.size == size
    assert sha256(read_in_chunks(store, "docs/generated.bin")) == sha256(data)


def test_put_from_a_pipe_streams_back_the_same_bytes(store: BlobStore) -> None:
    data = make_bytes(LARGE, seed=2)
    read_fd, write_fd = os.pipe()
    feeder = threading.Thread(target=_write_all, args=(write_fd, data))
    feeder.start()

    try:
        with os.fdopen(read_fd, "rb") as pipe:
            info = store.put("piped.bin", pipe)
    finally:
        feeder.join()

    assert info.size == LARGE
    assert sha256(read_in_chunks(store, "piped.bin")) == sha256(data)


def _write_all(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)


def test_open_reads_in_small_pieces_without_losing_bytes(store: BlobStore) -> None:
    data = make_bytes(300_000, seed=3)
    store.put("pieces.bin", io.BytesIO(data))

    with store.open("pieces.bin") as stream:
        first = stream.read(7)
        rest = stream.read()

    assert first + rest == data


def test_open_fills_a_caller_buffer_with_readinto(store: BlobStore) -> None:
    data = make_bytes(200_000, seed=6)
    store.put("into.bin", io.BytesIO(data))
    buffer = bytearray(150_000)

    with store.open("into.bin") as stream:
        first = stream.readinto(buffer)  # type: ignore[attr-defined]
        rest = stream.read()

    assert first == 150_000
    assert bytes(buffer) + rest == data


def test_head_reports_the_stored_size(store: BlobStore) -> None:
    store.put("a/b/c.bin", io.BytesIO(b"x" * 4321))

    assert store.head("a/b/c.bin") == BlobInfo(key="a/b/c.bin", size=4321)


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda s, k: s.open(k), id="open"),
        pytest.param(lambda s, k: s.head(k), id="head"),
    ],
)
def test_reading_a_missing_key_raises_object_not_found_naming_it(
    store: BlobStore, operation: object
) -> None:
    store.put("present.bin", io.BytesIO(b"here"))

    with pytest.raises(ObjectNotFound, match=r"absent/key\.bin"):
        operation(store, "absent/key.bin")  # type: ignore[operator]


def test_exists_follows_put_and_delete(store: BlobStore) -> None:
    assert not store.exists("life/cycle.bin")

    store.put("life/cycle.bin", io.BytesIO(b"data"))
    assert store.exists("life/cycle.bin")

    store.delete("life/cycle.bin")
    assert not store.exists("life/cycle.bin")
    with pytest.raises(ObjectNotFound):
        store.open("life/cycle.bin")


def test_exists_is_false_for_a_prefix_of_real_keys(store: BlobStore) -> None:
    store.put("folder/inside.bin", io.BytesIO(b"data"))

    assert not store.exists("folder")


def test_deleting_a_missing_key_is_not_an_error(store: BlobStore) -> None:
    store.delete("never/stored.bin")

    assert list(store.list()) == []


KEYS_IN_ORDER = [
    "docs/a-b",
    "docs/a.txt",
    "docs/a/x",
    "docs/a0",
    "docs/b/c/d",
    "docs/b0",
    "other/z",
]


def test_list_yields_every_key_in_key_order_with_sizes(store: BlobStore) -> None:
    for index, key in enumerate(random.Random(4).sample(KEYS_IN_ORDER, k=7)):
        store.put(key, io.BytesIO(b"x" * (index + 1)))

    listed = list(store.list())

    assert [info.key for info in listed] == KEYS_IN_ORDER
    assert all(info.size == store.head(info.key).size for info in listed)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        pytest.param("docs/", KEYS_IN_ORDER[:6], id="folder-prefix"),
        pytest.param(
            "docs/a",
            ["docs/a-b", "docs/a.txt", "docs/a/x", "docs/a0"],
            id="partial-name",
        ),
        pytest.param("docs/b/", ["docs/b/c/d"], id="deep"),
        pytest.param("other/z", ["other/z"], id="whole-key"),
        pytest.param("nothing/", [], id="no-match"),
    ],
)
def test_list_by_prefix_yields_only_matching_keys_in_order(
    store: BlobStore, prefix: str, expected: list[str]
) -> None:
    for key in KEYS_IN_ORDER:
        store.put(key, io.BytesIO(key.encode()))

    assert [info.key for info in store.list(prefix)] == expected


def test_put_over_an_existing_key_replaces_its_bytes(store: BlobStore) -> None:
    store.put("replace/me.bin", io.BytesIO(b"old contents, longer"))

    info = store.put("replace/me.bin", io.BytesIO(b"new"))

    assert info.size == 3
    assert read_in_chunks(store, "replace/me.bin") == b"new"
    assert [i.key for i in store.list("replace/")] == ["replace/me.bin"]


INVALID_KEYS = [
    pytest.param("", id="empty"),
    pytest.param("/absolute", id="leading-slash"),
    pytest.param("a//b", id="empty-segment"),
    pytest.param("a/", id="trailing-slash"),
    pytest.param("../escape", id="dot-dot"),
    pytest.param("a/../../escape", id="inner-dot-dot"),
    pytest.param(".hidden", id="leading-dot"),
    pytest.param("a/.partial-123", id="partial-name"),
    pytest.param("with space", id="space"),
    pytest.param("caf\u00e9", id="non-ascii"),
    pytest.param("back\\slash", id="backslash"),
    pytest.param("nul\x00byte", id="nul"),
    pytest.param("x" * 256, id="segment-too-long"),
]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_keys_are_refused_by_every_operation(
    store: BlobStore, key: str
) -> None:
    with pytest.raises(ValueError, match="invalid blob key"):
        store.put(key, io.BytesIO(b"data"))
    with pytest.raises(ValueError, match="invalid blob key"):
        store.open(key)
    with pytest.raises(ValueError, match="invalid blob key"):
        store.head(key)
    with pytest.raises(ValueError, match="invalid blob key"):
        store.exists(key)
    with pytest.raises(ValueError, match="invalid blob key"):
        store.delete(key)

    assert list(store.list()) == []


@pytest.mark.parametrize(
    "prefix",
    [pytest.param("/a", id="leading-slash"), pytest.param("../", id="dot-dot")],
)
def test_list_refuses_a_prefix_no_key_can_have(store: BlobStore, prefix: str) -> None:
    with pytest.raises(ValueError, match="invalid blob key prefix"):
        store.list(prefix)


@pytest.mark.parametrize(
    "good_bytes",
    [
        pytest.param(1000, id="in-the-first-part"),
        pytest.param(LARGE, id="after-two-parts"),
    ],
)
def test_put_whose_source_fails_leaves_nothing_under_a_new_key(
    store: BlobStore, good_bytes: int
) -> None:
    with pytest.raises(OSError, match="disk went away"):
        store.put("failed/new.bin", FailingSource(good_bytes))  # type: ignore[arg-type]

    assert not store.exists("failed/new.bin")
    assert list(store.list()) == []


def test_put_whose_source_fails_keeps_the_previous_object(store: BlobStore) -> None:
    old = make_bytes(2000, seed=5)
    store.put("failed/existing.bin", io.BytesIO(old))

    with pytest.raises(OSError, match="disk went away"):
        store.put("failed/existing.bin", FailingSource(LARGE))  # type: ignore[arg-type]

    assert read_in_chunks(store, "failed/existing.bin") == old
    assert [i.key for i in store.list()] == ["failed/existing.bin"]


def test_check_passes_on_a_working_store(store: BlobStore) -> None:
    store.check()

    assert list(store.list()) == []


# The S3 store's own promise: a failed multipart upload is aborted.


@pytest.mark.s3
def test_s3_put_that_fails_midway_leaves_no_incomplete_upload(
    s3_server: S3Server, s3_bucket: str
) -> None:
    store = S3BlobStore(
        s3_bucket,
        endpoint_url=s3_server.endpoint_url,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        part_size=PART_SIZE,
    )

    with pytest.raises(OSError, match="disk went away"):
        store.put("failed/multipart.bin", FailingSource(LARGE))  # type: ignore[arg-type]

    uploads = s3_server.client().list_multipart_uploads(Bucket=s3_bucket)
    assert uploads.get("Uploads", []) == []
    assert not store.exists("failed/multipart.bin")


@pytest.mark.s3
def test_s3_location_names_bucket_prefix_and_endpoint_but_no_secret(
    s3_server: S3Server,
) -> None:
    store = S3BlobStore(
        "records",
        "/district/blobs/",
        endpoint_url=s3_server.endpoint_url,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
    )

    assert store.location == f"s3://records/district/blobs at {s3_server.endpoint_url}"
    assert s3_server.secret_key not in store.location
    assert s3_server.access_key not in store.location


# The folder store's own promises: what a killed put leaves, and file modes.

KILLED_PUT = textwrap.dedent(
    """
    import io, sys, time
    from pathlib import Path
    from storage.folder import FolderBlobStore

    class Stalling(io.RawIOBase):
        def __init__(self):
            self.sent = 0
        def readable(self):
            return True
        def readinto(self, buffer):
            if self.sent >= 3 * 1024 * 1024:
                print("midway", flush=True)
                time.sleep(600)
            buffer[:] = b"n" * len(buffer)
            self.sent += len(buffer)
            return len(buffer)

    FolderBlobStore(Path(sys.argv[1])).put("killed/object.bin", Stalling())
    """
)


def kill_a_put_midway(root: Path) -> None:
    """Run a put of ``killed/object.bin`` in a child and SIGKILL it after 3 MiB."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUT, str(root)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "midway"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()


def test_folder_put_killed_midway_leaves_old_object_and_a_sweepable_partial(
    tmp_path: Path,
) -> None:
    root = tmp_path / "blobs"
    store = FolderBlobStore(root)
    store.put("killed/object.bin", io.BytesIO(b"previous version"))

    kill_a_put_midway(root)

    partials = list((root / "killed").glob(".partial-*"))
    assert len(partials) == 1 and partials[0].stat().st_size >= 3 * 1024 * 1024
    assert read_in_chunks(store, "killed/object.bin") == b"previous version"
    assert [i.key for i in store.list()] == ["killed/object.bin"]

    assert store.sweep_partials() == 0
    assert partials[0].exists()
    assert store.sweep_partials(older_than_seconds=0) == 1
    assert not partials[0].exists()
    assert read_in_chunks(store, "killed/object.bin") == b"previous version"


def test_folder_put_killed_before_the_first_object_leaves_nothing_readable(
    tmp_path: Path,
) -> None:
    root = tmp_path / "blobs"
    store = FolderBlobStore(root)
    kill_a_put_midway(root)

    assert not store.exists("killed/object.bin")
    assert list(store.list()) == []
    with pytest.raises(ObjectNotFound):
        store.head("killed/object.bin")
    assert store.sweep_partials(older_than_seconds=0) == 1
    assert list((root / "killed").iterdir()) == []


def test_folder_put_whose_source_fails_removes_its_partial_file(
    tmp_path: Path,
) -> None:
    store = FolderBlobStore(tmp_path / "blobs")

    with pytest.raises(OSError, match="disk went away"):
        store.put("failed/new.bin", FailingSource(LARGE))  # type: ignore[arg-type]

    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
    assert store.sweep_partials(older_than_seconds=0) == 0


def test_folder_sweep_spares_partials_younger_than_the_threshold(
    tmp_path: Path,
) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    store.put("a/b.bin", io.BytesIO(b"object"))
    stale = tmp_path / "blobs" / "a" / ".partial-stale"
    fresh = tmp_path / "blobs" / "a" / ".partial-fresh"
    stale.write_bytes(b"left by a killed put")
    fresh.write_bytes(b"a put still running")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))

    assert store.sweep_partials(older_than_seconds=3600) == 1

    assert not stale.exists()
    assert fresh.exists()
    assert store.exists("a/b.bin")


def test_folder_store_creates_private_folders_and_files(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path / "blobs")

    store.put("deep/er/object.bin", io.BytesIO(b"ciphertext"))

    root = tmp_path / "blobs"
    for folder in (root, root / "deep", root / "deep" / "er"):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert (root / "deep" / "er" / "object.bin").stat().st_mode & 0o777 == 0o600


def test_folder_store_refuses_a_key_below_an_existing_object(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    store.put("solid", io.BytesIO(b"object"))

    with pytest.raises(ValueError, match="already an object"):
        store.put("solid/below", io.BytesIO(b"other"))

    assert read_in_chunks(store, "solid") == b"object"


def test_folder_store_refuses_a_key_that_other_keys_live_under(
    tmp_path: Path,
) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    store.put("shelf/box", io.BytesIO(b"object"))

    with pytest.raises(ValueError, match="other keys already start with shelf/"):
        store.put("shelf", io.BytesIO(b"other"))

    assert [i.key for i in store.list()] == ["shelf/box"]
    assert list((tmp_path / "blobs").glob(".partial-*")) == []


def test_folder_store_that_cannot_create_its_root_says_where(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"in the way")

    with pytest.raises(
        StoreUnavailable, match=re.escape(f"cannot create the blob folder {blocker}")
    ):
        FolderBlobStore(blocker / "blobs")


def test_folder_store_check_reports_a_folder_it_cannot_write(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = FolderBlobStore(root)
    root.rmdir()
    root.write_bytes(b"not a folder")

    with pytest.raises(StoreUnavailable, match=str(root)):
        store.check()
