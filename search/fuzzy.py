"""Expand near-spellings of a name to the words the index holds, once per query.

Whoosh's own fuzzy query builds a Levenshtein automaton in Python for every
index segment, and again for every pass over the query. The distinct words of
the names field are few, so we keep them per committed generation and let
rapidfuzz pick the near ones; the query then holds plain terms.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import query as wq


class Lexicon:
    """The distinct words of one field in one generation, by first letter."""

    def __init__(self, reader: Any, fieldname: str) -> None:
        buckets: defaultdict[str, list[str]] = defaultdict(list)
        for raw in reader.lexicon(fieldname):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            buckets[word[:1]].append(word)
        self._buckets = dict(buckets)

    def near(self, word: str, max_distance: int, prefix_length: int) -> list[str]:
        """Give the words within `max_distance` edits that share the prefix."""
        if prefix_length:
            candidates = [
                c
                for c in self._buckets.get(word[:1], [])
                if c.startswith(word[:prefix_length])
            ]
        else:
            candidates = [c for bucket in self._buckets.values() for c in bucket]
        matches = process.extract(
            word,
            candidates,
            scorer=Levenshtein.distance,
            score_cutoff=max_distance,
            limit=None,
        )
        return [choice for choice, _, _ in matches]


def expand_fuzzy_terms(query: Any, lexicon_for: Callable[[str], Lexicon]) -> Any:
    """Replace each fuzzy term with the index words near it, scored as one match.

    The constant score keeps what Whoosh's fuzzy term does: a near spelling
    adds its boost once, whatever the rarity of the word it hit, so an exact
    match still ranks first.
    """

    def resolve(node: Any) -> Any:
        if not isinstance(node, wq.FuzzyTerm):
            return node
        words = lexicon_for(node.fieldname).near(
            node.text, node.maxdist, node.prefixlength
        )
        if not words:
            return wq.NullQuery
        terms = wq.Or([wq.Term(node.fieldname, word) for word in words])
        return wq.ConstantScoreQuery(terms, score=node.boost)

    return query.accept(resolve)
