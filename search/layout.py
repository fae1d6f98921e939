"""The index folder: generations of Whoosh indexes behind one CURRENT pointer.

    <index folder>/
      CURRENT          names the live generation, e.g. "live-000002"
      live-000002/     the Whoosh index that searches read and writers update
      rebuild/         a rebuild in progress, with its checkpoint.json
      layout.lock      held while the folder is first laid out
      rebuild.lock     held by the one rebuild that may run at a time

Replacing CURRENT with os.replace is atomic, so a searcher sees either the old
generation or the new one, never a half-built index. Whoosh's own WRITELOCK
inside each generation serialises writers across processes.
"""

import contextlib
import gc
import logging
import os
import re
import shutil
import time
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage

from search.errors import IndexBusy, IndexCorrupt
from search.schema import build_schema

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
STAGING = "rebuild"
LAYOUT_LOCK = "layout.lock"
REBUILD_LOCK = "rebuild.lock"
_GENERATION = re.compile(r"live-(\d{6})")
_OUR_NAMES = re.compile(r"CURRENT(\.tmp)?|live-\d{6}|rebuild|(layout|rebuild)\.lock")

LOCK_POLL_SECONDS = 0.05
DEFAULT_LOCK_TIMEOUT = 30.0
# Whoosh's in-memory posting pool per writer; beyond it, it spills to disk.
WRITER_MEMORY_MB = 64


def ensure_layout(root: Path, lock_timeout: float) -> str:
    """Lay out an empty index in `root` unless one is there; name the live one."""
    root.mkdir(parents=True, exist_ok=True)
    current = read_current(root)
    if current is not None:
        return current

    with held_lock(root, LAYOUT_LOCK, lock_timeout):
        current = read_current(root)
        if current is not None:
            return current

        strangers = [p.name for p in root.iterdir() if not _OUR_NAMES.fullmatch(p.name)]
        if strangers:
            raise IndexCorrupt(
                f"The folder {root} holds files that are not a search index "
                f"({len(strangers)} of them). Point the index at an empty folder "
                "or at an existing index folder."
            )

        current = generation_name(1)
        folder = root / current
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        FileStorage(str(folder)).create_index(build_schema())
        write_current(root, current)
        log.info("created an empty search index generation %s", current)
        return current


def read_current(root: Path) -> str | None:
    """Name the live generation, or None when the folder is not laid out yet."""
    try:
        name = (root / CURRENT).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise IndexCorrupt(_corrupt_message(root)) from err
    if not _GENERATION.fullmatch(name):
        raise IndexCorrupt(_corrupt_message(root))
    return name


def write_current(root: Path, generation: str) -> None:
    """Point CURRENT at a generation in one atomic, durable step."""
    temporary = root / (CURRENT + ".tmp")
    with open(temporary, "w", encoding="ascii") as handle:
        handle.write(generation + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, root / CURRENT)
    sync_folder(root)


def sync_folder(folder: Path) -> None:
    """Make renames inside a folder durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def generation_name(number: int) -> str:
    return f"live-{number:06d}"


def next_generation(current: str) -> str:
    match = _GENERATION.fullmatch(current)
    assert match is not None
    return generation_name(int(match.group(1)) + 1)


def open_whoosh(folder: Path, *, use_mmap: bool = True) -> Any:
    """Open the Whoosh index in a folder.

    FileNotFoundError passes through: it means a rebuild removed the folder
    after we read CURRENT, and the caller retries with the new generation.
    """
    storage = FileStorage(str(folder), supports_mmap=use_mmap)
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    try:
        return storage.open_index()
    except FileNotFoundError:
        raise
    except Exception as err:
        # Whoosh unpickles its table of contents: damage can surface as almost
        # any exception, and every one of them means the same to the caller.
        _release_files_of(err)
        raise IndexCorrupt(_corrupt_message(folder)) from err


def _release_files_of(err: BaseException) -> None:
    """Close the files Whoosh left open in the frames of a failed open.

    Whoosh does not close its table of contents when reading it fails; the file
    would otherwise stay open for as long as the error is kept.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        traceback.clear_frames(err.__traceback__)
        err.__traceback__ = None
        gc.collect()


def remove_other_generations(root: Path, keep: str) -> None:
    """Delete generations other than `keep`: left over by an interrupted swap."""
    for folder in root.iterdir():
        if _GENERATION.fullmatch(folder.name) and folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)
            log.info("removed search index generation %s", folder.name)


@contextlib.contextmanager
def held_lock(root: Path, name: str, timeout: float) -> Iterator[None]:
    """Hold a file lock in `root`, waiting at most `timeout` seconds for it."""
    lock = FileStorage(str(root)).lock(name)
    acquire_lock(lock, timeout, f"{name} in {root}")
    try:
        yield
    finally:
        lock.release()


def acquire_lock(lock: Any, timeout: float, what: str) -> None:
    """Poll a Whoosh lock until it is ours or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise IndexBusy(
                f"Another process held {what} for more than {timeout:g} seconds. "
                "Try again when the other indexing job or rebuild has finished."
            )
        time.sleep(LOCK_POLL_SECONDS)


def live_generation(root: Path) -> str:
    """Name the live generation of a laid-out index, or say how to repair it."""
    generation = read_current(root)
    if generation is None:
        raise IndexCorrupt(
            f"The search index in {root} has lost its CURRENT file. "
            "Rebuild it from the database with `records index rebuild`."
        )
    return generation


def _corrupt_message(folder: Path) -> str:
    return (
        f"The search index in {folder} cannot be read. Rebuild it from the "
        "database with `records index rebuild`."
    )
