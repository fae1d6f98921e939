"""Run a batch: walk the paths, read files in a process pool, file each result.

The main process owns every write (objects, database, index), so workers
only read files and run tesseract; nothing they do needs a lock. Before a
batch starts, what an interrupted batch left is settled: pending objects
are removed and documents the index lags behind are indexed. Together with
the unique content digest of each document, that makes running the same
command again after a crash finish the work without a duplicate.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import logging
import multiprocessing
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.context import Archive
from archive.errors import ArchiveError
from archive.indexing import index_documents, open_index, sync_index
from archive.models import Document, IngestBatch, Student, utcnow
from archive.objects import recover_pending
from ingest.errors import UnreadableFile
from ingest.faults import checkpoint
from ingest.filing import (
    FileChanged,
    Filed,
    Unreadable,
    commit_filed,
    file_read_document,
    file_unreadable,
    find_duplicate,
    load_roster,
)
from ingest.outcome import DUPLICATE, QUARANTINED, BatchSummary, FileOutcome
from ingest.reader import ReadResult, read_document
from ingest.sniff import sniff
from search.index import SearchIndex

log = logging.getLogger(__name__)

INGEST_KINDS = ("original", "searchable", "quarantine")
_HASH_CHUNK = 1 << 20
_INDEX_EVERY = 25
# A group commit keeps at most this many files, held at most this long.
_COMMIT_EVERY = 32
_COMMIT_WAIT = 1.0
_PR_SET_PDEATHSIG = 1


class IngestBusy(ArchiveError):
    """Another ingest is running on this archive."""


@dataclass(frozen=True)
class Progress:
    """What a progress display needs after each file."""

    files_done: int
    files_total: int
    pages_done: int


def find_files(paths: Sequence[Path]) -> Iterator[Path]:
    """Yield every regular file under the paths, folders walked in name order."""
    for path in paths:
        if path.is_dir():
            for folder, subfolders, names in os.walk(path):
                subfolders.sort()
                for name in sorted(names):
                    candidate = Path(folder) / name
                    if candidate.is_file() and not candidate.is_symlink():
                        yield candidate
        else:
            yield path


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """Let one ingest at a time write to this archive.

    Settling what a crashed run left is only safe when no other run is
    putting objects at the same moment.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "ingest.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestBusy(
                "another `records ingest` is running on this archive; "
                "wait for it to finish and run this one again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _init_worker() -> None:
    """Make a pool process die with the process that started it.

    A worker orphaned by a killed ingest would otherwise go on reading a
    page nobody will file, holding the terminal and the scratch folder.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before the line above ran
            os._exit(1)


@dataclass(frozen=True)
class _Read:
    """A worker's answer: a read result, or why the file could not be read."""

    result: ReadResult | None = None
    failure: Unreadable | None = None


def read_in_worker(path: Path, workdir: Path, languages: str) -> _Read:
    """Read one file in a pool process; bad input comes back as a reason."""
    try:
        result = read_document(path, workdir=workdir, languages=languages)
    except UnreadableFile as err:
        _empty(workdir)
        try:
            kind = sniff(path).format.value
        except (OSError, UnreadableFile):
            kind = "unknown"
        return _Read(failure=Unreadable(err.code, err.reason, kind))

    # Clearing the folder here, beside the other worker, spares the main
    # process, which every file waits on; a searchable copy must stay for it.
    if result.searchable_pdf is None:
        _empty(workdir)
    return _Read(result=result)


class _Batch:
    """The state of one running batch in the main process.

    Filed documents wait in memory for a group commit, which keeps several
    in one transaction; a file is reported to the clerk only once the
    transaction that keeps its account has committed.
    """

    def __init__(
        self,
        archive: Archive,
        index: SearchIndex,
        actor: str,
        on_outcome: Callable[[FileOutcome], None],
    ) -> None:
        self.archive = archive
        self.index = index
        self.actor = actor
        self.on_outcome = on_outcome
        self.roster = load_roster(archive)
        self.row = IngestBatch(
            id=secrets.token_hex(16),
            actor=actor,
            state="running",
            files_total=0,
            files_done=0,
            pages_done=0,
        )
        with archive.sessions.begin() as session:
            session.add(self.row)
        self.summary = BatchSummary(self.row.id)
        self.to_index: list[Document] = []
        # Files whose content is already in flight in this batch, by digest.
        self.waiting: dict[str, list[Path]] = {}
        self.filed: list[Filed] = []
        self.accounts: list[FileOutcome] = []
        self.oldest = 0.0

    def record_alone(self, outcome: FileOutcome) -> None:
        """Account for a file that produced no new document, at the next commit."""
        self._hold()
        self.accounts.append(outcome)
        self._commit_if_due()

    def file(self, path: Path, sha256: str, read: _Read) -> None:
        try:
            if read.result is not None:
                filed = file_read_document(
                    self.archive,
                    self.row,
                    path=path,
                    sha256=sha256,
                    result=read.result,
                    roster=self.roster,
                )
            else:
                assert read.failure is not None
                filed = file_unreadable(
                    self.archive,
                    self.row,
                    path=path,
                    sha256=sha256,
                    failure=read.failure,
                )
        except (FileChanged, OSError) as err:
            reason = (
                "the file changed while it was read; ingest it again"
                if isinstance(err, FileChanged)
                else f"the file could not be read again ({err.strerror})"
            )
            twins = self.waiting.pop(sha256, [])
            self.record_alone(FileOutcome(str(path), QUARANTINED, reason=reason))
            for twin in twins:
                again = f"its twin {path.name} could not be ingested; ingest it again"
                self.record_alone(FileOutcome(str(twin), QUARANTINED, reason=again))
            return

        self._hold()
        self.filed.append(filed)
        self._commit_if_due()

    def _hold(self) -> None:
        if not (self.filed or self.accounts):
            self.oldest = time.monotonic()

    def _commit_if_due(self) -> None:
        held = len(self.filed) + len(self.accounts)
        if held >= _COMMIT_EVERY or time.monotonic() - self.oldest >= _COMMIT_WAIT:
            self.commit()

    def commit(self) -> None:
        """Commit what is held, then report it: twins after their original."""
        if not (self.filed or self.accounts):
            return
        settled: list[FileOutcome] = []
        twins: list[FileOutcome] = []
        for filed in self.filed:
            original = Path(filed.outcome.path).name
            copies = [
                replace(
                    filed.outcome,
                    path=str(twin),
                    status=DUPLICATE,
                    reason=f"the same content as {original} in this batch",
                )
                for twin in self.waiting.pop(filed.document.sha256, [])
            ]
            settled += [filed.outcome, *copies]
            twins += copies
        accounts = twins + self.accounts
        settled += self.accounts

        commit_filed(self.archive, self.row, self.filed, accounts, actor=self.actor)

        self.to_index += [filed.document for filed in self.filed]
        self.filed, self.accounts = [], []
        for outcome in settled:
            self.summary.add(outcome)
            self.on_outcome(outcome)
        if len(self.to_index) >= _INDEX_EVERY:
            self.flush_index()

    def flush_index(self) -> None:
        if self.to_index:
            checkpoint("index")
            index_documents(self.archive, self.index, self._with_students())
            self.to_index = []

    def _with_students(self) -> list[tuple[Document, Student | None]]:
        """Pair each document with its student, all loaded in one query."""
        ids = {d.student_id for d in self.to_index if d.student_id is not None}
        students: dict[str, Student] = {}
        if ids:
            with self.archive.sessions() as session:
                students = {
                    s.student_id: s
                    for s in session.scalars(
                        select(Student)
                        .where(Student.student_id.in_(ids))
                        .options(selectinload(Student.names))
                    )
                }
        return [(d, students.get(d.student_id or "")) for d in self.to_index]

    def finish(self, seconds: float) -> BatchSummary:
        self.commit()
        self.flush_index()
        with self.archive.sessions.begin() as session:
            row = session.get_one(IngestBatch, self.row.id)
            row.state = "done"
            row.files_total = self.summary.files
            row.finished_at = utcnow()
        self.summary.seconds = seconds
        log.info(
            "batch %s done: %d files, %d pages in %.0f s",
            self.row.id,
            self.summary.files,
            self.summary.pages,
            seconds,
        )
        return self.summary


def ingest_paths(
    archive: Archive,
    paths: Sequence[Path],
    *,
    actor: str,
    workers: int | None = None,
    on_outcome: Callable[[FileOutcome], None] = lambda _o: None,
    on_progress: Callable[[Progress], None] = lambda _p: None,
) -> BatchSummary:
    """Archive every file under ``paths``; report each file as it is settled."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ArchiveError(f"no such file or folder: {', '.join(missing)}")
    files = list(find_files(paths))
    workers = max(1, workers or os.cpu_count() or 1)
    started = time.monotonic()

    with ingest_lock(archive.settings.data_dir), open_index(archive) as index:
        recover_pending(archive, older_than=timedelta(0), kinds=INGEST_KINDS)
        sync_index(archive, index)
        batch = _Batch(archive, index, actor, on_outcome)
        workroot = Path(tempfile.mkdtemp(prefix="ingest-", dir=_scratch(archive)))
        try:
            _run(batch, files, workers, workroot, on_progress)
        finally:
            shutil.rmtree(workroot, ignore_errors=True)
        return batch.finish(time.monotonic() - started)


def _scratch(archive: Archive) -> Path:
    """A private folder for page images: they are plaintext, so mode 0700."""
    scratch = archive.settings.data_dir / "scratch"
    scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
    return scratch


def _run(
    batch: _Batch,
    files: list[Path],
    workers: int,
    workroot: Path,
    on_progress: Callable[[Progress], None],
) -> None:
    context = multiprocessing.get_context("forkserver")
    # Imported once in the fork server, the reading code is ready in every
    # worker it forks instead of being imported again by each of them.
    context.set_forkserver_preload([__name__])
    languages = batch.archive.settings.ocr_languages
    in_flight: dict[Future[_Read], tuple[Path, str, Path]] = {}
    spare: list[Path] = []
    queue = iter(files)

    def progress() -> None:
        on_progress(Progress(batch.summary.files, len(files), batch.summary.pages))

    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker
    ) as pool:
        while True:
            while len(in_flight) < workers * 2:
                path = next(queue, None)
                if path is None:
                    break
                job = _prepare(batch, path, workroot, spare)
                if job is not None:
                    workdir = job[1]
                    future = pool.submit(read_in_worker, path, workdir, languages)
                    in_flight[future] = (path, job[0], workdir)
                    checkpoint("submitted")
                progress()
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                path, sha256, workdir = in_flight.pop(future)
                batch.file(path, sha256, future.result())
                _empty(workdir)
                spare.append(workdir)
                progress()
            if not any(future.done() for future in in_flight):
                batch.commit()


def _prepare(
    batch: _Batch, path: Path, workroot: Path, spare: list[Path]
) -> tuple[str, Path] | None:
    """Hash a file and settle it at once if it needs no reading; else plan a job."""
    try:
        sha256 = hash_file(path)
    except OSError as err:
        reason = f"the file cannot be opened ({err.strerror}); check its permissions"
        batch.record_alone(FileOutcome(str(path), QUARANTINED, reason=reason))
        return None

    duplicate = find_duplicate(batch.archive, sha256, path)
    if duplicate is not None:
        batch.record_alone(duplicate)
        return None
    if sha256 in batch.waiting:
        batch.waiting[sha256].append(path)
        return None
    batch.waiting[sha256] = []
    if spare:
        return sha256, spare.pop()
    workdir = workroot / secrets.token_hex(8)
    workdir.mkdir(mode=0o700)
    return sha256, workdir


def _empty(workdir: Path) -> None:
    """Clear a job's folder for the next job; most hold nothing to clear."""
    for child in workdir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
