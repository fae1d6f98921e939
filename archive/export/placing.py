"""Put a finished export in place without ever writing over anything.

The bag and its image are made under hidden names beside their targets,
flushed to disk, and only then given their real names: a crash or an error
at any point leaves at most a hidden ``.NAME.partial-*`` entry, never a
folder or an image that looks finished but is not.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from archive.export.errors import ExportUsage, TargetNotEmpty


def check_targets(bag_dir: Path, iso_path: Path | None) -> None:
    """Refuse, before any work, a target that exists or cannot be made."""
    if not bag_dir.parent.is_dir():
        raise ExportUsage(
            f"the folder {bag_dir.parent} does not exist; create it or choose "
            "another place for the bag"
        )
    if bag_dir.exists() and not bag_dir.is_dir():
        raise TargetNotEmpty(f"{bag_dir} is a file; name a new or empty folder")
    if bag_dir.is_dir() and any(bag_dir.iterdir()):
        raise TargetNotEmpty(
            f"{bag_dir} is not empty; name a new or empty folder (nothing was written)"
        )
    if iso_path is None:
        return

    if iso_path.exists():
        raise TargetNotEmpty(
            f"{iso_path} exists; choose another name for the disc image "
            "(nothing was written)"
        )
    if not iso_path.parent.is_dir():
        raise ExportUsage(
            f"the folder {iso_path.parent} does not exist; create it or choose "
            "another place for the disc image"
        )
    if iso_path.absolute().is_relative_to(bag_dir.absolute()):
        raise ExportUsage("put the disc image outside the bag folder")


def sync_tree(root: Path) -> None:
    """Flush every file and folder of the bag before it is renamed into place."""
    for here, _folders, files in os.walk(root):
        for name in files:
            _fsync(Path(here) / name, os.O_RDONLY)
        _fsync(Path(here), os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def staged_folder(target: Path) -> Path:
    """Make the hidden folder beside ``target`` in which the bag is built."""
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))


def staged_file(target: Path) -> Path:
    """Make the hidden file beside ``target`` into which the image is written."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.partial-", dir=target.parent)
    os.close(fd)
    return Path(name)


def place(
    staging: Path, bag_dir: Path, staged_image: Path | None, iso_path: Path | None
) -> None:
    """Move the image, then the bag, into place; undo the image if the bag fails."""
    if staged_image is not None and iso_path is not None:
        _fsync(staged_image, os.O_RDONLY)
        _link_into_place(staged_image, iso_path)
    try:
        os.rename(staging, bag_dir)
    except OSError as err:
        if iso_path is not None:
            iso_path.unlink(missing_ok=True)
        raise TargetNotEmpty(
            f"could not put the bag at {bag_dir} ({err.strerror}); nothing was "
            "written: name a new or empty folder and run the export again"
        ) from err
    _fsync(bag_dir.parent, os.O_RDONLY | os.O_DIRECTORY)


def _link_into_place(staged: Path, target: Path) -> None:
    """Give the staged file its name without ever replacing a file there."""
    try:
        os.link(staged, target)
    except FileExistsError as err:
        raise TargetNotEmpty(f"{target} appeared while the export ran") from err
    except OSError:
        # Some removable media have no hard links; fall back to a rename.
        if target.exists():
            raise TargetNotEmpty(f"{target} appeared while the export ran") from None
        os.rename(staged, target)
    else:
        staged.unlink()
    _fsync(target.parent, os.O_RDONLY | os.O_DIRECTORY)
