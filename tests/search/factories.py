"""Small hand-made documents for the search tests, importable by child processes."""

import datetime
from collections.abc import Iterator

from search import IndexedDocument


def make_document(
    document_id: str,
    *names: str,
    student_id: str | None = "s0",
    birth_date: datetime.date | None = None,
    school: str | None = None,
    grad_year: int | None = None,
    doc_type: str = "transcript",
    text: str = "",
    stamp: str = "v1",
) -> IndexedDocument:
    return IndexedDocument(
        document_id=document_id,
        student_id=student_id,
        names=names,
        birth_date=birth_date,
        school=school,
        grad_year=grad_year,
        doc_type=doc_type,
        text=text or f"Record of {' '.join(names[:1])}",
        stamp=stamp,
    )


def numbered_documents(
    start: int, stop: int, stamp: str = "v1"
) -> Iterator[IndexedDocument]:
    """Yield plain documents d000000, d000001, ... that all contain "archive"."""
    for number in range(start, stop):
        yield make_document(
            f"d{number:06d}",
            f"Student Number{number}",
            student_id=f"s{number:06d}",
            school="Blair High School",
            grad_year=1950 + number % 70,
            text=f"archive record number {number} of the district",
            stamp=stamp,
        )
