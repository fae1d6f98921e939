"""Rebuild the index from scratch beside the live one, then swap it in.

The rebuild commits every batch and records a checkpoint, so a rebuild that is
killed resumes where it stopped when run again. Searchers keep using the live
generation until the finished index replaces it in one atomic step.
"""

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage

from search.documents import IndexedDocument
from search.layout import (
    DEFAULT_LOCK_TIMEOUT,
    REBUILD_LOCK,
    STAGING,
    WRITER_MEMORY_MB,
    acquire_lock,
    ensure_layout,
    held_lock,
    live_generation,
    next_generation,
    open_whoosh,
    remove_other_generations,
    sync_folder,
    write_current,
)
from search.schema import build_schema, fields_of

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.json"

Source = Callable[[str | None], Iterable[IndexedDocument]]


@dataclass(frozen=True)
class Checkpoint:
    """Where a rebuild stands: the last committed id and the batch in flight.

    `pending` names the last id of a batch whose commit had started. After a
    crash, finding that id in the index tells whether the commit landed, since
    Whoosh commits are atomic.
    """

    after: str | None
    count: int
    pending: str | None = None


def rebuild(
    path: str | os.PathLike[str],
    source: Source,
    *,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 500,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> int:
    """Build a fresh index from `source` and make it the live one; count its documents.

    `source(after_document_id)` must yield each document once, ordered by
    document_id, starting after the given id (or from the first when None).
    Memory stays bounded: one batch at a time, and Whoosh spills to disk.
    Documents that other processes index during the rebuild land in the old
    generation and are lost at the swap; compare `SearchIndex.stamps()` with
    the database afterwards to re-index them.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    root = Path(path)
    ensure_layout(root, lock_timeout)

    with held_lock(root, REBUILD_LOCK, 0.0):
        remove_other_generations(root, keep=live_generation(root))
        staging = root / STAGING
        checkpoint = _resume_point(staging)
        ix = open_whoosh(staging, use_mmap=False)
        log.info(
            "rebuilding the search index%s",
            f", resuming after {checkpoint.count} documents"
            if checkpoint.count
            else "",
        )

        count = checkpoint.count
        batch: list[IndexedDocument] = []
        for doc in source(checkpoint.after):
            batch.append(doc)
            if len(batch) >= batch_size:
                count = _commit_batch(ix, staging, batch, count)
                batch = []
                if progress is not None:
                    progress(count)
        if batch:
            count = _commit_batch(ix, staging, batch, count)
            if progress is not None:
                progress(count)

        _merge_segments(ix)
        total = int(ix.doc_count())
        ix.close()
        _swap_in(root, staging, lock_timeout)

    log.info("rebuilt the search index with %d documents", total)
    return total


def _resume_point(staging: Path) -> Checkpoint:
    """Read the checkpoint of an interrupted rebuild, or start a fresh one."""
    checkpoint = _read_checkpoint(staging)
    if checkpoint is None:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        FileStorage(str(staging)).create_index(build_schema())
        fresh = Checkpoint(after=None, count=0)
        _write_checkpoint(staging, fresh)
        return fresh

    if checkpoint.pending is None:
        return checkpoint
    ix = open_whoosh(staging, use_mmap=False)
    with ix.searcher() as searcher:
        landed = searcher.document_number(document_id=checkpoint.pending) is not None
        count = int(searcher.doc_count())
    ix.close()
    if landed:
        return Checkpoint(after=checkpoint.pending, count=count)
    return Checkpoint(after=checkpoint.after, count=checkpoint.count)


def _commit_batch(
    ix: Any, staging: Path, batch: list[IndexedDocument], count: int
) -> int:
    """Add one batch in one commit, bracketing it with checkpoints."""
    before = _read_checkpoint(staging)
    after = before.after if before else None
    last = batch[-1].document_id
    _write_checkpoint(staging, Checkpoint(after=after, count=count, pending=last))

    writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    try:
        for doc in batch:
            writer.add_document(**fields_of(doc))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()

    count += len(batch)
    _write_checkpoint(staging, Checkpoint(after=last, count=count))
    log.debug("rebuild committed %d documents", count)
    return count


def _merge_segments(ix: Any) -> None:
    """Merge the batches' segments into one before the index goes live.

    Every query pays per segment (fuzzy names build an automaton for each), so
    a rebuilt index starts as one segment. The merge streams through Whoosh's
    bounded pool like any commit; a kill here only repeats the merge.
    """
    writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    writer.commit(optimize=True)


def _swap_in(root: Path, staging: Path, lock_timeout: float) -> None:
    """Make the staged index live, waiting for any writer of the old one."""
    old = live_generation(root)
    new = next_generation(old)

    old_ix = open_whoosh(root / old)
    writelock = old_ix.lock("WRITELOCK")
    acquire_lock(writelock, lock_timeout, f"the writer lock of {root}")
    try:
        os.rename(staging, root / new)
        sync_folder(root)
        write_current(root, new)
    finally:
        writelock.release()
        old_ix.close()

    (root / new / CHECKPOINT).unlink(missing_ok=True)
    shutil.rmtree(root / old, ignore_errors=True)
    log.info("search index generation %s replaced %s", new, old)


def _read_checkpoint(staging: Path) -> Checkpoint | None:
    try:
        raw = json.loads((staging / CHECKPOINT).read_text(encoding="utf-8"))
        return Checkpoint(
            after=raw["after"], count=int(raw["count"]), pending=raw.get("pending")
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("unreadable rebuild checkpoint; starting the rebuild afresh")
        return None


def _write_checkpoint(staging: Path, checkpoint: Checkpoint) -> None:
    temporary = staging / (CHECKPOINT + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(asdict(checkpoint), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, staging / CHECKPOINT)
