"""What became of each file of a batch, as the clerk and scripts read it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

ARCHIVED = "archived"
DUPLICATE = "duplicate"
NEEDS_REVIEW = "needs_review"
QUARANTINED = "quarantined"

# Exit status of `records ingest` when any file waits for a person.
EXIT_NEEDS_ATTENTION = 3


@dataclass(frozen=True)
class FileOutcome:
    """One result line of ``records ingest --json``."""

    path: str
    status: str
    document_id: str | None = None
    student_id: str | None = None
    doc_type: str | None = None
    pages: int = 0
    ocr_confidence: float | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BatchSummary:
    batch_id: str
    counts: Counter[str] = field(default_factory=Counter)
    pages: int = 0
    seconds: float = 0.0

    def add(self, outcome: FileOutcome) -> None:
        self.counts[outcome.status] += 1
        if outcome.status != DUPLICATE:
            self.pages += outcome.pages

    @property
    def files(self) -> int:
        return sum(self.counts.values())

    @property
    def exit_code(self) -> int:
        waiting = self.counts[NEEDS_REVIEW] + self.counts[QUARANTINED]
        return EXIT_NEEDS_ATTENTION if waiting else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "summary": {
                "batch_id": self.batch_id,
                "files": self.files,
                **{s: self.counts[s] for s in (ARCHIVED, DUPLICATE, NEEDS_REVIEW)},
                QUARANTINED: self.counts[QUARANTINED],
                "pages": self.pages,
                "seconds": round(self.seconds, 1),
            }
        }

    def sentence(self) -> str:
        return (
            f"{self.files} files: {self.counts[ARCHIVED]} archived, "
            f"{self.counts[DUPLICATE]} duplicates, "
            f"{self.counts[NEEDS_REVIEW]} need review, "
            f"{self.counts[QUARANTINED]} quarantined; {self.pages} pages read"
        )
