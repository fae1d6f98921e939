"""Check a snapshot by reading the target back: digests, HMAC, and the object set.

Verification trusts nothing the target says until the manifest's HMAC has
matched; from then on every part and object is compared with the digests
the manifest lists. A sample (a percentage of the objects, chosen at
random each time) bounds the reading for a large target; every non-object
part, and the presence and size of every object, are always checked.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from archive.backup.errors import SnapshotUnknown, WrongRecoverySecret
from archive.backup.manifest import (
    DATA_KEYS_KEY,
    OBJECTS_PREFIX,
    Manifest,
    list_snapshot_ids,
    object_id_of,
    object_key,
    part_key,
    read_manifest,
)
from archive.backup.recovery import RecoverySecret
from archive.backup.sealed import PartDigest, open_sealed
from storage.blobstore import BlobStore
from storage.errors import ObjectNotFound, StorageError

_CHUNK = 1 << 20

Advance = Callable[[int], None]


@dataclass
class VerifyReport:
    """What a check found; ``problems`` concern the snapshot itself."""

    snapshot_id: str
    objects: int = 0
    read_back: int = 0
    problems: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.extras


def verify_snapshot(
    target: BlobStore,
    secret: RecoverySecret,
    snapshot_id: str | None = None,
    *,
    sample: float | None = None,
    progress: Advance | None = None,
    on_total: Advance | None = None,
) -> tuple[Manifest, VerifyReport]:
    """Verify one snapshot (the newest if none is named) against its manifest."""
    ids = list_snapshot_ids(target)
    if not ids:
        raise SnapshotUnknown(
            f"the target {target.location} holds no complete snapshot"
        )
    chosen = snapshot_id or ids[-1]
    manifest = read_manifest(target, chosen)
    manifest.authenticate(secret)
    newest = manifest if chosen == ids[-1] else read_manifest(target, ids[-1])
    newest.authenticate(secret)

    report = VerifyReport(chosen, objects=len(manifest.objects))
    for name in ("database.enc", "keyfile.enc"):
        _check_part(target, part_key(chosen, name), manifest.parts.get(name), report)
    _check_data_keys(target, secret, newest, report)

    selected = _sample(manifest, sample)
    if on_total is not None:
        on_total(len(manifest.objects))
    present = {info.key: info.size for info in target.list(OBJECTS_PREFIX)}
    for entry in manifest.objects:
        key = object_key(entry.object_id)
        size = present.get(key)
        if size is None:
            report.problems.append(f"object {entry.object_id} is missing")
        elif size != entry.size:
            report.problems.append(
                f"object {entry.object_id} was changed: {size} bytes instead of "
                f"{entry.size}"
            )
        elif entry.object_id in selected:
            _check_part(target, key, PartDigest(entry.sha256, entry.size), report)
            report.read_back += 1
        if progress is not None:
            progress(1)

    report.extras = _find_extras(target, secret, ids, present)
    return manifest, report


def _check_part(
    target: BlobStore, key: str, expected: PartDigest | None, report: VerifyReport
) -> None:
    label = _label(key)
    if expected is None:
        report.problems.append(f"{label}: the manifest lists no digest for it")
        return
    actual = _digest_of(target, key)
    if actual is None:
        report.problems.append(f"{label} is missing")
    elif actual != expected:
        report.problems.append(f"{label} was changed: its SHA-256 does not match")


def _check_data_keys(
    target: BlobStore, secret: RecoverySecret, newest: Manifest, report: VerifyReport
) -> None:
    """Accept only the newest data keys: an older file would revive shredded keys.

    The file is replaced by every run, so it matches the newest complete
    snapshot, or was written by a later run that did not finish; anything
    else is an altered or rolled-back file.
    """
    actual = _digest_of(target, DATA_KEYS_KEY)
    if actual is None:
        report.problems.append(f"{DATA_KEYS_KEY} is missing")
        return
    if actual == newest.parts.get("data-keys.enc"):
        return

    written_by = data_keys_snapshot(target, secret)
    if written_by is not None and written_by > newest.snapshot_id:
        report.notes.append(
            f"{DATA_KEYS_KEY} was written by run {written_by}, which did not finish"
        )
        return
    report.problems.append(
        f"{DATA_KEYS_KEY} is not the one the newest snapshot wrote: it was altered "
        "or rolled back"
    )


def data_keys_snapshot(target: BlobStore, secret: RecoverySecret) -> str | None:
    """The run that wrote the current data keys, or None if they do not open."""
    try:
        with open_sealed(target.open(DATA_KEYS_KEY), secret, part=DATA_KEYS_KEY) as f:
            header = json.loads(f.readline())
    except (StorageError, WrongRecoverySecret, ValueError):
        return None
    snapshot = header.get("snapshot") if isinstance(header, dict) else None
    return str(snapshot) if snapshot else None


def _find_extras(
    target: BlobStore,
    secret: RecoverySecret,
    ids: list[str],
    present: dict[str, int],
) -> list[str]:
    """Objects in the target that no complete snapshot lists."""
    listed: set[str] = set()
    for snapshot_id in ids:
        manifest = read_manifest(target, snapshot_id)
        manifest.authenticate(secret)
        listed.update(o.object_id for o in manifest.objects)
    extras = []
    for key in present:
        object_id = object_id_of(key)
        if object_id is None or object_id not in listed:
            extras.append(f"{key} is in the target but no snapshot lists it")
    return extras


def _sample(manifest: Manifest, percent: float | None) -> set[str]:
    ids = [o.object_id for o in manifest.objects]
    if percent is None or percent >= 100:
        return set(ids)
    count = min(len(ids), math.ceil(len(ids) * percent / 100))
    return set(secrets.SystemRandom().sample(ids, count))


def _digest_of(target: BlobStore, key: str) -> PartDigest | None:
    try:
        handle = target.open(key)
    except ObjectNotFound:
        return None
    digest = hashlib.sha256()
    size = 0
    with handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return PartDigest(digest.hexdigest(), size)


def _label(key: str) -> str:
    object_id = object_id_of(key)
    return f"object {object_id}" if object_id else key
