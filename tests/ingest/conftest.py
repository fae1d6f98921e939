from __future__ import annotations

import os
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "samples"


def corpus_dir() -> Path:
    """The shared corpus beside the checkout, or RECORDS_CORPUS_DIR."""
    default = Path(__file__).resolve().parents[3] / "shared" / "corpus"
    return Path(os.environ.get("RECORDS_CORPUS_DIR", default))


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def real_corpus() -> Path:
    real = corpus_dir() / "real"
    if not (real / "MANIFEST.tsv").exists():
        pytest.skip(f"shared corpus not found at {real}; set RECORDS_CORPUS_DIR")
    return real


@pytest.fixture
def synthetic_corpus() -> Path:
    synthetic = corpus_dir() / "synthetic"
    if not (synthetic / "truth.jsonl").exists():
        pytest.skip(f"shared corpus not found at {synthetic}; set RECORDS_CORPUS_DIR")
    return synthetic


def character_error_rate(text: str, truth: str) -> float:
    from rapidfuzz.distance import Levenshtein

    ours, expected = " ".join(text.split()), " ".join(truth.split())
    return Levenshtein.distance(ours, expected) / max(1, len(expected))
