"""Disc images of a bag: ISO 9660 with Joliet and Rock Ridge names.

Plain ISO 9660 names are short, upper-case and limited to A-Z, 0-9 and
``_``, so ``manifest-sha256.txt`` or a 32-digit document id would not
survive on their own. Every file therefore carries three names: a mangled
ISO 9660 one for the oldest readers, a Joliet one for Windows and a Rock
Ridge one for Linux and macOS; the last two keep the bag's names exactly,
which is what a BagIt check of the mounted disc needs.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

import pycdlib
from pycdlib.pycdlibexception import PyCdlibException

from archive.export.errors import ExportError, NotABag

APPLICATION = "STUDENT RECORDS ARCHIVE"
# Ecma-119 7.5.2: a file identifier's name and extension hold 30 characters.
_ISO_NAME_LENGTH = 30
_JOLIET_NAME_LENGTH = 64
_NOT_D_CHARACTERS = re.compile(r"[^A-Z0-9_]")


def volume_id_for(student_id: str) -> str:
    """Name the volume after the student, in the characters ISO 9660 allows."""
    return _NOT_D_CHARACTERS.sub("_", student_id.upper())[:32] or "RECORDS"


def iso9660_name(name: str, taken: set[str], *, directory: bool = False) -> str:
    """Mangle ``name`` into a unique ISO 9660 level 3 identifier within a folder.

    The mangled name is only a fallback for readers that know neither
    Joliet nor Rock Ridge; uniqueness matters more than resemblance.
    """
    stem, dot, extension = name.upper().rpartition(".")
    if directory or not dot or not stem:
        stem, extension = name.upper(), ""
    stem = _NOT_D_CHARACTERS.sub("_", stem) or "_"
    extension = _NOT_D_CHARACTERS.sub("_", extension)[:8]
    room = _ISO_NAME_LENGTH - len(extension)

    candidate = stem[:room]
    counter = 0
    while _joined(candidate, extension) in taken:
        counter += 1
        suffix = f"_{counter}"
        candidate = stem[: room - len(suffix)] + suffix
    identifier = _joined(candidate, extension)
    taken.add(identifier)
    return identifier


def _joined(stem: str, extension: str) -> str:
    return f"{stem}.{extension}" if extension else stem


def write_disc_image(bag_dir: Path, target: Path, *, volume_id: str) -> None:
    """Write the folder ``bag_dir`` as an ISO image at ``target``, bag at the root.

    Files are read while the image is written, one at a time, so memory
    stays small whatever the size of the records.
    """
    iso = pycdlib.PyCdlib()
    iso.new(
        interchange_level=3,
        vol_ident=volume_id,
        app_ident_str=APPLICATION,
        joliet=3,
        rock_ridge="1.09",
    )
    try:
        _add_tree(iso, bag_dir)
        iso.write(str(target))
    except PyCdlibException as err:
        raise ExportError(f"could not write the disc image: {err}") from err
    finally:
        iso.close()


def _add_tree(iso: pycdlib.PyCdlib, root: Path) -> None:
    """Add every folder and file under ``root``, each under its three names."""
    iso_dirs = {root: ""}
    joliet_dirs = {root: ""}
    for here, folders, files in os.walk(root):
        folder = Path(here)
        taken: set[str] = set()
        folders.sort()
        for name in folders:
            _check_joliet_name(name)
            iso_dirs[folder / name] = iso_path = (
                f"{iso_dirs[folder]}/{iso9660_name(name, taken, directory=True)}"
            )
            joliet_dirs[folder / name] = joliet_path = f"{joliet_dirs[folder]}/{name}"
            iso.add_directory(iso_path, rr_name=name, joliet_path=joliet_path)
        for name in sorted(files):
            _check_joliet_name(name)
            iso.add_file(
                str(folder / name),
                iso_path=f"{iso_dirs[folder]}/{iso9660_name(name, taken)};1",
                rr_name=name,
                joliet_path=f"{joliet_dirs[folder]}/{name}",
            )


def _check_joliet_name(name: str) -> None:
    if len(name) > _JOLIET_NAME_LENGTH:
        raise ExportError(
            f"{name!r} is longer than the {_JOLIET_NAME_LENGTH} characters a disc "
            "image's Joliet names hold"
        )


def extract_disc_image(image: Path, target: Path) -> None:
    """Copy every file of the disc image into the empty folder ``target``.

    Rock Ridge names are used when the image has them, Joliet names
    otherwise; an image with neither cannot hold a bag's names, so it is
    refused rather than checked under mangled names.
    """
    iso = pycdlib.PyCdlib()
    try:
        iso.open(str(image))
    except (PyCdlibException, OSError) as err:
        raise NotABag(f"{image} is not a readable ISO 9660 disc image: {err}") from err
    try:
        if iso.has_rock_ridge():
            kind = "rr_path"
        elif iso.has_joliet():
            kind = "joliet_path"
        else:
            raise NotABag(
                f"{image} has neither Rock Ridge nor Joliet names, so the bag's "
                "file names did not survive; make the image again with "
                "`records export --iso`"
            )
        _copy_tree(iso, kind, target)
    except PyCdlibException as err:
        raise NotABag(f"{image} could not be read in full: {err}") from err
    finally:
        iso.close()


def _copy_tree(iso: pycdlib.PyCdlib, kind: str, target: Path) -> None:
    for here, _folders, files in iso.walk(**{kind: "/"}):
        folder = _inside(target, here)
        folder.mkdir(parents=True, exist_ok=True)
        for name in files:
            local = _inside(target, posixpath.join(here, name))
            iso.get_file_from_iso(str(local), **{kind: posixpath.join(here, name)})


def _inside(root: Path, disc_path: str) -> Path:
    """Map a path on the disc under ``root``, refusing any that would escape it."""
    parts = [part for part in disc_path.split("/") if part]
    if any(part in (".", "..") or "\x00" in part for part in parts):
        raise NotABag(f"the disc image holds an unsafe path {disc_path!r}")
    return root.joinpath(*parts)
