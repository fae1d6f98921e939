"""The blob store seam: where encrypted bytes live.

A blob store knows keys and bytes, nothing of students or encryption: the
encrypted-object layer above it (:mod:`storage.vault`) hands it ciphertext
only. Two implementations honour this protocol, a local folder
(:mod:`storage.folder`) and any S3-compatible service (:mod:`storage.s3`);
both pass the same contract tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class BlobInfo:
    """What the store can say about one object without reading it."""

    key: str
    size: int


class BlobStore(Protocol):
    """Bytes under keys, written whole or not at all.

    Keys are ``/``-separated relative paths of ``[A-Za-z0-9._-]`` segments;
    anything else is refused with :class:`ValueError`, which keeps a key
    from escaping a folder store. ``put`` streams from a file object in
    bounded memory and publishes the object only once every byte has
    arrived: a put that fails or is killed midway leaves nothing readable
    under its key (and any earlier object under that key untouched).
    """

    @property
    def location(self) -> str:
        """Where the store lives, fit to show an operator (no secrets)."""
        ...

    def check(self) -> None:
        """Probe the store cheaply; raise StoreUnavailable with a remedy."""
        ...

    def put(self, key: str, source: BinaryIO) -> BlobInfo:
        """Store everything ``source`` yields under ``key``, replacing any object."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Open the object for streamed reading; raise ObjectNotFound."""
        ...

    def head(self, key: str) -> BlobInfo:
        """Describe the object; raise ObjectNotFound."""
        ...

    def exists(self, key: str) -> bool:
        """Say whether an object is readable under ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Yield every object whose key starts with ``prefix``, in key order."""
        ...
