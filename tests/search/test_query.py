import datetime

import pytest

from search import QuerySyntaxError, SearchIndex
from search.query import fuzzy_distance, parse_date


@pytest.mark.parametrize(
    ("query", "says"),
    [
        pytest.param(
            'name:"Gloria Ramirez',
            "quote at position 6 is never closed",
            id="open-quote",
        ),
        pytest.param(
            'Ramirez "', "quote at position 9 is never closed", id="lone-quote"
        ),
        pytest.param(
            "(Ramirez OR Ramírez", '"(" at position 1 is never closed', id="open-paren"
        ),
        pytest.param(
            "Ramirez)", '")" at position 8 has no matching "("', id="close-paren"
        ),
        pytest.param("()", "parentheses at position 1 hold nothing", id="empty-parens"),
        pytest.param(
            "grade:A", '"grade:" at position 1 is not a field', id="unknown-field"
        ),
        pytest.param(
            "dob:1987-02-30",
            '"1987-02-30" at position 1 is not a date',
            id="no-such-day",
        ),
        pytest.param(
            "dob:13/01/1987", "Write dob:1963-09-21 or dob:09/21/1963", id="us-month"
        ),
        pytest.param("dob:yesterday", "is not a date", id="words-as-date"),
        pytest.param("year:87", '"87" at position 1 is not a year', id="short-year"),
        pytest.param(
            "type:report", "is not a document type. Use one of: transcript", id="type"
        ),
        pytest.param("name:", "name: at position 1 has no value", id="empty-field"),
        pytest.param(
            "Ramirez OR", "OR at position 9 has nothing after it", id="trailing-or"
        ),
        pytest.param(
            "AND Ramirez", '"AND" at position 1 needs a word', id="leading-and"
        ),
        pytest.param(
            "Ramirez NOT", "NOT at position 9 has nothing after it", id="trailing-not"
        ),
        pytest.param("   ", "The query is empty", id="blank"),
        pytest.param(
            'school:"a b c d e f g"', "longer than any school name", id="long-school"
        ),
        pytest.param("& %", "holds no letters or digits", id="punctuation-only"),
    ],
)
def test_malformed_query_says_what_is_wrong_in_plain_words(
    index: SearchIndex, query: str, says: str
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        index.search(query)

    message = str(caught.value)
    assert says in message
    assert "whoosh" not in message.lower()
    assert message.endswith(".")


@pytest.mark.parametrize(
    "value",
    [pytest.param("1963-09-21", id="iso"), pytest.param("09/21/1963", id="us")],
)
def test_birth_date_is_read_in_both_registrar_formats(value: str) -> None:
    assert parse_date(value) == datetime.date(1963, 9, 21)


@pytest.mark.parametrize(
    ("term", "distance"),
    [
        pytest.param("kim", 0, id="three-letters"),
        pytest.param("lugo", 1, id="four-letters"),
        pytest.param("ramirez", 1, id="seven-letters"),
        pytest.param("hollister", 2, id="nine-letters"),
    ],
)
def test_fuzzy_distance_grows_with_name_length(term: str, distance: int) -> None:
    assert fuzzy_distance(term) == distance


def test_colon_inside_a_phrase_is_not_a_field(index: SearchIndex) -> None:
    assert index.search('"grade: A"').total == 0
