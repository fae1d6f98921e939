"""Link a document to one student on the roster, or say why it cannot.

A wrong link files one student's record under another, which is worse than
a clerk's minute of review; so a link needs a roster student ID printed on
the document (and not contradicted), or a close name plus a matching birth
date, or a close name plus both graduation year and school. Anything less,
or two students that fit equally, goes to review with the candidates.

The roster is indexed once (`RosterIndex`) by student ID, birth date and
surname keys (folded spelling and its sound), so a document is compared
with a handful of students, not the whole roster.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import jellyfish
from rapidfuzz import fuzz, process

from ingest.fields import ExtractedFields, fold

CLOSE_NAME = 85.0
LIKELY_NAME = 70.0
CLOSE_SCHOOL = 85.0
NEARBY_WORDS = 6
ANYWHERE_FACTOR = 0.9

MatchStatus = Literal["linked", "ambiguous", "none"]


@dataclass(frozen=True)
class RosterEntry:
    student_id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: str | None = None
    grad_year: int | None = None
    last_school: str = ""
    other_names: tuple[str, ...] = ()

    def names(self) -> list[tuple[str, str, str]]:
        """The current name and earlier names as (last, first, middle)."""
        found = [(self.last_name, self.first_name, self.middle_name or "")]
        for other in self.other_names:
            last, _, given = other.partition(",")
            first, _, middle = given.strip().partition(" ")
            found.append((last.strip(), first or self.first_name, middle.strip()))
        return found


@dataclass(frozen=True)
class MatchResult:
    status: MatchStatus
    student_id: str | None
    score: float
    evidence: list[str]
    candidates: list[tuple[str, float, list[str]]] = field(default_factory=list)


@dataclass
class _Assessment:
    entry: RosterEntry
    name: float = 0.0
    id_printed: bool = False
    birth_matches: bool = False
    birth_differs: bool = False
    grad_year_matches: bool = False
    school_matches: bool = False
    evidence: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        value = 0.5 * self.name / 100
        value += 0.35 if self.birth_matches else 0.0
        value += 0.1 if self.grad_year_matches else 0.0
        value += 0.05 if self.school_matches else 0.0
        value -= 0.3 if self.birth_differs else 0.0
        return round(max(0.0, min(1.0, value + (0.3 if self.id_printed else 0.0))), 3)

    @property
    def is_sure(self) -> bool:
        if self.birth_differs:
            return False
        if self.id_printed:
            return self.name >= LIKELY_NAME or self.birth_matches
        if self.name < CLOSE_NAME:
            return False
        return self.birth_matches or (self.grad_year_matches and self.school_matches)


class RosterIndex:
    """The roster, blocked for fast lookup; build once per ingest run."""

    def __init__(self, roster: Iterable[RosterEntry]) -> None:
        self.entries: list[RosterEntry] = list(roster)
        self._by_id: dict[str, int] = {}
        self._by_birth_date: dict[str, list[int]] = defaultdict(list)
        self._by_surname_key: dict[str, set[int]] = defaultdict(set)
        for position, entry in enumerate(self.entries):
            self._by_id[entry.student_id] = position
            if entry.birth_date:
                self._by_birth_date[entry.birth_date].append(position)
            for last, _, _ in entry.names():
                for key in surname_keys(last):
                    self._by_surname_key[key].add(position)

    def by_id(self, student_id: str) -> RosterEntry | None:
        position = self._by_id.get(student_id)
        return None if position is None else self.entries[position]

    def candidates(self, fields: ExtractedFields) -> list[RosterEntry]:
        positions: set[int] = set()
        for found in fields.student_ids:
            if found.value in self._by_id:
                positions.add(self._by_id[found.value])
        for birth_date in fields.birth_date_values:
            positions.update(self._by_birth_date.get(birth_date, ()))
        for name in fields.names:
            for key in surname_keys(name.last):
                positions.update(self._by_surname_key.get(key, ()))
        return [self.entries[position] for position in sorted(positions)]


def surname_keys(surname: str) -> set[str]:
    """Blocking keys: each folded word, the joined form, and how they sound.

    OCR slips that change the sound are left to the birth-date block; a
    document whose surname and birth date are both misread goes to review.
    """
    words = [w for w in re.split(r"[\s\-'\u2019]+", fold(surname)) if w.isalpha()]
    keys: set[str] = set()
    for word in [*words, "".join(words)]:
        if len(word) < 2:
            continue
        keys.add(f"w:{word}")
        keys.add(f"m:{jellyfish.metaphone(word)}")
    return keys


def match_student(
    fields: ExtractedFields, roster: Sequence[RosterEntry] | RosterIndex
) -> MatchResult:
    """Link the document to one student, or return the candidates for review."""
    index = roster if isinstance(roster, RosterIndex) else RosterIndex(roster)
    document_words = _DocumentWords(fields.text)
    assessments = [
        _assess(entry, fields, document_words) for entry in index.candidates(fields)
    ]
    assessments.sort(key=lambda a: a.score, reverse=True)
    candidates = [
        (a.entry.student_id, a.score, a.evidence) for a in assessments if a.score > 0
    ]

    sure = [a for a in assessments if a.is_sure]
    printed = [a for a in sure if a.id_printed]
    if len(printed) == 1:
        sure = printed
    if len(sure) == 1:
        winner = sure[0]
        return MatchResult(
            "linked", winner.entry.student_id, winner.score, winner.evidence, candidates
        )

    if len(sure) > 1:
        evidence = [f"{len(sure)} students on the roster fit equally well"]
        return MatchResult("ambiguous", None, 0.0, evidence, candidates)

    plausible = [
        a
        for a in assessments
        if a.name >= LIKELY_NAME or a.birth_matches or a.id_printed
    ]
    if plausible:
        best = plausible[0]
        evidence = ["the evidence is too weak to link without review", *best.evidence]
        return MatchResult("ambiguous", None, best.score, evidence, candidates)
    return MatchResult(
        "none", None, 0.0, ["no student on the roster fits the document"], candidates
    )


def _assess(
    entry: RosterEntry, fields: ExtractedFields, document_words: _DocumentWords
) -> _Assessment:
    assessment = _Assessment(entry)
    for found in fields.student_ids:
        if found.value == entry.student_id:
            assessment.id_printed = True
            assessment.evidence.append(f"student ID printed on page {found.page}")
            break

    assessment.name, name_evidence = _name_score(entry, fields, document_words)
    if name_evidence:
        assessment.evidence.append(name_evidence)

    if entry.birth_date and fields.birth_dates:
        if entry.birth_date in fields.birth_date_values:
            page = next(
                f.page for f in fields.birth_dates if f.value == entry.birth_date
            )
            assessment.birth_matches = True
            assessment.evidence.append(f"birth date matches on page {page}")
        else:
            assessment.birth_differs = True
            assessment.evidence.append("the birth date printed differs from the roster")

    if entry.grad_year and str(entry.grad_year) in {
        f.value for f in fields.graduation_years
    }:
        assessment.grad_year_matches = True
        assessment.evidence.append("graduation year matches")

    if entry.last_school and (
        any(_same_school(entry.last_school, found.value) for found in fields.schools)
        or _school_in_lines(entry.last_school, fields.text)
    ):
        assessment.school_matches = True
        assessment.evidence.append("school matches")
    return assessment


def _name_score(
    entry: RosterEntry, fields: ExtractedFields, document_words: _DocumentWords
) -> tuple[float, str]:
    """Best agreement between the roster names and the names on the document."""
    best, evidence = 0.0, ""
    for index, (last, first, middle) in enumerate(entry.names()):
        earlier = " (an earlier name)" if index else ""
        for name in fields.names:
            score = min(
                _surname_similarity(last, name.last),
                _given_similarity(first, name.first),
            )
            if middle and name.middle and _given_similarity(middle, name.middle) < 60:
                score -= 20
            if score > best:
                best = score
                evidence = (
                    f"name printed on page {name.where.page} matches{earlier} "
                    f"(similarity {score:.0f})"
                )

        in_text = _name_in_words(last, first, document_words)
        if in_text > best and in_text >= LIKELY_NAME:
            best = in_text
            evidence = f"name found in the text{earlier} (similarity {in_text:.0f})"
    return best, evidence


_GENERIC_SCHOOL_WORDS = frozenset(
    ("high", "middle", "elementary", "junior", "secondary", "school", "escuela")
)


def _same_school(roster_school: str, printed_school: str) -> bool:
    """Compare schools on their distinctive words (Blair, Marshall), not on
    the words every school shares."""
    roster_words = set(fold(roster_school).split()) - _GENERIC_SCHOOL_WORDS
    printed_words = set(fold(printed_school).split()) - _GENERIC_SCHOOL_WORDS
    if not roster_words or not printed_words:
        return False
    similarity = fuzz.token_set_ratio(" ".join(roster_words), " ".join(printed_words))
    return similarity >= CLOSE_SCHOOL


def _school_in_lines(school: str, text: str) -> bool:
    """Find the roster's school on a line of its own, allowing OCR slips
    (Pasadena Figh School); a district name is not a school."""
    wanted = " ".join(fold(school).split())
    for line in text.splitlines():
        folded = " ".join(fold(line).split())
        if abs(len(folded) - len(wanted)) > 4 or not folded:
            continue
        if fuzz.ratio(wanted, folded) >= CLOSE_SCHOOL:
            return True
    return False


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold(text))


def _surname_similarity(roster_last: str, printed_last: str) -> float:
    """Compare surnames ignoring accents, case, hyphens and apostrophes.

    A printed surname that is one part of a compound roster surname (Ramirez
    for Ramirez-Aguilar) counts as close but not exact.
    """
    whole = fuzz.ratio(_letters(roster_last), _letters(printed_last))
    parts = [_letters(p) for p in re.split(r"[\s\-]+", roster_last) if p]
    printed = _letters(printed_last)
    if len(parts) > 1 and printed:
        whole = max(whole, 0.9 * max(fuzz.ratio(part, printed) for part in parts))
    return float(whole)


def _given_similarity(roster_given: str, printed_given: str) -> float:
    return float(fuzz.ratio(_letters(roster_given), _letters(printed_given)))


class _DocumentWords:
    """The document's words, with fuzzy look-ups remembered.

    Hundreds of candidates may share a surname on a large roster; each
    spelling is looked up in the text once.
    """

    def __init__(self, text: str) -> None:
        self.words = [w for w in (_letters(word) for word in text.split()) if w]
        self._positions: dict[str, list[int]] = defaultdict(list)
        for position, word in enumerate(self.words):
            self._positions[word].append(position)
        self._hits: dict[str, dict[int, float]] = {}

    def hits(self, token: str) -> dict[int, float]:
        """Positions of words like `token`, with their similarity."""
        if token not in self._hits:
            found = process.extract(
                token,
                list(self._positions),
                scorer=fuzz.ratio,
                score_cutoff=LIKELY_NAME,
                limit=None,
            )
            self._hits[token] = {
                position: float(score)
                for word, score, _ in found
                for position in self._positions[word]
            }
        return self._hits[token]


def _name_in_words(last: str, first: str, document: _DocumentWords) -> float:
    """Find surname and first name in the text, best when near each other.

    OCR of a form may put the name's boxes far apart, so a first name
    elsewhere on the document still counts, at a tenth less.
    """
    surname_parts = [_letters(p) for p in re.split(r"[\s\-]+", last) if _letters(p)]
    given = _letters(first)
    if not surname_parts or not given:
        return 0.0

    given_hits = document.hits(given)
    anywhere = ANYWHERE_FACTOR * max(given_hits.values(), default=0.0)
    other_parts = [document.hits(part) for part in surname_parts[1:]]
    best = 0.0
    for position, surname_score in document.hits(surname_parts[0]).items():
        given_score = max(_nearby(given_hits, position), anywhere)
        rest = [_nearby(hits, position) for hits in other_parts]
        best = max(best, min([surname_score, given_score, *rest]))
    return best


def _nearby(hits: dict[int, float], position: int) -> float:
    return max(
        (
            score
            for other, score in hits.items()
            if abs(other - position) <= NEARBY_WORDS
        ),
        default=0.0,
    )
