from collections.abc import Iterable

import pytest

from search import SearchIndex, SearchResults
from tests.search.factories import make_document


def ids(results: SearchResults) -> list[str]:
    return [hit.document_id for hit in results.hits]


def students(results: SearchResults) -> set[str | None]:
    return {hit.student_id for hit in results.hits}


def assert_finds(index: SearchIndex, query: str, expected: Iterable[str]) -> None:
    assert sorted(ids(index.search(query))) == sorted(expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "name:Hollister", ["hollister-transcript", "hollister-diploma"], id="name"
        ),
        pytest.param(
            "id:2256524", ["nunez-transcript", "nunez-enrollment"], id="student-id"
        ),
        pytest.param("id:garcia-lopez-court", ["garcia-lopez-court"], id="document-id"),
        pytest.param("dob:1963-09-21", ["hollister-transcript"], id="dob-iso"),
        pytest.param("dob:09/21/1963", ["hollister-transcript"], id="dob-us"),
        pytest.param("school:Marshall", ["jonson-transcript"], id="school-word"),
        pytest.param(
            'school:"john muir high"',
            ["garcia-lopez-court", "johnson-transcript"],
            id="school-phrase",
        ),
        pytest.param(
            'school:"MUIR high"',
            ["garcia-lopez-court", "johnson-transcript"],
            id="school-inner-words-any-case",
        ),
        pytest.param('school:"high muir"', [], id="school-words-in-order"),
        pytest.param("year:1995", ["jonson-transcript"], id="year"),
        pytest.param(
            "year:1980-1990",
            [
                "hollister-transcript",
                "hollister-diploma",
                "garcia-lopez-court",
                "johnson-transcript",
            ],
            id="year-range",
        ),
        pytest.param("year:2000s", ["nunez-transcript"], id="decade"),
        pytest.param("type:court_order", ["garcia-lopez-court"], id="type"),
        pytest.param(
            "TYPE:Diploma", ["hollister-diploma"], id="field-and-value-any-case"
        ),
    ],
)
def test_field_query_finds_only_matching_documents(
    registrar_index: SearchIndex, query: str, expected: list[str]
) -> None:
    assert_finds(registrar_index, query, expected)


def test_school_and_year_together_find_an_alumna_who_remembers_nothing_else(
    registrar_index: SearchIndex,
) -> None:
    assert_finds(
        registrar_index,
        "school:muir year:1987 type:transcript",
        ["johnson-transcript"],
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "chemistry OR biology",
            ["johnson-transcript", "jonson-transcript"],
            id="or",
        ),
        pytest.param("transcript AND blair", ["hollister-transcript"], id="and"),
        pytest.param("transcript blair", ["hollister-transcript"], id="implicit-and"),
        pytest.param(
            "school:muir NOT court",
            ["johnson-transcript"],
            id="not",
        ),
        pytest.param("school:muir -court", ["johnson-transcript"], id="minus"),
        pytest.param(
            "(chemistry OR biology) AND year:1995",
            ["jonson-transcript"],
            id="parentheses",
        ),
        pytest.param(
            "name:(Karin OR Robert)",
            ["johnson-transcript", "jonson-transcript"],
            id="field-group",
        ),
        pytest.param('"certifies that gloria"', ["hollister-diploma"], id="phrase"),
        pytest.param('"gloria certifies"', [], id="phrase-needs-order"),
        pytest.param("immuniz*", ["obrien-immunization"], id="prefix"),
        pytest.param(
            "NOT school:pasadena NOT school:muir NOT school:blair",
            ["jonson-transcript", "obrien-immunization"],
            id="only-negations",
        ),
    ],
)
def test_boolean_query_combines_terms(
    registrar_index: SearchIndex, query: str, expected: list[str]
) -> None:
    assert_finds(registrar_index, query, expected)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("name:Nunez", id="plain-finds-accented"),
        pytest.param("name:Nuñez", id="accented-finds-plain"),
        pytest.param("NUÑEZ", id="free-text-upper-case"),
        pytest.param("name:JOSE", id="upper-case-finds-accented"),
    ],
)
def test_accents_and_case_are_folded_both_ways(
    registrar_index: SearchIndex, query: str
) -> None:
    assert_finds(registrar_index, query, ["nunez-transcript", "nunez-enrollment"])


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("name:García", id="first-part"),
        pytest.param("name:Lopez", id="second-part"),
        pytest.param('name:"Garcia-Lopez"', id="whole"),
        pytest.param("Garcia-Lopez", id="whole-free-text"),
        pytest.param('name:"Maria Lopez"', id="first-name-and-second-part"),
    ],
)
def test_hyphenated_surname_is_found_by_each_part(
    registrar_index: SearchIndex, query: str
) -> None:
    assert_finds(registrar_index, query, ["garcia-lopez-court"])


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("name:O'Brien", id="apostrophe"),
        pytest.param("name:OBrien", id="joined"),
        pytest.param("name:Brien", id="part"),
    ],
)
def test_apostrophe_surname_is_found_however_it_is_typed(
    registrar_index: SearchIndex, query: str
) -> None:
    assert_finds(registrar_index, query, ["obrien-immunization"])


def test_earlier_name_finds_the_student_under_a_married_name(
    registrar_index: SearchIndex,
) -> None:
    results = registrar_index.search('name:"Gloria Ramirez"')

    assert students(results) == {"1486140"}
    assert results.total == 2


def test_current_name_finds_documents_printed_under_the_maiden_name(
    registrar_index: SearchIndex,
) -> None:
    results = registrar_index.search("name:Hollister type:transcript")

    assert ids(results) == ["hollister-transcript"]
    assert "Hollister" not in registrar_index.search("name:Hollister").hits[0].snippet


@pytest.mark.parametrize(
    ("query", "student"),
    [
        pytest.param("name:Hollistcr", "1486140", id="e-read-as-c"),
        pytest.param("name:Ramircz", "1486140", id="e-read-as-c-maiden"),
        pytest.param("name:Hol1ister", "1486140", id="l-read-as-1"),
        pytest.param("name:Hollisterr", "1486140", id="extra-letter"),
        pytest.param("name:Cloria", "1486140", id="first-name-g-read-as-c"),
        pytest.param("name:O'Hrien", "1097600", id="apostrophe-name-b-read-as-h"),
    ],
)
def test_single_ocr_error_in_a_name_still_matches(
    registrar_index: SearchIndex, query: str, student: str
) -> None:
    assert students(registrar_index.search(query)) == {student}


def test_court_order_misspelling_finds_the_student(
    registrar_index: SearchIndex,
) -> None:
    results = registrar_index.search('name:"Jose Nunes"')

    assert students(results) == {"2256524"}


def test_fuzzy_matching_keeps_the_first_letter(registrar_index: SearchIndex) -> None:
    assert registrar_index.search("name:Xollister").total == 0


def test_short_names_are_not_matched_fuzzily(index: SearchIndex) -> None:
    index.add_or_update(
        [make_document("kim", "Yuki Kim"), make_document("kin", "Ana Kin")]
    )

    assert ids(index.search("name:Kim")) == ["kim"]


def test_sound_alike_spelling_finds_the_name(index: SearchIndex) -> None:
    index.add_or_update([make_document("johnson", "Robert Johnson")])

    assert ids(index.search("name:Jonson")) == ["johnson"]


def test_sound_alike_finds_name_beyond_edit_distance(index: SearchIndex) -> None:
    index.add_or_update([make_document("philips", "Anne Phillips")])

    assert ids(index.search("name:Filips")) == ["philips"]


def test_exact_name_ranks_above_fuzzy_and_phonetic_matches(
    registrar_index: SearchIndex,
) -> None:
    results = registrar_index.search("name:Jonson")

    assert ids(results) == ["jonson-transcript", "johnson-transcript"]
    assert results.hits[0].score > results.hits[1].score


def test_name_words_found_in_names_rank_above_words_only_in_text(
    index: SearchIndex,
) -> None:
    index.add_or_update(
        [
            make_document("mentions", "Ana Ruiz", text="Teacher: Mrs. Castillo"),
            make_document("student", "Carlos Castillo", text="Grades of the student"),
        ]
    )

    assert ids(index.search("castillo")) == ["student", "mentions"]


def test_facets_count_the_whole_result_set_not_just_the_page(
    registrar_index: SearchIndex,
) -> None:
    results = registrar_index.search("year:1980-1999", page_size=2)

    assert len(results.hits) == 2
    assert results.total == 5
    assert results.facets == {
        "doc_type": {"transcript": 3, "court_order": 1, "diploma": 1},
        "school": {
            "Blair High School": 2,
            "John Muir High School": 2,
            "Marshall Fundamental": 1,
        },
        "decade": {"1980s": 4, "1990s": 1},
    }


def test_pages_split_the_hits_without_overlap(index: SearchIndex) -> None:
    index.add_or_update(
        make_document(f"d{n:02d}", f"Ana Student{n}", text="archive") for n in range(23)
    )

    pages = [index.search("archive", page=n, page_size=10) for n in (1, 2, 3, 4)]

    assert [len(page.hits) for page in pages] == [10, 10, 3, 0]
    assert {page.total for page in pages} == {23}
    assert pages[0].pages == 3
    seen = [hit.document_id for page in pages for hit in page.hits]
    assert sorted(seen) == [f"d{n:02d}" for n in range(23)]


@pytest.mark.parametrize(
    ("page", "page_size"),
    [pytest.param(0, 20, id="page-zero"), pytest.param(1, 0, id="empty-page")],
)
def test_page_numbers_start_at_one(
    index: SearchIndex, page: int, page_size: int
) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        index.search("archive", page=page, page_size=page_size)


def test_snippet_escapes_markup_from_ocr_text(index: SearchIndex) -> None:
    index.add_or_update(
        [
            make_document(
                "hostile",
                "Ana Ruiz",
                text='Grades <script>alert("x")</script> & <b>honors</b> Ruiz',
            )
        ]
    )

    snippet = index.search("honors").hits[0].snippet

    assert "<script>" not in snippet
    assert "<b>" not in snippet
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in snippet
    )
    assert "<mark>honors</mark>" in snippet


def test_snippet_marks_name_found_by_fuzzy_match_in_its_printed_spelling(
    registrar_index: SearchIndex,
) -> None:
    snippet = registrar_index.search("name:Ramircz type:diploma").hits[0].snippet

    assert "<mark>Ramirez</mark>" in snippet


def test_snippet_centres_on_the_match_in_a_long_text(index: SearchIndex) -> None:
    filler = "grades " * 200
    index.add_or_update(
        [make_document("long", "Ana Ruiz", text=f"{filler} honors {filler}")]
    )

    snippet = index.search("honors").hits[0].snippet

    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>honors</mark>" in snippet
    assert len(snippet) < 300


def test_hit_carries_document_student_and_type(registrar_index: SearchIndex) -> None:
    hit = registrar_index.search("id:1097600").hits[0]

    assert (hit.document_id, hit.student_id, hit.doc_type) == (
        "obrien-immunization",
        "1097600",
        "immunization",
    )
    assert hit.score > 0


def test_document_without_student_is_found_by_its_text(index: SearchIndex) -> None:
    index.add_or_update(
        [make_document("orphan", student_id=None, text="WANG, ALICE ANN cumulative")]
    )

    hit = index.search("wang").hits[0]

    assert (hit.document_id, hit.student_id) == ("orphan", None)
