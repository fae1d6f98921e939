"""The search index: add, update, remove and search archived documents.

One `SearchIndex` per process is enough; it is safe to share between threads.
Writers in any number of processes take turns through Whoosh's file lock, and
searchers keep reading the last committed generation while a writer commits.
"""

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from whoosh import query as wq
from whoosh import sorting
from whoosh.index import EmptyIndexError, LockError

from search.documents import IndexedDocument
from search.errors import IndexBusy, IndexCorrupt, InvalidDocument
from search.fuzzy import Lexicon, expand_fuzzy_terms
from search.layout import (
    DEFAULT_LOCK_TIMEOUT,
    WRITER_MEMORY_MB,
    ensure_layout,
    live_generation,
    open_whoosh,
    read_current,
)
from search.protocol import DocumentIndex
from search.query import parse_query
from search.rebuild import rebuild
from search.results import Hit, SearchResults, build_snippet
from search.schema import DOC_TYPES, fields_of, text_of

__all__ = ["SearchIndex", "rebuild"]

log = logging.getLogger(__name__)

FACETS = ("doc_type", "school", "decade")
# Fields whose matched words are worth marking in the snippet.
_SNIPPET_FIELDS = frozenset({"text", "names", "school_text"})
_OPEN_ATTEMPTS = 5


class SearchIndex:
    """The full-text index of archived documents in one folder."""

    def __init__(self, root: Path, *, lock_timeout: float) -> None:
        self._root = root
        self._lock_timeout = lock_timeout
        self._guard = threading.RLock()
        self._generation: str | None = None
        self._ix: Any = None
        self._searcher: Any = None
        self._lexicons: dict[str, Lexicon] = {}

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    ) -> Self:
        """Open the index in `path`, creating an empty one if there is none.

        `lock_timeout` bounds how long a write waits for another process's
        commit before raising IndexBusy.
        """
        root = Path(path)
        ensure_layout(root, lock_timeout)
        index = cls(root, lock_timeout=lock_timeout)
        with index._guard:
            index._current_searcher()
        return index

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def add_or_update(self, docs: Iterable[IndexedDocument]) -> int:
        """Index documents in one commit, replacing any with the same id.

        Hand over documents in batches of a few hundred: each call is one commit,
        and a batch that fails part-way is cancelled whole, leaving the index as
        it was.
        """
        with self._guard:
            writer = self._open_writer()
            seen: set[str] = set()
            try:
                for doc in docs:
                    check_document(doc, seen)
                    seen.add(doc.document_id)
                    writer.update_document(**fields_of(doc))
            except BaseException:
                writer.cancel()
                raise

            if not seen:
                writer.cancel()
                return 0
            writer.commit()

        log.debug("indexed %d documents", len(seen))
        return len(seen)

    def remove(self, document_ids: Iterable[str]) -> int:
        """Remove documents by id in one commit; return how many were there."""
        with self._guard:
            writer = self._open_writer()
            removed = 0
            try:
                for document_id in document_ids:
                    removed += writer.delete_by_term("document_id", document_id)
            except BaseException:
                writer.cancel()
                raise

            if removed == 0:
                writer.cancel()
                return 0
            writer.commit()

        log.debug("removed %d documents from the index", removed)
        return removed

    def stamps(self) -> Iterator[tuple[str, str]]:
        """Yield (document_id, stamp) of every indexed document.

        The caller compares these with the database to find documents that are
        missing, stale or no longer archived. The pairs come from one committed
        generation, however long the caller takes to read them.
        """
        with self._guard:
            ix = self._current_ix()
            searcher = ix.searcher()
        try:
            reader = searcher.reader()
            if reader.doc_count_all() == 0:
                return  # an empty index has no columns to read
            ids = reader.column_reader("document_id")
            stamps = reader.column_reader("stamp")
            for docnum in reader.all_doc_ids():
                yield ids[docnum], stamps[docnum]
        finally:
            searcher.close()

    def count(self) -> int:
        """Count the documents in the last committed generation."""
        with self._guard:
            return int(self._current_searcher().doc_count())

    def search(
        self, query: str, *, page: int = 1, page_size: int = 20
    ) -> SearchResults:
        """Run a query in the registrar's language; raise QuerySyntaxError if bad.

        Facets count every match, not just the page, so the registrar can see
        how the whole result set splits by document type, school and decade.
        """
        if page < 1 or page_size < 1:
            raise ValueError("page and page_size start at 1")
        parsed = parse_query(query)

        with self._guard:
            searcher = self._current_searcher()
            resolved = expand_fuzzy_terms(parsed, self._lexicon)
            results = searcher.search(
                resolved, limit=page * page_size, groupedby=_facet_spec()
            )
            first = (page - 1) * page_size
            marked = words_to_mark(resolved, searcher.reader())
            hits = [_hit_of(hit, marked) for hit in results[first : first + page_size]]
            return SearchResults(
                total=len(results),
                page=page,
                page_size=page_size,
                hits=hits,
                facets={name: _counts(results.groups(name)) for name in FACETS},
            )

    def close(self) -> None:
        """Release the open files of the index; the object can not search after."""
        with self._guard:
            self._close_generation()

    def _lexicon(self, fieldname: str) -> Lexicon:
        """Give the distinct words of a field in the generation being searched."""
        lexicon = self._lexicons.get(fieldname)
        if lexicon is None:
            lexicon = Lexicon(self._current_searcher().reader(), fieldname)
            self._lexicons[fieldname] = lexicon
        return lexicon

    def _current_ix(self) -> Any:
        """Open the live generation, following a rebuild's swap if there was one."""
        generation = live_generation(self._root)
        if generation != self._generation:
            self._close_generation()
            self._ix = open_whoosh(self._root / generation)
            self._generation = generation
        return self._ix

    def _current_searcher(self) -> Any:
        """Give a searcher on the last commit, retrying across a rebuild's swap."""
        failure: Exception | None = None
        for _ in range(_OPEN_ATTEMPTS):
            try:
                ix = self._current_ix()
                if self._searcher is not None and not self._searcher.up_to_date():
                    # Whoosh's refresh() fails when the old reader was empty.
                    self._searcher.close()
                    self._searcher = None
                if self._searcher is None:
                    self._searcher = ix.searcher()
                    self._lexicons = {}
                return self._searcher
            except (FileNotFoundError, EmptyIndexError) as err:
                failure = err
                self._close_generation()
                time.sleep(0.05)
        raise IndexCorrupt(
            f"The search index in {self._root} changed under us and could not be "
            "reopened. Check that only `records index rebuild` replaces it."
        ) from failure

    def _open_writer(self) -> Any:
        """Take the live generation's writer lock, waiting a bounded time."""
        deadline = time.monotonic() + self._lock_timeout
        while True:
            generation = live_generation(self._root)
            remaining = max(0.0, deadline - time.monotonic())
            try:
                ix = open_whoosh(self._root / generation)
                writer = ix.writer(
                    timeout=remaining, delay=0.05, limitmb=WRITER_MEMORY_MB
                )
            except LockError as err:
                raise IndexBusy(
                    f"Another process kept the search index in {self._root} busy "
                    f"for more than {self._lock_timeout:g} seconds. Try again when "
                    "the other indexing job has finished."
                ) from err
            except (FileNotFoundError, EmptyIndexError):
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"The search index in {self._root} was being replaced by a "
                        "rebuild. Try again when the rebuild has finished."
                    ) from None
                continue

            if read_current(self._root) == generation:
                return writer
            writer.cancel()

    def _close_generation(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        if self._ix is not None:
            self._ix.close()
        self._searcher = None
        self._ix = None
        self._generation = None


def _satisfies_protocol(index: SearchIndex) -> DocumentIndex:
    """Let mypy prove that SearchIndex keeps to the protocol callers use."""
    return index


def check_document(doc: IndexedDocument, seen: set[str]) -> None:
    """Refuse a document the index could not find again or would hold twice."""
    if not doc.document_id or not doc.stamp:
        raise InvalidDocument(
            "Every indexed document needs a document_id and a stamp; one came "
            "without. Nothing from this batch was indexed."
        )
    if doc.document_id in seen:
        raise InvalidDocument(
            f"Document {doc.document_id} appears twice in one batch. Pass each "
            "document once; nothing from this batch was indexed."
        )
    if doc.doc_type not in DOC_TYPES:
        raise InvalidDocument(
            f"Document {doc.document_id} has the unknown type {doc.doc_type!r}; "
            f"use one of {', '.join(DOC_TYPES)}. Nothing from this batch was indexed."
        )


def _facet_spec() -> dict[str, Any]:
    return {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS}


def _counts(groups: dict[Any, int]) -> dict[str, int]:
    """Drop the empty key that stands for documents without a value."""
    counts = {}
    for key, count in groups.items():
        if isinstance(key, bytes):
            key = key.decode("utf-8")
        if key:
            counts[str(key)] = int(count)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def words_to_mark(query: Any, reader: Any) -> frozenset[str]:
    """Collect the indexed words a query looks for, to mark them in snippets.

    Fuzzy and prefix words expand to the spellings found in the index, so a
    search for "Ramircz" marks "Ramirez". Words under a NOT are left out.
    """
    if isinstance(query, wq.Not):
        return frozenset()
    if not query.is_leaf():
        words: set[str] = set()
        for child in query.children():
            words |= words_to_mark(child, reader)
        return frozenset(words)
    if query.field() not in _SNIPPET_FIELDS:
        return frozenset()
    return frozenset(
        word
        for _, text in query.expanded_terms(reader, phrases=True)
        for word in (text.decode("utf-8") if isinstance(text, bytes) else text).split()
    )


def _hit_of(hit: Any, marked: frozenset[str]) -> Hit:
    """Turn a Whoosh hit into ours, with the query's words marked in the text."""
    stored = hit.fields()
    return Hit(
        document_id=str(stored["document_id"]),
        student_id=stored.get("student_id"),
        doc_type=str(stored["doc_type"]),
        score=float(hit.score or 0.0),
        snippet=build_snippet(text_of(stored), marked),
    )
