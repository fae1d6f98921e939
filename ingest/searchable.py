"""Assemble searchable PDFs: page images with tesseract's invisible text on top.

Tesseract is asked for its text layer alone (`textonly_pdf`): left to embed
the page image itself it deflates eight megabytes of gray pixels per page,
which costs a third of the OCR time. Here the image goes in as JPEG (or as
1-bit Flate for bilevel scans) in milliseconds, and the text layer is laid
over it. Pages that already carried a text layer are copied from the
original PDF untouched.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
from numpy.typing import NDArray
from PIL import Image

JPEG_QUALITY = 80


@dataclass(frozen=True)
class OriginalPage:
    """A page taken as it is from the original PDF (0-based index)."""

    pdf: Path
    index: int


PagePart = Path | OriginalPage


def build_page_pdf(
    pixels: NDArray[np.uint8],
    dpi: int,
    text_layer: bytes | None = None,
    *,
    bilevel: bool = False,
) -> bytes:
    """Make a one-page PDF of a page image, with a text layer laid over it.

    `text_layer` is tesseract's text-only PDF of the same image at the same
    resolution, so its page box matches the image page exactly.
    """
    height, width = pixels.shape
    width_points, height_points = width * 72 / dpi, height * 72 / dpi

    with pikepdf.new() as pdf:
        image = _image_stream(pdf, pixels, bilevel)
        page = pdf.add_blank_page(page_size=(width_points, height_points))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        drawing = f"q {width_points:.4f} 0 0 {height_points:.4f} 0 0 cm /Im0 Do Q"
        page.Contents = pdf.make_stream(drawing.encode("ascii"))

        if text_layer is not None:
            with pikepdf.open(io.BytesIO(text_layer)) as text_pdf:
                box = pikepdf.Rectangle(0, 0, width_points, height_points)
                page.add_overlay(text_pdf.pages[0], box)
                return _save(pdf)
        return _save(pdf)


def merge_pages(parts: Sequence[PagePart], output: Path) -> Path:
    """Write the pages, in order, into one PDF at `output`."""
    originals: dict[Path, pikepdf.Pdf] = {}
    merged = pikepdf.new()
    try:
        for part in parts:
            if isinstance(part, OriginalPage):
                source = originals.get(part.pdf)
                if source is None:
                    source = originals[part.pdf] = pikepdf.open(part.pdf)
                merged.pages.append(source.pages[part.index])
            else:
                with pikepdf.open(part) as single:
                    merged.pages.extend(single.pages)
        merged.save(output)
    finally:
        merged.close()
        for source in originals.values():
            source.close()
    return output


def _image_stream(
    pdf: pikepdf.Pdf, pixels: NDArray[np.uint8], bilevel: bool
) -> pikepdf.Stream:
    height, width = pixels.shape
    if bilevel:
        # DeviceGray at one bit: 1 is white, as packed here.
        packed = np.packbits(pixels >= 128, axis=1).tobytes()
        return pikepdf.Stream(
            pdf,
            zlib.compress(packed, 6),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=width,
            Height=height,
            ColorSpace=pikepdf.Name.DeviceGray,
            BitsPerComponent=1,
            Filter=pikepdf.Name.FlateDecode,
        )

    jpeg = io.BytesIO()
    Image.fromarray(pixels).save(jpeg, format="JPEG", quality=JPEG_QUALITY)
    return pikepdf.Stream(
        pdf,
        jpeg.getvalue(),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=width,
        Height=height,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )


def _save(pdf: pikepdf.Pdf) -> bytes:
    output = io.BytesIO()
    pdf.save(output)
    return output.getvalue()
