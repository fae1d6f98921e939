"""Failures of the storage layer, each with a message an operator can act on.

Every class carries ``exit_code`` so that the command line maps it to the
exit status of DESIGN.md without knowing the storage layer's internals.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of every failure raised by :mod:`storage`."""

    exit_code = 1


class ObjectNotFound(StorageError):
    """The blob store has no object under the requested key."""


class StoreUnavailable(StorageError):
    """The blob store could not be reached or refused our credentials.

    The message always names the endpoint or folder so the operator knows
    which service to look at; it never carries a traceback or a secret.
    """


class BucketMissing(StoreUnavailable):
    """The configured S3 bucket does not exist on the endpoint."""


class IntegrityError(StorageError):
    """An encrypted object failed authentication or its recorded digest.

    Raised for a flipped bit, a truncated, extended or reordered object, an
    object swapped for another, or a wrong key. The caller must treat any
    plaintext already received for this object as untrusted.
    """


class KeyMissing(StorageError):
    """A key-encryption key or a data key needed for an object is absent.

    After crypto-shredding this is the expected answer for that object.
    """


class KeyFileError(StorageError):
    """The key file is missing, unreadable, malformed or too open."""
