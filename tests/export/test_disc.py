"""Disc images: the bag's exact names survive, and files read back whole."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pycdlib
import pytest

from archive.export.disc import iso9660_name, volume_id_for
from tests.builders import STUDENT
from tests.export.conftest import Exported


@pytest.fixture
def disc(exported: Exported) -> Iterator[pycdlib.PyCdlib]:
    iso = pycdlib.PyCdlib()
    iso.open(str(exported.iso))
    yield iso
    iso.close()


def names_under(iso: pycdlib.PyCdlib, kind: str) -> set[str]:
    found = set()
    for here, _dirs, files in iso.walk(**{kind: "/"}):
        for name in files:
            found.add(f"{here.rstrip('/')}/{name}".lstrip("/"))
    return found


def bag_names(bag: Path) -> set[str]:
    return {p.relative_to(bag).as_posix() for p in bag.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("rr_path", id="rock-ridge"),
        pytest.param("joliet_path", id="joliet"),
    ],
)
def test_disc_keeps_every_name_of_the_bag(
    exported: Exported, disc: pycdlib.PyCdlib, kind: str
) -> None:
    assert names_under(disc, kind) == bag_names(exported.bag)


def test_a_document_read_from_the_disc_is_the_file_ingested(
    exported: Exported, disc: pycdlib.PyCdlib
) -> None:
    for document_id, source in exported.sources.items():
        out = io.BytesIO()
        disc.get_file_from_iso_fp(out, rr_path=f"/data/documents/{document_id}.pdf")
        assert out.getvalue() == source.read_bytes()


def test_the_volume_is_named_for_the_student(disc: pycdlib.PyCdlib) -> None:
    volume = disc.pvd.volume_identifier.decode("ascii").strip()

    assert volume == volume_id_for(STUDENT) == STUDENT


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("bagit.txt", "BAGIT.TXT", id="short"),
        pytest.param("manifest-sha256.txt", "MANIFEST_SHA256.TXT", id="hyphen"),
        pytest.param(
            "0123456789abcdef0123456789abcdef.pdf",
            "0123456789ABCDEF0123456789A.PDF",
            id="long-id",
        ),
        pytest.param("Zeugnis ü.pdf", "ZEUGNIS__.PDF", id="not-d-characters"),
        pytest.param("README", "README", id="no-extension"),
        pytest.param(".hidden", "_HIDDEN", id="leading-dot"),
    ],
)
def test_iso9660_names_use_d_characters_within_30(name: str, expected: str) -> None:
    mangled = iso9660_name(name, set())

    assert mangled == expected
    assert len(mangled.replace(".", "")) <= 30


def test_iso9660_names_stay_unique_within_a_folder() -> None:
    taken: set[str] = set()
    stem = "f" * 32
    names = [iso9660_name(f"{stem}{n}.json", taken) for n in range(12)]

    assert len(set(names)) == 12
    assert all(len(n.replace(".", "")) <= 30 for n in names)


@pytest.mark.parametrize(
    ("student_id", "volume"),
    [
        pytest.param("2256524", "2256524", id="digits"),
        pytest.param("ab-12", "AB_12", id="hyphen"),
        pytest.param("x" * 40, "X" * 32, id="too-long"),
    ],
)
def test_volume_id_follows_the_student_id(student_id: str, volume: str) -> None:
    assert volume_id_for(student_id) == volume
