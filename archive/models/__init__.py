"""The archive's database tables, one module per concept, sharing one Base."""

from archive.models.core import (
    AuditEntry,
    Base,
    DataKey,
    StoredObject,
    UTCDateTime,
    utcnow,
)
from archive.models.documents import Document, IngestBatch, IngestFile, Page
from archive.models.students import Student, StudentName

__all__ = [
    "AuditEntry",
    "Base",
    "DataKey",
    "Document",
    "IngestBatch",
    "IngestFile",
    "Page",
    "StoredObject",
    "Student",
    "StudentName",
    "UTCDateTime",
    "utcnow",
]
