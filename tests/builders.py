"""Files and rosters that tests build archives from, quickly and without OCR."""

from __future__ import annotations

from pathlib import Path

import pikepdf

SAMPLES = Path(__file__).resolve().parent / "ingest" / "samples"
STUDENT = "2256524"  # Nunez, Jose Antonio, as printed on the samples
ROSTER = (
    "student_id,last_name,first_name,middle_name,birth_date,grad_year,"
    "last_school,status,other_names\n"
    f"{STUDENT},Núñez,José,Antonio,1990-10-30,2009,Blair High School,alumni,\n"
    "1000001,Brooks,Beverly,Lynn,1972-04-10,1990,Marshall Fundamental,alumni,\n"
)


def pdf_copy(target: Path, n: int) -> Path:
    """A born-digital transcript whose bytes differ from the sample's."""
    with pikepdf.open(SAMPLES / "born_digital.pdf") as pdf:
        pdf.docinfo["/Title"] = f"copy {n}"
        pdf.save(target)
    return target
