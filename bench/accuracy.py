"""Measure the reading half of ingest against ground truth and bare tesseract.

Prints, asserts nothing. Over corpus/synthetic (truth.jsonl) and the real
scans that carry a `.gt.txt`: character error rate (CER) and word recall of
our page text next to plain `tesseract page.pgm - -l eng+spa` on the same
page images, upright pages apart from rotated ones; document-type accuracy;
roster-match precision and recall; and pages a minute of both, each with the
same number of worker processes.

    .venv/bin/python bench/accuracy.py [--workers 2] [--corpus DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.fields import fold
from ingest.match import RosterEntry, RosterIndex, match_student
from ingest.pages import decode_page
from ingest.reader import (
    DocumentPlan,
    PageResult,
    ReadResult,
    assemble_document,
    plan_document,
    read_page,
)

TRUTH_TYPES = {"immunization_record": "immunization"}


@dataclass
class Page:
    label: str
    group: str
    truth: str
    plan_index: int
    job_index: int


def main() -> None:
    arguments = _parse_arguments()
    corpus = arguments.corpus
    if not (corpus / "synthetic" / "truth.jsonl").exists():
        print(f"corpus not found at {corpus}; set RECORDS_CORPUS_DIR")
        return

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
        workdir = Path(scratch)
        documents = _load_documents(corpus, arguments.limit)
        plans = [
            plan_document(corpus / "synthetic" / doc["file"], workdir=workdir / "ours")
            for doc in documents
        ]
        real_plans, real_truths = _plan_real_scans(corpus / "real", workdir / "ours")
        all_plans = plans + real_plans

        jobs = [
            (p, j) for p, plan in enumerate(all_plans) for j in range(len(plan.jobs))
        ]
        scanned = [
            (p, j) for p, j in jobs if all_plans[p].jobs[j].source.text_layer is None
        ]
        print(
            f"{len(documents)} synthetic documents, {len(real_plans)} real scans, "
            f"{len(scanned)} page images, {arguments.workers} worker processes"
        )

        pgm_dir = workdir / "bare"
        pgm_dir.mkdir()
        pgm_paths = _rasterise(all_plans, scanned, pgm_dir)

        started = time.perf_counter()
        bare_texts = _run_bare(pgm_paths, arguments.workers)
        bare_seconds = time.perf_counter() - started

        started = time.perf_counter()
        results = _run_ours(all_plans, jobs, arguments.workers)
        our_seconds = time.perf_counter() - started

        read = [
            assemble_document(plan, [results[(p, j)] for j in range(len(plan.jobs))])
            for p, plan in enumerate(all_plans)
        ]

    _report_speed(len(scanned), bare_seconds, our_seconds, arguments.workers)
    pages = _pages_with_truth(documents, real_truths, all_plans, len(plans))
    _report_accuracy(pages, results, dict(zip(scanned, bare_texts, strict=True)))
    _report_documents(documents, read[: len(plans)], corpus)


def _parse_arguments() -> argparse.Namespace:
    default_corpus = os.environ.get(
        "RECORDS_CORPUS_DIR",
        str(Path(__file__).resolve().parents[2] / "shared" / "corpus"),
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=Path(default_corpus))
    parser.add_argument("--limit", type=int, default=0, help="first N documents")
    return parser.parse_args()


def _load_documents(corpus: Path, limit: int) -> list[dict[str, object]]:
    lines = (corpus / "synthetic" / "truth.jsonl").read_text().splitlines()
    documents = [json.loads(line) for line in lines if line.strip()]
    return documents[:limit] if limit else documents


def _plan_real_scans(
    real: Path, workdir: Path
) -> tuple[list[DocumentPlan], list[tuple[str, list[str]]]]:
    plans, truths = [], []
    for truth_file in sorted(real.glob("*.gt.txt")):
        source = truth_file.with_name(truth_file.name.removesuffix(".gt.txt"))
        plans.append(plan_document(source, workdir=workdir))
        truths.append((source.name, truth_file.read_text().split("\f")))
    return plans, truths


def _rasterise(
    plans: list[DocumentPlan], scanned: list[tuple[int, int]], folder: Path
) -> list[Path]:
    """The page images bare tesseract reads: our decoder, no turning or OCR tricks."""
    from PIL import Image

    paths = []
    for p, j in scanned:
        job = plans[p].jobs[j]
        image = decode_page(job.source, job.limits)
        path = folder / f"{p:04d}-{j:04d}.pgm"
        Image.fromarray(image.pixels).save(path)
        paths.append(path)
    return paths


def _bare_tesseract(path: Path) -> str:
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    completed = subprocess.run(
        ["tesseract", str(path), "-", "-l", "eng+spa"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    return completed.stdout


def _run_bare(paths: list[Path], workers: int) -> list[str]:
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_bare_tesseract, paths))


def _read_job(
    job_and_key: tuple[object, tuple[int, int]],
) -> tuple[tuple[int, int], PageResult]:
    job, key = job_and_key
    return key, read_page(job)  # type: ignore[arg-type]


def _run_ours(
    plans: list[DocumentPlan], jobs: list[tuple[int, int]], workers: int
) -> dict[tuple[int, int], PageResult]:
    work = [(plans[p].jobs[j], (p, j)) for p, j in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return dict(pool.map(_read_job, work))


def _pages_with_truth(
    documents: list[dict[str, object]],
    real_truths: list[tuple[str, list[str]]],
    plans: list[DocumentPlan],
    synthetic_count: int,
) -> list[Page]:
    pages = []
    for p, doc in enumerate(documents):
        if doc["born_digital"]:
            continue
        for j, text in enumerate(doc["page_text"]):  # type: ignore[arg-type]
            if text.strip():
                rotated = doc["rotated"][j]  # type: ignore[index]
                group = "synthetic rotated" if rotated else "synthetic upright"
                pages.append(Page(f"{doc['file']}#{j + 1}", group, text, p, j))
    for offset, (name, texts) in enumerate(real_truths):
        p = synthetic_count + offset
        tilted = any(word in name for word in ("rotated", "skew", "-90"))
        group = "real rotated/skewed" if tilted else "real upright"
        for j, text in enumerate(texts[: len(plans[p].jobs)]):
            if text.strip():
                pages.append(Page(f"{name}#{j + 1}", group, text, p, j))
    return pages


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _cer(ours: str, truth: str) -> float:
    truth = _collapse(truth)
    return Levenshtein.distance(_collapse(ours), truth) / max(1, len(truth))


def _word_recall(ours: str, truth: str) -> float:
    found = set(fold(ours).split())
    words = fold(truth).split()
    return sum(word in found for word in words) / max(1, len(words))


def _report_speed(pages: int, bare: float, ours: float, workers: int) -> None:
    print()
    print(f"speed over {pages} page images, {workers} processes each")
    for label, seconds in (
        ("bare tesseract (PGM, eng+spa)", bare),
        ("our reading pipeline", ours),
    ):
        print(f"  {label:30} {seconds:7.1f} s  {pages / seconds * 60:6.1f} pages/min")
    print(f"  ours / bare time: {ours / bare:.2f}x (goal <= 1.15x)")


def _report_accuracy(
    pages: list[Page],
    results: dict[tuple[int, int], PageResult],
    bare: dict[tuple[int, int], str],
) -> None:
    print()
    print("CER (median / mean) and word recall (mean), pages with text")
    print(
        f"  {'group':22} {'pages':>5}  {'ours CER':>15}  {'bare CER':>15}  "
        f"{'ours rec':>8}  {'bare rec':>8}"
    )
    groups = sorted({page.group for page in pages})
    for group in groups:
        members = [page for page in pages if page.group == group]
        ours = [results[(m.plan_index, m.job_index)].text for m in members]
        theirs = [bare.get((m.plan_index, m.job_index), "") for m in members]
        our_cer = [_cer(o, m.truth) for o, m in zip(ours, members, strict=True)]
        bare_cer = [_cer(b, m.truth) for b, m in zip(theirs, members, strict=True)]
        our_recall = [
            _word_recall(o, m.truth) for o, m in zip(ours, members, strict=True)
        ]
        bare_recall = [
            _word_recall(b, m.truth) for b, m in zip(theirs, members, strict=True)
        ]
        print(
            f"  {group:22} {len(members):5d}  "
            f"{statistics.median(our_cer):6.3f} / {statistics.mean(our_cer):6.3f}  "
            f"{statistics.median(bare_cer):6.3f} / {statistics.mean(bare_cer):6.3f}  "
            f"{statistics.mean(our_recall):8.3f}  {statistics.mean(bare_recall):8.3f}"
        )


def _load_roster(corpus: Path) -> RosterIndex:
    entries = []
    with (corpus / "synthetic" / "roster.csv").open(newline="") as file:
        for row in csv.DictReader(file):
            entries.append(
                RosterEntry(
                    student_id=row["student_id"],
                    last_name=row["last_name"],
                    first_name=row["first_name"],
                    middle_name=row["middle_name"],
                    birth_date=row["birth_date"] or None,
                    grad_year=int(row["grad_year"]) if row["grad_year"] else None,
                    last_school=row["last_school"],
                    other_names=tuple(
                        name.strip()
                        for name in row["other_names"].split(";")
                        if name.strip()
                    ),
                )
            )
    return RosterIndex(entries)


def _report_documents(
    documents: list[dict[str, object]], read: list[ReadResult], corpus: Path
) -> None:
    roster = _load_roster(corpus)
    right_type = linked_right = linked_wrong = 0
    owners = sum(1 for doc in documents if doc["student_id"])
    not_on_roster_linked = 0
    missed: list[str] = []
    for doc, result in zip(documents, read, strict=True):
        truth_type = TRUTH_TYPES.get(str(doc["doc_type"]), str(doc["doc_type"]))
        right_type += result.fields.doc_type == truth_type
        if result.fields.doc_type != truth_type:
            missed.append(
                f"type {doc['file']}: {result.fields.doc_type} != {truth_type}"
            )
        match = match_student(result.fields, roster)
        if match.status == "linked":
            if match.student_id == doc["student_id"]:
                linked_right += 1
            else:
                linked_wrong += 1
                not_on_roster_linked += doc["student_id"] is None
                missed.append(f"WRONG LINK {doc['file']}")
        elif doc["student_id"]:
            missed.append(f"review {doc['file']} ({match.status}) tags={doc['tags']}")

    linked = linked_right + linked_wrong
    print()
    print(
        f"document type: {right_type}/{len(documents)} right "
        f"({right_type / len(documents):.1%})"
    )
    print(
        f"roster match: {linked} linked, {linked_right} right, {linked_wrong} wrong "
        f"({not_on_roster_linked} of them not on the roster)"
    )
    print(
        f"  precision {linked_right / max(1, linked):.1%}; recall "
        f"{linked_right / max(1, owners):.1%} of {owners} documents whose owner "
        "is on the roster (goal >= 90%, wrong links 0)"
    )
    for line in missed:
        print("  " + line)


if __name__ == "__main__":
    main()
