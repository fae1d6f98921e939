"""Stored objects: record, seal, open and shred them, with the audit log.

The order of writes makes a crash at any point harmless: the object's row
and wrapped data key are committed as ``pending`` before a byte is sent,
the row becomes ``stored`` (with its digest) only after the store holds
every byte, and :func:`recover_pending` settles whatever a crash left.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO, cast

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.orm import Session

from archive import audit
from archive.context import Archive
from archive.errors import ObjectUnknown
from archive.models import DataKey, StoredObject, utcnow
from storage.errors import KeyMissing
from storage.keyring import WrappedKey

log = logging.getLogger(__name__)

PENDING = "pending"
STORED = "stored"
SHREDDED = "shredded"


@dataclass(frozen=True)
class SealedPending:
    """What a sealed, still pending object holds: enough to confirm it later.

    The size and digest travel to :func:`confirm_stored` instead of being
    written in a transaction of their own, so sealing costs one transaction.
    """

    id: str
    blob_key: str
    kind: str
    size: int
    stored_size: int
    sha256: str


def seal_pending(archive: Archive, source: BinaryIO, *, kind: str) -> SealedPending:
    """Encrypt and store ``source``, leaving the object ``pending``.

    The caller confirms it with :func:`confirm_stored` in the same
    transaction that records what the object is for (a document, say), so
    a crash in between leaves a pending object that :func:`recover_pending`
    removes, never an object that nothing refers to.
    """
    prepared = archive.vault.prepare()
    with archive.sessions.begin() as session:
        session.execute(
            insert(StoredObject),
            {
                "id": prepared.object_id,
                "blob_key": prepared.blob_key,
                "kind": kind,
                "state": PENDING,
            },
        )
        session.execute(
            insert(DataKey),
            {
                "object_id": prepared.object_id,
                "kek_id": prepared.wrapped.kek_id,
                "wrapped": prepared.wrapped.blob,
            },
        )

    try:
        sealed = archive.vault.seal(prepared, source)
    except BaseException:
        _forget_pending(archive, prepared.object_id, prepared.blob_key)
        raise

    return SealedPending(
        id=prepared.object_id,
        blob_key=prepared.blob_key,
        kind=kind,
        size=sealed.size,
        stored_size=sealed.stored_size,
        sha256=sealed.sha256,
    )


def confirm_stored(
    session: Session,
    sealed: SealedPending,
    *,
    actor: str,
    reason: str | None = None,
) -> None:
    """Record a sealed object as stored, with its digest, in the caller's transaction.

    One conditional update both checks that the object is still pending and
    records it, so confirming costs no read.
    """
    result = session.execute(
        update(StoredObject)
        .where(StoredObject.id == sealed.id, StoredObject.state == PENDING)
        .values(
            state=STORED,
            stored_at=utcnow(),
            size=sealed.size,
            stored_size=sealed.stored_size,
            sha256=sealed.sha256,
        )
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        raise ValueError(f"object {sealed.id} is not pending; it cannot be confirmed")
    audit.append(
        session,
        actor=actor,
        action="object.store",
        target=f"object:{sealed.id}",
        reason=reason,
        detail={"kind": sealed.kind, "size": sealed.size},
    )


def store_object(
    archive: Archive,
    source: BinaryIO,
    *,
    kind: str,
    actor: str,
    reason: str | None = None,
) -> StoredObject:
    """Encrypt and store everything ``source`` yields; return the stored row."""
    sealed = seal_pending(archive, source, kind=kind)
    with archive.sessions.begin() as session:
        confirm_stored(session, sealed, actor=actor, reason=reason)
        row = session.get_one(StoredObject, sealed.id)
    log.info("object %s stored (%d bytes)", row.id, row.size or 0)
    return row


def _forget_pending(archive: Archive, object_id: str, blob_key: str) -> None:
    """Undo a put that failed: no bytes under the key, no row left behind."""
    try:
        archive.store.delete(blob_key)
    except Exception:  # the store may be the thing that failed
        log.warning("object %s: could not remove a failed put; left pending", object_id)
        return
    with archive.sessions.begin() as session:
        session.execute(delete(DataKey).where(DataKey.object_id == object_id))
        session.execute(delete(StoredObject).where(StoredObject.id == object_id))


def discard_pending(archive: Archive, object_id: str) -> None:
    """Remove a sealed object that its caller decided not to confirm."""
    with archive.sessions() as session:
        row = session.get_one(StoredObject, object_id)
        if row.state != PENDING:
            raise ValueError(f"object {object_id} is {row.state}, not pending")
        blob_key = row.blob_key
    _forget_pending(archive, object_id, blob_key)


def open_object(
    archive: Archive, object_id: str, *, actor: str, reason: str | None = None
) -> BinaryIO:
    """Open an object's plaintext, writing the audit entry before any byte.

    Authorisation is the caller's duty; this is the single door through
    which plaintext leaves the vault, so the entry is never skipped.
    """
    with archive.sessions.begin() as session:
        row = session.get(StoredObject, object_id)
        if row is None or row.state == PENDING:
            raise ObjectUnknown(f"no stored object has the id {object_id}")
        key = session.get(DataKey, object_id)
        if row.state == SHREDDED or key is None:
            raise KeyMissing(
                f"object {object_id} was shredded; its content cannot be recovered"
            )
        wrapped = WrappedKey(key.kek_id, key.wrapped)
        audit.append(
            session,
            actor=actor,
            action="object.read",
            target=f"object:{object_id}",
            reason=reason,
        )
        blob_key = row.blob_key
    return archive.vault.open(object_id, blob_key, wrapped)


def shred_object(archive: Archive, object_id: str, *, actor: str, reason: str) -> None:
    """Destroy an object's data key so that no copy of it can be read again.

    The ciphertext is deleted from the store too, but that is tidiness, not
    the guarantee: copies in backups stay unreadable because the only key
    that opened them is gone.
    """
    with archive.sessions.begin() as session:
        row = session.get(StoredObject, object_id)
        if row is None:
            raise ObjectUnknown(f"no stored object has the id {object_id}")
        session.execute(delete(DataKey).where(DataKey.object_id == object_id))
        row.state = SHREDDED
        audit.append(
            session,
            actor=actor,
            action="object.shred",
            target=f"object:{object_id}",
            reason=reason,
        )
        blob_key = row.blob_key
    archive.store.delete(blob_key)
    log.info("object %s shredded", object_id)


def recover_pending(
    archive: Archive,
    older_than: timedelta = timedelta(hours=1),
    kinds: Collection[str] | None = None,
) -> int:
    """Settle objects a crash left pending: remove their bytes and rows.

    A pending object was never reported as stored to anyone, so removing it
    loses nothing; the caller that crashed will store its source again. Only
    rows older than ``older_than`` are touched, so that a put still under way
    in another process is left alone.
    """
    cutoff = utcnow() - older_than
    with archive.sessions() as session:
        query = select(StoredObject).where(
            StoredObject.state == PENDING, StoredObject.created_at <= cutoff
        )
        if kinds is not None:
            query = query.where(StoredObject.kind.in_(kinds))
        pending = session.scalars(query).all()
    for row in pending:
        _forget_pending(archive, row.id, row.blob_key)
    if pending:
        log.info("settled %d objects left pending by an interrupted run", len(pending))
    return len(pending)
