"""A blob store in a local folder: one file per object, at the key's path.

An object is written to a ``.partial-`` file beside its final name, synced,
and renamed into place, so a reader sees the old object or the whole new
one, never a part. A put killed before the rename leaves only its
``.partial-`` file, which no key can name (keys never start with ``.``);
:meth:`FolderBlobStore.sweep_partials` removes the stale ones.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from storage.blobkeys import validate_key, validate_prefix
from storage.blobstore import BlobInfo
from storage.errors import ObjectNotFound, StoreUnavailable

logger = logging.getLogger(__name__)

PARTIAL_PREFIX = ".partial-"
COPY_CHUNK_SIZE = 1024 * 1024
FOLDER_MODE = 0o700


class FolderBlobStore:
    """Objects as files under ``root``, folders 0700 and files 0600.

    The root is created (mode 0700) if it does not exist yet, so that a new
    data folder works without a separate set-up step.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()
        try:
            _make_folders(self.root, stop_at=Path(self.root.anchor))
        except OSError as err:
            raise self._unavailable("cannot create", err) from err

    @property
    def location(self) -> str:
        return str(self.root)

    def check(self) -> None:
        """Prove the root is a folder we can write to, by writing to it."""
        if not self.root.is_dir():
            raise StoreUnavailable(
                f"the blob folder {self.root} does not exist or is not a folder; "
                "create it or fix RECORDS_BLOB_URL"
            )

        try:
            fd, probe = tempfile.mkstemp(prefix=PARTIAL_PREFIX, dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as err:
            raise self._unavailable("cannot write to", err) from err

    def put(self, key: str, source: BinaryIO) -> BlobInfo:
        """Copy ``source`` to a partial file, sync it, then rename it into place."""
        target = self._path_of(key)
        self._make_parent(key, target)

        partial, out = self._open_partial(target.parent)
        try:
            with out:
                size = self._copy_into(out, source)
                self._sync_file(out)
            self._publish(key, partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

        return BlobInfo(key=key, size=size)

    def open(self, key: str) -> BinaryIO:
        path = self._path_of(key)
        try:
            if not path.is_file():
                raise ObjectNotFound(self._not_found_message(key))
            return path.open("rb")
        except (FileNotFoundError, NotADirectoryError) as err:
            raise ObjectNotFound(self._not_found_message(key)) from err
        except OSError as err:
            raise self._unavailable("cannot read from", err) from err

    def head(self, key: str) -> BlobInfo:
        path = self._path_of(key)
        try:
            if not path.is_file():
                raise ObjectNotFound(self._not_found_message(key))
            return BlobInfo(key=key, size=path.stat().st_size)
        except (FileNotFoundError, NotADirectoryError) as err:
            raise ObjectNotFound(self._not_found_message(key)) from err
        except OSError as err:
            raise self._unavailable("cannot read from", err) from err

    def exists(self, key: str) -> bool:
        return self._path_of(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path_of(key)
        if path.is_dir():
            return
        try:
            path.unlink(missing_ok=True)
        except NotADirectoryError:
            return
        except OSError as err:
            raise self._unavailable("cannot delete from", err) from err

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Walk the tree in key order, one folder's listing in memory at a time."""
        validate_prefix(prefix)
        return self._walk(self.root, "", prefix)

    def sweep_partials(self, older_than_seconds: float = 3600) -> int:
        """Remove ``.partial-`` files left by killed puts; return how many.

        Only files older than ``older_than_seconds`` go, so a put still
        running in another process keeps its file.
        """
        cutoff = time.time() - older_than_seconds
        removed = 0
        for folder, _, names in os.walk(self.root):
            for name in names:
                if not name.startswith(PARTIAL_PREFIX):
                    continue
                path = Path(folder, name)
                with contextlib.suppress(FileNotFoundError):
                    if path.lstat().st_mtime <= cutoff:
                        path.unlink()
                        removed += 1

        if removed:
            logger.info("removed %d stale partial files from the blob folder", removed)
        return removed

    def _walk(self, folder: Path, folder_key: str, prefix: str) -> Iterator[BlobInfo]:
        """Yield objects below ``folder``, skipping subtrees the prefix excludes.

        Entries are sorted with ``/`` after a folder's name, which is exactly
        where its keys fall among its siblings' (``a-b`` < ``a/x`` < ``a0``).
        """
        try:
            with os.scandir(folder) as listing:
                entries = sorted(
                    listing,
                    key=lambda e: e.name + "/" if _is_folder(e) else e.name,
                )
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as err:
            raise self._unavailable("cannot list", err) from err

        for entry in entries:
            if entry.name.startswith("."):
                continue
            key = folder_key + entry.name
            if _is_folder(entry):
                below = key + "/"
                if below.startswith(prefix) or prefix.startswith(below):
                    yield from self._walk(Path(entry.path), below, prefix)
            elif key.startswith(prefix) and entry.is_file(follow_symlinks=False):
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                except FileNotFoundError:
                    continue
                yield BlobInfo(key=key, size=size)

    def _make_parent(self, key: str, target: Path) -> None:
        try:
            _make_folders(target.parent, stop_at=self.root)
        except (FileExistsError, NotADirectoryError) as err:
            raise ValueError(
                f"cannot store key {key!r}: part of its path is already an object"
            ) from err
        except OSError as err:
            raise self._unavailable("cannot create a folder in", err) from err

    def _open_partial(self, folder: Path) -> tuple[Path, BinaryIO]:
        try:
            fd, name = tempfile.mkstemp(prefix=PARTIAL_PREFIX, dir=folder)
        except OSError as err:
            raise self._unavailable("cannot create a file in", err) from err
        return Path(name), os.fdopen(fd, "wb")

    def _copy_into(self, out: BinaryIO, source: BinaryIO) -> int:
        """Copy in fixed chunks through one reusable buffer; return the byte count.

        Errors from ``source`` pass through unchanged (the caller's input
        failed); errors writing ``out`` mean the folder is in trouble.
        """
        buffer = bytearray(COPY_CHUNK_SIZE)
        view = memoryview(buffer)
        readinto = getattr(source, "readinto", None)
        total = 0
        while True:
            if readinto is not None:
                count = readinto(view)
            else:
                chunk = source.read(COPY_CHUNK_SIZE)
                count = len(chunk)
                view[:count] = chunk
            if count is None:
                raise ValueError("the source is non-blocking and has no data ready")
            if count == 0:
                return total

            try:
                out.write(view[:count])
            except OSError as err:
                raise self._unavailable("cannot write to", err) from err
            total += count

    def _sync_file(self, out: BinaryIO) -> None:
        try:
            out.flush()
            os.fsync(out.fileno())
        except OSError as err:
            raise self._unavailable("cannot write to", err) from err

    def _publish(self, key: str, partial: Path, target: Path) -> None:
        """Rename the finished file onto the key and make the rename durable."""
        try:
            os.replace(partial, target)
        except IsADirectoryError as err:
            raise ValueError(
                f"cannot store key {key!r}: other keys already start with {key}/"
            ) from err
        except OSError as err:
            raise self._unavailable("cannot write to", err) from err

        try:
            _sync_folder(target.parent)
        except OSError as err:
            raise self._unavailable("cannot sync", err) from err

    def _path_of(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def _not_found_message(self, key: str) -> str:
        return f"no object under key {key!r} in the blob folder {self.root}"

    def _unavailable(self, action: str, err: OSError) -> StoreUnavailable:
        reason = err.strerror or type(err).__name__
        return StoreUnavailable(
            f"{action} the blob folder {self.root}: {reason}; check that it "
            "exists and that this user may write to it"
        )


def _is_folder(entry: os.DirEntry[str]) -> bool:
    return entry.is_dir(follow_symlinks=False)


def _make_folders(folder: Path, *, stop_at: Path) -> None:
    """Create ``folder`` and missing parents below ``stop_at``, syncing each parent.

    The parent's sync makes the new folder's name durable, so a put that
    returned is not lost with a folder entry after a crash.
    """
    if folder.is_dir():
        return
    if folder != stop_at and folder.parent != folder:
        _make_folders(folder.parent, stop_at=stop_at)

    try:
        folder.mkdir(mode=FOLDER_MODE)
    except FileExistsError:
        if not folder.is_dir():
            raise
        return
    _sync_folder(folder.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
