"""Check an exported bag, as a folder or as a disc image, file by file.

This is what the recipient runs (or any BagIt tool does the same): every
file is read and its SHA-256 compared with the manifest, and every file
that is missing, added or changed is named, not just the first.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import bagit

from archive.export.bag import quiet_bagit
from archive.export.disc import extract_disc_image
from archive.export.errors import NotABag

_CHUNK = 1 << 20


@dataclass(frozen=True)
class BagCheck:
    """The verdict on one bag: how many payload files, and what is wrong."""

    files: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_export(path: Path) -> BagCheck:
    """Check a bag folder, or a disc image by copying it out to a temporary folder."""
    if path.is_dir():
        return check_bag(path)
    if path.is_file():
        with tempfile.TemporaryDirectory(prefix="records-export-check-") as scratch:
            extracted = Path(scratch) / "bag"
            extract_disc_image(path, extracted)
            return check_bag(extracted)
    raise NotABag(f"{path} is neither a bag folder nor a disc image file")


def check_bag(path: Path) -> BagCheck:
    """Validate with bagit (every digest recomputed) and name each bad file.

    bagit stops at the payload's file count and size before it compares
    digests, and then says only that the count is wrong; in that case the
    files are compared here one by one so that the report still names them.
    """
    try:
        with quiet_bagit():
            bag = bagit.Bag(str(path))
    except bagit.BagError as err:
        raise NotABag(f"{path} is not a BagIt bag: {err}") from err
    files = len(bag.payload_entries())

    try:
        with quiet_bagit():
            bag.validate(fast=False)
    except bagit.BagValidationError as err:
        problems = [_describe(detail) for detail in err.details]
        if not problems:
            problems = _compare_files(bag) or [str(err)]
        return BagCheck(files, problems)
    except bagit.BagError as err:
        return BagCheck(files, [str(err)])
    return BagCheck(files)


def _describe(detail: bagit.BagError) -> str:
    if isinstance(detail, bagit.ChecksumMismatch):
        return f"{detail.path}: changed ({detail.algorithm} differs from the manifest)"
    if isinstance(detail, bagit.FileMissing):
        return f"{detail.path}: missing (listed in the manifest)"
    if isinstance(detail, bagit.UnexpectedFile):
        return f"{detail.path}: not in the manifest (added after the bag was made)"
    return str(detail)


def _compare_files(bag: bagit.Bag) -> list[str]:
    """Name missing, added and changed files without stopping at the first."""
    missing, added = bag.compare_manifests_with_fs()
    problems = [f"{name}: missing (listed in the manifest)" for name in missing]
    problems += [
        f"{name}: not in the manifest (added after the bag was made)" for name in added
    ]
    root = Path(bag.path)
    for name, digests in sorted(bag.entries.items()):
        expected = digests.get("sha256")
        file = root / name
        if expected is None or name in missing or not file.is_file():
            continue
        if _sha256(file) != expected.lower():
            problems.append(f"{name}: changed (sha256 differs from the manifest)")
    return problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
