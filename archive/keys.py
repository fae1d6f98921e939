"""Key-encryption key rotation and retirement over the archive's data keys.

Rotation re-wraps each object's small data key under a new key-encryption
key; the objects' content is never read or rewritten. It commits a batch
at a time, so an interrupted rotation is finished by running it again:
while any data key still uses an older key, ``rotate`` carries on with the
active key instead of adding another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from archive import audit
from archive.context import Archive
from archive.errors import ArchiveError
from archive.models import DataKey
from storage.keyring import WrappedKey

log = logging.getLogger(__name__)

_BATCH = 500


@dataclass(frozen=True)
class RotationReport:
    kek_id: str
    added: bool
    rewrapped: int


def key_usage(archive: Archive) -> dict[str, int]:
    """Count the data keys wrapped by each key-encryption key in the ring."""
    with archive.sessions() as session:
        rows = session.execute(
            select(DataKey.kek_id, func.count()).group_by(DataKey.kek_id)
        )
        counts: dict[str, int] = dict(rows.all())
    return {kek_id: counts.get(kek_id, 0) for kek_id in archive.keyring.ids()}


def _outdated_count(archive: Archive) -> int:
    with archive.sessions() as session:
        query = select(func.count()).select_from(DataKey)
        query = query.where(DataKey.kek_id != archive.keyring.active_id)
        return session.scalar(query) or 0


def rotate_keys(
    archive: Archive,
    *,
    actor: str,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> RotationReport:
    """Make the newest key active (adding one unless a rotation is unfinished)."""
    added = _outdated_count(archive) == 0
    if added:
        archive.keyring.add_key()
        audit.record(
            archive.sessions,
            actor=actor,
            action="keys.add",
            target=f"kek:{archive.keyring.active_id}",
        )
    active = archive.keyring.active_id
    if on_total is not None:
        on_total(_outdated_count(archive))

    rewrapped = 0
    while True:
        with archive.sessions.begin() as session:
            batch = session.scalars(
                select(DataKey).where(DataKey.kek_id != active).limit(_BATCH)
            ).all()
            for row in batch:
                new = archive.keyring.rewrap(
                    WrappedKey(row.kek_id, row.wrapped), row.object_id
                )
                row.kek_id, row.wrapped = new.kek_id, new.blob
        if not batch:
            break
        rewrapped += len(batch)
        if progress is not None:
            progress(len(batch))

    audit.record(
        archive.sessions,
        actor=actor,
        action="keys.rotate",
        target=f"kek:{active}",
        detail={"rewrapped": rewrapped},
    )
    log.info("key rotation to %s done: %d data keys re-wrapped", active, rewrapped)
    return RotationReport(active, added, rewrapped)


def retire_key(archive: Archive, kek_id: str, *, actor: str) -> None:
    """Remove a key-encryption key from the key file once nothing uses it."""
    usage = key_usage(archive)
    if kek_id not in usage:
        raise ArchiveError(f"there is no key {kek_id}; `records keys list` shows them")
    if kek_id == archive.keyring.active_id:
        raise ArchiveError(
            f"{kek_id} is the active key; rotate first with `records keys rotate`"
        )
    if usage[kek_id]:
        raise ArchiveError(
            f"{usage[kek_id]} data keys still use {kek_id}; finish the rotation "
            "with `records keys rotate` before retiring it"
        )
    archive.keyring.remove_key(kek_id)
    audit.record(
        archive.sessions, actor=actor, action="keys.retire", target=f"kek:{kek_id}"
    )
