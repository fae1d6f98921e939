"""Find a document's identifying fields in its text, and say where each was.

Candidates, not conclusions: a page may print the student's and a parent's
names, or a date OCR misread, so every candidate keeps its page and the
matched snippet for the clerk, and `match.py` weighs them against the roster.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

MIN_TYPE_SCORE = 3.0
TITLE_LINES = 6
CURRENT_YEAR = date.today().year


@dataclass(frozen=True)
class PageText:
    number: int
    text: str


@dataclass(frozen=True)
class Found:
    """A candidate value, the page it is on and the span of the snippet."""

    value: str
    page: int
    start: int
    end: int
    snippet: str


@dataclass(frozen=True)
class NameFound:
    """A person's name as printed; `last` may hold several words."""

    last: str
    first: str
    middle: str
    where: Found


@dataclass(frozen=True)
class ExtractedFields:
    names: tuple[NameFound, ...]
    birth_dates: tuple[Found, ...]
    student_ids: tuple[Found, ...]
    schools: tuple[Found, ...]
    graduation_years: tuple[Found, ...]
    doc_type: str
    doc_type_scores: dict[str, float]
    text: str

    @property
    def birth_date_values(self) -> frozenset[str]:
        return frozenset(found.value for found in self.birth_dates)


def extract_fields(pages: Sequence[PageText]) -> ExtractedFields:
    """Collect every candidate field from the pages of one document."""
    names: list[NameFound] = []
    birth_dates: list[Found] = []
    student_ids: list[Found] = []
    schools: list[Found] = []
    years: list[Found] = []
    for page in pages:
        names.extend(find_names(page))
        birth_dates.extend(find_birth_dates(page))
        student_ids.extend(find_student_ids(page))
        schools.extend(find_schools(page))
        years.extend(find_graduation_years(page))

    scores = score_document_types("\n".join(page.text for page in pages))
    best = max(scores, key=lambda kind: scores[kind])
    doc_type = best if scores[best] >= MIN_TYPE_SCORE else "other"
    return ExtractedFields(
        tuple(names),
        tuple(_unique(birth_dates)),
        tuple(_unique(student_ids)),
        tuple(_unique(schools)),
        tuple(_unique(years)),
        doc_type,
        scores,
        "\n".join(page.text for page in pages),
    )


def fold(text: str) -> str:
    """Lower-case and strip accents: Nuñez and NUNEZ fold to the same word."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _unique(found: list[Found]) -> list[Found]:
    seen: set[str] = set()
    kept = []
    for item in found:
        if item.value not in seen:
            seen.add(item.value)
            kept.append(item)
    return kept


def _found(page: PageText, match: re.Match[str], value: str, group: int = 0) -> Found:
    start, end = match.span(group)
    return Found(value, page.number, start, end, page.text[start:end])


# Names -------------------------------------------------------------------

_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ'\u2019\-]+"
_NAME_WORDS = rf"{_NAME_WORD}(?:[ ]{_NAME_WORD}){{0,3}}"
_STOP_WORDS = {
    "first",
    "middle",
    "sex",
    "name",
    "nombre",
    "date",
    "birth",
    "no",
    "student",
    "last",
    "grade",
    "dob",
    "id",
}

_LABELLED_COMMA_NAME = re.compile(
    r"(?:student(?:'s)?\s+name|name\s+of\s+student|student|pupil|nombre\s+del"
    r"\s+(?:estudiante|alumno|alumna)|alumno|alumna|estudiante)\s*[:.]?\s*"
    rf"(?P<last>{_NAME_WORDS})\s*,\s*(?P<given>{_NAME_WORDS})",
    re.IGNORECASE,
)
_LABELLED_PARTS = re.compile(
    r"(?:last\s+name|last|apellidos?(?:\(s\))?|surname)\s*[:.]?\s*"
    rf"(?P<last>{_NAME_WORDS}?)\s+"
    r"(?:first\s+name|first|nombre)\s*[:.]?\s*"
    rf"(?P<first>{_NAME_WORD})"
    r"(?:\s+(?:middle\s+name|middle|2\.?\s*[º°o]?\s*nombre|segundo\s+nombre)"
    rf"\s*[:.]?\s*(?P<middle>{_NAME_WORD})?)?",
    re.IGNORECASE,
)
_CERTIFIES_NAME = re.compile(
    r"(?:certif(?:y|ies)\s+that|certifica\s+que|se\s+otorga\s+a)\s*\n\s*"
    rf"(?P<given>{_NAME_WORDS})\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_NAME_BEFORE_COMPLETED = re.compile(
    rf"^[ ]*(?P<given>{_NAME_WORDS})[ ]*\n\s*"
    r"(?:has\s+satisfactorily\s+completed|ha\s+completado)",
    re.IGNORECASE | re.MULTILINE,
)
# Forms read by OCR often come out with each labelled box on its own line,
# far from the others: "Last MARTINEZ" ... "First ESPERANZA" ... "Middle ...".
_SEPARATE_PART = {
    part: re.compile(
        rf"\b{label}\s*[:.]?[ \t]+(?P<word>{_NAME_WORD}(?:[ ]{_NAME_WORD})?)",
        re.IGNORECASE,
    )
    for part, label in (
        ("last", r"(?:last\s*name|last|surname)"),
        ("first", r"(?:first\s*name|first)"),
        ("middle", r"(?:middle\s*name|middle)"),
    )
}


def find_names(page: PageText) -> Iterator[NameFound]:
    """Yield the student names printed under the labels schools use."""
    for match in _LABELLED_COMMA_NAME.finditer(page.text):
        given = _clean_words(match["given"])
        if given and _clean_words(match["last"]):
            first, *middle = given
            last = " ".join(_clean_words(match["last"]))
            yield NameFound(last, first, " ".join(middle), _found(page, match, last))

    for match in _LABELLED_PARTS.finditer(page.text):
        last_words = _clean_words(match["last"])
        first_words = _clean_words(match["first"])
        if last_words and first_words:
            middle_name = " ".join(_clean_words(match["middle"] or ""))
            last = " ".join(last_words)
            yield NameFound(
                last, first_words[0], middle_name, _found(page, match, last)
            )

    if not _LABELLED_PARTS.search(page.text):
        yield from _find_separate_parts(page)

    for pattern in (_CERTIFIES_NAME, _NAME_BEFORE_COMPLETED):
        for match in pattern.finditer(page.text):
            words = _clean_words(match["given"])
            if len(words) >= 2:
                first, *rest = words
                yield NameFound(
                    rest[-1], first, " ".join(rest[:-1]), _found(page, match, rest[-1])
                )


def _find_separate_parts(page: PageText) -> Iterator[NameFound]:
    """Join "Last X", "First Y" and "Middle Z" found apart on one page."""
    parts: dict[str, tuple[str, re.Match[str]]] = {}
    for part, pattern in _SEPARATE_PART.items():
        for match in pattern.finditer(page.text):
            words = _clean_words(match["word"])
            if words:
                keep = words if part == "last" else words[:1]
                parts[part] = (" ".join(keep), match)
                break
    if "last" in parts and "first" in parts:
        last, where = parts["last"]
        middle = parts["middle"][0] if "middle" in parts else ""
        yield NameFound(last, parts["first"][0], middle, _found(page, where, last))


def _clean_words(text: str) -> list[str]:
    words = [word.strip("'\u2019-") for word in text.split()]
    kept = []
    for word in words:
        if not word or fold(word) in _STOP_WORDS:
            break
        kept.append(word)
    return kept


# Birth dates --------------------------------------------------------------

_BIRTH_LABEL = re.compile(
    r"(?:date\s+of\s+birth|birth\s*date|birthdate|d\.?\s*o\.?\s*b\.?|born|"
    r"fecha\s+de\s+nacimiento|f\.\s*de\s+nac\.?|nacid[oa](?:\s+el)?)"
    r"[^\n:]{0,24}?[:.]?\s*",
    re.IGNORECASE,
)
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "ene": 1,
    "abr": 4,
    "ago": 8,
    "dic": 12,
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}
_NUMERIC_DATE = re.compile(r"(\d{1,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{2,4})\b")
_MONTH_FIRST = re.compile(
    r"([A-Za-zé]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.IGNORECASE
)
_DAY_FIRST = re.compile(
    r"(\d{1,2})(?:\s+de)?\s+([A-Za-zé]{3,10})\.?,?(?:\s+de(?:l)?)?\s+(\d{4})",
    re.IGNORECASE,
)


def find_birth_dates(page: PageText) -> Iterator[Found]:
    """Yield ISO birth dates printed after a birth-date label.

    Ambiguous numeric dates yield each reading (month/day and day/month;
    1900s and 2000s for two-digit years); the roster decides which is real.
    """
    for label in _BIRTH_LABEL.finditer(page.text):
        window_start = label.end()
        window = page.text[window_start : window_start + 40]
        for iso, span in _parse_first_date(window):
            start, end = window_start + span[0], window_start + span[1]
            yield Found(iso, page.number, start, end, page.text[start:end])


def _parse_first_date(window: str) -> list[tuple[str, tuple[int, int]]]:
    matches = [
        (match.start(), parser, match)
        for pattern, parser in (
            (_NUMERIC_DATE, _read_numeric),
            (_MONTH_FIRST, _read_month_first),
            (_DAY_FIRST, _read_day_first),
        )
        if (match := pattern.search(window))
    ]
    if not matches:
        return []
    _, parser, match = min(matches, key=lambda item: item[0])
    return [(iso, match.span()) for iso in parser(match)]


def _read_numeric(match: re.Match[str]) -> list[str]:
    a, b, c = match.groups()
    if len(a) == 4:
        return _valid([(int(a), int(b), int(c))])
    readings = [(c, int(a), int(b)), (c, int(b), int(a))]
    dates = []
    for year_text, month, day in readings:
        for year in _years(year_text):
            dates.append((year, month, day))
    return _valid(dates)


def _read_month_first(match: re.Match[str]) -> list[str]:
    month = _month(match[1])
    return _valid([(int(match[3]), month, int(match[2]))]) if month else []


def _read_day_first(match: re.Match[str]) -> list[str]:
    month = _month(match[2])
    return _valid([(int(match[3]), month, int(match[1]))]) if month else []


def _month(word: str) -> int | None:
    key = fold(word).rstrip(".")
    return _MONTHS.get(key) or _MONTHS.get(key[:3])


def _years(text: str) -> list[int]:
    if len(text) == 4:
        return [int(text)]
    if len(text) != 2:
        return []
    short = int(text)
    century_2000 = 2000 + short
    if century_2000 <= CURRENT_YEAR:
        return [1900 + short, century_2000]
    return [1900 + short]


def _valid(candidates: list[tuple[int, int, int]]) -> list[str]:
    dates: list[str] = []
    for year, month, day in candidates:
        if not 1900 <= year <= CURRENT_YEAR:
            continue
        try:
            iso = date(year, month, day).isoformat()
        except ValueError:
            continue
        if iso not in dates:
            dates.append(iso)
    return dates


# Student IDs ----------------------------------------------------------------

_ID_LABEL = re.compile(
    r"(?:student\s+(?:no|number|id|#)|id\s*(?:no|number|#)|perm(?:anent)?\s*(?:no|#)|"
    r"n[uú]mero\s+de\s+identificaci[oó]n[^:\n]{0,40}|"
    r"(?:n[uú]m(?:ero)?|no)\.?\s+(?:de\s+)?(?:estudiante|alumno)|\bno)"
    r"\.?\s*[:#]?\s*(\d[\d ]{5,9}\d)\b",
    re.IGNORECASE,
)
_BARE_ID = re.compile(r"(?<![\d/\-.])\d{7}(?![\d/\-.])")


def find_student_ids(page: PageText) -> Iterator[Found]:
    """Yield labelled student numbers, then any free-standing 7-digit number.

    Roster numbers are seven digits; free-standing ones are weaker evidence
    (`match.py` trusts only those on the roster).
    """
    for match in _ID_LABEL.finditer(page.text):
        yield _found(page, match, match[1].replace(" ", ""), group=1)
    for match in _BARE_ID.finditer(page.text):
        yield _found(page, match, match[0])


# Schools and graduation -------------------------------------------------------

_SCHOOL = re.compile(
    r"\b((?:[A-Z][A-Za-z.'\u2019]+[ ]+){1,4}"
    r"(?i:High|Middle|Elementary|Junior\s+High|Secondary|Fundamental)"
    r"(?i:\s+School)?)\b|\b(Escuela[ ]+(?:[A-Z][\w.'\u2019]+[ ]*){1,4})",
)
_SCHOOL_STOP = re.compile(
    r"^(?:This|From|For|Graduation|Entered|School|Grade|Of|The)\s+", re.IGNORECASE
)
_GRADUATION = re.compile(
    r"(?:graduat(?:ion|ed)(?:\s+date)?|class\s+of|fecha\s+de\s+graduaci[oó]n|"
    r"promoci[oó]n)\s*[:\-]?\s*(?:\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*"
    r"|[A-Za-z]{3,10}\.?,?\s+(?:de\s+)?)?"
    r"(\d{4}|\d{2})\b",
    re.IGNORECASE,
)
_YEAR_WORDS = re.compile(
    r"(nineteen\s+hundred|two\s+thousand)(?:\s+and)?(?:\s+([a-z]+)(?:[\s-]([a-z]+))?)?",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}


def find_schools(page: PageText) -> Iterator[Found]:
    """Yield school names: capitalised words ending in High, Middle, ..."""
    for match in _SCHOOL.finditer(page.text):
        group = 1 if match[1] else 2
        name = _SCHOOL_STOP.sub("", " ".join(match[group].split()))
        if len(name.split()) >= 2:
            yield _found(page, match, name, group=group)


def find_graduation_years(page: PageText) -> Iterator[Found]:
    """Yield graduation years, from dates and from a diploma's words."""
    for match in _GRADUATION.finditer(page.text):
        years = _years(match[1])
        if years:
            yield _found(page, match, str(years[0]), group=1)

    if "diploma" in fold(page.text) or "certif" in fold(page.text):
        for match in _YEAR_WORDS.finditer(page.text):
            year = _year_from_words(match[1], match[2], match[3])
            if year:
                yield _found(page, match, str(year))


def _year_from_words(base: str, tens: str | None, units: str | None) -> int | None:
    year = 1900 if fold(base).startswith("nineteen") else 2000
    for word in (tens, units):
        if word:
            value = _NUMBER_WORDS.get(fold(word))
            if value is None:
                break
            year += value
    return year if 1900 <= year <= CURRENT_YEAR else None


# Document type ------------------------------------------------------------------

_TYPE_KEYWORDS: dict[str, tuple[tuple[str, float], ...]] = {
    "transcript": (
        (r"transcript", 4),
        (r"academic\s+record", 3),
        (r"permanent\s+record", 3),
        (r"credits?", 1),
        (r"grade\s+point|g\.?p\.?a\.?", 1),
        (r"expediente\s+acad[eé]mico|historial\s+acad[eé]mico", 4),
        (r"certificado\s+de\s+(?:estudios|calificaciones)", 4),
        (r"cr[eé]ditos", 1),
    ),
    "cumulative_record": (
        (r"cumulative\s+record", 6),
        (r"enrollment\s+history", 2),
        (r"days\s+(?:present|absent)", 1),
        (r"registro\s+acumulativo|expediente\s+acumulativo", 6),
    ),
    "diploma": (
        (r"diploma", 4),
        (r"certif(?:y|ies)\s+that", 2),
        (r"satisfactorily\s+completed", 2),
        (r"course\s+of\s+study", 1),
        (r"t[ií]tulo\s+de\s+bachiller|se\s+certifica\s+que", 3),
    ),
    "immunization": (
        (r"immuni[sz]ation", 6),
        (r"vaccines?", 2),
        (r"\bdose\b", 1),
        (r"polio|measles|rubella|mumps|\bdtp\b|\bmmr\b|hepatitis|varicella", 1),
        (r"vacunas?|inmunizaci[oó]n|vacunaci[oó]n", 4),
    ),
    "enrollment_form": (
        (r"enrollment\s+form|registration\s+form", 6),
        (r"home\s+language\s+survey", 2),
        (r"grade\s+entering", 2),
        (r"inscripci[oó]n|matr[ií]cula", 4),
        (r"idioma\s+del\s+hogar", 2),
    ),
    "correspondence": (
        (r"^\s*dear\b", 3),
        (r"sincerely|yours\s+truly|regards", 3),
        (r"^\s*re:", 1),
        (r"^\s*estimad[oa]s?\b", 3),
        (r"atentamente|cordialmente", 3),
    ),
    "court_order": (
        (r"subpoena", 6),
        (r"court\s+order|order\s+of\s+the\s+court", 6),
        (r"superior\s+court|district\s+court", 3),
        (r"hereby\s+ordered|is\s+ordered", 3),
        (r"case\s+(?:no|number)", 1),
        (r"orden\s+judicial|citaci[oó]n|tribunal|juzgado", 4),
    ),
}
_TYPE_PATTERNS = {
    kind: tuple(
        (re.compile(pattern, re.IGNORECASE | re.MULTILINE), weight)
        for pattern, weight in keywords
    )
    for kind, keywords in _TYPE_KEYWORDS.items()
}


def score_document_types(text: str) -> dict[str, float]:
    """Score each document type by weighted keywords; titles count double.

    Each keyword counts once in the body (a transcript says "credits" on
    every line) and once more when it appears in the first lines.
    """
    title = "\n".join(text.splitlines()[:TITLE_LINES])
    scores: dict[str, float] = {}
    for kind, patterns in _TYPE_PATTERNS.items():
        score = 0.0
        for pattern, weight in patterns:
            if pattern.search(text):
                score += weight
            if pattern.search(title):
                score += weight
        scores[kind] = score
    return scores
