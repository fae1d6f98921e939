"""Split a file into pages: a PDF page's own text, or a grayscale page image.

Every decode runs under `sandbox.run_limited`: hostile files (pixel bombs,
truncated or fuzzed files) end as an `UnreadableFile` instead of a hung or
killed worker. Pages are listed once per file and decoded one at a time so
that a pool can decode and read pages of one file in parallel.
"""

from __future__ import annotations

import contextlib
import logging
import unicodedata
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from numpy.typing import NDArray
from PIL import Image, ImageOps

from ingest.errors import (
    DamagedFile,
    EmptyFile,
    PasswordProtected,
    TooLarge,
    UnsupportedFile,
)
from ingest.sandbox import Limits, run_limited
from ingest.sniff import FileKind, Format

logger = logging.getLogger(__name__)

# Load Pillow's format plugins now, in the parent, rather than in each forked
# decoding child where another thread might hold the import lock.
Image.init()

RENDER_DPI = 300
DEFAULT_IMAGE_DPI = 300
MIN_TEXT_LAYER_CHARS = 20
MIN_TEXT_LAYER_CLEAN_SHARE = 0.85


@dataclass(frozen=True)
class PageSource:
    """Where one page comes from; small and picklable for worker processes.

    `text_layer` holds the page's own text when a PDF page carries a usable
    text layer, in which case the page needs no OCR.
    """

    path: Path
    format: Format
    index: int
    text_layer: str | None = None


@dataclass(frozen=True)
class PageImage:
    """A decoded page: 8-bit grayscale pixels (0 is black) and its resolution."""

    pixels: NDArray[np.uint8]
    dpi: int
    bilevel: bool


def list_pages(path: Path, kind: FileKind, limits: Limits) -> list[PageSource]:
    """List a file's pages, refusing files that cannot or should not be read."""
    if kind.format is Format.EMPTY:
        raise EmptyFile()
    if kind.format is Format.UNSUPPORTED:
        raise UnsupportedFile(
            f"the file is {kind.description}, which is not accepted; "
            "save it as PDF, TIFF, JPEG or PNG"
        )

    sources = run_limited(partial(_list_pages, path, kind.format, limits), limits)
    logger.debug("listed %d pages of a %s file", len(sources), kind.format)
    return sources


def decode_page(source: PageSource, limits: Limits) -> PageImage:
    """Decode one page to grayscale pixels in a limited child process."""
    return run_limited(partial(_decode_page, source, limits), limits)


def is_usable_text_layer(text: str) -> bool:
    """Tell whether a PDF page's text layer can stand in for OCR.

    A text layer is usable when it holds enough characters and nearly all of
    them are letters, digits, punctuation or spaces. Fonts without a Unicode
    mapping (Type 3 fonts in particular) extract as control characters or
    private-use code points, which this rejects so the page gets OCR.
    """
    visible = [char for char in text if not char.isspace()]
    if sum(char.isalnum() for char in visible) < MIN_TEXT_LAYER_CHARS:
        return False

    clean = sum(1 for char in visible if _is_plain_character(char))
    return clean / len(visible) >= MIN_TEXT_LAYER_CLEAN_SHARE


def _is_plain_character(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LNPS" and category != "Co" and char != "\ufffd"


def _list_pages(path: Path, format_: Format, limits: Limits) -> list[PageSource]:
    if format_ is Format.PDF:
        return _list_pdf_pages(path, limits)
    return _list_image_pages(path, format_, limits)


def _open_pdf(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as err:
        if "password" in str(err).lower():
            raise PasswordProtected() from err
        raise DamagedFile(
            "the PDF is damaged and could not be opened; "
            "save or scan the original again"
        ) from err


def _list_pdf_pages(path: Path, limits: Limits) -> list[PageSource]:
    pdf = _open_pdf(path)
    count = len(pdf)
    if count == 0:
        raise DamagedFile("the PDF has no pages; save or scan the original again")
    _check_page_count(count, limits)

    sources = []
    for index in range(count):
        page = pdf[index]
        _check_pdf_page_size(page, index, limits)
        text = page.get_textpage().get_text_range().replace("\r\n", "\n")
        usable = text if is_usable_text_layer(text) else None
        sources.append(PageSource(path, Format.PDF, index, usable))
    return sources


def _check_page_count(count: int, limits: Limits) -> None:
    if count > limits.max_pages:
        raise TooLarge(
            f"the file has {count} pages, more than the {limits.max_pages} "
            "allowed in one file; split it into smaller files"
        )


def _check_pdf_page_size(page: pdfium.PdfPage, index: int, limits: Limits) -> None:
    width, height = page.get_size()
    pixels = (width * RENDER_DPI / 72) * (height * RENDER_DPI / 72)
    if pixels > limits.max_page_pixels:
        raise TooLarge(
            f"page {index + 1} measures {width / 72:.0f} by {height / 72:.0f} "
            "inches, too large to read; rescan it at letter or legal size"
        )

    image_objects = page.get_objects(
        filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE], max_depth=4
    )
    for image in image_objects:
        image_width, image_height = image.get_px_size()
        if image_width * image_height > limits.max_page_pixels:
            raise TooLarge(
                f"page {index + 1} holds an image of {image_width} by "
                f"{image_height} pixels, too large to read; rescan it at 300 dpi"
            )


def _list_image_pages(path: Path, format_: Format, limits: Limits) -> list[PageSource]:
    with _open_image(path, limits) as image:
        count = getattr(image, "n_frames", 1) if format_ is Format.TIFF else 1
        _check_page_count(count, limits)
        for index in range(count):
            _seek_frame(image, index)
            _check_image_size(image, index, limits)
    return [PageSource(path, format_, index) for index in range(count)]


def _open_image(path: Path, limits: Limits) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = limits.max_page_pixels
    # Only in the child: damaged metadata warnings are noise here, while a
    # decompression-bomb warning must stop the decode.
    warnings.simplefilter("ignore")
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        return Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _image_too_large() from err
    except (OSError, SyntaxError, ValueError) as err:
        raise DamagedFile(
            "the image is damaged and could not be opened; "
            "copy or scan the original again"
        ) from err


def _image_too_large() -> TooLarge:
    return TooLarge(
        "the image has more pixels than allowed (it may be built to exhaust "
        "memory); rescan the page at 300 dpi"
    )


def _seek_frame(image: Image.Image, index: int) -> None:
    try:
        image.seek(index)
    except (EOFError, OSError, ValueError) as err:
        raise DamagedFile(
            f"page {index + 1} of the image file is missing or damaged; "
            "copy or scan the original again"
        ) from err


def _check_image_size(image: Image.Image, index: int, limits: Limits) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise DamagedFile(f"page {index + 1} of the image file has no pixels")
    if width * height > limits.max_page_pixels:
        raise TooLarge(
            f"page {index + 1} is {width} by {height} pixels, more than allowed "
            "(it may be built to exhaust memory); rescan the page at 300 dpi"
        )


def _decode_page(source: PageSource, limits: Limits) -> PageImage:
    if source.format is Format.PDF:
        return _render_pdf_page(source, limits)
    return _decode_image_page(source, limits)


def _render_pdf_page(source: PageSource, limits: Limits) -> PageImage:
    pdf = _open_pdf(source.path)
    page = pdf[source.index]
    _check_pdf_page_size(page, source.index, limits)
    bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
    pixels = np.ascontiguousarray(bitmap.to_numpy(), dtype=np.uint8)
    if pixels.ndim == 3:
        pixels = np.ascontiguousarray(pixels[:, :, 0])
    return PageImage(pixels, RENDER_DPI, bilevel=False)


def _decode_image_page(source: PageSource, limits: Limits) -> PageImage:
    with _open_image(source.path, limits) as image:
        _seek_frame(image, source.index)
        _check_image_size(image, source.index, limits)
        try:
            image.load()
            bilevel = image.mode == "1"
            gray = _to_grayscale(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
            raise _image_too_large() from err
        except (OSError, SyntaxError, ValueError, ZeroDivisionError) as err:
            raise DamagedFile(
                f"page {source.index + 1} of the image is damaged or cut short; "
                "copy or scan the original again"
            ) from err
        dpi = _image_dpi(image)

    pixels = np.asarray(gray, dtype=np.uint8)
    return PageImage(np.ascontiguousarray(pixels), dpi, bilevel)


def _to_grayscale(image: Image.Image) -> Image.Image:
    """Flatten any mode to 8-bit gray, upright as the camera meant it."""
    # A broken EXIF block only loses the camera's orientation hint.
    with contextlib.suppress(ZeroDivisionError, ValueError, KeyError, TypeError):
        image = ImageOps.exif_transpose(image) or image

    if image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda value: value / 256)
    return image.convert("L")


def _image_dpi(image: Image.Image) -> int:
    """Read the stated resolution; absent or absurd values fall back to 300."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        value = 0.0
    if 70 <= value <= 1200:
        return round(value)
    return DEFAULT_IMAGE_DPI
