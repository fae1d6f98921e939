from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive import roster
from archive.context import Archive
from archive.models import Student, StudentName

HEADER = (
    "student_id,last_name,first_name,middle_name,birth_date,grad_year,"
    "last_school,status,other_names\n"
)
CORPUS_ROSTER = (
    Path(__file__).parents[3] / "shared" / "corpus" / "synthetic" / "roster.csv"
)


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def names_of(archive: Archive, student_id: str) -> set[tuple[str, str, str]]:
    with archive.sessions() as session:
        rows = session.scalars(
            select(StudentName).where(StudentName.student_id == student_id)
        )
        return {(n.kind, n.last_name, n.first_name) for n in rows}


def test_roster_loads_students_with_earlier_names(
    archive: Archive, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "1486140,Hollister,Gloria,Lucia,1963-09-21,1982,Blair High School,alumni,"
        '"Ramirez, Gloria Lucia"',
        "2422200,Núñez,José,,2006-05-15,2024,John Muir High School,current,",
    )

    report = roster.import_roster(archive.sessions, path, actor="clerk")

    assert (report.added, report.updated) == (2, 0)
    assert names_of(archive, "1486140") == {
        ("current", "Hollister", "Gloria"),
        ("earlier", "Ramirez", "Gloria"),
    }
    with archive.sessions() as session:
        jose = session.get_one(Student, "2422200")
    assert (jose.last_name, jose.first_name, jose.version) == ("Núñez", "José", 1)


def test_reimport_updates_and_keeps_the_old_name(
    archive: Archive, tmp_path: Path
) -> None:
    row = "100,Lopez,Maria,,1990-01-02,2008,Blair High School,alumni,"
    roster.import_roster(archive.sessions, write(tmp_path, row), actor="clerk")
    same = roster.import_roster(archive.sessions, write(tmp_path, row), actor="clerk")

    married = "100,Garcia-Lopez,Maria,,1990-01-02,2008,Blair High School,alumni,"
    report = roster.import_roster(archive.sessions, write(tmp_path, married), actor="c")

    assert same.unchanged == 1
    assert (report.updated, report.names_kept) == (1, 1)
    assert names_of(archive, "100") == {
        ("current", "Garcia-Lopez", "Maria"),
        ("earlier", "Lopez", "Maria"),
    }
    with archive.sessions() as session:
        assert session.get_one(Student, "100").version == 2


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        pytest.param(
            "1,Lopez,Ana,,1990-13-01,2008,X,alumni,",
            "row 3, column birth_date: '1990-13-01' is not a date",
            id="bad-date",
        ),
        pytest.param(
            "1,,Ana,,1990-01-01,2008,X,alumni,", "row 3, column last_name", id="no-name"
        ),
        pytest.param(
            "1 2,Lopez,Ana,,1990-01-01,,X,alumni,", "column student_id", id="bad-id"
        ),
        pytest.param(
            "1,Lopez,Ana,,1990-01-01,19x8,X,alumni,", "column grad_year", id="bad-year"
        ),
        pytest.param(
            "1,Lopez,Ana,,1990-01-01,2008,X,graduated,", "column status", id="status"
        ),
        pytest.param(
            "1,Lopez,Ana,,1990-01-01,2008,X,alumni,Smith",
            "column other_names",
            id="other",
        ),
        pytest.param(
            "1,Lopez,Ana,,1990-01-01,2008,X,alumni,,extra", "more fields", id="extra"
        ),
    ],
)
def test_bad_row_is_named_and_nothing_is_loaded(
    archive: Archive, tmp_path: Path, row: str, problem: str
) -> None:
    good = "7,Chavez,Yolanda,,1940-08-06,1958,John Muir High School,alumni,"

    with pytest.raises(roster.RosterInvalid) as caught:
        roster.import_roster(archive.sessions, write(tmp_path, good, row), actor="c")

    assert problem in str(caught.value)
    assert caught.value.exit_code == 2
    with archive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Student)) == 0


def test_every_problem_is_listed_at_once(archive: Archive, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "1,Lopez,Ana,,1990-13-01,2008,X,alumni,",
        "1,Lopez,Ana,,1990-01-01,2008,X,alumni,",
        "1,Lopez,Ana,,1990-01-01,2008,X,former,",
    )

    with pytest.raises(roster.RosterInvalid) as caught:
        roster.read_roster(path)

    assert len(caught.value.problems) == 2
    assert "row 2" in caught.value.problems[0]
    assert "row 4" in caught.value.problems[1]


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "1,Lopez", header="id,surname\n")

    with pytest.raises(roster.RosterInvalid, match="missing column student_id"):
        roster.read_roster(path)


def test_the_corpus_roster_loads(archive: Archive) -> None:
    if not CORPUS_ROSTER.exists():
        pytest.skip("../shared/corpus is not present")

    report = roster.import_roster(archive.sessions, CORPUS_ROSTER, actor="clerk")

    assert report.added == 40
    assert ("earlier", "Ramirez", "Gloria") in names_of(archive, "1486140")
