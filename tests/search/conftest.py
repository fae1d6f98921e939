import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest

from search import SearchIndex
from tests.search.factories import make_document


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SearchIndex]:
    opened = SearchIndex.open(tmp_path / "index")
    yield opened
    opened.close()


@pytest.fixture
def registrar_index(index: SearchIndex) -> SearchIndex:
    """An index holding a handful of students a registrar might look for."""
    index.add_or_update(
        [
            make_document(
                "hollister-transcript",
                "Gloria Lucia Hollister",
                "Gloria Lucia Ramirez",
                student_id="1486140",
                birth_date=datetime.date(1963, 9, 21),
                school="Blair High School",
                grad_year=1982,
                text="BLAIR HIGH SCHOOL TRANSCRIPT\nRAMIREZ, GLORIA LUCIA\n"
                "English 4 A  Algebra B  Typing A",
            ),
            make_document(
                "hollister-diploma",
                "Gloria Lucia Hollister",
                "Gloria Lucia Ramirez",
                student_id="1486140",
                school="Blair High School",
                grad_year=1982,
                doc_type="diploma",
                text="This certifies that Gloria Lucia Ramirez has completed "
                "the course of study",
            ),
            make_document(
                "nunez-transcript",
                "José Antonio Nuñez",
                student_id="2256524",
                birth_date=datetime.date(1990, 10, 30),
                school="Pasadena High School",
                grad_year=2009,
                text="PASADENA HIGH SCHOOL\nNuñez, José Antonio\nSpanish 3 A",
            ),
            make_document(
                "nunez-enrollment",
                "Jose Antonio Nunez",
                student_id="2256524",
                school="Pasadena High School",
                doc_type="enrollment_form",
                text="Enrollment form. Last Name: Nunez First Name: Jose",
            ),
            make_document(
                "garcia-lopez-court",
                "María García-López",
                student_id="3000001",
                school="John Muir High School",
                grad_year=1987,
                doc_type="court_order",
                text="The court orders the district to release the records of "
                "María García-López",
            ),
            make_document(
                "johnson-transcript",
                "Robert Earl Johnson",
                student_id="3000002",
                birth_date=datetime.date(1969, 2, 3),
                school="John Muir High School",
                grad_year=1987,
                text="JOHN MUIR HIGH SCHOOL\nJohnson, Robert Earl\nChemistry B",
            ),
            make_document(
                "jonson-transcript",
                "Karin Jonson",
                student_id="3000003",
                school="Marshall Fundamental",
                grad_year=1995,
                text="MARSHALL FUNDAMENTAL\nJonson, Karin\nBiology A",
            ),
            make_document(
                "obrien-immunization",
                "Linda O'Brien",
                student_id="1097600",
                doc_type="immunization",
                text="Immunization record of Linda O'Brien. Polio 1977",
            ),
        ]
    )
    return index
