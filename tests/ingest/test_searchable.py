from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from ingest.ocr import ocr_page
from ingest.searchable import OriginalPage, build_page_pdf, merge_pages


def page_texts_and_sizes(path: Path) -> list[tuple[str, tuple[float, float]]]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [(page.get_textpage().get_text_range(), page.get_size()) for page in pdf]
    finally:
        pdf.close()


def load(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.uint8)


@pytest.mark.parametrize("bilevel", [False, True], ids=["jpeg", "one-bit"])
def test_image_page_without_text_has_the_page_size_of_its_dpi(
    samples: Path, tmp_path: Path, bilevel: bool
) -> None:
    pixels = load(samples / "typed_page.png")
    output = tmp_path / "page.pdf"

    output.write_bytes(build_page_pdf(pixels, 100, bilevel=bilevel))

    [(text, size)] = page_texts_and_sizes(output)
    assert text == ""
    assert size == pytest.approx((612, 792))


@pytest.mark.slow
def test_text_layer_is_laid_over_the_page_image(samples: Path, tmp_path: Path) -> None:
    image_path = tmp_path / "page.pgm"
    Image.fromarray(load(samples / "typed_page.png")).save(image_path)
    layer = ocr_page(image_path, dpi=100).pdf_bytes
    output = tmp_path / "page.pdf"

    output.write_bytes(build_page_pdf(load(image_path), 100, layer))

    [(text, size)] = page_texts_and_sizes(output)
    assert "Student No.: 2256524" in text
    assert size == pytest.approx((612, 792))


def test_merge_keeps_original_pages_and_adds_image_pages(
    samples: Path, tmp_path: Path
) -> None:
    image_page = tmp_path / "page-2.pdf"
    image_page.write_bytes(build_page_pdf(load(samples / "blank_page.png"), 100))

    merged = merge_pages(
        [OriginalPage(samples / "born_digital.pdf", 0), image_page],
        tmp_path / "merged.pdf",
    )

    pages = page_texts_and_sizes(merged)
    assert len(pages) == 2
    assert "Nunez, Jose Antonio" in pages[0][0]
    assert pages[1][0] == ""
