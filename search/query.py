"""Read the registrar's query language and turn it into a Whoosh query.

The language: words and "phrases", AND, OR, NOT (or a leading -), parentheses,
and the fields name:, id:, dob:, school:, year: and type:. Words next to each
other must all match. Whoosh's own parser is not used: its errors speak of its
internals, and name: needs exact, fuzzy and phonetic matching at once.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from search.analysis import MAX_RUN_WORDS, phonetic_code, words_of
from search.errors import QuerySyntaxError
from search.schema import DOC_TYPES

FIELDS = ("name", "id", "dob", "school", "year", "type")
OPERATORS = ("AND", "OR", "NOT")

# How much more a word found in the names counts than one found in the text.
NAME_BOOST = 3.0
# An exact name counts most; a phonetic match more than a near spelling.
EXACT_NAME_BOOST = 4.0
PHONETIC_NAME_BOOST = 1.5
FUZZY_NAME_BOOST = 1.0

_YEAR = re.compile(r"(\d{4})")
_YEAR_RANGE = re.compile(r"(\d{4})(?:-|\.\.)(\d{4})")
_DECADE = re.compile(r"(\d{3})0s")
_FIELD_WORD = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)

EXAMPLES = 'name:"Gloria Ramirez" school:Blair year:1982'


@dataclass(frozen=True)
class _Token:
    # "word", "phrase", "field" (a field name awaiting its value), "-word" and
    # "-field" (negated), "(", ")", "AND", "OR", "NOT", "-"
    kind: str
    text: str
    position: int  # 1-based, for messages
    field: str | None = None


def parse_query(text: str) -> Any:
    """Parse a query string into a Whoosh query, or raise QuerySyntaxError."""
    tokens = _lex(text)
    if not tokens:
        raise QuerySyntaxError(
            f"The query is empty. Type a name, words or fields, e.g. {EXAMPLES}."
        )
    parser = _Parser(tokens)
    return parser.parse()


def _lex(text: str) -> list[_Token]:
    """Split the query into words, phrases, parentheses and operators."""
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, i + 1))
            i += 1
        elif char == '"':
            end = _closing_quote(text, i)
            tokens.append(_Token("phrase", text[i + 1 : end], i + 1))
            i = end + 1
        elif char == "-" and (i + 1 < len(text) and text[i + 1] in '("'):
            tokens.append(_Token("-", char, i + 1))
            i += 1
        else:
            end = i
            while (
                end < len(text) and not text[end].isspace() and text[end] not in '()"'
            ):
                end += 1
            token = _word_token(text[i:end], i + 1)
            i = end
            if token.kind.endswith("field") and i < len(text) and text[i] == '"':
                end = _closing_quote(text, i)
                if token.kind == "-field":
                    tokens.append(_Token("-", "-", token.position))
                phrase = text[i + 1 : end]
                token = _Token("phrase", phrase, token.position, token.field)
                i = end + 1
            tokens.append(token)
    return tokens


def _closing_quote(text: str, start: int) -> int:
    end = text.find('"', start + 1)
    if end < 0:
        raise QuerySyntaxError(
            f"The quote at position {start + 1} is never closed. Close it, e.g. "
            f'name:"Gloria Ramirez", or remove it.'
        )
    return end


def _word_token(word: str, position: int) -> _Token:
    """Classify a bare run of characters: operator, negation, field or word."""
    if word in OPERATORS:
        return _Token(word, word, position)
    if word.startswith("-") and len(word) > 1:
        inner = _word_token(word[1:], position + 1)
        if inner.kind in ("word", "field"):
            return _Token("-" + inner.kind, inner.text, position, inner.field)
    match = _FIELD_WORD.fullmatch(word)
    if match is None:
        return _Token("word", word, position)
    field = match.group(1).lower()
    if field not in FIELDS:
        known = ", ".join(f + ":" for f in FIELDS)
        raise QuerySyntaxError(
            f'"{match.group(1)}:" at position {position} is not a field. Use one '
            f"of {known}, or leave the colon out to search the words."
        )
    value = match.group(2)
    if not value:
        return _Token("field", "", position, field)
    return _Token("word", value, position, field)


class _Parser:
    """Recursive descent over the tokens: OR binds loosest, then AND, then NOT."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def parse(self) -> Any:
        result = _combine_and([self._or_expression(None)])
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise QuerySyntaxError(
                f'The ")" at position {token.position} has no matching "(". '
                'Remove it or add a "(" before it.'
            )
        return result

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _or_expression(self, field: str | None) -> Any:
        branches = [self._and_expression(field)]
        while (token := self._peek()) is not None and token.kind == "OR":
            self._take()
            branches.append(self._and_expression(field, after=token))
        return branches[0] if len(branches) == 1 else wq.Or(branches)

    def _and_expression(self, field: str | None, after: _Token | None = None) -> Any:
        parts = [self._unary(field, after)]
        while (token := self._peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self._take()
                parts.append(self._unary(field, token))
            else:
                parts.append(self._unary(field, None))
        return _combine_and(parts)

    def _unary(self, field: str | None, after: _Token | None) -> Any:
        token = self._peek()
        if token is None or token.kind in ("OR", "AND", ")"):
            raise _dangling(after, token)
        if token.kind in ("NOT", "-"):
            self._take()
            return wq.Not(self._unary(field, token))
        self._take()
        if token.kind in ("-word", "-field"):
            plain = _Token(token.kind[1:], token.text, token.position, token.field)
            return wq.Not(self._primary(field, plain))
        return self._primary(field, token)

    def _primary(self, field: str | None, token: _Token) -> Any:
        if token.kind == "(":
            following = self._peek()
            if following is not None and following.kind == ")":
                raise QuerySyntaxError(
                    f"The parentheses at position {token.position} hold nothing. "
                    "Put words inside them or remove them."
                )
            inner = self._or_expression(field)
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise QuerySyntaxError(
                    f'The "(" at position {token.position} is never closed. Add a '
                    '")" after what it groups, or remove it.'
                )
            self._take()
            return inner
        if token.kind == "field":
            following = self._peek()
            if following is not None and following.kind == "(":
                return self._primary(token.field, self._take())
            raise QuerySyntaxError(
                f"{token.field}: at position {token.position} has no value. Write "
                f"it right after the colon, e.g. {_field_example(token.field)}."
            )
        return _value_query(token.field or field, token)


def _dangling(after: _Token | None, found: _Token | None) -> QuerySyntaxError:
    if after is None:
        what = f'"{found.text}" at position {found.position}' if found else "The query"
        return QuerySyntaxError(
            f"{what} needs a word or field before it, e.g. Ramirez OR Ramírez."
        )
    return QuerySyntaxError(
        f"{after.text} at position {after.position} has nothing after it to "
        "apply to. Add a word or field, or remove it."
    )


def _combine_and(parts: list[Any]) -> Any:
    """AND the parts; a query of only NOTs means everything except them."""
    if all(isinstance(part, wq.Not) for part in parts):
        return wq.And([wq.Every(), *parts])
    if len(parts) == 1:
        return parts[0]
    return wq.And(parts)


def _field_example(field: str | None) -> str:
    return {
        "name": 'name:Ramirez or name:"Gloria Ramirez"',
        "id": "id:1486140",
        "dob": "dob:1963-09-21 or dob:09/21/1963",
        "school": 'school:Blair or school:"John Muir"',
        "year": "year:1982, year:1980-1985 or year:1980s",
        "type": "type:transcript",
    }.get(field or "", EXAMPLES)


def _value_query(field: str | None, token: _Token) -> Any:
    """Build the query for one word or phrase, in a field or in free text."""
    builders = {
        None: _free_text_query,
        "name": _name_query,
        "id": _id_query,
        "dob": _dob_query,
        "school": _school_query,
        "year": _year_query,
        "type": _type_query,
    }
    return builders[field](token)


def _terms_or_error(token: _Token) -> list[str]:
    terms = words_of(token.text)
    if not terms:
        raise QuerySyntaxError(
            f'"{token.text}" at position {token.position} holds no letters or '
            "digits to search for. Remove it or put words in its place."
        )
    return terms


def _free_text_query(token: _Token) -> Any:
    if token.kind == "word" and token.text.endswith("*") and len(token.text) > 1:
        stem = words_of(token.text[:-1])
        if len(stem) == 1:
            return wq.Or(
                [
                    wq.Prefix("text", stem[0]),
                    wq.Prefix("names", stem[0], boost=NAME_BOOST),
                ]
            )
    terms = _terms_or_error(token)
    if len(terms) > 1 and token.kind == "phrase":
        return wq.Or(
            [wq.Phrase("text", terms), wq.Phrase("names", terms, boost=NAME_BOOST)]
        )
    return _combine_and(
        [
            wq.Or([wq.Term("text", t), wq.Term("names", t, boost=NAME_BOOST)])
            for t in terms
        ]
    )


def _name_query(token: _Token) -> Any:
    """Match every word of a name exactly, nearly, or by sound; exact ranks first."""
    return _combine_and([name_term_query(term) for term in _terms_or_error(token)])


def name_term_query(term: str) -> Any:
    """Match one folded name word exactly, within OCR distance, or by sound."""
    options = [wq.Term("names", term, boost=EXACT_NAME_BOOST)]
    distance = fuzzy_distance(term)
    if distance:
        options.append(
            wq.FuzzyTerm(
                "names", term, boost=FUZZY_NAME_BOOST, maxdist=distance, prefixlength=1
            )
        )
    code = phonetic_code(term)
    if code:
        options.append(wq.Term("names_phonetic", code, boost=PHONETIC_NAME_BOOST))
    return wq.Or(options)


def fuzzy_distance(term: str) -> int:
    """Allow one edit from four letters and two from eight, none below."""
    if len(term) >= 8:
        return 2
    if len(term) >= 4:
        return 1
    return 0


def _id_query(token: _Token) -> Any:
    value = token.text.strip()
    return wq.Or([wq.Term("student_id", value), wq.Term("document_id", value)])


def _dob_query(token: _Token) -> Any:
    return wq.Term("dob", parse_date(token.text.strip(), token.position).isoformat())


def parse_date(value: str, position: int = 0) -> datetime.date:
    """Read YYYY-MM-DD or MM/DD/YYYY, the two ways registrars write dates."""
    try:
        if "/" in value:
            return datetime.datetime.strptime(value, "%m/%d/%Y").date()
        return datetime.date.fromisoformat(value)
    except ValueError as err:
        raise QuerySyntaxError(
            f'"{value}" at position {position} is not a date. Write dob:1963-09-21 '
            "or dob:09/21/1963."
        ) from err


def _school_query(token: _Token) -> Any:
    """Match the words given as consecutive words of the school's name."""
    words = _terms_or_error(token)
    if len(words) > MAX_RUN_WORDS:
        raise QuerySyntaxError(
            f'"{token.text}" at position {token.position} is longer than any '
            f"school name; give at most {MAX_RUN_WORDS} words of it."
        )
    return wq.Term("school_text", " ".join(words))


def _year_query(token: _Token) -> Any:
    value = token.text.strip().lower()
    if match := _YEAR.fullmatch(value):
        year = int(match.group(1))
        return wq.NumericRange("year", year, year)
    if match := _YEAR_RANGE.fullmatch(value):
        first, last = sorted((int(match.group(1)), int(match.group(2))))
        return wq.NumericRange("year", first, last)
    if _DECADE.fullmatch(value):
        return wq.Term("decade", value)
    raise QuerySyntaxError(
        f'"{token.text}" at position {token.position} is not a year. Write '
        "year:1982, a range year:1980-1985 or a decade year:1980s."
    )


def _type_query(token: _Token) -> Any:
    value = token.text.strip().lower().replace("-", "_").replace(" ", "_")
    if value not in DOC_TYPES:
        raise QuerySyntaxError(
            f'"{token.text}" at position {token.position} is not a document type. '
            f"Use one of: {', '.join(DOC_TYPES)}."
        )
    return wq.Term("doc_type", value)
