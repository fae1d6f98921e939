"""The append-only, hash-chained audit log.

Each entry's digest is the SHA-256 of a canonical encoding of its fields
and the digest of the entry before it, so an edited, removed or reordered
entry breaks the chain from that point on. Appends never update or delete;
the database's triggers refuse both as well.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from archive.models import AuditEntry, utcnow

log = logging.getLogger(__name__)

GENESIS_DIGEST = "0" * 64
# Key of the PostgreSQL advisory lock that serialises appends to the chain.
_APPEND_LOCK = 0x5245434F524453
_APPEND_ATTEMPTS = 20
_VERIFY_BATCH = 1000


def _canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_digest(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    reason: str | None,
    detail: str | None,
    prev_digest: str,
) -> str:
    """Digest one entry; the JSON array form leaves no ambiguity between fields."""
    payload = [
        "student-records audit v1",
        seq,
        _canonical_time(at),
        actor,
        action,
        target,
        reason,
        detail,
        prev_digest,
    ]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    reason: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry at the chain's head inside the caller's transaction.

    The caller commits; if another writer took the head first, the commit
    fails on the unique ``prev_digest`` and the caller retries with
    :func:`record`. ``detail`` holds ids and counts, never personal data.
    On PostgreSQL an advisory lock held to the end of the transaction makes
    appenders wait their turn instead; SQLite transactions already take the
    write lock when they begin (see :mod:`archive.db`).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_APPEND_LOCK)))
    head = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq = 1 if head is None else head.seq + 1
    prev = GENESIS_DIGEST if head is None else head.digest
    at = utcnow()
    detail_text = None if detail is None else json.dumps(dict(detail), sort_keys=True)

    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        target=target,
        reason=reason,
        detail=detail_text,
        prev_digest=prev,
    )
    entry.digest = compute_digest(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        target=target,
        reason=reason,
        detail=detail_text,
        prev_digest=prev,
    )
    session.add(entry)
    session.flush()
    return entry


def record(
    sessions: sessionmaker[Session],
    *,
    actor: str,
    action: str,
    target: str,
    reason: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in its own transaction, retrying if writers collide."""
    for _attempt in range(_APPEND_ATTEMPTS):
        with sessions() as session:
            try:
                entry = append(
                    session,
                    actor=actor,
                    action=action,
                    target=target,
                    reason=reason,
                    detail=detail,
                )
                session.commit()
                return entry
            except IntegrityError:
                session.rollback()
    raise RuntimeError("could not append to the audit log: too many concurrent writers")


@dataclass(frozen=True)
class ChainReport:
    """What a walk of the chain found; ``problem`` is None when it verifies."""

    entries: int
    head_seq: int
    head_digest: str
    problem: str | None = None
    first_bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entries(session: Session) -> Iterator[AuditEntry]:
    """Yield every entry in order, a batch at a time, for bounded memory."""
    after = 0
    while True:
        batch = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > after)
            .order_by(AuditEntry.seq)
            .limit(_VERIFY_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].seq
        session.expunge_all()


def verify_chain(
    session: Session, progress: Callable[[int], None] | None = None
) -> ChainReport:
    """Walk the chain and name the first entry that was edited, removed or moved.

    An entry whose own digest no longer matches its fields was edited; a gap
    in sequence numbers, or a ``prev_digest`` that does not match the entry
    before, means entries were removed or reordered. Removing entries from
    the end cannot be seen from inside the chain: compare the head reported
    here with one kept elsewhere (a backup manifest keeps it).
    """
    expected_seq = 1
    prev = GENESIS_DIGEST
    count = 0
    for entry in _entries(session):
        problem = _check_entry(entry, expected_seq, prev)
        if problem is not None:
            return ChainReport(count, expected_seq - 1, prev, problem, entry.seq)
        prev = entry.digest
        expected_seq = entry.seq + 1
        count += 1
        if progress is not None:
            progress(1)
    return ChainReport(count, expected_seq - 1, prev)


def _check_entry(entry: AuditEntry, expected_seq: int, prev: str) -> str | None:
    if entry.seq != expected_seq:
        return (
            f"entry {entry.seq} follows entry {expected_seq - 1}: "
            f"entries {expected_seq} to {entry.seq - 1} were removed"
        )
    if entry.prev_digest != prev:
        return (
            f"entry {entry.seq} does not follow entry {entry.seq - 1}: "
            "entries were removed, inserted or reordered here"
        )
    recomputed = compute_digest(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        reason=entry.reason,
        detail=entry.detail,
        prev_digest=entry.prev_digest,
    )
    if recomputed != entry.digest:
        return f"entry {entry.seq} was edited after it was written"
    return None
