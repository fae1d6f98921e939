from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ingest.fields import PageText, extract_fields
from ingest.match import RosterEntry, RosterIndex, match_student

ROSTER = [
    RosterEntry(
        "2256524",
        "Nuñez",
        "José",
        "Antonio",
        "1990-10-30",
        2009,
        "Pasadena High School",
    ),
    RosterEntry(
        "2456756",
        "Ramirez-Aguilar",
        "Jasmine",
        "",
        "1987-07-27",
        2005,
        "Pasadena High School",
    ),
    RosterEntry(
        "1486140",
        "Hollister",
        "Gloria",
        "Lucia",
        "1963-09-21",
        1982,
        "Blair High School",
        ("Ramirez, Gloria Lucia",),
    ),
    RosterEntry(
        "2869654",
        "Mitchell",
        "Kate",
        "",
        "2013-04-29",
        2031,
        "Washington Middle School",
    ),
    RosterEntry(
        "3000001", "Lee", "Sam", "", "2010-03-30", 2028, "John Muir High School"
    ),
    RosterEntry(
        "3000002", "Lee", "Sam", "", "2010-03-30", 2028, "John Muir High School"
    ),
    RosterEntry(
        "1434927", "Lee", "Yuki", "Joy", "2010-03-30", 2028, "John Muir High School"
    ),
]


def match(text: str):  # type: ignore[no-untyped-def]
    return match_student(extract_fields([PageText(1, text)]), RosterIndex(ROSTER))


@pytest.mark.parametrize(
    ("text", "student_id"),
    [
        pytest.param(
            "Student Name: Mitchell, Kate\nStudent No.: 2869654",
            "2869654",
            id="exact-id",
        ),
        pytest.param(
            "Student Name: Mitchel, Kate\nDate of Birth: 04/29/2013\n"
            "Student No.: 2869654",
            "2869654",
            id="id-wins-over-misspelt-name",
        ),
        pytest.param(
            "Student Name: Nunez, Jose Antonio\nDate of Birth: 10/30/1990",
            "2256524",
            id="accents-dropped",
        ),
        pytest.param(
            "Student Name: NUÑEZ, JOSÉ\nDate of Birth: 10/30/1990",
            "2256524",
            id="capitals-and-accents",
        ),
        pytest.param(
            "Student Name: Ramirez Aguilar, Jasmine\nDate of Birth: 07/27/1987",
            "2456756",
            id="hyphen-dropped",
        ),
        pytest.param(
            "Student Name: Ramirez, Gloria Lucia\nDate of Birth: 09/21/1963",
            "1486140",
            id="earlier-name",
        ),
        pytest.param(
            "Student Name: Mitche11, Kate\nDate of Birth: 04/29/2013",
            "2869654",
            id="ocr-error-in-name",
        ),
        pytest.param(
            "Blair High School\nThis certifies that\nGloria Lucia Ramirez\n"
            "Diploma\nJune, nineteen hundred eighty-two.",
            "1486140",
            id="diploma-name-school-and-year",
        ),
        pytest.param(
            "Student Name: Lee, Yuki Joy\nDate of Birth: 03/30/2010",
            "1434927",
            id="twin-with-own-first-name",
        ),
    ],
)
def test_document_links_to_the_right_student(text: str, student_id: str) -> None:
    result = match(text)

    assert result.status == "linked"
    assert result.student_id == student_id
    assert result.evidence


@pytest.mark.parametrize(
    ("text", "status"),
    [
        pytest.param(
            "Student Name: Lee, Sam\nDate of Birth: 03/30/2010",
            "ambiguous",
            id="same-name-and-birth-date",
        ),
        pytest.param("Student Name: Mitchell, Kate", "ambiguous", id="name-only"),
        pytest.param(
            "Student Name: Mitchell, Kate\nDate of Birth: 05/01/2012",
            "ambiguous",
            id="wrong-birth-date",
        ),
        pytest.param(
            "Student Name: Wang, Alice\nDate of Birth: 06/26/1955",
            "none",
            id="not-on-roster",
        ),
        pytest.param(
            "Student Name: Wang, Alice\nStudent No.: 2869654",
            "ambiguous",
            id="id-contradicted-by-name",
        ),
    ],
)
def test_weak_or_conflicting_evidence_is_not_linked(text: str, status: str) -> None:
    result = match(text)

    assert result.status == status
    assert result.student_id is None


def test_ambiguous_match_lists_both_candidates() -> None:
    result = match("Student Name: Lee, Sam\nDate of Birth: 03/30/2010")

    assert {candidate[0] for candidate in result.candidates} >= {"3000001", "3000002"}


def test_match_accepts_a_plain_roster_list() -> None:
    fields = extract_fields([PageText(1, "Student No.: 2869654 Mitchell, Kate")])

    assert match_student(fields, ROSTER).student_id == "2869654"


def test_large_roster_is_searched_through_its_blocks() -> None:
    roster = [
        RosterEntry(
            f"{4000000 + n}",
            f"Surname{n:05d}",
            "Given",
            "",
            f"19{n % 90 + 10:02d}-01-01",
        )
        for n in range(100_000)
    ]
    roster.extend(
        RosterEntry(f"{5000000 + n}", "Nunez", "Jose", "", f"19{n % 90 + 10:02d}-02-01")
        for n in range(2000)
    )
    roster.append(ROSTER[0])
    index = RosterIndex(roster)
    fields = extract_fields(
        [PageText(1, "Student Name: Nunez, Jose\nDate of Birth: 10/30/1990")]
    )

    candidates = index.candidates(fields)
    result = match_student(fields, index)

    assert len(candidates) < 2100
    assert all("Surname" not in entry.last_name for entry in candidates)
    assert result.student_id == "2256524"


def test_synthetic_truth_text_links_without_a_wrong_link(
    synthetic_corpus: Path,
) -> None:
    with (synthetic_corpus / "roster.csv").open(newline="") as file:
        index = RosterIndex(
            RosterEntry(
                row["student_id"],
                row["last_name"],
                row["first_name"],
                row["middle_name"],
                row["birth_date"] or None,
                int(row["grad_year"]) if row["grad_year"] else None,
                row["last_school"],
                tuple(n.strip() for n in row["other_names"].split(";") if n.strip()),
            )
            for row in csv.DictReader(file)
        )
    records = [
        json.loads(line)
        for line in (synthetic_corpus / "truth.jsonl").read_text().splitlines()
    ]

    outcomes = []
    for record in records:
        pages = [PageText(n, t) for n, t in enumerate(record["page_text"], start=1)]
        result = match_student(extract_fields(pages), index)
        outcomes.append((result.student_id, record["student_id"]))

    wrong = [o for o in outcomes if o[0] is not None and o[0] != o[1]]
    linked = [o for o in outcomes if o[0] is not None and o[0] == o[1]]
    owned = [o for o in outcomes if o[1] is not None]
    assert wrong == []
    assert len(linked) >= 0.9 * len(owned)
