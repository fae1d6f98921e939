"""Snapshot ids, where each part lives in the target, and the manifest.

The manifest is the snapshot: written last, it lists the digest of every
part, so a snapshot without one is unfinished and is never listed. It is
plain JSON (object ids, digests, counts and times: nothing personal),
authenticated by an HMAC under a key derived from the recovery secret, so
that a manifest changed by whoever runs the target fails verification.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archive.backup.errors import BackupError, SnapshotUnknown, WrongRecoverySecret
from archive.backup.recovery import KdfParams, RecoverySecret, SnapshotKeys
from archive.backup.sealed import PartDigest
from storage.blobstore import BlobStore
from storage.errors import ObjectNotFound

FORMAT = "student-records-backup"
VERSION = 1
DATA_KEYS_KEY = "keys/data-keys.enc"
SNAPSHOTS_PREFIX = "snapshots/"
OBJECTS_PREFIX = "objects/"
MAX_MANIFEST_SIZE = 1 << 30

_SNAPSHOT_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
_OBJECT_KEY = re.compile(r"objects/([0-9a-f]{2})/([0-9a-f]{32})")


def new_snapshot_id(now: datetime | None = None) -> str:
    """A sortable id: the UTC time of the run and a random suffix."""
    at = now or datetime.now(UTC)
    return f"{at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def check_snapshot_id(snapshot_id: str) -> str:
    if not _SNAPSHOT_ID.fullmatch(snapshot_id):
        raise SnapshotUnknown(
            f"{snapshot_id!r} is not a snapshot id; `records backup list TARGET` "
            "shows them"
        )
    return snapshot_id


def part_key(snapshot_id: str, name: str) -> str:
    """The target key of a snapshot's part (database.enc, keyfile.enc, ...)."""
    return f"{SNAPSHOTS_PREFIX}{snapshot_id}/{name}"


def object_key(object_id: str) -> str:
    return f"{OBJECTS_PREFIX}{object_id[:2]}/{object_id}"


def object_id_of(key: str) -> str | None:
    """The object id a target key names, or None if it names no object."""
    match = _OBJECT_KEY.fullmatch(key)
    if match is None or match.group(2)[:2] != match.group(1):
        return None
    return match.group(2)


@dataclass(frozen=True)
class ObjectEntry:
    object_id: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """One complete snapshot, as its manifest describes it."""

    snapshot_id: str
    created: str
    schema_revision: str
    audit_head_seq: int
    audit_head_digest: str
    counts: dict[str, Any]
    parts: dict[str, PartDigest]
    objects: tuple[ObjectEntry, ...]
    kdf: KdfParams
    key_check: str
    signature: str
    signed_bytes: bytes

    def authenticate(self, secret: RecoverySecret) -> SnapshotKeys:
        """Prove the manifest unchanged; return the snapshot's keys.

        The key check comes first so that a wrong secret is named as such
        and not mistaken for tampering.
        """
        keys = secret.keys(self.kdf)
        if not keys.check_matches(self.key_check):
            raise WrongRecoverySecret(
                f"the recovery secret does not open snapshot {self.snapshot_id}: "
                "it is not the secret the snapshot was made with"
            )
        if not keys.signature_matches(self.signed_bytes, self.signature):
            raise ManifestAltered(
                f"snapshot {self.snapshot_id}: its manifest was altered (the HMAC "
                "does not match); do not trust or restore this snapshot"
            )
        return keys


class ManifestAltered(BackupError):
    """A manifest's HMAC does not match its content."""


def render_manifest(
    *,
    keys: SnapshotKeys,
    snapshot_id: str,
    created: datetime,
    schema_revision: str,
    audit_head: tuple[int, str],
    counts: dict[str, Any],
    parts: dict[str, PartDigest],
    objects: list[ObjectEntry],
) -> bytes:
    """The manifest's bytes: canonical JSON of its fields, then its HMAC."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kdf": keys.params.as_json(),
        "key_check": keys.check,
        "snapshot": {
            "id": snapshot_id,
            "created": f"{created:%Y-%m-%dT%H:%M:%SZ}",
            "schema_revision": schema_revision,
            "audit_head": {"seq": audit_head[0], "digest": audit_head[1]},
            "counts": counts,
            "parts": {name: digest.as_json() for name, digest in parts.items()},
            "objects": [[o.object_id, o.sha256, o.size] for o in objects],
        },
    }
    document["hmac"] = keys.sign(_canonical(document))
    return json.dumps(document, sort_keys=True, indent=1).encode("utf-8")


def parse_manifest(raw: bytes, snapshot_id: str) -> Manifest:
    """Read a manifest without trusting it; :meth:`Manifest.authenticate` does."""
    try:
        document = json.loads(raw)
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise ValueError("not a manifest of a version this program reads")
        signature = str(document.pop("hmac"))
        body = document["snapshot"]
        head = body["audit_head"]
        manifest = Manifest(
            snapshot_id=str(body["id"]),
            created=str(body["created"]),
            schema_revision=str(body["schema_revision"]),
            audit_head_seq=int(head["seq"]),
            audit_head_digest=str(head["digest"]),
            counts=dict(body["counts"]),
            parts={
                str(name): PartDigest(str(part["sha256"]), int(part["size"]))
                for name, part in body["parts"].items()
            },
            objects=tuple(
                ObjectEntry(str(oid), str(sha), int(size))
                for oid, sha, size in body["objects"]
            ),
            kdf=KdfParams.from_json(document["kdf"]),
            key_check=str(document["key_check"]),
            signature=signature,
            signed_bytes=_canonical(document),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise ManifestAltered(
            f"snapshot {snapshot_id}: its manifest is damaged or altered ({err})"
        ) from None
    if manifest.snapshot_id != snapshot_id:
        raise ManifestAltered(
            f"snapshot {snapshot_id}: its manifest names snapshot "
            f"{manifest.snapshot_id}; manifests were moved or swapped"
        )
    return manifest


def list_snapshot_ids(target: BlobStore) -> list[str]:
    """Ids of the complete snapshots (those with a manifest), oldest first."""
    ids = []
    for info in target.list(SNAPSHOTS_PREFIX):
        parts = info.key.split("/")
        if (
            len(parts) == 3
            and parts[2] == "manifest.json"
            and _SNAPSHOT_ID.fullmatch(parts[1])
        ):
            ids.append(parts[1])
    return sorted(ids)


def read_manifest(target: BlobStore, snapshot_id: str) -> Manifest:
    key = part_key(check_snapshot_id(snapshot_id), "manifest.json")
    try:
        with target.open(key) as handle:
            raw = handle.read(MAX_MANIFEST_SIZE + 1)
        if len(raw) > MAX_MANIFEST_SIZE:
            raise ManifestAltered(f"snapshot {snapshot_id}: its manifest is too large")
    except ObjectNotFound:
        raise SnapshotUnknown(
            f"the target holds no complete snapshot {snapshot_id}; "
            "`records backup list TARGET` shows them"
        ) from None
    return parse_manifest(raw, snapshot_id)


def newest_manifest(target: BlobStore) -> Manifest | None:
    ids = list_snapshot_ids(target)
    return read_manifest(target, ids[-1]) if ids else None


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
