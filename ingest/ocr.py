"""The one wrapper around the tesseract binary.

One run per page yields the text, the per-word confidences (TSV) and the
page's invisible text layer as PDF together. Tesseract is
handed a file path, not an image object: pytesseract would otherwise write a
PNG of its own, which costs about a second a page.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytesseract

from ingest.errors import OcrEngineMissing, OcrFailed

DEFAULT_LANGUAGES = "eng+spa"
CONFIDENT_WORD = 60.0

# Tesseract's OpenMP threads fight each other on a shared machine: one thread
# per process is several times faster in wall time, and pools add processes.
os.environ["OMP_THREAD_LIMIT"] = "1"


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class PageOCR:
    """What tesseract read on one page; `pdf_bytes` is the invisible text layer."""

    text: str
    mean_confidence: float | None
    words: tuple[Word, ...]
    pdf_bytes: bytes

    @property
    def confident_characters(self) -> int:
        """Characters in words read with confidence: a quality score for retries."""
        return sum(len(w.text) for w in self.words if w.confidence >= CONFIDENT_WORD)


def ocr_page(
    image_path: Path,
    languages: str = DEFAULT_LANGUAGES,
    timeout: float = 180.0,
    *,
    dpi: int = 300,
    adaptive_threshold: bool = False,
) -> PageOCR:
    """Read one page image file; `adaptive_threshold` suits uneven lighting.

    Tesseract's default global (Otsu) threshold loses text on photos and
    yellowed paper; Sauvola's local threshold recovers it but does worse on
    clean scans, so the caller chooses per page.
    """
    config = f"--psm 3 --dpi {dpi} -c tessedit_create_tsv=1 -c textonly_pdf=1"
    if adaptive_threshold:
        config += " -c thresholding_method=2"

    with tempfile.TemporaryDirectory(prefix="ocr-") as scratch:
        base = Path(scratch) / "page"
        _run(image_path, base, "txt pdf", languages, config, timeout)
        text = base.with_suffix(".txt").read_text(encoding="utf-8")
        tsv = base.with_suffix(".tsv").read_text(encoding="utf-8")
        pdf_bytes = base.with_suffix(".pdf").read_bytes()

    words = _parse_words(tsv)
    mean = sum(w.confidence for w in words) / len(words) if words else None
    return PageOCR(_tidy(text), mean, words, pdf_bytes)


def _run(
    image_path: Path,
    base: Path,
    extensions: str,
    languages: str | None,
    config: str,
    timeout: float,
) -> None:
    try:
        pytesseract.pytesseract.run_tesseract(
            str(image_path),
            str(base),
            extensions,
            languages,
            config=config,
            timeout=timeout,
        )
    except pytesseract.TesseractNotFoundError as err:
        raise OcrEngineMissing("the tesseract program was not found") from err
    except pytesseract.TesseractError as err:
        if "Failed loading language" in str(err.message):
            raise OcrEngineMissing(f"a language of {languages} is missing") from err
        raise OcrFailed() from err
    except RuntimeError as err:  # pytesseract's way of reporting its timeout
        raise OcrFailed(
            f"text recognition of a page took longer than {timeout:.0f} seconds; "
            "rescan the page more clearly"
        ) from err


def _parse_words(tsv: str) -> tuple[Word, ...]:
    words = []
    for line in tsv.splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) < 12 or not cells[11].strip():
            continue
        confidence = float(cells[10])
        if confidence < 0:
            continue
        left, top, width, height = (int(cell) for cell in cells[6:10])
        words.append(Word(cells[11].strip(), confidence, left, top, width, height))
    return tuple(words)


def _tidy(text: str) -> str:
    """Drop the form feed and trailing blank lines tesseract appends."""
    return text.replace("\f", "").strip("\n")
