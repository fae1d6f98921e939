"""A small box of invented student records, made on the spot for ``records demo``.

The pages are drawn from known text so the demo needs no files shipped with
the package and shows the pipeline's hard cases: a typed scan, a page turned
sideways, a fax TIFF, a born-digital PDF, a copy of an earlier file, a former
student filed under her maiden name, and a record of someone not on the
roster. Every person here is invented.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw, ImageFont

ROSTER = (
    "student_id,last_name,first_name,middle_name,birth_date,grad_year,"
    "last_school,status,other_names\n"
    "3100417,Núñez,José,Antonio,1990-10-30,2009,Blair High School,alumni,\n"
    "3100582,Okafor-Reyes,Adaeze,,1987-03-14,2005,John Muir High School,alumni,"
    '"Okafor, Adaeze"\n'
    "3100901,Lindqvist,Margaret,Ann,1948-06-02,1966,Pasadena High School,alumni,"
    '"Hale, Margaret Ann"\n'
    "3102233,Tran,Kevin,,2009-01-22,2027,Marshall Fundamental,current,\n"
)

_PAGES = {
    "transcript_nunez.png": """PASADENA UNIFIED SCHOOL DISTRICT
OFFICIAL TRANSCRIPT OF ACADEMIC RECORD
Student Name: Nunez, Jose Antonio
Date of Birth: 10/30/1990
Student No.: 3100417
School: Blair High School
Graduation Date: 06/11/2009
English 9 Honors A 10.0 credits
Geometry B 10.0 credits""",
    "diploma_okafor.png": """JOHN MUIR HIGH SCHOOL
This certifies that
Adaeze Okafor-Reyes
has completed the course of study
and is awarded this Diploma
Date of Birth: March 14, 1987
Given at Pasadena, California, June 2005""",
    "cumulative_hale.tif": """CUMULATIVE RECORD CARD
Pasadena High School
Name: Hale, Margaret Ann
Birth Date: 06/02/1948
Entered: September 1962
Withdrew: June 1966 (graduated)
Attendance: regular""",
    "immunization_visitor.png": """IMMUNIZATION RECORD
Name: Whitfield, Oliver James
Date of Birth: 04/19/1971
Polio 1972 1973 1975
DTP 1971 1972 1976""",
}

_BORN_DIGITAL = [
    "PASADENA UNIFIED SCHOOL DISTRICT",
    "Student Enrollment Form",
    "Last Name: Tran  First Name: Kevin",
    "Date of Birth: 01/22/2009",
    "Student ID: 3102233",
    "School: Marshall Fundamental",
]

_SIZE = (1275, 1650)  # letter at 150 dpi
_DPI = 150


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
    ):
        if candidate.exists():
            return ImageFont.truetype(str(candidate), 34)
    return ImageFont.load_default(size=34)


def _render(text: str) -> Image.Image:
    page = Image.new("L", _SIZE, 255)
    draw = ImageDraw.Draw(page)
    font = _font()
    for number, line in enumerate(text.splitlines()):
        draw.text((110, 120 + number * 64), line, fill=0, font=font)
    return page


def _born_digital(target: Path) -> None:
    """A PDF with a real text layer, as a student information system prints."""
    stream = ["BT", "/F1 12 Tf", "72 720 Td", "18 TL"]
    stream += [f"({line}) Tj T*" for line in _BORN_DIGITAL]
    stream.append("ET")
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 612, 792],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=pdf.make_stream("\n".join(stream).encode("ascii")),
    )
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(target, deterministic_id=True)


def build_demo_box(folder: Path) -> Path:
    """Write the demo roster and scans into ``folder``; return the roster's path."""
    folder.mkdir(parents=True, exist_ok=True)
    roster = folder / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    scans = folder / "box"
    scans.mkdir(exist_ok=True)

    for name, text in _PAGES.items():
        page = _render(text)
        target = scans / name
        if name.startswith("diploma"):
            page = page.rotate(90, expand=True)
        if name.endswith(".tif"):
            page.point(lambda v: 255 if v > 160 else 0).convert("1").save(
                target, compression="group4", dpi=(_DPI, _DPI)
            )
        else:
            page.save(target, dpi=(_DPI, _DPI))
    _born_digital(scans / "enrollment_tran.pdf")
    copy = scans / "copy_of_transcript.png"
    copy.write_bytes((scans / "transcript_nunez.png").read_bytes())
    return roster
