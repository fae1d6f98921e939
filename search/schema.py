"""The fields of the index and how an `IndexedDocument` fills them."""

import zlib
from typing import Any

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from search.analysis import folding_analyzer, phonetic_analyzer, word_runs_analyzer
from search.documents import IndexedDocument

DOC_TYPES = (
    "transcript",
    "cumulative_record",
    "diploma",
    "immunization",
    "enrollment_form",
    "correspondence",
    "court_order",
    "other",
)

# Separates a student's names so that a phrase never runs from one into the next.
NAME_SEPARATOR = " \n "


def build_schema() -> Any:
    """Build the Whoosh schema.

    The OCR text is indexed but stored only zlib-compressed in `text_z`: snippets
    need the words, and OCR text shrinks to about a third.
    `document_id` and `stamp` are columns so that consistency checks read them
    without loading the stored text of every document.
    """
    folded = folding_analyzer()
    return Schema(
        document_id=ID(stored=True, unique=True, sortable=True),
        student_id=ID(stored=True),
        names=TEXT(analyzer=folded, phrase=True),
        names_phonetic=TEXT(analyzer=phonetic_analyzer(), phrase=False),
        dob=ID,
        school_text=TEXT(analyzer=word_runs_analyzer(), phrase=False),
        school=ID(sortable=True),
        year=NUMERIC(int, bits=32, signed=False),
        decade=ID(sortable=True),
        doc_type=ID(stored=True, sortable=True),
        text=TEXT(analyzer=folded, phrase=True),
        text_z=STORED,
        stamp=ID(stored=True, sortable=True),
    )


def fields_of(doc: IndexedDocument) -> dict[str, Any]:
    """Give the field values that Whoosh indexes for one document."""
    names = NAME_SEPARATOR.join(doc.names)
    fields: dict[str, Any] = {
        "document_id": doc.document_id,
        "names": names,
        "names_phonetic": names,
        "doc_type": doc.doc_type,
        "text": doc.text,
        "text_z": zlib.compress(doc.text.encode("utf-8")),
        "stamp": doc.stamp,
    }
    if doc.student_id is not None:
        fields["student_id"] = doc.student_id
    if doc.birth_date is not None:
        fields["dob"] = doc.birth_date.isoformat()
    if doc.school is not None:
        fields["school_text"] = doc.school
        fields["school"] = doc.school
    if doc.grad_year is not None:
        fields["year"] = doc.grad_year
        fields["decade"] = doc.decade
    return fields


def text_of(stored: dict[str, Any]) -> str:
    """Give back the OCR text of a hit from its stored fields."""
    packed = stored.get("text_z")
    if not isinstance(packed, bytes):
        return ""
    return zlib.decompress(packed).decode("utf-8")
