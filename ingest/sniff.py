"""Tell what a file holds from its first bytes, never from its name.

Scanners and e-mail clients name files carelessly (a JPEG saved as `.pdf`),
so only the content decides which reader opens a file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 1024


class Format(enum.StrEnum):
    PDF = "pdf"
    TIFF = "tiff"
    JPEG = "jpeg"
    PNG = "png"
    UNSUPPORTED = "unsupported"
    EMPTY = "empty"


@dataclass(frozen=True)
class FileKind:
    """The format of a file and, in plain words, what it looked like."""

    format: Format
    description: str

    @property
    def is_readable(self) -> bool:
        return self.format not in (Format.UNSUPPORTED, Format.EMPTY)


_READABLE_SIGNATURES: tuple[tuple[bytes, Format, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", Format.PNG, "a PNG image"),
    (b"\xff\xd8\xff", Format.JPEG, "a JPEG image"),
    (b"II*\x00", Format.TIFF, "a TIFF image"),
    (b"MM\x00*", Format.TIFF, "a TIFF image"),
    (b"II+\x00", Format.TIFF, "a BigTIFF image"),
    (b"MM\x00+", Format.TIFF, "a BigTIFF image"),
)

_UNSUPPORTED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"PK\x03\x04", "a ZIP archive (perhaps a Word, Excel or OpenDocument file)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office 97-2003 file"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
    (b"{\\rtf", "a Rich Text document"),
    (b"%!PS", "a PostScript file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)


def sniff(path: Path) -> FileKind:
    """Identify a file's format from its content."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)

    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> FileKind:
    """Identify a format from the first bytes of a file (at least 1 KB)."""
    if not head:
        return FileKind(Format.EMPTY, "an empty file")

    # The PDF header may follow a little junk (mail gateways, old scanners).
    if b"%PDF-" in head:
        return FileKind(Format.PDF, "a PDF document")

    for signature, format_, description in _READABLE_SIGNATURES:
        if head.startswith(signature):
            return FileKind(format_, description)

    return FileKind(Format.UNSUPPORTED, _describe_unsupported(head))


def _describe_unsupported(head: bytes) -> str:
    for signature, description in _UNSUPPORTED_SIGNATURES:
        if head.startswith(signature):
            return description

    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head[4:8] == b"ftyp":
        return "a HEIC photo or video (iPhone format)"
    if _looks_like_text(head):
        lowered = head.lstrip().lower()
        if lowered.startswith((b"<!doctype html", b"<html")):
            return "a web page (HTML)"
        return "plain text"
    return "unrecognised binary data"


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(char.isprintable() or char in "\r\n\t\f" for char in text)
