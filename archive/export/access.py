"""Who may take a student's decrypted records out of the archive on disc.

An export hands over every record of a student at once, outside the
archive's reach, so only the roles that answer for disclosures may make
one: the registrar and the administrator. Clerks file records and
auditors read the log; neither releases records.
"""

from __future__ import annotations

from archive.export.errors import ExportNotAllowed

ROLES = ("clerk", "registrar", "auditor", "admin")
EXPORT_ROLES = frozenset({"registrar", "admin"})


def authorise_export(role: str) -> None:
    """Refuse any role other than registrar or admin, saying who may export."""
    if role not in ROLES:
        raise ExportNotAllowed(
            f"unknown role {role!r}; the roles are {', '.join(ROLES)}, and only "
            "registrar and admin may export records"
        )
    if role not in EXPORT_ROLES:
        raise ExportNotAllowed(
            f"the {role} role may not export decrypted records; "
            "ask a registrar or an administrator to make the disc"
        )
