"""Restore a snapshot into an empty data folder, and prove the result.

Restore refuses a folder or database that holds anything, and a snapshot
that does not verify, so it can never overwrite a live archive. It then
writes the key file, creates the schema at the snapshot's revision, loads
the dump and the current data keys, copies the objects (checking each
against the manifest), rebuilds the search index, and runs the checks of
``records verify``: every object decrypts to its recorded digest, and the
audit chain verifies and ends at the head the manifest recorded. Its own
audit entry continues that chain.

An object shredded after the snapshot was taken has no data key in the
target any more: its row is marked shredded, its bytes are not copied,
and it can never be read again, which is what shredding promised.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, insert, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import archive.db
from archive import audit, fixity
from archive.backup.dump import load_dump
from archive.backup.errors import BackupError, SnapshotInvalid
from archive.backup.manifest import DATA_KEYS_KEY, Manifest, object_key, part_key
from archive.backup.recovery import RecoverySecret
from archive.backup.sealed import open_sealed
from archive.backup.snapshot import HashingReader
from archive.backup.verify import verify_snapshot
from archive.config import Settings, load_settings
from archive.context import Archive, open_archive, open_blob_store_for
from archive.db import create_db_engine, migrate
from archive.errors import ArchiveError
from archive.indexing import rebuild_index
from archive.models import DataKey, StoredObject
from archive.objects import SHREDDED, STORED
from storage.blobstore import BlobStore
from storage.errors import StorageError

log = logging.getLogger(__name__)

_KEY_FILE_MODE = 0o600
_BATCH = 200

Advance = Callable[[int], None]


@dataclass
class RestoreReport:
    snapshot_id: str
    settings: Settings
    objects: int = 0
    rows: int = 0
    indexed: int = 0
    shredded_since: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    audit_head_seq: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def restore_snapshot(
    target: BlobStore,
    secret: RecoverySecret,
    snapshot_id: str,
    data_dir: Path,
    *,
    actor: str,
    database_url: str | None = None,
    progress: Advance | None = None,
) -> RestoreReport:
    """Restore ``snapshot_id`` into ``data_dir`` (and the database it names)."""
    _require_empty_folder(data_dir)
    env = {"RECORDS_DATA_DIR": str(data_dir)}
    if database_url:
        env["RECORDS_DATABASE_URL"] = database_url
    settings = load_settings(env)
    engine = create_db_engine(settings.database_url, pool_pre_ping=True)
    try:
        _require_empty_database(engine, settings)
        manifest, verified = verify_snapshot(target, secret, snapshot_id)
        if verified.problems:
            raise SnapshotInvalid(
                f"snapshot {snapshot_id} does not verify, so it was not restored: "
                + "; ".join(verified.problems)
            )
        report = RestoreReport(snapshot_id, settings, notes=list(verified.extras))
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            _restore_into(engine, target, secret, manifest, report, progress)
            _check_restored(settings, manifest, report, actor)
        except (ArchiveError, StorageError) as err:
            raise BackupError(
                f"{err}; the restore stopped part way: remove {data_dir} (and "
                "empty the database if RECORDS_DATABASE_URL named one) before "
                "trying again"
            ) from err
    finally:
        engine.dispose()
    return report


def _restore_into(
    engine: Engine,
    target: BlobStore,
    secret: RecoverySecret,
    manifest: Manifest,
    report: RestoreReport,
    progress: Advance | None,
) -> None:
    """Write the key file, the database and the objects of the new archive."""
    settings = report.settings
    keys = _read_data_keys(target, secret)
    _write_key_file(target, secret, manifest, keys, settings.key_file)

    _create_schema(engine, manifest.schema_revision)
    report.rows, report.shredded_since = _load_database(
        engine, target, secret, manifest, keys
    )
    if manifest.schema_revision != _head_revision(engine):
        migrate(engine)

    _copy_objects(target, settings, manifest, report, progress)


def _require_empty_folder(data_dir: Path) -> None:
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(
            f"{data_dir} is not an empty folder; restore only into a new or empty "
            "folder, so that nothing is overwritten"
        )


def _require_empty_database(engine: Engine, settings: Settings) -> None:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return
    try:
        tables = inspect(engine).get_table_names()
    except OperationalError as err:
        raise BackupError(
            f"cannot reach the database to restore into "
            f"({err.orig.__class__.__name__}); check RECORDS_DATABASE_URL"
        ) from None
    if tables:
        raise BackupError(
            "the database RECORDS_DATABASE_URL names already holds tables; restore "
            "only into an empty database, so that nothing is overwritten"
        )


@dataclass(frozen=True)
class DataKeysFile:
    """The current wrapped data keys, and the run that wrote them."""

    snapshot_id: str
    rows: list[tuple[str, str, bytes]]


def _read_data_keys(target: BlobStore, secret: RecoverySecret) -> DataKeysFile:
    with open_sealed(target.open(DATA_KEYS_KEY), secret, part=DATA_KEYS_KEY) as raw:
        lines = io.BufferedReader(cast(Any, raw))
        header = json.loads(lines.readline())
        rows: list[tuple[str, str, bytes]] = []
        for line in lines:
            item = json.loads(line)
            if isinstance(item, dict):
                if item.get("rows") != len(rows):
                    raise BackupError(f"{DATA_KEYS_KEY}: the row count does not match")
                return DataKeysFile(str(header["snapshot"]), rows)
            object_id, kek_id, wrapped = item
            rows.append((object_id, kek_id, base64.b64decode(wrapped)))
    raise BackupError(f"{DATA_KEYS_KEY} ends early; it is incomplete")


def _write_key_file(
    target: BlobStore,
    secret: RecoverySecret,
    manifest: Manifest,
    keys: DataKeysFile,
    path: Path,
) -> None:
    """Write the snapshot's key file, adding KEKs that later data keys need.

    The data keys are the current ones; if keys were rotated after this
    snapshot, they are wrapped by key-encryption keys that only the key file
    of the run that wrote them holds, so those are merged in, and that
    run's active key stays active.
    """
    content = _read_key_file(target, secret, manifest.snapshot_id)
    document = json.loads(content)
    known = {key["id"] for key in document["keys"]}
    if any(kek_id not in known for _, kek_id, _ in keys.rows):
        later = json.loads(_read_key_file(target, secret, keys.snapshot_id))
        document["keys"] += [k for k in later["keys"] if k["id"] not in known]
        document["active"] = later["active"]
        content = json.dumps(document, indent=2).encode("utf-8") + b"\n"

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _KEY_FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())


def _read_key_file(
    target: BlobStore, secret: RecoverySecret, snapshot_id: str
) -> bytes:
    key = part_key(snapshot_id, "keyfile.enc")
    with open_sealed(target.open(key), secret, part=key) as plaintext:
        return plaintext.read()


def _create_schema(engine: Engine, revision: str) -> None:
    """Build the schema exactly at the revision the dump was taken from."""
    config = _alembic_config()
    try:
        ScriptDirectory.from_config(config).get_revision(revision)
    except CommandError:
        raise BackupError(
            f"the snapshot's schema revision {revision} is newer than this version "
            "knows; restore with the version that made it"
        ) from None
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _head_revision(engine: Engine) -> str:
    return str(ScriptDirectory.from_config(_alembic_config()).get_current_head())


def _alembic_config() -> Config:
    config = Config()
    migrations = Path(archive.db.__file__).parent / "migrations"
    config.set_main_option("script_location", str(migrations))
    return config


def _load_database(
    engine: Engine,
    target: BlobStore,
    secret: RecoverySecret,
    manifest: Manifest,
    keys: DataKeysFile,
) -> tuple[int, list[str]]:
    """Load the dump and the data keys in one transaction; name lost keys."""
    key = part_key(manifest.snapshot_id, "database.enc")
    with (
        open_sealed(target.open(key), secret, part=key) as raw,
        engine.begin() as connection,
    ):
        lines: Iterator[bytes] = iter(io.BufferedReader(cast(Any, raw)))
        counts = load_dump(connection, lines)
        object_ids = set(connection.scalars(select(StoredObject.id)))
        rows = [
            {"object_id": oid, "kek_id": kek, "wrapped": wrapped}
            for oid, kek, wrapped in keys.rows
            if oid in object_ids
        ]
        for start in range(0, len(rows), 500):
            connection.execute(insert(DataKey), rows[start : start + 500])
        with_keys = {row["object_id"] for row in rows}
    listed = [o.object_id for o in manifest.objects]
    return counts.total, [oid for oid in listed if oid not in with_keys]


def _copy_objects(
    target: BlobStore,
    settings: Settings,
    manifest: Manifest,
    report: RestoreReport,
    progress: Advance | None,
) -> None:
    """Copy every readable object into the new store, checked against the manifest."""
    store = open_blob_store_for(settings)
    lost = set(report.shredded_since)
    for entry in manifest.objects:
        if entry.object_id not in lost:
            with target.open(object_key(entry.object_id)) as source:
                reader = HashingReader(source)
                store.put(object_key(entry.object_id), cast(BinaryIO, reader))
            if reader.digest.hexdigest() != entry.sha256:
                raise SnapshotInvalid(
                    f"object {entry.object_id} changed in the target during the "
                    "restore; verify the target and restore again"
                )
            report.objects += 1
        if progress is not None:
            progress(1)


def _check_restored(
    settings: Settings, manifest: Manifest, report: RestoreReport, actor: str
) -> None:
    """Rebuild the index, run the checks of ``records verify``, and audit."""
    restored = open_archive(settings)
    try:
        report.indexed = rebuild_index(restored)
        for object_id, problem in _fixity_problems(restored):
            report.failures.append(f"object {object_id}: {problem}")

        with restored.sessions() as session:
            chain = audit.verify_chain(session)
        if not chain.ok:
            report.failures.append(f"audit log: {chain.problem}")
        elif (chain.head_seq, chain.head_digest) != (
            manifest.audit_head_seq,
            manifest.audit_head_digest,
        ):
            report.failures.append(
                f"audit log: the chain ends at entry {chain.head_seq}, but the "
                f"snapshot recorded entry {manifest.audit_head_seq} as its head"
            )

        with restored.sessions.begin() as session:
            if report.shredded_since:
                session.execute(
                    update(StoredObject)
                    .where(StoredObject.id.in_(report.shredded_since))
                    .values(state=SHREDDED)
                )
            entry = audit.append(
                session,
                actor=actor,
                action="backup.restore",
                target=f"snapshot:{manifest.snapshot_id}",
                detail={
                    "objects": report.objects,
                    "rows": report.rows,
                    "shredded_since_snapshot": len(report.shredded_since),
                    "failures": len(report.failures),
                },
            )
        report.audit_head_seq = entry.seq
    finally:
        restored.close()
    log.info(
        "snapshot %s restored: %d objects, %d rows, %d failures",
        manifest.snapshot_id,
        report.objects,
        report.rows,
        len(report.failures),
    )


def _fixity_problems(restored: Archive) -> Iterator[tuple[str, str]]:
    """Check every stored object that has a key, a batch at a time."""
    after = ""
    while True:
        with restored.sessions() as session:
            rows = session.execute(
                select(StoredObject, DataKey)
                .join(DataKey, DataKey.object_id == StoredObject.id)
                .where(StoredObject.state == STORED, StoredObject.id > after)
                .order_by(StoredObject.id)
                .limit(_BATCH)
            ).all()
        if not rows:
            return
        for obj, key in rows:
            problem = fixity.check_object(restored, obj, key)
            if problem is not None:
                yield obj.id, problem
        after = rows[-1][0].id
