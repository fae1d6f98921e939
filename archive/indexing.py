"""Keep the search index in step with the database.

The database is the truth; the index is derived from it and can always be
rebuilt. Each document carries ``version`` (bumped by every change the index
shows, including a change to its student) and ``indexed_version`` (what the
index holds), so any interrupted write is repaired by indexing whatever
differs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from archive.context import Archive
from archive.models import Document, Student
from archive.models.documents import QUARANTINED
from search.documents import IndexedDocument
from search.index import SearchIndex
from search.rebuild import rebuild

log = logging.getLogger(__name__)

_BATCH = 200


def open_index(archive: Archive) -> SearchIndex:
    return SearchIndex.open(archive.settings.index_dir)


def stamp_of(version: int) -> str:
    """The index's stamp for a document at ``version``."""
    return f"v{version}"


def indexed_document(document: Document, student: Student | None) -> IndexedDocument:
    """The plain values the index needs for one document."""
    names: tuple[str, ...] = ()
    if student is not None:
        names = tuple(
            " ".join(p for p in (n.first_name, n.middle_name, n.last_name) if p)
            for n in student.names
        )
    return IndexedDocument(
        document_id=document.id,
        student_id=document.student_id,
        names=names,
        birth_date=student.birth_date if student else None,
        school=student.last_school if student else None,
        grad_year=student.grad_year if student else None,
        doc_type=document.doc_type,
        text="\n\f".join(page.text for page in document.pages),
        stamp=stamp_of(document.version),
    )


def _load(
    session: Session, ids: Sequence[str]
) -> list[tuple[Document, Student | None]]:
    documents = session.scalars(
        select(Document)
        .where(Document.id.in_(ids))
        .options(selectinload(Document.pages))
        .order_by(Document.id)
    ).all()
    student_ids = {d.student_id for d in documents if d.student_id}
    students = {
        s.student_id: s
        for s in session.scalars(
            select(Student)
            .where(Student.student_id.in_(student_ids))
            .options(selectinload(Student.names))
        )
    }
    return [(d, students.get(d.student_id or "")) for d in documents]


def is_searchable(document: Document) -> bool:
    """Quarantined files have no text worth finding; everything else is indexed."""
    return document.status != QUARANTINED


def sync_index(
    archive: Archive,
    index: SearchIndex,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Index every document whose indexed version is behind; return how many."""
    done = 0
    while True:
        with archive.sessions() as session:
            ids = list(
                session.scalars(
                    select(Document.id)
                    .where(Document.indexed_version != Document.version)
                    .order_by(Document.id)
                    .limit(_BATCH)
                )
            )
            if not ids:
                return done
            loaded = _load(session, ids)
        index_documents(archive, index, loaded)
        done += len(loaded)
        if progress is not None:
            progress(len(loaded))


def index_documents(
    archive: Archive,
    index: SearchIndex,
    loaded: Sequence[tuple[Document, Student | None]],
) -> None:
    """Write documents to the index, then record the versions it now holds."""
    searchable = [(d, s) for d, s in loaded if is_searchable(d)]
    hidden = [d.id for d, _ in loaded if not is_searchable(d)]
    if searchable:
        index.add_or_update(indexed_document(d, s) for d, s in searchable)
    if hidden:
        index.remove(hidden)
    with archive.sessions.begin() as session:
        for document, _ in loaded:
            session.execute(
                update(Document)
                .where(Document.id == document.id, Document.version == document.version)
                .values(indexed_version=document.version)
            )


def rebuild_index(
    archive: Archive, *, progress: Callable[[int], None] | None = None
) -> int:
    """Build the index afresh from the database, resumably; return its size."""

    def source(after: str | None) -> Iterator[IndexedDocument]:
        cursor = after or ""
        while True:
            with archive.sessions() as session:
                ids = list(
                    session.scalars(
                        select(Document.id)
                        .where(Document.id > cursor, Document.status != QUARANTINED)
                        .order_by(Document.id)
                        .limit(_BATCH)
                    )
                )
                if not ids:
                    return
                batch = [indexed_document(d, s) for d, s in _load(session, ids)]
            yield from batch
            cursor = ids[-1]

    total = rebuild(archive.settings.index_dir, source, progress=progress)
    with archive.sessions.begin() as session:
        session.execute(update(Document).values(indexed_version=Document.version))
    return total


@dataclass
class IndexReport:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.unknown)


def verify_index(archive: Archive, index: SearchIndex) -> IndexReport:
    """Compare the index's entries with the database's documents."""
    report = IndexReport()
    in_index = dict(index.stamps())
    with archive.sessions() as session:
        rows = session.execute(
            select(Document.id, Document.version, Document.status)
        ).all()
    for document_id, version, status in rows:
        stamp = in_index.pop(document_id, None)
        if status == QUARANTINED:
            continue
        if stamp is None:
            report.missing.append(document_id)
        elif stamp != stamp_of(version):
            report.stale.append(document_id)
    report.unknown = sorted(in_index)
    return report
