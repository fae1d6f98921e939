"""Failures of the archive's own rules, each with a remedy for the user.

The command line maps every :class:`ArchiveError` (and the storage layer's
:class:`storage.errors.StorageError`) to a one-line message and the exit
status of the class: 1 for a failure the user must act on, 2 for bad usage
or input.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of the archive's failures."""

    exit_code = 1


class ConfigError(ArchiveError):
    """The configuration is invalid; the message names the setting."""

    exit_code = 2


class NotInitialised(ArchiveError):
    """The data folder has not been set up with ``records init``."""


class AlreadyInitialised(ArchiveError):
    """``records init`` found keys it must not overwrite."""


class ObjectUnknown(ArchiveError):
    """No stored object has the id the user gave."""

    exit_code = 2


class AuditChainBroken(ArchiveError):
    """The audit log's hash chain does not verify."""
