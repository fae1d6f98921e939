"""Key-encryption keys (KEKs), versioned in one key file only its owner may read.

A data key is never stored in the clear: it is wrapped by the active KEK
and the wrapped form lives beside the object's record. Rotating means
adding a KEK, re-wrapping data keys with it and retiring the old one; the
content of objects is never touched. Losing the key file loses every
object, so the file is written so that a crash leaves either the old or
the new version, never a mix, and never with wider permissions.

Key file (UTF-8 JSON, mode 0600)::

    {"format": "student-records-keyring", "version": 1,
     "active": "kek-20261203T175300Z-1a2b",
     "keys": [{"id": "kek-20261203T175300Z-1a2b",
               "created": "2026-12-03T17:53:00Z",
               "material": "<base64 of 32 bytes>"}]}

Keys are listed oldest first. A wrapped data key is a 12-byte nonce
followed by the AES-256-GCM ciphertext and tag of the 32-byte data key;
its associated data names the KEK and the object, so a wrapped key moved
to another object's record does not unwrap.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import logging
import os
import secrets
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import IntegrityError, KeyFileError, KeyMissing

log = logging.getLogger(__name__)

FORMAT = "student-records-keyring"
VERSION = 1
KEK_SIZE = 32
DATA_KEY_SIZE = 32
WRAP_NONCE_SIZE = 12
WRAPPED_SIZE = WRAP_NONCE_SIZE + DATA_KEY_SIZE + 16
FILE_MODE = 0o600

_WRAP_CONTEXT = b"student-records dek v1\x00"
_MAX_FILE_SIZE = 1 << 20


@dataclass(frozen=True)
class WrappedKey:
    """A data key sealed by one KEK, as the archive stores it."""

    kek_id: str
    blob: bytes


@dataclass(frozen=True)
class _Kek:
    id: str
    created: str
    material: bytes = field(repr=False)


class Keyring:
    """The KEKs of one key file; open it with :meth:`create` or :meth:`load`."""

    def __init__(self, path: Path, keys: Sequence[_Kek], active_id: str) -> None:
        self.path = path
        self.active_id = active_id
        self._keys = {kek.id: kek for kek in keys}
        self._ciphers: dict[str, AESGCM] = {}

    def __repr__(self) -> str:
        return f"Keyring(path={str(self.path)!r}, ids={self.ids()!r})"

    @classmethod
    def create(cls, path: Path) -> Keyring:
        """Write a new key file with one fresh KEK; never replace an existing one."""
        path = Path(path)
        kek = _new_kek(existing=())
        data = _render([kek], kek.id)

        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            raise KeyFileError(
                f"key file {path} already exists: keys already exist and will not "
                "be overwritten (objects encrypted under them would be lost)"
            ) from None
        except OSError as err:
            raise KeyFileError(
                f"cannot create key file {path}: {err.strerror}"
            ) from err

        try:
            _write_fd(fd, data)
        except OSError as err:
            path.unlink(missing_ok=True)
            raise KeyFileError(f"cannot write key file {path}: {err.strerror}") from err
        _fsync_directory(path.parent)

        log.info("created key file %s with key %s", path, kek.id)
        return cls(path, [kek], kek.id)

    @classmethod
    def load(cls, path: Path) -> Keyring:
        """Read and check a key file, refusing one that others could read."""
        path = Path(path)
        keys, active_id = _parse(path, _read_private_file(path))
        return cls(path, keys, active_id)

    def ids(self) -> list[str]:
        """Return the KEK ids, oldest first."""
        return list(self._keys)

    def wrap(self, data_key: bytes, object_id: str) -> WrappedKey:
        """Seal a data key for one object with the active KEK."""
        if len(data_key) != DATA_KEY_SIZE:
            raise ValueError(f"a data key must be {DATA_KEY_SIZE} bytes")

        nonce = os.urandom(WRAP_NONCE_SIZE)
        aad = _wrap_context(self.active_id, object_id)
        sealed = self._cipher(self.active_id).encrypt(nonce, data_key, aad)
        return WrappedKey(self.active_id, nonce + sealed)

    def unwrap(self, wrapped: WrappedKey, object_id: str) -> bytes:
        """Recover an object's data key, proving it was wrapped for this object."""
        if wrapped.kek_id not in self._keys:
            raise KeyMissing(
                f"key {wrapped.kek_id} that protects object {object_id} is not in "
                f"key file {self.path}; restore a key file that holds it, or, if the "
                "key was retired on purpose, the object can no longer be read"
            )
        if len(wrapped.blob) != WRAPPED_SIZE:
            raise IntegrityError(
                f"the wrapped data key of object {object_id} is {len(wrapped.blob)} "
                f"bytes instead of {WRAPPED_SIZE}; its stored record is damaged"
            )

        nonce, sealed = wrapped.blob[:WRAP_NONCE_SIZE], wrapped.blob[WRAP_NONCE_SIZE:]
        aad = _wrap_context(wrapped.kek_id, object_id)
        try:
            return self._cipher(wrapped.kek_id).decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise IntegrityError(
                f"the wrapped data key of object {object_id} does not authenticate "
                f"under key {wrapped.kek_id}: it belongs to another object or was "
                "altered"
            ) from None

    def rewrap(self, wrapped: WrappedKey, object_id: str) -> WrappedKey:
        """Move a data key under the active KEK, leaving the object untouched."""
        return self.wrap(self.unwrap(wrapped, object_id), object_id)

    def add_key(self) -> str:
        """Add a fresh KEK, make it active and save the file; return its id."""
        with self._locked():
            current = Keyring.load(self.path)
            kek = _new_kek(existing=current.ids())
            keys = [*current._keys.values(), kek]
            self._save(keys, kek.id)

        log.info("added key %s to %s; it is now active", kek.id, self.path)
        return kek.id

    def remove_key(self, kek_id: str) -> None:
        """Drop a KEK from the file; the caller has checked that nothing uses it."""
        with self._locked():
            current = Keyring.load(self.path)
            if kek_id not in current._keys:
                raise KeyMissing(f"key file {self.path} holds no key {kek_id}")
            if kek_id == current.active_id:
                raise KeyFileError(
                    f"{kek_id} is the active key of {self.path} and cannot be "
                    "removed; add a new key first"
                )
            keys = [kek for kek in current._keys.values() if kek.id != kek_id]
            self._save(keys, current.active_id)

        log.info("removed key %s from %s", kek_id, self.path)

    def _cipher(self, kek_id: str) -> AESGCM:
        cipher = self._ciphers.get(kek_id)
        if cipher is None:
            cipher = self._ciphers[kek_id] = AESGCM(self._keys[kek_id].material)
        return cipher

    def _save(self, keys: Sequence[_Kek], active_id: str) -> None:
        """Replace the key file atomically, then adopt its content in memory."""
        _replace_file(self.path, _render(keys, active_id))
        self._keys = {kek.id: kek for kek in keys}
        self._ciphers = {}
        self.active_id = active_id

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise key-file changes, so two rotations cannot drop each other's key."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as err:
            raise KeyFileError(
                f"cannot open lock file {lock_path}: {err.strerror}"
            ) from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _new_kek(existing: Sequence[str]) -> _Kek:
    now = datetime.now(UTC)
    while True:
        kek_id = f"kek-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
        if kek_id not in existing:
            break
    return _Kek(kek_id, f"{now:%Y-%m-%dT%H:%M:%SZ}", secrets.token_bytes(KEK_SIZE))


def _wrap_context(kek_id: str, object_id: str) -> bytes:
    return _WRAP_CONTEXT + kek_id.encode("utf-8") + b"\x00" + object_id.encode("utf-8")


def _render(keys: Sequence[_Kek], active_id: str) -> bytes:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "active": active_id,
        "keys": [
            {
                "id": kek.id,
                "created": kek.created,
                "material": base64.b64encode(kek.material).decode("ascii"),
            }
            for kek in keys
        ],
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _read_private_file(path: Path) -> bytes:
    """Read the key file only if it is a regular file closed to group and others."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise KeyFileError(
            f"key file {path} does not exist; restore it from your key backup "
            "(without it no stored object can be decrypted)"
        ) from None
    except OSError as err:
        raise KeyFileError(f"cannot read key file {path}: {err.strerror}") from err

    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise KeyFileError(f"key file {path} is not a regular file")
        mode = stat.S_IMODE(status.st_mode)
        if mode & 0o077:
            raise KeyFileError(
                f"key file {path} is open to group or others (mode {mode:04o}); "
                f"restrict it with `chmod 600 {path}` and check who has read it"
            )
        if status.st_size > _MAX_FILE_SIZE:
            raise KeyFileError(f"key file {path} is too large to be a key file")
        chunks = []
        while chunk := os.read(fd, _MAX_FILE_SIZE):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as err:
        raise KeyFileError(f"cannot read key file {path}: {err.strerror}") from err
    finally:
        os.close(fd)


def _parse(path: Path, data: bytes) -> tuple[list[_Kek], str]:
    """Check every field; messages name the path and key ids, never material."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise KeyFileError(f"key file {path} is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        # The decoder's error object carries the whole file; keep it out of the chain.
        raise KeyFileError(
            f"key file {path} is not valid JSON (line {err.lineno}, column {err.colno})"
        ) from None

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyFileError(f"{path} is not a {FORMAT} key file")
    if document.get("version") != VERSION:
        raise KeyFileError(
            f"key file {path} has version {document.get('version')!r}; "
            f"this program reads version {VERSION}"
        )
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries:
        raise KeyFileError(f"key file {path} lists no keys")

    keys = [_parse_key(path, position, entry) for position, entry in enumerate(entries)]
    ids = [kek.id for kek in keys]
    if len(set(ids)) != len(ids):
        raise KeyFileError(f"key file {path} lists a key id more than once")
    active_id = document.get("active")
    if not isinstance(active_id, str) or active_id not in ids:
        raise KeyFileError(f"key file {path} names no listed key as active")
    return keys, active_id


def _parse_key(path: Path, position: int, entry: Any) -> _Kek:
    if not isinstance(entry, dict):
        raise KeyFileError(f"key file {path}: key #{position + 1} is not an object")
    kek_id, created, material = (
        entry.get(name) for name in ("id", "created", "material")
    )
    if not isinstance(kek_id, str) or not kek_id:
        raise KeyFileError(f"key file {path}: key #{position + 1} has no id")
    if not isinstance(created, str) or not isinstance(material, str):
        raise KeyFileError(f"key file {path}: key {kek_id} lacks created or material")
    try:
        raw = base64.b64decode(material, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(
            f"key file {path}: the material of key {kek_id} is not base64"
        ) from None
    if len(raw) != KEK_SIZE:
        raise KeyFileError(
            f"key file {path}: the material of key {kek_id} is {len(raw)} bytes, "
            f"not {KEK_SIZE}"
        )
    return _Kek(kek_id, created, raw)


def _replace_file(path: Path, data: bytes) -> None:
    """Swap in a new version whole: a temp file in the same folder, then rename."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            _write_fd(fd, data)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
    except OSError as err:
        raise KeyFileError(f"cannot rewrite key file {path}: {err.strerror}") from err
    _fsync_directory(path.parent)


def _write_fd(fd: int, data: bytes) -> None:
    """Write, set the mode despite any umask, flush to disk and close ``fd``."""
    with os.fdopen(fd, "wb") as file:
        os.fchmod(file.fileno(), FILE_MODE)
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
