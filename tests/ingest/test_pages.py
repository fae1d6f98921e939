from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from ingest.errors import (
    DamagedFile,
    EmptyFile,
    PasswordProtected,
    TooLarge,
    TooSlow,
    UnreadableFile,
    UnsupportedFile,
)
from ingest.pages import decode_page, is_usable_text_layer, list_pages
from ingest.sandbox import Limits, run_limited
from ingest.sniff import sniff

READABLE = "readable"

# What each hostile file of corpus/real must give, from MANIFEST.tsv's notes.
HOSTILE_OUTCOMES = {
    "gen__empty.pdf": "empty",
    "gen__empty.png": "empty",
    "gen__jpeg_content_named.pdf": READABLE,
    "gen__pdf_content_named.png": READABLE,
    "gen__phototest_truncated_50pct.tif": "damaged",
    "gen__png_declared_200000x200000.png": "too_large",
    "gen__png_deflate_bomb_30000x30000_1bit.png": "too_large",
    "ocrmypdf__hugemono.pdf": "too_large",
    "ocrmypdf__invalid.pdf": "damaged",
    "ocrmypdf__no_contents.pdf": READABLE,
    "ocrmypdf__type3_font_nomapping.pdf": READABLE,
    "paperless__password-is-test.pdf": "password_protected",
    "paperless__signed.pdf": READABLE,
    "pdfjs__bomb_giant.pdf": READABLE,
    "pdfjs__poppler-395-0-fuzzed.pdf": "damaged",
    "pdfjs__xref_command_missing.pdf": READABLE,
    "pillow__crash-0c7e0e8e.tif": "damaged",
    "pillow__decompression_bomb.gif": "unsupported",
    "pillow__exif-dpi-zerodivision.jpg": READABLE,
    "pillow__oom-225817ca.tif": "damaged",
    "pillow__total-pages-zero.tif": READABLE,
    "pillow__truncated_image.png": "damaged",
    "pillow__truncated_jpeg.jpg": "damaged",
    "pypdf__lzw_decoder_table_overflow.bin": "unsupported",
    "pypdf__r4-aes-user-password.pdf": "password_protected",
    "pypdf__r6-user-password.pdf": "password_protected",
    "samplefiles__libreoffice-writer-password.pdf": "password_protected",
}


def open_every_page(path: Path, limits: Limits) -> int:
    """List and decode every page as ingest would, without OCR."""
    sources = list_pages(path, sniff(path), limits)
    for source in sources:
        if source.text_layer is None:
            decode_page(source, limits)
    return len(sources)


def test_born_digital_page_keeps_its_text_layer(samples: Path) -> None:
    path = samples / "born_digital.pdf"

    [source] = list_pages(path, sniff(path), Limits())

    assert source.text_layer is not None
    assert "Student Name: Nunez, Jose Antonio" in source.text_layer


def test_mixed_pdf_decides_text_layer_page_by_page(samples: Path) -> None:
    path = samples / "mixed_text_and_scan.pdf"

    sources = list_pages(path, sniff(path), Limits())

    assert [source.text_layer is not None for source in sources] == [True, False]


def test_image_only_pdf_renders_to_grayscale_at_300_dpi(samples: Path) -> None:
    path = samples / "image_only.pdf"
    [source] = list_pages(path, sniff(path), Limits())

    image = decode_page(source, Limits())

    assert image.dpi == 300
    height, width = image.pixels.shape
    assert abs(height - 3300) <= 1
    assert abs(width - 2550) <= 1
    assert image.pixels.min() == 0
    assert image.pixels.max() == 255


def test_multi_page_fax_tiff_splits_into_bilevel_pages(samples: Path) -> None:
    path = samples / "fax_two_pages.tif"

    sources = list_pages(path, sniff(path), Limits())
    images = [decode_page(source, Limits()) for source in sources]

    assert len(images) == 2
    assert all(image.bilevel for image in images)
    assert images[0].dpi == 100
    assert images[0].pixels.shape == (1100, 850)


@pytest.mark.parametrize(
    ("text", "usable"),
    [
        pytest.param("Student Name: Nunez, Jose Antonio", True, id="words"),
        pytest.param("\x19\x12\x03\x19\x12" * 10, False, id="type3-no-mapping"),
        pytest.param("\ue000\ue001\ue002" * 12 + " abc", False, id="private-use"),
        pytest.param("Page 1", False, id="too-short"),
        pytest.param("", False, id="empty"),
    ],
)
def test_text_layer_is_usable_only_when_it_holds_real_text(
    text: str, usable: bool
) -> None:
    assert is_usable_text_layer(text) is usable


@pytest.mark.parametrize(
    ("name", "error"),
    [
        pytest.param("spreadsheet.xlsx", UnsupportedFile, id="unsupported"),
        pytest.param("truncated_page.png", DamagedFile, id="truncated"),
    ],
)
def test_bad_sample_gives_clerk_readable_reason(
    samples: Path, name: str, error: type[UnreadableFile]
) -> None:
    with pytest.raises(error) as raised:
        open_every_page(samples / name, Limits())

    assert raised.value.reason
    assert "save" in raised.value.reason or "copy" in raised.value.reason


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(b"")

    with pytest.raises(EmptyFile):
        open_every_page(path, Limits())


def test_page_over_pixel_limit_is_refused_before_decoding(samples: Path) -> None:
    with pytest.raises(TooLarge, match="pixels"):
        open_every_page(samples / "typed_page.png", Limits(max_page_pixels=10_000))


def test_file_over_page_limit_is_refused(samples: Path) -> None:
    with pytest.raises(TooLarge, match="2 pages"):
        open_every_page(samples / "fax_two_pages.tif", Limits(max_pages=1))


def test_decoder_past_its_deadline_is_killed() -> None:
    started = time.monotonic()

    with pytest.raises(TooSlow):
        run_limited(lambda: time.sleep(30), Limits(decode_seconds=0.5))

    assert time.monotonic() - started < 10


def test_decoder_over_memory_limit_fails_without_hurting_the_caller() -> None:
    limits = Limits(max_memory_bytes=512 * 1024 * 1024)

    with pytest.raises(TooLarge):
        run_limited(lambda: bytearray(1024 * 1024 * 1024), limits)


def test_decoder_result_returns_to_the_caller() -> None:
    assert run_limited(lambda: sum(range(10)), Limits()) == 45


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("name", "outcome"), sorted(HOSTILE_OUTCOMES.items()))
def test_hostile_corpus_file_is_refused_or_read_safely(
    real_corpus: Path, name: str, outcome: str
) -> None:
    path = real_corpus / name

    if outcome == READABLE:
        assert open_every_page(path, Limits()) >= 1
        return
    with pytest.raises(UnreadableFile) as raised:
        open_every_page(path, Limits())
    assert raised.value.code == outcome
    assert len(raised.value.reason) > 20


def test_hostile_table_covers_every_hostile_file_in_manifest(
    real_corpus: Path,
) -> None:
    with (real_corpus / "MANIFEST.tsv").open(newline="") as manifest:
        rows = list(csv.DictReader(manifest, delimiter="\t"))

    hostile = {row["path"] for row in rows if row["kind"] == "hostile"}

    assert hostile - set(HOSTILE_OUTCOMES) == set()


@pytest.mark.parametrize(
    "name",
    [
        "pypdf__r4-aes-user-password.pdf",
        "samplefiles__libreoffice-writer-password.pdf",
    ],
)
def test_password_protected_pdf_says_to_ask_for_unprotected_copy(
    real_corpus: Path, name: str
) -> None:
    with pytest.raises(PasswordProtected, match="ask the sender"):
        open_every_page(real_corpus / name, Limits())


def test_giant_pdf_content_stream_stays_within_limits(real_corpus: Path) -> None:
    path = real_corpus / "pdfjs__bomb_giant.pdf"
    [source] = list_pages(path, sniff(path), Limits())
    limits = Limits(decode_seconds=20, max_memory_bytes=1024 * 1024 * 1024)
    started = time.monotonic()

    outcome = "decoded"
    try:
        decode_page(source, limits)
    except UnreadableFile as err:
        outcome = err.code

    assert outcome in {"decoded", "too_slow", "too_large", "damaged"}
    assert time.monotonic() - started < 40
