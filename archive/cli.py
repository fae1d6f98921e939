"""The ``records`` command: the archive for clerks, registrars and operators.

Every failure the user can act on arrives here as an ArchiveError or a
StorageError and leaves as one line on stderr with the class's exit status
(1: act on the message; 2: bad usage or input); nothing prints a traceback.
"""

from __future__ import annotations

import getpass
import io
import logging
import os
import secrets
import sys
from pathlib import Path

import click

from archive import audit, fixity, keys, objects, roster
from archive.backup.cli import backup_group, restore_command
from archive.config import Settings, load_settings
from archive.context import Archive, open_archive, open_blob_store_for
from archive.db import create_db_engine, migrate
from archive.errors import ArchiveError
from archive.export.cli import export_command
from archive.indexing import open_index, sync_index, verify_index
from archive.models import DataKey, StoredObject
from archive.progress import progress_bar
from requests_portal.policy.cli import policy_group
from storage.errors import StorageError
from storage.keyring import Keyring

log = logging.getLogger(__name__)


def cli_actor() -> str:
    """Name the operator at the terminal for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid{os.getuid()}"


class AppState:
    """Settings read once per invocation; the archive opened on first use."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._archive: Archive | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    def archive(self) -> Archive:
        if self._archive is None:
            self._archive = open_archive(self.settings)
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()


pass_state = click.make_pass_decorator(AppState)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Keep a school district's student records: ingest, store, search, disclose."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    state = AppState()
    ctx.obj = state
    ctx.call_on_close(state.close)


@cli.command()
@pass_state
def init(state: AppState) -> None:
    """Create the data folder, database schema and keys.

    Safe to run again: it upgrades the schema and creates what is missing,
    and never overwrites existing keys.
    """
    settings = state.settings
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    click.echo(f"data folder:  {settings.data_dir}")

    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            mode=0o700, parents=True, exist_ok=True
        )
    engine = create_db_engine(settings.database_url)
    try:
        revision = migrate(engine)
    finally:
        engine.dispose()
    click.echo(f"database:     {_safe_url(settings.database_url)} (schema {revision})")

    if settings.key_file.exists():
        click.echo(
            f"keys:         {settings.key_file} already exists; kept, not overwritten"
        )
    else:
        settings.key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        keyring = Keyring.create(settings.key_file)
        click.echo(
            f"keys:         {settings.key_file} "
            f"(new key {keyring.active_id}, mode 0600)"
        )
        click.echo(
            "              Keep a copy of this file somewhere safe and apart from the "
            "data: without it no document can be read."
        )

    store = open_blob_store_for(settings)
    if settings.blob_url.startswith("file://"):
        store.check()
    click.echo(f"blob store:   {store.location}")
    settings.index_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    click.echo(f"search index: {settings.index_dir}")


def _safe_url(url: str) -> str:
    """Show a database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@cli.command()
@pass_state
def selfcheck(state: AppState) -> None:
    """Store, read back, verify and shred a random object end to end."""
    archive = state.archive()
    actor = cli_actor()
    payload = secrets.token_bytes(1 << 20)

    stored = objects.store_object(
        archive, io.BytesIO(payload), kind="selfcheck", actor=actor, reason="self-check"
    )
    click.echo(f"stored   object {stored.id}: {stored.size} bytes encrypted")
    with objects.open_object(archive, stored.id, actor=actor, reason="self-check") as f:
        readback = f.read()
    if readback != payload:
        raise ArchiveError(
            f"self-check failed: object {stored.id} read back differently"
        )
    click.echo("read     the same bytes back after decryption")

    with archive.sessions() as session:
        row = session.get_one(StoredObject, stored.id)
        key = session.get(DataKey, stored.id)
    problem = fixity.check_object(archive, row, key)
    if problem is not None:
        raise ArchiveError(f"self-check failed: object {stored.id}: {problem}")
    click.echo("verified its SHA-256 fixity digest")
    objects.shred_object(archive, stored.id, actor=actor, reason="self-check done")
    click.echo("shredded its data key; the self-check object is gone")
    click.echo("self-check passed")


@cli.command()
@click.option(
    "--deep",
    is_flag=True,
    help="Also list the whole blob store and name objects nobody recorded.",
)
@pass_state
def verify(state: AppState, deep: bool) -> None:
    """Check every object's fixity and the audit log's hash chain."""
    archive = state.archive()
    failed = False

    total = fixity.count_stored(archive)
    with progress_bar("verifying objects", total) as advance:
        report = fixity.verify_objects(
            archive, actor=cli_actor(), progress=advance, list_store=deep
        )
    for failure in report.failures:
        click.echo(f"FAILED object {failure.object_id}: {failure.problem}", err=True)
    for key in report.unrecorded:
        click.echo(
            f"FAILED {key}: in the store but not recorded in the database", err=True
        )
    click.echo(
        f"objects: {report.checked} checked, {len(report.failures)} failed"
        + (f", {len(report.unrecorded)} unrecorded" if deep else "")
        + (f", {report.pending} pending" if report.pending else "")
    )
    failed |= not report.ok

    with (
        archive.sessions() as session,
        progress_bar("verifying audit log", None) as adv,
    ):
        chain = audit.verify_chain(session, progress=adv)
    if chain.ok:
        click.echo(
            f"audit log: {chain.entries} entries, chain intact, "
            f"head {chain.head_seq} {chain.head_digest[:16]}"
        )
    else:
        click.echo(f"FAILED audit log: {chain.problem}", err=True)
        failed = True

    failed |= not _verify_index(archive)
    if failed:
        raise click.exceptions.Exit(1)


def _verify_index(archive: Archive) -> bool:
    """Report documents missing from the search index or stale in it."""
    with open_index(archive) as index:
        report = verify_index(archive, index)
    for label, ids in (
        ("missing from", report.missing),
        ("stale in", report.stale),
        ("unknown to the database but in", report.unknown),
    ):
        for document_id in ids:
            click.echo(f"FAILED document {document_id}: {label} the index", err=True)
    problems = len(report.missing) + len(report.stale) + len(report.unknown)
    if problems:
        click.echo(
            f"index: {problems} problems; `records index rebuild` repairs them",
            err=True,
        )
    else:
        click.echo("index: in step with the database")
    return report.ok


@cli.group("roster")
def roster_group() -> None:
    """Load the district's roster of students."""


@roster_group.command("import")
@click.argument(
    "csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@pass_state
def roster_import(state: AppState, csv_file: Path) -> None:
    """Load or update students from CSV_FILE; a file with any problem loads nothing.

    Columns: student_id, last_name, first_name, middle_name, birth_date
    (YYYY-MM-DD), grad_year, last_school, status (current or alumni),
    other_names (earlier names as "Last, First Middle", separated by ";").
    """
    archive = state.archive()
    report = roster.import_roster(archive.sessions, csv_file, actor=cli_actor())
    if report.updated:
        # Changed names and dates show beside the students' documents in search.
        with open_index(archive) as index:
            sync_index(archive, index)
    click.echo(
        f"roster loaded: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged"
        + (f"; {report.names_kept} earlier names kept" if report.names_kept else "")
    )


@cli.group("keys")
def keys_group() -> None:
    """Manage the key-encryption keys."""


@keys_group.command("list")
@pass_state
def keys_list(state: AppState) -> None:
    """List key-encryption keys and how many data keys each wraps."""
    archive = state.archive()
    for kek_id, count in keys.key_usage(archive).items():
        marker = "active" if kek_id == archive.keyring.active_id else "      "
        click.echo(f"{kek_id}  {marker}  {count} data keys")


@keys_group.command("rotate")
@pass_state
def keys_rotate(state: AppState) -> None:
    """Add a new key and re-wrap every data key under it (content untouched).

    If an earlier rotation was interrupted, this finishes it instead.
    """
    archive = state.archive()
    with progress_bar("re-wrapping data keys", None) as advance:
        report = keys.rotate_keys(
            archive, actor=cli_actor(), progress=advance, on_total=advance.set_total
        )
    verb = "added" if report.added else "finished rotating to"
    click.echo(f"{verb} key {report.kek_id}; re-wrapped {report.rewrapped} data keys")


@keys_group.command("retire")
@click.argument("kek_id")
@pass_state
def keys_retire(state: AppState, kek_id: str) -> None:
    """Remove a key-encryption key that no data key uses any more."""
    keys.retire_key(state.archive(), kek_id, actor=cli_actor())
    click.echo(f"retired key {kek_id}")


cli.add_command(policy_group)
cli.add_command(export_command)
cli.add_command(backup_group)
cli.add_command(restore_command)


def main() -> None:
    """Run the command line, turning known failures into a message and a status."""
    # The document commands register themselves on the group when imported.
    import archive.cli_documents  # noqa: F401

    try:
        # Without standalone mode click returns an Exit's status instead of
        # exiting, and leaves our own exceptions to the handlers below.
        status = cli.main(standalone_mode=False)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("records: interrupted", err=True)
        sys.exit(130)
    except (ArchiveError, StorageError) as err:
        click.echo(f"records: {err}", err=True)
        sys.exit(err.exit_code)
    sys.exit(status if isinstance(status, int) else 0)
