"""Encrypted objects on top of a blob store: seal on the way in, open on the way out.

The vault joins the three storage parts (blob store, envelope format,
keyring) and nothing else: it keeps no records. The archive records each
object's wrapped key and digest in its database before and after calling
:meth:`Vault.seal`, in the order described in docs/design.md.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import BinaryIO, cast

from storage.blobstore import BlobStore
from storage.envelope import (
    DEFAULT_SEGMENT_SIZE,
    DecryptingReader,
    EncryptingReader,
    new_data_key,
)
from storage.keyring import Keyring, WrappedKey


def new_object_id() -> str:
    """A random 128-bit id: random, so the store learns nothing from a name."""
    return secrets.token_hex(16)


def blob_key_for(object_id: str) -> str:
    """Spread objects over 256 folders so no folder grows without bound."""
    return f"objects/{object_id[:2]}/{object_id}"


@dataclass(frozen=True)
class SealedObject:
    """What the store now holds for one object, as the database records it."""

    object_id: str
    blob_key: str
    size: int
    stored_size: int
    sha256: str


@dataclass(frozen=True)
class PreparedObject:
    """An object's id, key and wrapped key, recorded before any byte is sent."""

    object_id: str
    blob_key: str
    data_key: bytes
    wrapped: WrappedKey


class Vault:
    """Seal and open objects with per-object data keys."""

    def __init__(
        self,
        store: BlobStore,
        keyring: Keyring,
        segment_size: int = DEFAULT_SEGMENT_SIZE,
    ) -> None:
        self.store = store
        self.keyring = keyring
        self.segment_size = segment_size

    def prepare(self) -> PreparedObject:
        """Choose an id and a fresh data key, wrapped by the active KEK."""
        object_id = new_object_id()
        data_key = new_data_key()
        wrapped = self.keyring.wrap(data_key, object_id)
        return PreparedObject(object_id, blob_key_for(object_id), data_key, wrapped)

    def seal(self, prepared: PreparedObject, source: BinaryIO) -> SealedObject:
        """Encrypt ``source`` as it streams into the store; memory stays bounded."""
        reader = EncryptingReader(
            source, prepared.data_key, prepared.object_id, self.segment_size
        )
        # The io classes are file objects but not typing.BinaryIO to a checker.
        info = self.store.put(prepared.blob_key, cast(BinaryIO, reader))
        return SealedObject(
            object_id=prepared.object_id,
            blob_key=prepared.blob_key,
            size=reader.plaintext_size,
            stored_size=info.size,
            sha256=reader.plaintext_sha256,
        )

    def open(self, object_id: str, blob_key: str, wrapped: WrappedKey) -> BinaryIO:
        """Stream an object's plaintext; every segment is authenticated first."""
        data_key = self.keyring.unwrap(wrapped, object_id)
        ciphertext = self.store.open(blob_key)
        return cast(BinaryIO, DecryptingReader(ciphertext, data_key, object_id))
