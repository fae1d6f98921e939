from __future__ import annotations

import json
import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from ingest.errors import PasswordProtected
from ingest.ocr import ocr_page
from ingest.reader import (
    assemble_document,
    plan_document,
    read_document,
    read_page,
)

from .conftest import character_error_rate

pytestmark = pytest.mark.slow


def pdf_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


@pytest.fixture
def truth(samples: Path) -> str:
    return (samples / "page_text.txt").read_text(encoding="utf-8")


def test_born_digital_pdf_is_read_from_its_text_layer_without_ocr(
    samples: Path, tmp_path: Path
) -> None:
    result = read_document(samples / "born_digital.pdf", workdir=tmp_path)

    [page] = result.pages
    assert page.source == "text_layer"
    assert page.mean_confidence is None
    assert "Nunez, Jose Antonio" in page.text
    assert result.searchable_pdf is None
    assert result.fields.doc_type == "transcript"


def test_image_pdf_is_ocred_into_a_searchable_pdf(
    samples: Path, tmp_path: Path, truth: str
) -> None:
    result = read_document(samples / "image_only.pdf", workdir=tmp_path)

    [page] = result.pages
    assert page.source == "ocr"
    assert character_error_rate(page.text, truth) < 0.05
    assert result.searchable_pdf is not None
    [layer_text] = pdf_texts(result.searchable_pdf)
    assert "Nunez" in layer_text


def test_mixed_pdf_keeps_text_pages_and_ocrs_scanned_ones(
    samples: Path, tmp_path: Path
) -> None:
    result = read_document(samples / "mixed_text_and_scan.pdf", workdir=tmp_path)

    assert [page.source for page in result.pages] == ["text_layer", "ocr"]
    assert result.searchable_pdf is not None
    texts = pdf_texts(result.searchable_pdf)
    assert len(texts) == 2
    assert all("Nunez" in text for text in texts)


def test_fax_tiff_pages_are_each_read(samples: Path, tmp_path: Path) -> None:
    result = read_document(samples / "fax_two_pages.tif", workdir=tmp_path)

    assert [page.number for page in result.pages] == [1, 2]
    assert "Student No.: 2256524" in result.pages[0].text
    assert "Total credits earned 50.0" in result.pages[1].text


@pytest.mark.parametrize(
    ("name", "rotation", "gain"),
    [
        # Tesseract reads a cleanly printed quarter-turned page by itself;
        # turning it matters for the searchable copy a person looks at.
        pytest.param("turned_90.png", 270, 1, id="quarter-turn"),
        pytest.param("turned_180.png", 180, 4, id="upside-down"),
    ],
)
def test_turned_page_is_read_upright(
    samples: Path, tmp_path: Path, truth: str, name: str, rotation: int, gain: int
) -> None:
    as_scanned = tmp_path / "as-scanned.pgm"
    with Image.open(samples / name) as image:
        image.convert("L").save(as_scanned)
    before = character_error_rate(ocr_page(as_scanned, dpi=100).text, truth)

    result = read_document(samples / name, workdir=tmp_path)

    [page] = result.pages
    after = character_error_rate(page.text, truth)
    assert page.rotation == rotation
    assert after < 0.05
    assert after <= before / gain


def test_skewed_page_is_straightened(samples: Path, tmp_path: Path, truth: str) -> None:
    result = read_document(samples / "skewed_3_degrees.png", workdir=tmp_path)

    [page] = result.pages
    assert page.skew == pytest.approx(-3.0, abs=0.3)
    assert character_error_rate(page.text, truth) < 0.05


def test_blank_page_is_kept_without_text(samples: Path, tmp_path: Path) -> None:
    result = read_document(samples / "blank_page.png", workdir=tmp_path)

    [page] = result.pages
    assert page.source == "blank"
    assert page.text == ""
    assert result.searchable_pdf is not None
    assert len(pdf_texts(result.searchable_pdf)) == 1


def test_worn_copy_is_read(samples: Path, tmp_path: Path, truth: str) -> None:
    result = read_document(samples / "worn_copy.jpg", workdir=tmp_path)

    assert character_error_rate(result.pages[0].text, truth) < 0.1


def test_page_jobs_can_run_in_a_process_pool(samples: Path, tmp_path: Path) -> None:
    plan = plan_document(samples / "fax_two_pages.tif", workdir=tmp_path)
    assert pickle.loads(pickle.dumps(plan.jobs)) == plan.jobs  # noqa: S301

    with ProcessPoolExecutor(2) as pool:
        pages = list(pool.map(read_page, plan.jobs))
    result = assemble_document(plan, pages)

    assert [page.source for page in result.pages] == ["ocr", "ocr"]
    assert result.fields.student_ids[0].value == "2256524"
    assert result.searchable_pdf is not None
    assert len(pdf_texts(result.searchable_pdf)) == 2


def test_password_protected_pdf_is_refused_before_any_work(
    real_corpus: Path, tmp_path: Path
) -> None:
    with pytest.raises(PasswordProtected):
        read_document(real_corpus / "paperless__password-is-test.pdf", workdir=tmp_path)

    assert list(tmp_path.iterdir()) == []


def test_type3_text_without_unicode_is_not_taken_as_text(
    real_corpus: Path, tmp_path: Path
) -> None:
    result = read_document(
        real_corpus / "ocrmypdf__type3_font_nomapping.pdf", workdir=tmp_path
    )

    assert result.pages[0].source != "text_layer"


def test_upside_down_synthetic_scan_is_turned_and_read(
    synthetic_corpus: Path, tmp_path: Path
) -> None:
    lines = (synthetic_corpus / "truth.jsonl").read_text().splitlines()
    record = next(json.loads(line) for line in lines if "scan_0044.jpeg" in line)

    result = read_document(synthetic_corpus / record["file"], workdir=tmp_path)

    [page] = result.pages
    assert page.rotation == 180
    assert character_error_rate(page.text, record["page_text"][0]) < 0.3
