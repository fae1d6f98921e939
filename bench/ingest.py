"""Measure the ingest pipeline against bare tesseract on the same pages.

Prints pages per minute of the whole pipeline (sniff, read, orient, OCR,
match, encrypt, store, record, index) over the scans of ../shared/corpus
(the synthetic box and the real scans with ground truth) and, in the same
run, of the bare ``tesseract`` command over the same pages rasterised to
grayscale PGM files (rasterising is not timed), with the same number of
processes. Then the pages per second of born-digital PDFs, which need no
OCR. Nothing here fails on a number.

    python bench/ingest.py [--workers 2] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pikepdf  # noqa: E402
import pypdfium2  # noqa: E402
from PIL import Image, ImageSequence  # noqa: E402

from archive.config import load_settings  # noqa: E402
from archive.context import open_archive  # noqa: E402
from archive.db import create_db_engine, migrate  # noqa: E402
from archive.roster import import_roster  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from storage.keyring import Keyring  # noqa: E402

LANGUAGES = "eng+spa"


def scans(corpus: Path) -> tuple[list[Path], list[Path]]:
    """The scanned files and the born-digital PDFs of the corpus."""
    scanned: list[Path] = []
    born_digital: list[Path] = []
    for line in (corpus / "synthetic" / "truth.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry.get("duplicate_of"):
            continue
        path = corpus / "synthetic" / entry["file"]
        (born_digital if entry["born_digital"] else scanned).append(path)
    real = corpus / "real"
    scanned += sorted(p.with_suffix("") for p in real.glob("*.gt.txt"))
    return [p for p in scanned if p.exists()], born_digital


def rasterise(path: Path, out: Path) -> list[Path]:
    """Write each page as a grayscale PGM, the cheapest input tesseract reads."""
    pages: list[Path] = []
    if path.read_bytes()[:5] == b"%PDF-":
        document = pypdfium2.PdfDocument(path)
        for number in range(len(document)):
            image = document[number].render(scale=300 / 72, grayscale=True).to_pil()
            pages.append(_save(image, out, path, number))
        document.close()
        return pages
    with Image.open(path) as image:
        for number, frame in enumerate(ImageSequence.Iterator(image)):
            pages.append(_save(frame, out, path, number))
    return pages


def _save(image: Image.Image, out: Path, path: Path, number: int) -> Path:
    target = out / f"{path.stem}-{number:03d}.pgm"
    image.convert("L").save(target)
    return target


def bare_tesseract(pages: list[Path], workers: int) -> float:
    """Seconds for plain tesseract over every page, ``workers`` at a time."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: Path) -> None:
        subprocess.run(
            ["tesseract", str(page), "-", "-l", LANGUAGES],
            env=env,
            capture_output=True,
            check=True,
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, pages))
    return time.perf_counter() - start


def pipeline(
    files: list[Path], workers: int, work: Path, roster: Path
) -> tuple[float, int]:
    """Seconds and pages for ``records ingest`` of the files into a new archive."""
    env = {"RECORDS_DATA_DIR": str(work), "RECORDS_OCR_LANGUAGES": LANGUAGES}
    settings = load_settings(env)
    work.mkdir(parents=True)
    engine = create_db_engine(settings.database_url)
    migrate(engine)
    engine.dispose()
    Keyring.create(settings.key_file)
    archive = open_archive(settings)
    try:
        import_roster(archive.sessions, roster, actor="bench")
        start = time.perf_counter()
        summary = ingest_paths(archive, files, actor="bench", workers=workers)
        return time.perf_counter() - start, summary.pages
    finally:
        archive.close()


def distinct_copies(files: list[Path], copies: int, out: Path) -> list[Path]:
    """Born-digital PDFs with distinct bytes, so none is taken for a duplicate."""
    made = []
    for n in range(copies):
        for path in files:
            target = out / f"{path.stem}-{n}.pdf"
            with pikepdf.open(path) as pdf:
                pdf.docinfo["/Title"] = f"bench copy {n}"
                pdf.save(target)
            made.append(target)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--corpus", type=Path, default=REPO.parent / "shared" / "corpus"
    )
    parser.add_argument("--born-digital-copies", type=int, default=8)
    args = parser.parse_args()
    if not (args.corpus / "synthetic" / "truth.jsonl").exists():
        sys.exit(f"no corpus at {args.corpus}; pass --corpus")
    roster = args.corpus / "synthetic" / "roster.csv"
    scanned, born_digital = scans(args.corpus)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        images = work / "pages"
        images.mkdir()
        pages = [page for path in scanned for page in rasterise(path, images)]
        bare = bare_tesseract(pages, args.workers)
        ours, our_pages = pipeline(scanned, args.workers, work / "scans", roster)

        copies = work / "born-digital"
        copies.mkdir()
        digital = distinct_copies(born_digital, args.born_digital_copies, copies)
        digital_seconds, digital_pages = pipeline(
            digital, args.workers, work / "digital", roster
        )

    print(f"scans: {len(scanned)} files, {len(pages)} pages, {args.workers} processes")
    for label, count, seconds in (
        ("bare tesseract (PGM pages)", len(pages), bare),
        ("records ingest", our_pages, ours),
    ):
        print(f"  {label:<27}{count / seconds * 60:7.1f} pages/min  {seconds:6.1f} s")
    print(f"  ingest time / bare OCR time: {ours / bare:.2f}  (goal: at most 1.15)")
    print(f"born-digital PDFs: {len(digital)} files, {digital_pages} pages")
    print(
        f"  records ingest {digital_pages / digital_seconds:6.1f} pages/s"
        "  (goal: at least 20)"
    )


if __name__ == "__main__":
    main()
