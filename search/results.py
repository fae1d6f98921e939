"""What a search returns: a page of hits, facet counts and safe snippets."""

import html
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from search.analysis import WORD_RE, terms_of_word

SNIPPET_CHARS = 240
# How much text to show before the first match in a snippet.
SNIPPET_LEAD = 60

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Hit:
    """One matching document; `snippet` is HTML-safe with <mark> around matches."""

    document_id: str
    student_id: str | None
    doc_type: str
    score: float
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    """One page of hits, with facets counted over every match, not just the page."""

    total: int
    page: int
    page_size: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Count the pages the whole result set fills."""
        return -(-self.total // self.page_size)


def build_snippet(text: str, words: Collection[str]) -> str:
    """Cut the passage with the most matched words and escape it for HTML.

    OCR text is untrusted: everything outside the <mark> tags we add is escaped,
    so a scanned "<script>" reaches the page as text.
    """
    text = _SPACES.sub(" ", text).strip()
    spans = [
        (m.start(), m.end())
        for m in WORD_RE.finditer(text)
        if any(term in words for term in terms_of_word(m.group()))
    ]
    start = _best_window(text, spans)
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + SNIPPET_CHARS // 2)

    pieces = ["…"] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces.append(html.escape(text[cursor:span_start]))
        pieces.append(f"<mark>{html.escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(html.escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return "".join(pieces)


def _best_window(text: str, spans: list[tuple[int, int]]) -> int:
    """Start the snippet a little before the match that has most others near it."""
    if not spans:
        return 0
    best_start, best_count = spans[0][0], 0
    for span_start, _ in spans:
        count = sum(
            1 for s, e in spans if span_start <= s and e <= span_start + SNIPPET_CHARS
        )
        if count > best_count:
            best_start, best_count = span_start, count
    start = max(0, best_start - SNIPPET_LEAD)
    if start > 0:
        space = text.find(" ", start, best_start)
        start = space + 1 if space >= 0 else start
    return start
