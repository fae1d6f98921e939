from __future__ import annotations

import pytest

from ingest.fields import PageText, extract_fields


def fields_of(text: str):  # type: ignore[no-untyped-def]
    return extract_fields([PageText(1, text)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Date of Birth: 08/15/1999", {"1999-08-15"}, id="us-numeric"),
        pytest.param("DOB 1999-08-15", {"1999-08-15"}, id="iso"),
        pytest.param("Birth Date 5-14-65 Birthplace", {"1965-05-14"}, id="two-digit"),
        pytest.param(
            "Birthdate (Mo/Day/Yr) 3/4/10",
            {"2010-03-04", "1910-03-04", "2010-04-03", "1910-04-03"},
            id="ambiguous-readings",
        ),
        pytest.param("Born: March 10, 2010", {"2010-03-10"}, id="month-name"),
        pytest.param(
            "Fecha de nacimiento: 10 de marzo de 2010", {"2010-03-10"}, id="spanish"
        ),
        pytest.param(
            "Fecha de nacimiento (mm/dd/aaaa): 03/30/2010", {"2010-03-30"}, id="es-us"
        ),
        pytest.param("Date Entered: 09/07/2013", set(), id="not-a-birth-date"),
        pytest.param("Date of Birth: 02/30/1999", set(), id="impossible-date"),
    ],
)
def test_birth_dates_are_read_in_many_formats(text: str, expected: set[str]) -> None:
    assert set(fields_of(text).birth_date_values) == expected


@pytest.mark.parametrize(
    ("text", "last", "first", "middle"),
    [
        pytest.param(
            "Student Name: Vasquez, Alejandro Manuel\nDate of Birth",
            "Vasquez",
            "Alejandro",
            "Manuel",
            id="transcript",
        ),
        pytest.param(
            "Last Name Stewart First Patricia Middle Sex F No.",
            "Stewart",
            "Patricia",
            "",
            id="cumulative-record",
        ),
        pytest.param(
            "Child's Name: Last TORRES First ESPERANZA Middle LUCIA",
            "TORRES",
            "ESPERANZA",
            "LUCIA",
            id="immunization",
        ),
        pytest.param(
            "Apellido(s): Garcia Nombre: Miguel 2.º nombre: Javier",
            "Garcia",
            "Miguel",
            "Javier",
            id="spanish-form",
        ),
        pytest.param(
            "Student Name: Dela Cruz, Thomas",
            "Dela Cruz",
            "Thomas",
            "",
            id="two-word-surname",
        ),
        pytest.param(
            "This certifies that\nGloria Lucia Ramirez\nhas satisfactorily",
            "Ramirez",
            "Gloria",
            "Lucia",
            id="diploma",
        ),
    ],
)
def test_student_names_are_found_under_their_labels(
    text: str, last: str, first: str, middle: str
) -> None:
    [name] = fields_of(text).names

    assert (name.last, name.first, name.middle) == (last, first, middle)
    assert name.where.page == 1
    assert last in name.where.snippet


def test_parent_name_is_not_taken_for_the_student() -> None:
    fields = fields_of("Name: Barbara Thompson Relationship: Mother")

    assert fields.names == ()


def test_found_field_points_at_its_snippet() -> None:
    text = "Header\nStudent No.: 2624061\n"

    [found, *_] = fields_of(text).student_ids

    assert found.value == "2624061"
    assert text[found.start : found.end] == "2624061"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Student No.: 2624061", "2624061", id="student-no"),
        pytest.param(
            "Número de identificación del estudiante (uso de la oficina): 1314014",
            "1314014",
            id="spanish",
        ),
        pytest.param("Sex F No. 1097600", "1097600", id="cumulative-no"),
    ],
)
def test_student_ids_are_found(text: str, expected: str) -> None:
    assert expected in [found.value for found in fields_of(text).student_ids]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Graduation Date: 06/14/2017", "2017", id="date"),
        pytest.param("Expected Graduation: June 2028", "2028", id="month-year"),
        pytest.param(
            "Diploma\nthis fourteenth day of June, nineteen hundred eighty-two.",
            "1982",
            id="diploma-words",
        ),
        pytest.param(
            "Diploma\nthis day of June, two thousand nine.", "2009", id="2009"
        ),
    ],
)
def test_graduation_year_is_found(text: str, expected: str) -> None:
    assert expected in [found.value for found in fields_of(text).graduation_years]


def test_school_names_are_found() -> None:
    text = "Pasadena Unified School District\nBlair High School\nThis certifies"

    assert "Blair High School" in [found.value for found in fields_of(text).schools]


@pytest.mark.parametrize(
    ("text", "doc_type"),
    [
        pytest.param(
            "OFFICIAL TRANSCRIPT OF ACADEMIC RECORD\nCredits 10.0", "transcript"
        ),
        pytest.param(
            "PASADENA CITY SCHOOLS CUMULATIVE RECORD\nENROLLMENT HISTORY",
            "cumulative_record",
        ),
        pytest.param(
            "This certifies that\nAna Ruiz\nhas satisfactorily completed\nDiploma",
            "diploma",
        ),
        pytest.param(
            "CALIFORNIA SCHOOL IMMUNIZATION RECORD\nVACCINE POLIO", "immunization"
        ),
        pytest.param(
            "Student Enrollment Form\nHome Language Survey", "enrollment_form"
        ),
        pytest.param(
            "Formulario de Inscripción del Estudiante\nidioma del hogar",
            "enrollment_form",
        ),
        pytest.param(
            "Dear Registrar,\nplease send my records.\nSincerely,", "correspondence"
        ),
        pytest.param(
            "SUPERIOR COURT OF CALIFORNIA\nSUBPOENA DUCES TECUM", "court_order"
        ),
        pytest.param("Cafeteria menu for the week", "other"),
    ],
)
def test_document_type_is_scored_from_keywords(text: str, doc_type: str) -> None:
    assert fields_of(text).doc_type == doc_type
