"""Full-text search over archived documents, with Whoosh behind our own interface.

Callers hand in plain values (`IndexedDocument`) and get plain values back
(`SearchResults`); nothing outside this package touches Whoosh.
"""

from search.documents import IndexedDocument
from search.errors import (
    IndexBusy,
    IndexCorrupt,
    InvalidDocument,
    QuerySyntaxError,
    SearchError,
)
from search.index import SearchIndex
from search.protocol import DocumentIndex
from search.rebuild import rebuild
from search.results import Hit, SearchResults

__all__ = [
    "DocumentIndex",
    "Hit",
    "IndexBusy",
    "IndexCorrupt",
    "IndexedDocument",
    "InvalidDocument",
    "QuerySyntaxError",
    "SearchError",
    "SearchIndex",
    "SearchResults",
    "rebuild",
]
