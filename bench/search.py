"""Measure the search index against bare Whoosh on the same synthetic documents.

Prints, for ``--docs`` synthetic records (default 100000, fixed ``--seed``):

* build speed (documents per second) of our index through ``rebuild`` and of
  bare Whoosh (one plain TEXT field, default analyzer, same batch commits),
  each in a fresh process, with our peak RSS at a quarter, half and all of
  the documents to show that a rebuild's memory does not grow with the index;
* index size on disk;
* p50 and p95 latency of name, fielded (school + year), phrase ("Class of
  1987" or a street address) and fuzzy name queries, against the closest
  bare-Whoosh query on the same index data.

Both indexes are merged to one segment after the build. Ratios are ours /
bare: above 1 means ours is slower or bigger. Ours also counts facets and
builds snippets for every query, which bare Whoosh does not; bare Whoosh's
default analyzer drops one-letter words and stop words, which makes some of
its phrases cheaper.
Nothing here is a test: it prints, it never fails on a number.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

# This file is named like the package it measures: keep its folder off the path.
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(REPO))

from search import IndexedDocument, SearchIndex, rebuild  # noqa: E402

BATCH = 500
QUERIES_PER_KIND = 200

FIRST_NAMES = {
    "us": [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "William",
        "Elizabeth",
        "David",
        "Barbara",
        "Richard",
        "Susan",
        "Joseph",
        "Jessica",
        "Thomas",
        "Sarah",
        "Charles",
        "Karen",
        "LaToya",
        "Tyrone",
        "Keisha",
        "DeShawn",
        "Beverly",
        "Larry",
        "Gary",
        "Hannah",
    ],
    "hispanic": [
        "José",
        "María",
        "Juan",
        "Guadalupe",
        "Jesús",
        "Luis",
        "Ana",
        "Carlos",
        "Sofía",
        "Miguel",
        "Lucía",
        "Raúl",
        "Inés",
        "Andrés",
        "Ramón",
        "Verónica",
        "Héctor",
        "Mónica",
        "Adrián",
        "Yesenia",
        "Alejandro",
        "Dolores",
        "Esperanza",
        "Joaquín",
        "Rubén",
    ],
    "asian": [
        "Wei",
        "Yuki",
        "Hiroshi",
        "Min-jun",
        "Ji-woo",
        "Thanh",
        "Linh",
        "Mei",
        "Jun",
        "Haruto",
        "Sakura",
        "Arjun",
        "Priya",
        "Anh",
        "Bao",
        "Hyun",
        "Kenji",
        "Aram",
        "Arpi",
        "Davit",
        "Mariam",
    ],
}
LAST_NAMES = {
    "us": [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Miller",
        "Davis",
        "Wilson",
        "Anderson",
        "Taylor",
        "Thomas",
        "Moore",
        "Jackson",
        "Martin",
        "Thompson",
        "White",
        "Harris",
        "Clark",
        "Lewis",
        "Robinson",
        "Walker",
        "O'Brien",
        "McDonald",
        "Sullivan",
        "Hughes",
        "Stewart",
        "Brooks",
        "Mitchell",
        "Hollister",
    ],
    "hispanic": [
        "García",
        "Rodríguez",
        "Martínez",
        "Hernández",
        "López",
        "González",
        "Pérez",
        "Sánchez",
        "Ramírez",
        "Torres",
        "Flores",
        "Rivera",
        "Gómez",
        "Díaz",
        "Cruz",
        "Morales",
        "Ortiz",
        "Gutiérrez",
        "Chávez",
        "Ramos",
        "Nuñez",
        "Castillo",
        "Jiménez",
        "Vásquez",
        "Mendoza",
        "Ruiz",
        "Álvarez",
        "Peña",
        "Ibáñez",
        "Muñoz",
        "Dela Cruz",
        "Villanueva",
    ],
    "asian": [
        "Nguyen",
        "Tran",
        "Le",
        "Pham",
        "Kim",
        "Lee",
        "Park",
        "Choi",
        "Chen",
        "Wang",
        "Li",
        "Zhang",
        "Liu",
        "Yamamoto",
        "Tanaka",
        "Watanabe",
        "Suzuki",
        "Sato",
        "Patel",
        "Shah",
        "Wong",
        "Huang",
        "Sarkisian",
        "Petrosyan",
        "Manukyan",
        "Kalajian",
        "Ohanian",
    ],
}
SCHOOLS = [
    "Blair High School",
    "John Muir High School",
    "Pasadena High School",
    "Marshall Fundamental",
    "Eliot Middle School",
    "Wilson Middle School",
    "Washington Middle School",
    "Madison Elementary",
    "Altadena Elementary",
    "Don Benito Elementary",
    "Roosevelt Elementary",
    "McKinley School",
    "Sierra Madre Elementary",
    "Rose City High School",
    "Norma Coombs",
]
DOC_TYPES = [
    "transcript",
    "cumulative_record",
    "diploma",
    "immunization",
    "enrollment_form",
    "correspondence",
    "court_order",
    "other",
]
COURSES = [
    "English 9",
    "English 10",
    "American Literature",
    "Algebra 1",
    "Geometry",
    "Algebra 2",
    "Trigonometry",
    "Biology",
    "Chemistry",
    "Physics",
    "World History",
    "U.S. History",
    "Government",
    "Economics",
    "Spanish 1",
    "Spanish 2",
    "French 1",
    "Typing",
    "Home Economics",
    "Wood Shop",
    "Physical Education",
    "Art",
    "Choir",
    "Band",
    "Health",
]
GRADES = ["A", "A-", "B+", "B", "B-", "C+", "C", "D", "F", "P"]
OCR_CONFUSIONS = {
    "e": "c",
    "c": "e",
    "l": "1",
    "i": "l",
    "o": "0",
    "a": "o",
    "n": "h",
    "h": "n",
    "u": "v",
    "m": "n",
    "s": "5",
    "r": "n",
}


def student_names(number: int, seed: int) -> tuple[tuple[str, ...], str, str]:
    """Give a student's names (current first), and the current first and last."""
    rng = random.Random(seed * 7_919 + number)
    origin = rng.choice(["us", "us", "hispanic", "hispanic", "asian"])
    first = rng.choice(FIRST_NAMES[origin])
    middle = rng.choice(FIRST_NAMES[rng.choice(list(FIRST_NAMES))])
    last = rng.choice(LAST_NAMES[origin])
    if origin == "hispanic" and rng.random() < 0.25:
        last = f"{last}-{rng.choice(LAST_NAMES['hispanic'])}"
    names = [f"{first} {middle} {last}"]
    if rng.random() < 0.15:
        earlier = rng.choice(LAST_NAMES[rng.choice(list(LAST_NAMES))])
        names.append(f"{first} {middle} {earlier}")
    return tuple(names), first, last


def synthetic_document(number: int, seed: int) -> IndexedDocument:
    """Make document `number`: three documents per student, about 2 KB of text."""
    rng = random.Random(seed * 1_000_003 + number)
    student = number // 3
    names, first, last = student_names(student, seed)
    srng = random.Random(seed * 31 + student)
    grad_year = srng.randint(1920, 2026)
    birth = datetime.date(grad_year - 18, srng.randint(1, 12), srng.randint(1, 28))
    school = srng.choice(SCHOOLS)
    doc_type = rng.choice(DOC_TYPES)
    printed = rng.choice(
        [f"{last.upper()}, {first.upper()}", f"{first} {last}", f"{last}, {first}"]
    )

    lines = [
        "PASADENA UNIFIED SCHOOL DISTRICT",
        f"{doc_type.replace('_', ' ').title()} - {school}",
        f"Name: {printed}  Birth date: {birth:%m/%d/%Y}  Class of {grad_year}",
        f"Address: {rng.randint(100, 9999)} N. Hill Ave., Pasadena CA 91104",
    ]
    while sum(len(line) + 1 for line in lines) < 2000:
        year = rng.randint(grad_year - 4, grad_year)
        lines.append(
            f"{year}-{year + 1 - 1900 if year < 1999 else year + 1}  "
            f"{rng.choice(COURSES)}  {rng.choice(GRADES)}  "
            f"{rng.choice(['Mrs.', 'Mr.', 'Ms.', 'Miss'])} "
            f"{rng.choice(LAST_NAMES[rng.choice(list(LAST_NAMES))])}  "
            f"credits {rng.choice([5, 10])}"
        )
    text = "\n".join(lines)
    if rng.random() < 0.5:
        text = ocr_noise(text, rng, 0.01)
    return IndexedDocument(
        document_id=f"doc-{number:08d}",
        student_id=f"{1_000_000 + student}",
        names=names,
        birth_date=birth,
        school=school,
        grad_year=grad_year,
        doc_type=doc_type,
        text=text,
        stamp="1",
    )


def ocr_noise(text: str, rng: random.Random, rate: float) -> str:
    chars = list(text)
    for i, char in enumerate(chars):
        if char in OCR_CONFUSIONS and rng.random() < rate:
            chars[i] = OCR_CONFUSIONS[char]
    return "".join(chars)


def misspell(word: str, rng: random.Random) -> str:
    """Make one OCR-style substitution after the first letter."""
    spots = [i for i, c in enumerate(word) if i > 0 and c.lower() in OCR_CONFUSIONS]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + OCR_CONFUSIONS[word[i].lower()] + word[i + 1 :]


def documents(
    count: int, seed: int
) -> Callable[[str | None], Iterator[IndexedDocument]]:
    def source(after: str | None) -> Iterator[IndexedDocument]:
        start = 0 if after is None else int(after.removeprefix("doc-")) + 1
        for number in range(start, count):
            yield synthetic_document(number, seed)

    return source


def rss_mb() -> tuple[float, float]:
    """Give (current, peak) resident memory of this process in MB."""
    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return current / 1e6, peak_kb / 1e3


def build_ours(path: str, count: int, seed: int) -> dict[str, object]:
    marks = {count // 4, count // 2, count}
    memory: list[tuple[int, float, float]] = []

    def progress(done: int) -> None:
        for mark in sorted(marks):
            if done >= mark:
                memory.append((mark, *rss_mb()))
                marks.discard(mark)

    started = time.perf_counter()
    rebuild(path, documents(count, seed), progress=progress, batch_size=BATCH)
    seconds = time.perf_counter() - started
    memory.append((-1, *rss_mb()))
    return {"seconds": seconds, "memory": memory, "bytes": folder_bytes(Path(path))}


def build_bare(path: str, count: int, seed: int) -> dict[str, object]:
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    Path(path).mkdir()
    ix = whoosh_index.create_in(
        path, Schema(id=ID(stored=True, unique=True), content=TEXT)
    )
    started = time.perf_counter()
    source = documents(count, seed)(None)
    while True:
        batch = [doc for _, doc in zip(range(BATCH), source, strict=False)]
        if not batch:
            break
        writer = ix.writer(limitmb=64)
        for doc in batch:
            writer.add_document(id=doc.document_id, content=bare_content(doc))
        writer.commit()
    ix.writer(limitmb=64).commit(optimize=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "memory": [(count, *rss_mb())],
        "bytes": folder_bytes(Path(path)),
    }


def bare_content(doc: IndexedDocument) -> str:
    return " ".join([*doc.names, doc.school or "", str(doc.grad_year or ""), doc.text])


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def query_pairs(count: int, seed: int) -> dict[str, list[tuple[str, str]]]:
    """Make (ours, bare) query pairs of each kind from sampled documents."""
    rng = random.Random(seed)
    kinds: dict[str, list[tuple[str, str]]] = {
        k: [] for k in ("name", "fielded", "phrase", "fuzzy name")
    }
    for _ in range(QUERIES_PER_KIND):
        doc = synthetic_document(rng.randrange(count), seed)
        first, *_, last = doc.names[0].split(" ")
        kinds["name"].append((f'name:"{first} {last}"', f"{first} {last}"))
        kinds["fielded"].append(
            (
                f'school:"{doc.school}" year:{doc.grad_year}',
                f'"{doc.school}" {doc.grad_year}',
            )
        )
        if rng.random() < 0.5:
            phrase = f"Class of {doc.grad_year}"
        else:
            address = doc.text.splitlines()[3].split()
            phrase = " ".join(address[1:4])
        kinds["phrase"].append((f'"{phrase}"', f'"{phrase}"'))
        surname = last.split("-")[0]
        wrong = misspell(surname, rng)
        distance = 2 if len(surname) >= 8 else 1
        kinds["fuzzy name"].append((f"name:{wrong}", f"{wrong}~{distance}/1"))
    return kinds


def time_ours(path: str, queries: list[str]) -> list[float]:
    with SearchIndex.open(path) as index:
        index.search(queries[0])
        timings = []
        for query in queries:
            started = time.perf_counter()
            index.search(query, page_size=20)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def time_bare(path: str, queries: list[str]) -> list[float]:
    from whoosh import index as whoosh_index
    from whoosh.qparser import FuzzyTermPlugin, QueryParser

    ix = whoosh_index.open_dir(path)
    parser = QueryParser("content", ix.schema)
    parser.add_plugin(FuzzyTermPlugin())
    timings = []
    with ix.searcher() as searcher:
        for query in queries:
            started = time.perf_counter()
            results = searcher.search(parser.parse(query), limit=20)
            _ = [hit["id"] for hit in results], len(results)
            timings.append((time.perf_counter() - started) * 1000)
    ix.close()
    return timings


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def text_compression(seed: int) -> float:
    raw = packed = 0
    for number in range(500):
        text = synthetic_document(number, seed).text.encode()
        raw += len(text)
        packed += len(zlib.compress(text))
    return packed / raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the indexes in this folder")
    parser.add_argument(
        "--reuse-bare",
        action="store_true",
        help="with --keep: time queries on the bare index of an earlier run",
    )
    args = parser.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="search-bench-"))
    ours_path, bare_path = str(work / "ours"), str(work / "bare")
    reuse_bare = args.reuse_bare and args.keep and Path(bare_path).is_dir()
    shutil.rmtree(ours_path, ignore_errors=True)
    if not reuse_bare:
        shutil.rmtree(bare_path, ignore_errors=True)
    spawn = get_context("spawn")

    print(f"{args.docs} synthetic documents, seed {args.seed}, batches of {BATCH}")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        ours = pool.submit(build_ours, ours_path, args.docs, args.seed).result()
    if reuse_bare:
        bare = {
            "seconds": float("nan"),
            "memory": [],
            "bytes": folder_bytes(Path(bare_path)),
        }
        print("bare index reused from an earlier run: its build figures are not shown")
    else:
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            bare = pool.submit(build_bare, bare_path, args.docs, args.seed).result()

    ours_rate = args.docs / float(ours["seconds"])  # type: ignore[arg-type]
    bare_rate = args.docs / float(bare["seconds"])  # type: ignore[arg-type]
    print("\nbuild")
    print(
        f"  ours  {ours_rate:8.0f} docs/s   bare {bare_rate:8.0f} docs/s   "
        f"ratio (bare/ours time) {bare_rate / ours_rate:.2f}"
    )
    for mark, current, peak in ours["memory"]:  # type: ignore[attr-defined]
        at = "after merge" if mark < 0 else f"at {mark:>7} docs"
        print(f"  ours {at:<15}: RSS {current:7.1f} MB, peak {peak:7.1f} MB")
    for mark, current, peak in bare["memory"]:  # type: ignore[attr-defined]
        print(
            f"  bare at {mark:>7} docs   : RSS {current:7.1f} MB, peak {peak:7.1f} MB"
        )
    ours_bytes, bare_bytes = int(ours["bytes"]), int(bare["bytes"])  # type: ignore[call-overload]
    print(
        f"  size  ours {ours_bytes / 1e6:8.1f} MB   bare {bare_bytes / 1e6:8.1f} MB   "
        f"ratio {ours_bytes / bare_bytes:.2f}"
    )
    print(
        f"  stored OCR text is zlib-compressed to {text_compression(args.seed):.0%} "
        "of its size"
    )

    print(
        f"\nlatency, ms over {QUERIES_PER_KIND} queries each (ours includes facets"
        " and snippets)"
    )
    print(
        f"  {'kind':<11} {'ours p50':>9} {'ours p95':>9} {'bare p50':>9} "
        f"{'bare p95':>9} {'p95 ratio':>9}"
    )
    for kind, pairs in query_pairs(args.docs, args.seed).items():
        ours_ms = time_ours(ours_path, [o for o, _ in pairs])
        bare_ms = time_bare(bare_path, [b for _, b in pairs])
        o50, o95 = percentile(ours_ms, 0.5), percentile(ours_ms, 0.95)
        b50, b95 = percentile(bare_ms, 0.5), percentile(bare_ms, 0.95)
        print(
            f"  {kind:<11} {o50:9.1f} {o95:9.1f} {b50:9.1f} {b95:9.1f} {o95 / b95:9.2f}"
        )

    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
