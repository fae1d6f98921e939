"""The plain values a caller hands the index for each archived document."""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class IndexedDocument:
    """One archived document with the facts of its student that searches need.

    `names` holds every name the student has gone by ("First Middle Last"), so
    that an earlier (maiden) name still finds the record. `stamp` is opaque to
    the index: the caller changes it whenever the document or its student
    changes, and compares it with `SearchIndex.stamps()` to find stale entries.
    """

    document_id: str
    student_id: str | None
    names: tuple[str, ...]
    birth_date: datetime.date | None
    school: str | None
    grad_year: int | None
    doc_type: str
    text: str
    stamp: str

    @property
    def decade(self) -> str | None:
        """Name the decade of graduation, e.g. "1980s" for 1987."""
        if self.grad_year is None:
            return None
        return f"{self.grad_year // 10 * 10}s"
