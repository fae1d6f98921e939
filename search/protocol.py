"""The seam other packages code against, so a later backend can slot in."""

from collections.abc import Iterable, Iterator
from typing import Protocol

from search.documents import IndexedDocument
from search.results import SearchResults


class DocumentIndex(Protocol):
    """What callers need from a full-text index; `SearchIndex` is the Whoosh one."""

    def add_or_update(self, docs: Iterable[IndexedDocument]) -> int: ...

    def remove(self, document_ids: Iterable[str]) -> int: ...

    def stamps(self) -> Iterator[tuple[str, str]]: ...

    def count(self) -> int: ...

    def search(
        self, query: str, *, page: int = 1, page_size: int = 20
    ) -> SearchResults: ...

    def close(self) -> None: ...
