"""Turn names and OCR text into index terms: folded, split and phonetic.

Registrars type names the way they hear them, documents spell them the way a
clerk or a typewriter did, and OCR adds its own errors. Every field that holds
words therefore folds accents and case the same way at index and query time,
and names also get a phonetic code so that "Jonson" meets "Johnson".
"""

import functools
import re
import unicodedata
from collections.abc import Iterator

import jellyfish
from whoosh.analysis import Filter, RegexTokenizer, Token

# A word, keeping inner apostrophes so that O'Brien stays one name.
WORD_PATTERN = r"\w+(?:['\u2019]\w+)*"
WORD_RE = re.compile(WORD_PATTERN)
# The longest run of words a school name is indexed under.
MAX_RUN_WORDS = 6

# Letters that Unicode decomposition does not reduce to ASCII.
_EXTRA_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "đ": "d",
        "Đ": "d",
        "\u0131": "i",
    }
)


def fold(text: str) -> str:
    """Lowercase and strip accents, so that Nuñez and NUNEZ compare equal."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA_FOLDS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold()


def split_apostrophe(word: str) -> list[str]:
    """Give the joined form of an apostrophe word first, then its longer parts.

    "o'brien" yields ["obrien", "brien"]: the joined form matches "OBrien" and
    "O'Brien", the part matches a registrar who types only "Brien".
    """
    if "'" not in word and "\u2019" not in word:
        return [word]
    parts = re.split(r"['\u2019]", word)
    return ["".join(parts)] + [part for part in parts if len(part) > 1]


@functools.lru_cache(maxsize=1 << 14)
def phonetic_code(word: str) -> str:
    """Give the Metaphone code of a folded word; digits and the like give ""."""
    if not word.isalpha():
        return ""
    return jellyfish.metaphone(word)


@functools.lru_cache(maxsize=1 << 16)
def terms_of_word(word: str) -> tuple[str, ...]:
    """Give the index terms of one word; cached, as OCR text repeats its words."""
    return tuple(split_apostrophe(fold(word)))


def words_of(text: str) -> list[str]:
    """Give the folded words of a query, one term per word, in order.

    An apostrophe word counts once, in its joined form: the index also holds
    its parts, but requiring them too would make a misread O'Hrien fail twice.
    """
    return [terms_of_word(match.group())[0] for match in WORD_RE.finditer(text)]


class FoldFilter(Filter):  # type: ignore[misc]  # whoosh ships no type hints
    """Fold each token and split apostrophe words, keeping positions."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            for term in terms_of_word(token.text):
                token.text = term
                yield token


class PhoneticFilter(Filter):  # type: ignore[misc]  # whoosh ships no type hints
    """Replace each folded token with its Metaphone code."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            code = phonetic_code(token.text)
            if code:
                token.text = code
                yield token


class WordRunsFilter(Filter):  # type: ignore[misc]  # whoosh ships no type hints
    """Index every run of consecutive words of a short value, joined by spaces.

    A school name becomes "john", "john muir", "muir high school" and so on, so
    that a quoted part of a school's name is one term with a short posting
    list, instead of a phrase over the very long lists of "high" and "school".
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        words: list[str] = []
        last: Token | None = None
        for last in tokens:
            words.append(last.text)
        if last is None:
            return
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + MAX_RUN_WORDS) + 1):
                last.text = " ".join(words[start:end])
                yield last


def folding_analyzer() -> Filter:
    """Build the analyzer for names, school names and OCR text."""
    return RegexTokenizer(WORD_PATTERN) | FoldFilter()


def word_runs_analyzer() -> Filter:
    """Build the analyzer for school names: folded runs of consecutive words."""
    return RegexTokenizer(WORD_PATTERN) | FoldFilter() | WordRunsFilter()


def phonetic_analyzer() -> Filter:
    """Build the analyzer that indexes names by how they sound."""
    return RegexTokenizer(WORD_PATTERN) | FoldFilter() | PhoneticFilter()
