"""Hand one student's records over on disc: a BagIt bag, optionally an ISO image.

The command line is :mod:`archive.export.cli`; the work is here, so the
web app can make the same export for a signed-in registrar later.
"""

from archive.export.access import EXPORT_ROLES, authorise_export
from archive.export.bag import DEFAULT_SOURCE_ORGANIZATION, ExportReport, export_student
from archive.export.errors import (
    ExportError,
    ExportNotAllowed,
    ExportUsage,
    NotABag,
    NothingToExport,
    StudentUnknown,
    TargetNotEmpty,
)
from archive.export.verify import BagCheck, check_export

__all__ = [
    "DEFAULT_SOURCE_ORGANIZATION",
    "EXPORT_ROLES",
    "BagCheck",
    "ExportError",
    "ExportNotAllowed",
    "ExportReport",
    "ExportUsage",
    "NotABag",
    "NothingToExport",
    "StudentUnknown",
    "TargetNotEmpty",
    "authorise_export",
    "check_export",
    "export_student",
]
