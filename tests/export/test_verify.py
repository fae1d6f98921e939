"""``records export verify``: a damaged bag or disc image names every bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.export import NotABag, check_export
from tests.export.conftest import Exported, run_export


def payload_file(bag: Path) -> Path:
    return sorted((bag / "data" / "documents").iterdir())[0]


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_changed_byte_fails_and_names_the_file(exported: Exported) -> None:
    changed = payload_file(exported.bag)
    flip_byte(changed, 200)

    result = run_export(exported.env, "verify", str(exported.bag))

    assert result.returncode == 1
    name = changed.relative_to(exported.bag).as_posix()
    assert f"FAILED {name}: changed" in result.stderr
    assert "valid:" not in result.stdout


def test_a_deleted_file_fails_and_names_the_file(exported: Exported) -> None:
    deleted = payload_file(exported.bag)
    deleted.unlink()

    result = run_export(exported.env, "verify", str(exported.bag))

    assert result.returncode == 1
    name = deleted.relative_to(exported.bag).as_posix()
    assert f"FAILED {name}: missing" in result.stderr


def test_every_bad_file_is_named_not_just_the_first(exported: Exported) -> None:
    deleted, changed = sorted((exported.bag / "data" / "documents").iterdir())
    deleted.unlink()
    flip_byte(changed, 100)
    added = exported.bag / "data" / "documents" / "extra.pdf"
    added.write_bytes(b"%PDF-1.4 slipped in")

    report = check_export(exported.bag)

    named = {problem.split(":")[0] for problem in report.problems}
    assert named == {
        p.relative_to(exported.bag).as_posix() for p in (deleted, changed, added)
    }
    assert not report.ok


def test_an_edited_bag_info_is_caught(exported: Exported) -> None:
    info = exported.bag / "bag-info.txt"
    info.write_text(
        info.read_text(encoding="utf-8").replace(
            "Document-Count: 2", "Document-Count: 3"
        ),
        encoding="utf-8",
    )

    report = check_export(exported.bag)

    assert [p.split(":")[0] for p in report.problems] == ["bag-info.txt"]


def test_a_changed_byte_inside_the_disc_image_names_the_file(
    exported: Exported,
) -> None:
    document_id, source = next(iter(exported.sources.items()))
    image = exported.iso.read_bytes()
    at = image.find(source.read_bytes())
    assert at > 0
    flip_byte(exported.iso, at + 300)

    report = check_export(exported.iso)

    assert [p.split(":")[0] for p in report.problems] == [
        f"data/documents/{document_id}.pdf"
    ]


def test_a_folder_that_is_not_a_bag_is_bad_input(
    exported: Exported, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()

    result = run_export(exported.env, "verify", str(folder))

    assert result.returncode == 2
    assert "is not a BagIt bag" in result.stderr


def test_a_file_that_is_not_a_disc_image_is_bad_input(tmp_path: Path) -> None:
    fake = tmp_path / "records.iso"
    fake.write_bytes(b"not a disc" * 1000)

    with pytest.raises(NotABag, match="not a readable ISO 9660 disc image"):
        check_export(fake)
