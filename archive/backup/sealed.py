"""Sealed parts: the encrypted files of a snapshot other than objects.

A sealed part is the archive's own envelope format under a fresh data key,
preceded by a small header that says how to recover that key from the
recovery secret::

    offset  size  field
         0     8  magic "SRBKUP" 0x00 0x01 (the last byte is the format version)
         8     4  header length L, big-endian
        12     L  header, UTF-8 JSON: part name, key name, scrypt parameters,
                  key check, wrapped data key
      12+L     .  an envelope object (docs/design.md) whose object id is the
                  part name

The wrapped data key is ``nonce (12) || AES-256-GCM(key, nonce, DEK, aad)``
with ``aad = "student-records backup dek v1" 0x00 || key name || 0x00 ||
part name``. A header changed in any field therefore fails: other scrypt
parameters derive another key, another part name or key name changes the
associated data, and the envelope authenticates every segment under the
part name, so a part moved to another name does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from archive.backup.errors import WrongRecoverySecret
from archive.backup.recovery import KdfParams, RecoverySecret, SnapshotKeys
from storage.envelope import DecryptingReader, EncryptingReader, new_data_key
from storage.errors import IntegrityError

MAGIC = b"SRBKUP\x00\x01"
MAX_HEADER_SIZE = 64 * 1024
_LENGTH = struct.Struct(">I")
_WRAP_CONTEXT = b"student-records backup dek v1\x00"
_NONCE_SIZE = 12
_CHUNK = 1 << 20


@dataclass(frozen=True)
class PartDigest:
    """The SHA-256 and size of a part's stored bytes, as a manifest lists it."""

    sha256: str
    size: int

    def as_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size}


class LineStream(io.RawIOBase):
    """A readable file over an iterator of byte strings, pulled on demand."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        count = min(len(target), len(self._pending))
        target[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def write_sealed(
    out: IO[bytes],
    plaintext: BinaryIO,
    *,
    keys: SnapshotKeys,
    key_name: str,
    part: str,
) -> PartDigest:
    """Encrypt ``plaintext`` into ``out`` as a sealed part; return its digest."""
    data_key = new_data_key()
    nonce = os.urandom(_NONCE_SIZE)
    wrapped = nonce + AESGCM(keys.by_name(key_name)).encrypt(
        nonce, data_key, _wrap_context(key_name, part)
    )
    header = json.dumps(
        {
            "part": part,
            "key": key_name,
            "kdf": keys.params.as_json(),
            "check": keys.check,
            "wrapped": base64.b64encode(wrapped).decode("ascii"),
        },
        sort_keys=True,
    ).encode("utf-8")

    digest = hashlib.sha256()
    size = 0
    reader = EncryptingReader(plaintext, data_key, part)
    for chunk in _chunks_of(MAGIC + _LENGTH.pack(len(header)) + header, reader):
        out.write(chunk)
        digest.update(chunk)
        size += len(chunk)
    return PartDigest(digest.hexdigest(), size)


def open_sealed(source: BinaryIO, secret: RecoverySecret, *, part: str) -> BinaryIO:
    """Stream a sealed part's plaintext; every segment is authenticated first.

    Raises WrongRecoverySecret when the secret's key check does not match,
    and IntegrityError when the part was altered or is another part.
    """
    try:
        header = _read_header(source, part)
        keys = secret.keys(KdfParams.from_json(header["kdf"]))
        if not keys.check_matches(str(header["check"])):
            raise WrongRecoverySecret(
                f"the recovery secret does not open {part}: it is not the secret "
                "this snapshot was made with"
            )
        key_name = str(header["key"])
        wrapped = base64.b64decode(header["wrapped"], validate=True)
        data_key = AESGCM(keys.by_name(key_name)).decrypt(
            wrapped[:_NONCE_SIZE], wrapped[_NONCE_SIZE:], _wrap_context(key_name, part)
        )
    except (KeyError, TypeError, ValueError, binascii.Error, InvalidTag) as err:
        source.close()
        raise IntegrityError(f"{part}: its header was altered or damaged") from err
    except BaseException:
        source.close()
        raise
    return cast(BinaryIO, DecryptingReader(source, data_key, part))


def _read_header(source: BinaryIO, part: str) -> dict[str, Any]:
    start = _read_exactly(source, len(MAGIC) + _LENGTH.size)
    if start[: len(MAGIC)] != MAGIC:
        raise IntegrityError(f"{part}: not a sealed backup part")
    (length,) = _LENGTH.unpack(start[len(MAGIC) :])
    if length > MAX_HEADER_SIZE:
        raise IntegrityError(f"{part}: its header is implausibly large")
    header = json.loads(_read_exactly(source, length))
    if not isinstance(header, dict) or header.get("part") != part:
        raise IntegrityError(f"{part}: the file holds another part")
    return header


def _read_exactly(source: BinaryIO, count: int) -> bytes:
    data = source.read(count)
    if len(data) != count:
        raise IntegrityError("a sealed backup part ends inside its header")
    return data


def _chunks_of(head: bytes, reader: io.RawIOBase) -> Iterable[bytes]:
    yield head
    while chunk := reader.read(_CHUNK):
        yield chunk


def _wrap_context(key_name: str, part: str) -> bytes:
    return _WRAP_CONTEXT + key_name.encode("utf-8") + b"\x00" + part.encode("utf-8")
