"""The one rule for blob keys, shared by every blob store.

A key must mean the same object in a folder and in a bucket, and must never
name anything outside a folder store's root. Restricting keys to plain
segments of ``[A-Za-z0-9._-]`` that do not start with ``.`` does both: no
``..``, no absolute path, no hidden file, and room for the folder store's
``.partial-`` files, which can therefore never be mistaken for an object.
"""

from __future__ import annotations

import re

MAX_KEY_LENGTH = 1024
MAX_SEGMENT_LENGTH = 255

_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def validate_key(key: str) -> str:
    """Return ``key`` unchanged, or raise ValueError saying what a key may hold."""
    if (
        not isinstance(key, str)
        or not key
        or len(key) > MAX_KEY_LENGTH
        or not all(_is_segment(segment) for segment in key.split("/"))
    ):
        raise ValueError(
            f"invalid blob key {_shorten(key)}: a key is 1 to {MAX_KEY_LENGTH} "
            "characters of '/'-separated segments, each 1 to "
            f"{MAX_SEGMENT_LENGTH} characters of A-Z a-z 0-9 . _ - "
            "and not starting with '.'"
        )
    return key


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` unchanged if some valid key could start with it."""
    if not isinstance(prefix, str):
        raise ValueError(f"invalid blob key prefix {_shorten(prefix)}")
    if prefix == "":
        return prefix

    try:
        validate_key(prefix + "x")
    except ValueError:
        raise ValueError(
            f"invalid blob key prefix {_shorten(prefix)}: no valid key starts "
            "with it (keys are '/'-separated segments of A-Z a-z 0-9 . _ - "
            "not starting with '.')"
        ) from None
    return prefix


def _is_segment(segment: str) -> bool:
    return (
        len(segment) <= MAX_SEGMENT_LENGTH and _SEGMENT.fullmatch(segment) is not None
    )


def _shorten(value: object) -> str:
    """Quote a rejected key for a message without echoing a huge value."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
