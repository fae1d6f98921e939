"""Regenerate the small sample files the ingest tests read.

    .venv/bin/python tests/ingest/samples/make_samples.py

Pages are rendered from known text with DejaVu Sans (package
fonts-dejavu-core) at 100 dpi so each file stays a few kilobytes; the
invented student appears in no real roster.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE_SIZE = (850, 1100)  # letter at 100 dpi
DPI = 100

PAGE_TEXT = """PASADENA UNIFIED SCHOOL DISTRICT
OFFICIAL TRANSCRIPT OF ACADEMIC RECORD
Student Name: Nunez, Jose Antonio
Date of Birth: 10/30/1990
Student No.: 2256524
Graduation Date: 06/11/2009
English 9 Honors A 10.0 credits
Geometry B 10.0 credits
World History A 10.0 credits"""

SECOND_PAGE_TEXT = """Page 2 of the transcript
Chemistry B 10.0 credits
Spanish 2 A 10.0 credits
Total credits earned 50.0"""


def render_page(text: str) -> Image.Image:
    """Black text on a white letter page, one line per line of `text`."""
    page = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), 26)
    for line_number, line in enumerate(text.splitlines()):
        draw.text((60, 70 + line_number * 46), line, fill=0, font=font)
    return page


def bilevel(image: Image.Image) -> Image.Image:
    return image.point(lambda value: 255 if value > 160 else 0).convert("1")


def degrade(image: Image.Image) -> Image.Image:
    """Speckle and blur a page as a worn photocopy would look."""
    noisy = image.copy()
    pixels = noisy.load()
    generator = random.Random(7)
    for _ in range(1500):
        x = generator.randrange(PAGE_SIZE[0])
        y = generator.randrange(PAGE_SIZE[1])
        pixels[x, y] = generator.choice((0, 90, 200))
    return noisy.filter(ImageFilter.GaussianBlur(0.8))


def born_digital_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text is real text (Helvetica), written by hand."""
    content_lines = ["BT", "/F1 12 Tf", "72 720 Td", "16 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content_lines.append(f"({escaped}) Tj T*")
    content_lines.append("ET")
    content = "\n".join(content_lines).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


def main() -> None:
    page = render_page(PAGE_TEXT)
    second = render_page(SECOND_PAGE_TEXT)
    blank = Image.new("L", PAGE_SIZE, 255)

    bilevel(page).save(HERE / "typed_page.png", dpi=(DPI, DPI), optimize=True)
    bilevel(page.rotate(-90, expand=True)).save(
        HERE / "turned_90.png", dpi=(DPI, DPI), optimize=True
    )
    bilevel(page.rotate(180)).save(HERE / "turned_180.png", dpi=(DPI, DPI))
    bilevel(page.rotate(3, expand=False, fillcolor=255)).save(
        HERE / "skewed_3_degrees.png", dpi=(DPI, DPI), optimize=True
    )
    degrade(page).save(HERE / "worn_copy.jpg", quality=30, dpi=(DPI, DPI))
    blank.convert("1").save(HERE / "blank_page.png", dpi=(DPI, DPI))
    bilevel(page).save(
        HERE / "fax_two_pages.tif",
        compression="group4",
        save_all=True,
        append_images=[bilevel(second)],
        dpi=(DPI, DPI),
    )
    bilevel(page).save(HERE / "image_only.pdf", resolution=DPI)
    (HERE / "born_digital.pdf").write_bytes(born_digital_pdf(PAGE_TEXT.splitlines()))

    with (
        pikepdf.open(HERE / "born_digital.pdf") as text_pdf,
        pikepdf.open(HERE / "image_only.pdf") as image_pdf,
    ):
        mixed = pikepdf.new()
        mixed.pages.extend(text_pdf.pages)
        mixed.pages.extend(image_pdf.pages)
        mixed.save(HERE / "mixed_text_and_scan.pdf")

    (HERE / "jpeg_named.pdf").write_bytes((HERE / "worn_copy.jpg").read_bytes())
    (HERE / "pdf_named.png").write_bytes((HERE / "born_digital.pdf").read_bytes())
    (HERE / "spreadsheet.xlsx").write_bytes(b"PK\x03\x04" + bytes(60))
    (HERE / "truncated_page.png").write_bytes(
        (HERE / "typed_page.png").read_bytes()[:600]
    )
    (HERE / "page_text.txt").write_text(PAGE_TEXT + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
