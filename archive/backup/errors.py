"""Failures of backup and restore, each with what the operator should do."""

from __future__ import annotations

from archive.errors import ArchiveError


class BackupError(ArchiveError):
    """A backup, a check of one, or a restore could not be done."""


class RecoverySecretError(BackupError):
    """The recovery secret is missing, unreadable, too weak or too open."""

    exit_code = 2


class WrongRecoverySecret(BackupError):
    """The recovery secret given is not the one the snapshot was made with."""


class SnapshotUnknown(BackupError):
    """The target holds no complete snapshot with the id the user gave."""

    exit_code = 2


class SnapshotInvalid(BackupError):
    """A snapshot failed verification; the message names every problem."""
