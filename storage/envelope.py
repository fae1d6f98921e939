"""Encrypt archive objects as authenticated segments (AES-256-GCM, STREAM).

Every object gets its own random 256-bit data key, so one object can be
crypto-shredded alone and a leaked key opens one object only. The data key
is wrapped by :mod:`storage.keyring`; this module never sees a
key-encryption key.

Byte layout
-----------
An object is a 24-byte header followed by one or more segments::

    offset  size  field
         0     8  magic b"SRARCH\\x00\\x01"; the last byte is the format version (1)
         8     1  algorithm: 1 = AES-256-GCM in the STREAM construction
         9     3  reserved, zero
        12     4  segment size S in plaintext bytes, big-endian (1 KiB to 64 MiB)
        16     7  nonce prefix, random per object
        23     1  reserved, zero
        24     .  segments

Each segment is the GCM ciphertext of S plaintext bytes followed by its
16-byte tag, except the final one, which holds 1 to S plaintext bytes
(0 only when the whole object is empty). Segment ``i`` is sealed under the
12-byte nonce ``prefix (7) || i as big-endian uint32 (4) || flag (1)``,
where the flag is 0x01 on the final segment and 0x00 on every other. When
the plaintext is a non-zero multiple of S, its last full segment carries
the final flag; an empty final segment exists only for empty input. So an
object of ``n`` plaintext bytes is ``24 + n + 16 * max(1, ceil(n / S))``
bytes long, and at most 2**32 - 1 segments are allowed.

The associated data of every segment is the 24 header bytes followed by
the object id in UTF-8. This authenticates the header (a changed bit fails
segment 0) and binds the ciphertext to its object id, so an object copied
or restored under another id does not decrypt. The counter in the nonce
catches reordered segments, the flag catches truncation at a segment
boundary and data appended after the end, and the per-object prefix and
key catch segments spliced in from another object.

Reading never releases a segment's plaintext before its tag has been
verified. A failure raises :class:`~storage.errors.IntegrityError` naming
the object id and the segment number, never the key.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from typing import TYPE_CHECKING, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import IntegrityError, StorageError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

DEFAULT_SEGMENT_SIZE: int = 1 << 20
MIN_SEGMENT_SIZE: int = 1 << 10
MAX_SEGMENT_SIZE: int = 64 << 20
HEADER_SIZE: int = 24
TAG_SIZE: int = 16
DATA_KEY_SIZE: int = 32
MAX_SEGMENTS: int = 2**32 - 1

MAGIC = b"SRARCH\x00\x01"
ALGORITHM_AES256GCM_STREAM = 1
NONCE_PREFIX_SIZE = 7

_HEADER = struct.Struct(">8sB3sI7sB")
_NONCE_SUFFIX = struct.Struct(">IB")
_UNSUPPORTED = "not an archive object or unsupported format"


def new_data_key() -> bytes:
    """Draw a fresh data key from the operating system's random source."""
    return os.urandom(DATA_KEY_SIZE)


def encrypted_size(
    plaintext_size: int, segment_size: int = DEFAULT_SEGMENT_SIZE
) -> int:
    """Compute the stored size of an object, to check a blob without decrypting it."""
    _check_segment_size(segment_size)
    if plaintext_size < 0:
        raise ValueError(f"plaintext size must not be negative, got {plaintext_size}")

    segments = max(1, -(-plaintext_size // segment_size))
    if segments > MAX_SEGMENTS:
        raise ValueError(
            f"{plaintext_size} bytes need {segments} segments of {segment_size} "
            f"bytes, more than the {MAX_SEGMENTS} one object may hold"
        )
    return HEADER_SIZE + plaintext_size + segments * TAG_SIZE


class EncryptingReader(io.RawIOBase):
    """Readable file object yielding the ciphertext of ``source``, for BlobStore.put().

    It holds one plaintext and one ciphertext segment at a time, whatever
    the size of the source. One byte is read ahead past each segment to
    learn whether that segment is the final one. While encrypting it
    computes the SHA-256 and size of the plaintext, so the caller can
    record a fixity digest without a second pass. ``source`` is not closed.
    """

    def __init__(
        self,
        source: BinaryIO,
        data_key: bytes,
        object_id: str,
        segment_size: int = DEFAULT_SEGMENT_SIZE,
    ) -> None:
        super().__init__()
        _check_data_key(data_key)
        _check_segment_size(segment_size)

        prefix = os.urandom(NONCE_PREFIX_SIZE)
        header = _HEADER.pack(
            MAGIC, ALGORITHM_AES256GCM_STREAM, bytes(3), segment_size, prefix, 0
        )
        self._source = source
        self._object_id = object_id
        self._aead = AESGCM(data_key)
        self._aad = header + object_id.encode("utf-8")
        self._prefix = prefix
        self._segment_size = segment_size

        self._plain = bytearray(segment_size + 1)
        self._carried = 0
        self._sealed = bytearray(segment_size + TAG_SIZE)
        self._pending = memoryview(header)
        self._index = 0
        self._sealed_final = False

        self._digest = hashlib.sha256()
        self._size = 0

    def readable(self) -> bool:
        return True

    @property
    def plaintext_sha256(self) -> str:
        """Hex SHA-256 of the plaintext, for fixity; known only after EOF."""
        self._check_read_to_end("plaintext_sha256")
        return self._digest.hexdigest()

    @property
    def plaintext_size(self) -> int:
        """Plaintext length in bytes; known only after EOF."""
        self._check_read_to_end("plaintext_size")
        return self._size

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Fill ``buffer`` whole unless the ciphertext ends first.

        Raw files may return short reads, but some consumers (s3transfer
        among them) take a short read for the end of the stream.
        """
        target = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(target) and (chunk := self._take(len(target) - filled)):
            target[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
        return filled

    def readall(self) -> bytes:
        parts = []
        while chunk := self._take(-1):
            parts.append(bytes(chunk))
        return b"".join(parts)

    def _take(self, limit: int) -> memoryview:
        """Return up to ``limit`` bytes (negative: all pending), sealing on demand."""
        if self.closed:
            raise ValueError("I/O operation on closed file")

        while not self._pending and not self._sealed_final:
            self._seal_next_segment()

        if limit < 0:
            limit = len(self._pending)
        chunk = self._pending[:limit]
        self._pending = self._pending[limit:]
        return chunk

    def _seal_next_segment(self) -> None:
        size = self._segment_size
        plain = memoryview(self._plain)
        filled = self._carried + _fill(self._source, plain[self._carried :])
        final = filled <= size
        length = filled if final else size
        segment = plain[:length]

        self._digest.update(segment)
        self._size += length

        try:
            nonce = _segment_nonce(self._prefix, self._index, final)
        except OverflowError as err:
            raise StorageError(
                f"object {self._object_id} is too large for segments of {size} "
                f"bytes (more than {MAX_SEGMENTS}); store it with a larger "
                "segment size"
            ) from err
        sealed = memoryview(self._sealed)[: length + TAG_SIZE]
        self._aead.encrypt_into(nonce, segment, self._aad, sealed)
        self._pending = sealed

        if final:
            self._sealed_final = True
        else:
            plain[0] = plain[size]
            self._carried = 1
            self._index += 1

    def _check_read_to_end(self, name: str) -> None:
        if not self._sealed_final or self._pending:
            raise RuntimeError(
                f"{name} is known only after the ciphertext is read to EOF"
            )


class DecryptingReader(io.RawIOBase):
    """Readable file object yielding verified plaintext from a ciphertext stream.

    The header is parsed on the first read, so opening is cheap. Segments
    are decrypted one at a time with one byte of read-ahead, which tells
    whether the stream ends after the current segment; that segment must
    then carry the final flag. Memory stays near two segments. After a
    failure every further read raises the same error, so a caller that
    catches it cannot mistake the stop for the end of the object.

    The reader owns ``ciphertext`` and closes it on :meth:`close`: a store
    handle opened only to be decrypted has no other owner.
    """

    def __init__(self, ciphertext: BinaryIO, data_key: bytes, object_id: str) -> None:
        super().__init__()
        self._owns_source = False
        _check_data_key(data_key)

        self._source = ciphertext
        self._owns_source = True
        self._object_id = object_id
        self._aead = AESGCM(data_key)
        self._started = False
        self._aad = b""
        self._prefix = b""
        self._segment_size = 0

        self._sealed = bytearray()
        self._carried = 0
        self._plain = bytearray()
        self._pending = memoryview(b"")
        self._index = 0
        self._opened_final = False
        self._failure: IntegrityError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Fill ``buffer`` whole unless the plaintext ends or a segment fails.

        Bytes of verified segments already copied are returned first; the
        failure is raised by the next read, so the caller learns exactly
        which prefix of the object it received.
        """
        target = memoryview(buffer).cast("B")
        filled = 0
        try:
            while filled < len(target) and (chunk := self._take(len(target) - filled)):
                target[filled : filled + len(chunk)] = chunk
                filled += len(chunk)
        except IntegrityError:
            if not filled:
                raise
        return filled

    def readall(self) -> bytes:
        parts = []
        while chunk := self._take(-1):
            parts.append(bytes(chunk))
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed and self._owns_source:
            self._pending = memoryview(b"")
            self._source.close()
        super().close()

    def _take(self, limit: int) -> memoryview:
        """Return up to ``limit`` verified bytes (negative: all pending)."""
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if self._failure is not None:
            raise IntegrityError(str(self._failure))

        try:
            if not self._started:
                self._read_header()
            while not self._pending and not self._opened_final:
                self._open_next_segment()
        except IntegrityError as err:
            self._failure = err
            self._pending = memoryview(b"")
            raise

        if limit < 0:
            limit = len(self._pending)
        chunk = self._pending[:limit]
        self._pending = self._pending[limit:]
        return chunk

    def _read_header(self) -> None:
        header = bytearray(HEADER_SIZE)
        filled = _fill(self._source, memoryview(header))
        if filled < HEADER_SIZE:
            raise self._header_error(f"{filled} bytes, shorter than the header")

        magic, algorithm, reserved, segment_size, prefix, reserved2 = _HEADER.unpack(
            header
        )
        if magic[:-1] != MAGIC[:-1]:
            raise self._header_error("no archive magic")
        if magic != MAGIC:
            raise self._header_error(f"format version {magic[-1]}")
        if algorithm != ALGORITHM_AES256GCM_STREAM:
            raise self._header_error(f"algorithm {algorithm}")
        if any(reserved) or reserved2:
            raise self._header_error("reserved header bytes are not zero")
        if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
            raise self._header_error(f"segment size {segment_size} out of range")

        self._aad = bytes(header) + self._object_id.encode("utf-8")
        self._prefix = prefix
        self._segment_size = segment_size
        self._sealed = bytearray(segment_size + TAG_SIZE + 1)
        self._plain = bytearray(segment_size)
        self._started = True

    def _open_next_segment(self) -> None:
        stride = self._segment_size + TAG_SIZE
        sealed = memoryview(self._sealed)
        filled = self._carried + _fill(self._source, sealed[self._carried :])
        final = filled <= stride
        length = filled if final else stride
        if length < TAG_SIZE:
            raise self._segment_error(
                "the object ends before this segment's tag; it is truncated"
            )

        try:
            nonce = _segment_nonce(self._prefix, self._index, final)
        except OverflowError:
            raise self._segment_error(
                f"the object has more than {MAX_SEGMENTS} segments"
            ) from None
        segment = sealed[:length]
        plain = memoryview(self._plain)[: length - TAG_SIZE]
        try:
            self._aead.decrypt_into(nonce, segment, self._aad, plain)
        except InvalidTag:
            plain[:] = bytes(len(plain))
            raise self._segment_error(self._diagnose(segment, final)) from None
        self._pending = plain

        if final:
            self._opened_final = True
        else:
            sealed[0] = sealed[stride]
            self._carried = 1
            self._index += 1

    def _diagnose(self, segment: memoryview, final: bool) -> str:
        """Say why a segment failed, trying the other flag to spot cut or added data."""
        nonce = _segment_nonce(self._prefix, self._index, not final)
        try:
            self._aead.decrypt(nonce, segment, self._aad)
        except InvalidTag:
            return (
                "authentication failed: the object was altered, reordered or "
                "spliced, or the data key or object id is wrong"
            )
        if final:
            return "the object ends without its final segment; it is truncated"
        return "data follows the final segment; the object was extended"

    def _header_error(self, detail: str) -> IntegrityError:
        return IntegrityError(f"object {self._object_id}: {_UNSUPPORTED} ({detail})")

    def _segment_error(self, detail: str) -> IntegrityError:
        return IntegrityError(
            f"object {self._object_id}, segment {self._index}: {detail}"
        )


def encrypt_bytes(
    data: bytes,
    data_key: bytes,
    object_id: str,
    segment_size: int = DEFAULT_SEGMENT_SIZE,
) -> bytes:
    """Encrypt a small value in memory; stream large content instead."""
    return EncryptingReader(
        io.BytesIO(data), data_key, object_id, segment_size
    ).readall()


def decrypt_bytes(blob: bytes, data_key: bytes, object_id: str) -> bytes:
    """Decrypt a small object in memory, raising IntegrityError on any tampering."""
    return DecryptingReader(io.BytesIO(blob), data_key, object_id).readall()


def _segment_nonce(prefix: bytes, index: int, final: bool) -> bytes:
    """Build the nonce of segment ``index``, refusing a counter past the limit.

    A wrapped counter would reuse a nonce under the same key, which breaks GCM.
    """
    if not 0 <= index < MAX_SEGMENTS:
        raise OverflowError(f"segment counter {index} is outside 0..{MAX_SEGMENTS - 1}")
    return prefix + _NONCE_SUFFIX.pack(index, 1 if final else 0)


def _fill(source: BinaryIO, target: memoryview) -> int:
    """Read into ``target`` until it is full or the source ends; return the count."""
    readinto = getattr(source, "readinto", None)
    filled = 0
    while filled < len(target):
        if readinto is not None:
            count = readinto(target[filled:])
        else:
            data = source.read(len(target) - filled)
            count = len(data)
            target[filled : filled + count] = data
        if count is None:
            raise StorageError(
                "the source returned no data before its end; non-blocking "
                "streams cannot be encrypted or decrypted"
            )
        if count == 0:
            break
        filled += count
    return filled


def _check_data_key(data_key: bytes) -> None:
    if len(data_key) != DATA_KEY_SIZE:
        raise ValueError(
            f"a data key must be {DATA_KEY_SIZE} bytes, got {len(data_key)}"
        )


def _check_segment_size(segment_size: int) -> None:
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise ValueError(
            f"segment size must be between {MIN_SEGMENT_SIZE} and "
            f"{MAX_SEGMENT_SIZE} bytes, got {segment_size}"
        )
