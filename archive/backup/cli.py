"""The backup commands: ``records backup``, ``backup list``, ``backup verify``
and ``records restore``.

``records backup TARGET`` and ``records backup list TARGET`` must both work,
so the group reads a first argument that is not one of its subcommands as
the target of the default action. A target folder whose name is a
subcommand's (``list``, ``verify``) is written ``./list``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click

from archive.backup.errors import BackupError
from archive.backup.manifest import list_snapshot_ids, read_manifest
from archive.backup.recovery import SECRET_ENV, RecoverySecret
from archive.backup.restore import restore_snapshot
from archive.backup.snapshot import create_snapshot
from archive.backup.verify import verify_snapshot
from archive.config import load_settings
from archive.context import Archive, open_archive
from archive.errors import ArchiveError
from archive.progress import progress_bar
from storage.blobstore import BlobStore
from storage.stores import open_blob_store

DEFAULT_ACTION = "create"

recovery_key_option = click.option(
    "--recovery-key-file",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar=SECRET_ENV,
    help=f"File holding the recovery secret (or set {SECRET_ENV}).",
)


class BackupGroup(click.Group):
    """A group whose first argument is a target unless it names a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [DEFAULT_ACTION, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = ctx.command_path
        formatter.write_usage(path, "[OPTIONS] TARGET")
        formatter.write_usage(path, "COMMAND [ARGS]...", prefix="   or: ")


@click.group("backup", cls=BackupGroup)
def backup_group() -> None:
    """Back the archive up to TARGET, a folder or s3://bucket/prefix.

    Objects are copied as ciphertext and only when the target lacks them;
    the database, the key file and the data keys are sealed under the
    recovery secret, read from the file --recovery-key-file or
    RECORDS_RECOVERY_KEY_FILE names. The last line printed is the new
    snapshot's id.
    """


@backup_group.command(DEFAULT_ACTION, hidden=True)
@click.argument("target")
@recovery_key_option
def backup_create(target: str, recovery_key_file: Path | None) -> None:
    """Back the archive up to TARGET as a new snapshot."""
    secret = RecoverySecret.load(recovery_key_file)
    archive = open_archive(load_settings())
    try:
        store = open_target(target, must_exist=False)
        _refuse_own_store(archive, store)
        with progress_bar("backing up objects", None) as advance:
            report = create_snapshot(
                archive,
                store,
                secret,
                actor=_actor(),
                progress=advance,
                on_total=advance.set_total,
            )
    finally:
        archive.close()
    click.echo(
        f"objects:  {report.objects} in the snapshot, {report.copied} copied "
        f"({_size(report.copied_bytes)})"
    )
    click.echo(f"database: {report.rows} rows, audit log head {report.audit_head_seq}")
    click.echo(report.snapshot_id)


@backup_group.command("list")
@click.argument("target")
def backup_list(target: str) -> None:
    """List the complete snapshots in TARGET, oldest first.

    Each line: id, time (UTC), objects, audit log head. The manifests are
    not authenticated here; `records backup verify` does that.
    """
    store = open_target(target, must_exist=True)
    ids = list_snapshot_ids(store)
    if not ids:
        click.echo(f"no complete snapshot in {store.location}", err=True)
    damaged = False
    for snapshot_id in ids:
        try:
            manifest = read_manifest(store, snapshot_id)
        except ArchiveError as err:
            click.echo(f"{snapshot_id}  DAMAGED: {err}")
            damaged = True
            continue
        click.echo(
            f"{manifest.snapshot_id}  {manifest.created}  "
            f"{len(manifest.objects)} objects  audit head {manifest.audit_head_seq}"
        )
    if damaged:
        raise click.exceptions.Exit(1)


@backup_group.command("verify")
@click.argument("target")
@click.argument("snapshot", required=False)
@click.option(
    "--sample",
    type=click.FloatRange(0, 100, min_open=True),
    help="Read back only this percentage of the objects, chosen at random.",
)
@recovery_key_option
def backup_verify(
    target: str,
    snapshot: str | None,
    sample: float | None,
    recovery_key_file: Path | None,
) -> None:
    """Read a snapshot back (the newest by default) and check every digest.

    Exits 1 naming every changed, missing or extra object or part.
    """
    secret = RecoverySecret.load(recovery_key_file)
    store = open_target(target, must_exist=True)
    with progress_bar("verifying objects", None) as advance:
        manifest, report = verify_snapshot(
            store,
            secret,
            snapshot,
            sample=sample,
            progress=advance,
            on_total=advance.set_total,
        )
    _echo_failures([*report.problems, *report.extras])
    for note in report.notes:
        click.echo(f"note: {note}")
    click.echo(
        f"snapshot {report.snapshot_id}: {report.objects} objects, "
        f"{report.read_back} read back, audit head {manifest.audit_head_seq}"
    )
    if not report.ok:
        failures = len(report.problems) + len(report.extras)
        click.echo(
            f"snapshot {report.snapshot_id} did not verify: {failures} problems",
            err=True,
        )
        raise click.exceptions.Exit(1)
    click.echo("snapshot verified")


@click.command("restore")
@click.argument("target")
@click.argument("snapshot")
@click.option(
    "--to",
    "data_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A new or empty folder to restore into.",
)
@recovery_key_option
def restore_command(
    target: str, snapshot: str, data_dir: Path, recovery_key_file: Path | None
) -> None:
    """Restore SNAPSHOT from TARGET into the empty folder DATA_DIR.

    The database is SQLite inside DATA_DIR unless RECORDS_DATABASE_URL names
    an empty database. The snapshot is verified first and refused if it
    does not verify.
    """
    secret = RecoverySecret.load(recovery_key_file)
    store = open_target(target, must_exist=True)
    with progress_bar("restoring objects", None) as advance:
        report = restore_snapshot(
            store,
            secret,
            snapshot,
            data_dir.absolute(),
            actor=_actor(),
            database_url=os.environ.get("RECORDS_DATABASE_URL"),
            progress=advance,
        )
    for note in report.notes:
        click.echo(f"note: {note}")
    if report.shredded_since:
        click.echo(
            f"shredded since the snapshot (no key, not restored): "
            f"{len(report.shredded_since)} objects"
        )
    click.echo(
        f"restored snapshot {report.snapshot_id} into {report.settings.data_dir}"
    )
    click.echo(
        f"objects: {report.objects}; database: {report.rows} rows; "
        f"index: {report.indexed} documents; audit log head {report.audit_head_seq}"
    )
    if not report.ok:
        _echo_failures(report.failures)
        raise click.exceptions.Exit(1)
    click.echo("every object verified; audit chain intact")


def open_target(target: str, *, must_exist: bool) -> BlobStore:
    """Open the backup target; a folder that should hold backups must exist."""
    folder = _folder_of(target)
    if must_exist and folder is not None and not folder.is_dir():
        raise BackupError(f"there is no backup folder at {folder}")
    try:
        store = open_blob_store(target, endpoint_url=load_settings().s3_endpoint_url)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="TARGET") from None
    store.check()
    return store


def _folder_of(target: str) -> Path | None:
    if "://" not in target:
        return Path(target).absolute()
    parts = urlsplit(target)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def _refuse_own_store(archive: Archive, store: BlobStore) -> None:
    """A backup inside the archive's own store would be lost with it."""
    own, theirs = archive.store.location, store.location
    if own == theirs or _nested(own, theirs) or _nested(theirs, own):
        raise BackupError(
            f"the target {theirs} overlaps the archive's own store {own}; back up "
            "to another place"
        )


def _nested(inner: str, outer: str) -> bool:
    return inner.startswith(outer.rstrip("/") + "/")


def _echo_failures(failures: Sequence[str]) -> None:
    for failure in failures:
        click.echo(f"FAILED {failure}", err=True)


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    scaled = count / 1024
    for unit in ("KiB", "MiB"):
        if scaled < 1024:
            return f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled:.1f} GiB"


def _actor() -> str:
    # Imported here: archive.cli may register these commands at import time.
    from archive.cli import cli_actor

    return cli_actor()
