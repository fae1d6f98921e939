"""Why an export or a check of one stopped, each with what to do about it."""

from __future__ import annotations

from archive.errors import ArchiveError


class ExportError(ArchiveError):
    """Base of the export's failures; nothing half-made is left behind."""


class ExportNotAllowed(ExportError):
    """The role asking may not take decrypted records out of the archive."""


class ExportUsage(ExportError):
    """The request itself is wrong: a missing reason, a bad target."""

    exit_code = 2


class StudentUnknown(ExportError):
    """No student on the roster has the id given."""

    exit_code = 2


class NothingToExport(ExportError):
    """The student has no archived documents, so there is no disc to make."""


class TargetNotEmpty(ExportError):
    """The bag folder or the disc image is already there; it is never overwritten."""


class NotABag(ExportError):
    """What was given to check is neither a bag folder nor a readable disc image."""

    exit_code = 2
