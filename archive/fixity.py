"""Fixity: prove that every stored object still decrypts to what was stored.

A check streams each object through decryption (which authenticates every
segment) and recomputes the plaintext SHA-256 recorded at store time, then
compares the store's listing with the database so that an object nobody
recorded, or a recorded object that vanished, is named too.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select

from archive import audit
from archive.context import Archive
from archive.models import DataKey, StoredObject, utcnow
from archive.objects import PENDING, STORED
from storage.errors import StorageError
from storage.keyring import WrappedKey

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_BATCH = 200


@dataclass(frozen=True)
class FixityFailure:
    object_id: str
    problem: str


@dataclass
class FixityReport:
    checked: int = 0
    failures: list[FixityFailure] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)
    pending: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unrecorded


def count_stored(archive: Archive) -> int:
    with archive.sessions() as session:
        query = select(func.count()).select_from(StoredObject)
        return session.scalar(query.where(StoredObject.state == STORED)) or 0


def _stored_rows(archive: Archive) -> Iterator[tuple[StoredObject, DataKey | None]]:
    """Yield stored objects with their keys in id order, a batch at a time."""
    after = ""
    while True:
        with archive.sessions() as session:
            rows = session.execute(
                select(StoredObject, DataKey)
                .outerjoin(DataKey, DataKey.object_id == StoredObject.id)
                .where(StoredObject.state == STORED, StoredObject.id > after)
                .order_by(StoredObject.id)
                .limit(_BATCH)
            ).all()
        if not rows:
            return
        yield from ((obj, key) for obj, key in rows)
        after = rows[-1][0].id


def check_object(
    archive: Archive, obj: StoredObject, key: DataKey | None
) -> str | None:
    """Return what is wrong with one object, or None if it verifies."""
    if key is None:
        return "its data key is missing from the database"
    wrapped = WrappedKey(key.kek_id, key.wrapped)
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.vault.open(obj.id, obj.blob_key, wrapped) as plaintext:
            while chunk := plaintext.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except StorageError as err:
        return str(err)
    if size != obj.size:
        return f"it decrypts to {size} bytes but {obj.size} were stored"
    if digest.hexdigest() != obj.sha256:
        return "its content does not match the SHA-256 recorded when it was stored"
    return None


def verify_objects(
    archive: Archive,
    *,
    actor: str,
    progress: Callable[[int], None] | None = None,
    list_store: bool = True,
) -> FixityReport:
    """Check every stored object and, with ``list_store``, the store's listing.

    Listing reads every key in the store, which is slow for a large bucket,
    so the command line does it only when asked for a deep check.
    """
    report = FixityReport()
    for obj, key in _stored_rows(archive):
        problem = check_object(archive, obj, key)
        report.checked += 1
        if problem is None:
            _mark_verified(archive, obj.id)
        else:
            log.warning("object %s failed its fixity check", obj.id)
            report.failures.append(FixityFailure(obj.id, problem))
        if progress is not None:
            progress(1)

    report.pending = _count_pending(archive)
    if list_store:
        report.unrecorded = _find_unrecorded(archive)
    audit.record(
        archive.sessions,
        actor=actor,
        action="fixity.verify",
        target="store",
        detail={
            "checked": report.checked,
            "failed": len(report.failures),
            "unrecorded": len(report.unrecorded),
        },
    )
    return report


def _mark_verified(archive: Archive, object_id: str) -> None:
    with archive.sessions.begin() as session:
        row = session.get_one(StoredObject, object_id)
        row.verified_at = utcnow()


def _count_pending(archive: Archive) -> int:
    with archive.sessions() as session:
        query = select(func.count()).select_from(StoredObject)
        return session.scalar(query.where(StoredObject.state == PENDING)) or 0


def _find_unrecorded(archive: Archive) -> list[str]:
    """Name objects in the store that the database does not know.

    Walks one of the 256 key folders at a time so memory stays bounded by
    a folder's share of the archive. Objects of pending rows are known: a
    put may be under way, and :func:`archive.objects.recover_pending`
    settles the ones a crash left.
    """
    unrecorded: list[str] = []
    for folder in (f"objects/{n:02x}/" for n in range(256)):
        with archive.sessions() as session:
            known = set(
                session.scalars(
                    select(StoredObject.blob_key).where(
                        StoredObject.blob_key.startswith(folder, autoescape=True)
                    )
                )
            )
        unrecorded.extend(
            info.key for info in archive.store.list(folder) if info.key not in known
        )
    return unrecorded
