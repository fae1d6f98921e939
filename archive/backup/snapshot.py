"""Make a snapshot: copy new objects, then the sealed parts, then the manifest.

The order of writes makes an interrupted run harmless. Objects go first,
as ciphertext, byte for byte, and only those the target lacks (an object
never changes under its id, so this is incremental by content). Then the
snapshot's database dump and key file, then the current data keys
(replacing the previous run's), and the manifest last. A run killed
anywhere leaves earlier snapshots whole and listable; its own snapshot has
no manifest, is never listed, and the next run reuses every object it
copied.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, BinaryIO, cast

from sqlalchemy.orm import Session

from archive import audit
from archive.audit import ChainReport
from archive.backup.dump import (
    DumpCounts,
    ObjectRef,
    check_tables_known,
    data_key_lines,
    dump_lines,
    read_transaction,
    schema_revision_of,
    stored_objects,
)
from archive.backup.errors import BackupError
from archive.backup.manifest import (
    DATA_KEYS_KEY,
    OBJECTS_PREFIX,
    Manifest,
    ObjectEntry,
    new_snapshot_id,
    newest_manifest,
    object_id_of,
    object_key,
    part_key,
    render_manifest,
)
from archive.backup.recovery import KdfParams, RecoverySecret, SnapshotKeys
from archive.backup.sealed import LineStream, PartDigest, write_sealed
from archive.context import Archive
from storage.blobstore import BlobStore
from storage.errors import ObjectNotFound

log = logging.getLogger(__name__)

_CHUNK = 1 << 20

Advance = Callable[[int], None]


@dataclass(frozen=True)
class BackupReport:
    snapshot_id: str
    objects: int
    copied: int
    copied_bytes: int
    rows: int
    audit_head_seq: int


class HashingReader:
    """Pass a stream through, counting and hashing what was read."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def create_snapshot(
    archive: Archive,
    target: BlobStore,
    secret: RecoverySecret,
    *,
    actor: str,
    progress: Advance | None = None,
    on_total: Advance | None = None,
) -> BackupReport:
    """Back the archive up to ``target`` as one new snapshot."""
    previous = newest_manifest(target)
    if previous is None:
        keys = secret.keys(KdfParams.fresh())
    else:
        keys = previous.authenticate(secret)
    snapshot_id = new_snapshot_id()
    created = datetime.now(UTC)

    with ExitStack() as scratch:
        reading = _read_database(archive, scratch, keys, snapshot_id)
        if on_total is not None:
            on_total(len(reading.objects))
        entries, copied, copied_bytes = _copy_objects(
            archive, target, reading.objects, previous, progress
        )
        parts = _upload_parts(archive, target, scratch, keys, snapshot_id, reading)

    chain = reading.chain
    manifest = render_manifest(
        keys=keys,
        snapshot_id=snapshot_id,
        created=created,
        schema_revision=reading.revision,
        audit_head=(chain.head_seq, chain.head_digest),
        counts={
            "objects": len(entries),
            "rows": reading.counts.rows,
            "audit_entries": chain.entries,
        },
        parts=parts,
        objects=entries,
    )
    target.put(part_key(snapshot_id, "manifest.json"), io.BytesIO(manifest))

    rows = reading.counts.total
    audit.record(
        archive.sessions,
        actor=actor,
        action="backup.create",
        target=f"snapshot:{snapshot_id}",
        detail={"objects": len(entries), "copied": copied, "rows": rows},
    )
    log.info(
        "snapshot %s complete: %d objects (%d copied), %d rows",
        snapshot_id,
        len(entries),
        copied,
        rows,
    )
    return BackupReport(
        snapshot_id, len(entries), copied, copied_bytes, rows, chain.head_seq
    )


@dataclass
class _Reading:
    """What one read transaction saw: the sealed dump, data keys and objects."""

    revision: str
    counts: DumpCounts
    database: tuple[IO[bytes], PartDigest]
    data_keys: tuple[IO[bytes], PartDigest]
    objects: list[ObjectRef]
    chain: ChainReport


def _read_database(
    archive: Archive, scratch: ExitStack, keys: SnapshotKeys, snapshot_id: str
) -> _Reading:
    """Dump the database and the data keys, sealed, from one consistent moment."""
    with read_transaction(archive.settings.database_url) as connection:
        revision = schema_revision_of(connection)
        check_tables_known(connection)
        counts = DumpCounts()
        database = _seal_to_file(
            scratch,
            dump_lines(connection, revision, counts),
            keys,
            "backup",
            part_key(snapshot_id, "database.enc"),
        )
        data_keys = _seal_to_file(
            scratch,
            data_key_lines(connection, snapshot_id),
            keys,
            "backup",
            DATA_KEYS_KEY,
        )
        refs = stored_objects(connection)
        with Session(bind=connection) as session:
            chain = audit.verify_chain(session)

    if not chain.ok:
        log.warning("audit chain does not verify; backing it up as it is")
    return _Reading(revision, counts, database, data_keys, refs, chain)


def _upload_parts(
    archive: Archive,
    target: BlobStore,
    scratch: ExitStack,
    keys: SnapshotKeys,
    snapshot_id: str,
    reading: _Reading,
) -> dict[str, PartDigest]:
    """Send the sealed parts in the order of writes; data keys come last."""
    keyfile = _seal_to_file(
        scratch,
        [archive.settings.key_file.read_bytes()],
        keys,
        "keyfile",
        part_key(snapshot_id, "keyfile.enc"),
    )
    database_key = part_key(snapshot_id, "database.enc")
    keyfile_key = part_key(snapshot_id, "keyfile.enc")
    return {
        "database.enc": _upload(target, database_key, reading.database),
        "keyfile.enc": _upload(target, keyfile_key, keyfile),
        "data-keys.enc": _upload(target, DATA_KEYS_KEY, reading.data_keys),
    }


def _seal_to_file(
    scratch: ExitStack,
    lines: Iterable[bytes],
    keys: SnapshotKeys,
    key_name: str,
    part: str,
) -> tuple[IO[bytes], PartDigest]:
    """Encrypt a part into a scratch file: only ciphertext ever touches disk."""
    scratch_file = tempfile.TemporaryFile(prefix="records-backup-")  # noqa: SIM115
    out = scratch.enter_context(scratch_file)
    source = cast(BinaryIO, LineStream(lines))
    digest = write_sealed(out, source, keys=keys, key_name=key_name, part=part)
    out.flush()
    return out, digest


def _upload(
    target: BlobStore, key: str, sealed: tuple[IO[bytes], PartDigest]
) -> PartDigest:
    handle, digest = sealed
    handle.seek(0)
    info = target.put(key, cast(BinaryIO, handle))
    if info.size != digest.size:
        raise BackupError(
            f"the target stored {info.size} bytes of {key} instead of {digest.size}; "
            "check the target and run the backup again"
        )
    return digest


def _copy_objects(
    archive: Archive,
    target: BlobStore,
    refs: list[ObjectRef],
    previous: Manifest | None,
    progress: Advance | None,
) -> tuple[list[ObjectEntry], int, int]:
    """Copy the objects the target lacks; describe every object of the snapshot.

    An object the previous manifest lists, at the size the target holds, is
    not read again. One the target holds but the manifest does not list
    (an interrupted run copied it) is kept if its bytes match the archive's,
    which costs two reads instead of an upload.
    """
    known = {o.object_id: o for o in previous.objects} if previous else {}
    present = {
        object_id: info.size
        for info in target.list(OBJECTS_PREFIX)
        if (object_id := object_id_of(info.key)) is not None
    }

    entries: list[ObjectEntry] = []
    copied = copied_bytes = 0
    for ref in refs:
        size = present.get(ref.object_id)
        entry = known.get(ref.object_id)
        if size is not None and entry is None and size == ref.stored_size:
            entry = _reuse_leftover(archive, target, ref)
        if entry is None or size is None or size != entry.size:
            entry = _copy_object(archive, target, ref)
            copied += 1
            copied_bytes += entry.size
        entries.append(entry)
        if progress is not None:
            progress(1)
    return entries, copied, copied_bytes


def _copy_object(archive: Archive, target: BlobStore, ref: ObjectRef) -> ObjectEntry:
    try:
        source = archive.store.open(ref.blob_key)
    except ObjectNotFound:
        raise BackupError(
            f"object {ref.object_id} vanished from the archive's store during the "
            "backup (shredded meanwhile?); run the backup again"
        ) from None
    with source:
        reader = HashingReader(source)
        info = target.put(object_key(ref.object_id), cast(BinaryIO, reader))
    if reader.size != ref.stored_size:
        raise BackupError(
            f"object {ref.object_id} is {reader.size} bytes in the archive's store "
            f"but {ref.stored_size} were recorded; run `records verify`"
        )
    if info.size != reader.size:
        raise BackupError(
            f"the target stored {info.size} bytes of object {ref.object_id} instead "
            f"of {reader.size}; check the target and run the backup again"
        )
    return ObjectEntry(ref.object_id, reader.digest.hexdigest(), reader.size)


def _reuse_leftover(
    archive: Archive, target: BlobStore, ref: ObjectRef
) -> ObjectEntry | None:
    """Describe an object an interrupted run copied, if it matches the source."""
    with target.open(object_key(ref.object_id)) as copy:
        theirs = _digest(copy)
    try:
        with archive.store.open(ref.blob_key) as source:
            ours = _digest(source)
    except ObjectNotFound:
        return None
    return (
        ObjectEntry(ref.object_id, ours, ref.stored_size or 0)
        if ours == theirs
        else None
    )


def _digest(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
