from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from ingest.errors import OcrEngineMissing
from ingest.ocr import ocr_page

from .conftest import character_error_rate

pytestmark = pytest.mark.slow


@pytest.fixture
def page_pgm(samples: Path, tmp_path: Path) -> Path:
    path = tmp_path / "page.pgm"
    with Image.open(samples / "typed_page.png") as image:
        image.convert("L").save(path)
    return path


def test_one_run_gives_text_confidences_and_pdf_layer(
    samples: Path, page_pgm: Path
) -> None:
    result = ocr_page(page_pgm, "eng+spa", 60, dpi=100)

    truth = (samples / "page_text.txt").read_text(encoding="utf-8")
    assert character_error_rate(result.text, truth) < 0.05
    assert result.mean_confidence is not None
    assert result.mean_confidence > 80
    assert any(word.text == "Nunez," for word in result.words)
    assert result.pdf_bytes.startswith(b"%PDF")


def test_missing_language_is_an_engine_problem_not_a_bad_file(page_pgm: Path) -> None:
    with pytest.raises(OcrEngineMissing, match="RECORDS_OCR_LANGUAGES"):
        ocr_page(page_pgm, "xyz", 60, dpi=100)
