"""Measure how often a name search puts the right student in the top three.

Indexes the true text of every document in the synthetic corpus with its
student's names (current and earlier, from the roster), then for every student
searches by the name as printed on each of their documents, by each earlier
name, and by a printed name with one OCR-style character error. Prints the
share of searches whose top three hits include one of the right student's
documents (the goal is 95% or more), and the share where the first hit does.

The same documents and queries run through the Rust-based tantivy bindings
(``pip install -e .[bench]``) with the same fields and the same exact, fuzzy
and phonetic matching, so the two columns show what Whoosh costs.

The corpus is ``../shared/corpus`` next to the repository, or the folder named
by RECORDS_CORPUS_DIR. Nothing here is a test: it prints, it never fails.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(REPO))

from search import IndexedDocument, SearchIndex  # noqa: E402
from search.analysis import fold, phonetic_code  # noqa: E402
from search.query import (  # noqa: E402
    EXACT_NAME_BOOST,
    FUZZY_NAME_BOOST,
    PHONETIC_NAME_BOOST,
    fuzzy_distance,
)

TOP = 3
DOC_TYPE_NAMES = {"immunization_record": "immunization"}
OCR_CONFUSIONS = {
    "e": "c",
    "c": "e",
    "l": "i",
    "i": "l",
    "o": "a",
    "a": "o",
    "n": "h",
    "h": "n",
    "u": "v",
    "m": "n",
    "r": "n",
    "s": "a",
    "t": "f",
    "g": "q",
    "d": "o",
    "b": "h",
    "z": "s",
    "y": "v",
}


@dataclass(frozen=True)
class Probe:
    kind: str
    name: str
    student_id: str


def corpus_dir() -> Path:
    base = Path(os.environ.get("RECORDS_CORPUS_DIR", REPO.parent / "shared" / "corpus"))
    if (base / "truth.jsonl").exists():
        return base
    return base / "synthetic"


def read_roster(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "roster.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def full_name(first: str, middle: str, last: str) -> str:
    return " ".join(part for part in (first, middle, last) if part)


def names_of(row: dict[str, str]) -> tuple[str, ...]:
    """Give the student's current name, then each earlier "Last, First Middle" name."""
    names = [full_name(row["first_name"], row["middle_name"], row["last_name"])]
    for other in filter(None, (n.strip() for n in row["other_names"].split(";"))):
        last, _, given = other.partition(",")
        names.append(f"{given.strip()} {last.strip()}".strip())
    return tuple(names)


def load_documents(
    folder: Path,
) -> tuple[list[IndexedDocument], list[dict[str, object]]]:
    roster = read_roster(folder)
    documents, truths = [], []
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        truth = json.loads(line)
        ids = truth["identifiers"]
        student = roster.get(truth["student_id"] or "")
        year = ids.get("grad_year") or (int(student["grad_year"]) if student else None)
        documents.append(
            IndexedDocument(
                document_id=truth["file"],
                student_id=truth["student_id"],
                names=names_of(student) if student else (),
                birth_date=(
                    datetime.date.fromisoformat(student["birth_date"])
                    if student
                    else None
                ),
                school=ids.get("school")
                or (student["last_school"] if student else None),
                grad_year=year,
                doc_type=DOC_TYPE_NAMES.get(truth["doc_type"], truth["doc_type"]),
                text="\n".join(truth["page_text"]),
                stamp="1",
            )
        )
        truths.append(truth)
    return documents, truths


def printed_as_name(printed: str) -> str:
    """Turn "RAMIREZ, GLORIA LUCIA" into "GLORIA LUCIA RAMIREZ"."""
    last, comma, given = printed.partition(",")
    return f"{given.strip()} {last.strip()}" if comma else printed


def with_ocr_error(name: str, rng: random.Random, *, given: bool = False) -> str:
    """Swap one letter of the surname (or of the first name) for a look-alike."""
    words = name.split()
    target = 0 if given else len(words) - 1
    word = words[target]
    spots = [i for i, c in enumerate(word) if i > 0 and c.lower() in OCR_CONFUSIONS]
    if spots:
        i = rng.choice(spots)
        swapped = OCR_CONFUSIONS[word[i].lower()]
        words[target] = (
            word[:i]
            + (swapped.upper() if word[i].isupper() else swapped)
            + word[i + 1 :]
        )
    return " ".join(words)


def make_probes(folder: Path, truths: list[dict[str, object]]) -> list[Probe]:
    roster = read_roster(folder)
    rng = random.Random(7)
    printed: dict[str, list[str]] = {}
    for truth in truths:
        student_id = truth["student_id"]
        if isinstance(student_id, str) and student_id in roster:
            name = printed_as_name(truth["identifiers"]["name_printed"])  # type: ignore[index]
            if name not in printed.setdefault(student_id, []):
                printed[student_id].append(name)

    probes = []
    for student_id, names in sorted(printed.items()):
        probes += [Probe("as printed", name, student_id) for name in names]
        probes += [
            Probe("earlier name", name, student_id)
            for name in names_of(roster[student_id])[1:]
        ]
        probes.append(Probe("one OCR error", with_ocr_error(names[0], rng), student_id))
        probes.append(
            Probe(
                "error in given", with_ocr_error(names[0], rng, given=True), student_id
            )
        )
    return probes


def run_ours(documents: list[IndexedDocument], probes: list[Probe], work: Path):
    started = time.perf_counter()
    index = SearchIndex.open(work / "whoosh")
    index.add_or_update(documents)
    built = time.perf_counter() - started

    def top(name: str) -> list[str | None]:
        return [
            hit.student_id for hit in index.search(f'name:"{name}"', page_size=TOP).hits
        ]

    results = measure(top, probes)
    index.close()
    return built, results


def run_tantivy(documents: list[IndexedDocument], probes: list[Probe], work: Path):
    import tantivy

    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("document_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("student_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("names", tokenizer_name="folded")
    builder.add_text_field("names_phonetic", tokenizer_name="whitespace")
    builder.add_text_field("text", tokenizer_name="folded")
    schema = builder.build()
    (work / "tantivy").mkdir()
    index = tantivy.Index(schema, path=str(work / "tantivy"))
    folded = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )
    index.register_tokenizer("folded", folded)
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for doc in documents:
        names = " \n ".join(doc.names)
        writer.add_document(
            tantivy.Document(
                document_id=doc.document_id,
                student_id=doc.student_id or "",
                names=names,
                names_phonetic=" ".join(
                    code for code in map(phonetic_code, tantivy_terms(names)) if code
                ),
                text=doc.text,
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    built = time.perf_counter() - started

    def word_query(word: str):  # type: ignore[no-untyped-def]
        should = tantivy.Occur.Should
        options = [
            (
                should,
                tantivy.Query.boost_query(
                    tantivy.Query.term_query(schema, "names", word), EXACT_NAME_BOOST
                ),
            )
        ]
        distance = fuzzy_distance(word)
        if distance:
            options.append(
                (
                    should,
                    tantivy.Query.boost_query(
                        tantivy.Query.fuzzy_term_query(
                            schema, "names", word, distance=distance
                        ),
                        FUZZY_NAME_BOOST,
                    ),
                )
            )
        code = phonetic_code(word)
        if code:
            options.append(
                (
                    should,
                    tantivy.Query.boost_query(
                        tantivy.Query.term_query(schema, "names_phonetic", code),
                        PHONETIC_NAME_BOOST,
                    ),
                )
            )
        return tantivy.Query.boolean_query(options)

    def top(name: str) -> list[str | None]:
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, word_query(w)) for w in tantivy_terms(name)]
        )
        hits = searcher.search(query, limit=TOP).hits
        return [searcher.doc(address)["student_id"][0] or None for _, address in hits]

    return built, measure(top, probes)


def tantivy_terms(text: str) -> list[str]:
    """Split and fold as tantivy's simple tokenizer with ASCII folding does."""
    return [fold(word) for word in re.findall(r"[^\W_]+", text)]


def measure(top: Callable[[str], list[str | None]], probes: list[Probe]):
    top(probes[0].name)
    outcomes, timings = [], []
    for probe in probes:
        started = time.perf_counter()
        found = top(probe.name)
        timings.append((time.perf_counter() - started) * 1000)
        outcomes.append(
            (probe.student_id in found, bool(found) and found[0] == probe.student_id)
        )
    return outcomes, timings


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> None:
    folder = corpus_dir()
    documents, truths = load_documents(folder)
    probes = make_probes(folder, truths)
    print(f"{len(documents)} documents, {len(probes)} name searches, corpus {folder}")
    columns = {}
    with tempfile.TemporaryDirectory(prefix="relevance-") as work:
        columns["whoosh (ours)"] = run_ours(documents, probes, Path(work))
        try:
            columns["tantivy"] = run_tantivy(documents, probes, Path(work))
        except ImportError:
            print("tantivy is not installed: pip install -e .[bench]")

    kinds = sorted(
        {p.kind for p in probes},
        key=["as printed", "earlier name", "one OCR error", "error in given"].index,
    )
    header = "".join(f"{name:>26}" for name in columns)
    print(f"\nright student in top {TOP} (top 1)\n{'search':<16}{'n':>4}{header}")
    for kind in [*kinds, "all"]:
        chosen = [i for i, p in enumerate(probes) if kind in ("all", p.kind)]
        row = f"{kind:<16}{len(chosen):>4}"
        for _, (outcomes, _) in columns.values():
            in_top = sum(outcomes[i][0] for i in chosen) / len(chosen)
            first = sum(outcomes[i][1] for i in chosen) / len(chosen)
            row += f"{in_top:>17.1%} ({first:.0%})"
        print(row)

    print(f"\nlatency per search, ms{'':<6}{header}")
    for label, share in (("p50", 0.5), ("p95", 0.95)):
        row = f"{label:<28}"
        for _, (_, timings) in columns.values():
            row += f"{percentile(timings, share):>26.2f}"
        print(row)
    row = f"{'index build, s':<28}"
    for built, _ in columns.values():
        row += f"{built:>26.2f}"
    print(row)

    print("\nmisses (whoosh):")
    for probe, (in_top, _) in zip(probes, columns["whoosh (ours)"][1][0], strict=True):
        if not in_top:
            print(f"  {probe.kind:<14} {probe.name!r} -> student {probe.student_id}")


if __name__ == "__main__":
    main()
