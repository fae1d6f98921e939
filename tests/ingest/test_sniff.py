from __future__ import annotations

from pathlib import Path

import pytest

from ingest.sniff import Format, sniff, sniff_bytes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("typed_page.png", Format.PNG, id="png"),
        pytest.param("worn_copy.jpg", Format.JPEG, id="jpeg"),
        pytest.param("fax_two_pages.tif", Format.TIFF, id="tiff"),
        pytest.param("born_digital.pdf", Format.PDF, id="pdf"),
        pytest.param("jpeg_named.pdf", Format.JPEG, id="jpeg-named-pdf"),
        pytest.param("pdf_named.png", Format.PDF, id="pdf-named-png"),
        pytest.param("spreadsheet.xlsx", Format.UNSUPPORTED, id="zip"),
    ],
)
def test_sniff_decides_by_content_not_name(
    samples: Path, name: str, expected: Format
) -> None:
    assert sniff(samples / name).format is expected


def test_sniff_reports_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "scan.pdf"
    empty.write_bytes(b"")

    kind = sniff(empty)

    assert kind.format is Format.EMPTY
    assert not kind.is_readable


@pytest.mark.parametrize(
    ("head", "description"),
    [
        pytest.param(b"GIF89a\x01\x00", "a GIF image", id="gif"),
        pytest.param(b"PK\x03\x04rest", "a ZIP archive", id="office-zip"),
        pytest.param(b"Dear Registrar,\nplease", "plain text", id="text"),
        pytest.param(b"<!DOCTYPE html><html>", "a web page (HTML)", id="html"),
        pytest.param(bytes(range(256)), "unrecognised binary data", id="binary"),
    ],
)
def test_sniff_says_what_an_unsupported_file_looks_like(
    head: bytes, description: str
) -> None:
    kind = sniff_bytes(head)

    assert kind.format is Format.UNSUPPORTED
    assert kind.description.startswith(description)


def test_sniff_accepts_pdf_header_after_leading_junk() -> None:
    assert sniff_bytes(b"\r\n\x00junk%PDF-1.7\n").format is Format.PDF


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("gen__jpeg_content_named.pdf", Format.JPEG, id="jpeg-as-pdf"),
        pytest.param("gen__pdf_content_named.png", Format.PDF, id="pdf-as-png"),
        pytest.param("pillow__decompression_bomb.gif", Format.UNSUPPORTED, id="gif"),
        pytest.param("gen__empty.png", Format.EMPTY, id="empty"),
    ],
)
def test_sniff_sees_through_mislabelled_corpus_files(
    real_corpus: Path, name: str, expected: Format
) -> None:
    assert sniff(real_corpus / name).format is expected
