"""``records export``: put one student's records on disc, and check a disc.

``records export --student ID --bag DIR [--iso FILE] --reason TEXT`` makes
the bag (and its disc image); ``records export verify PATH`` checks a bag
folder or an image, on this machine or the recipient's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

# A module import, not names from it: the records group may import this
# module while its own module is still being executed.
import archive.cli as records_cli
from archive.export.bag import DEFAULT_SOURCE_ORGANIZATION, export_student
from archive.export.verify import check_export
from archive.progress import progress_bar

# There are no staff accounts on the command line yet: whoever can run it
# holds the data folder and the keys, so it acts with the registrar's
# authority and the audit log names the operator's login.
CLI_ROLE = "registrar"


@click.group("export", invoke_without_command=True)
@click.option("--student", "student_id", metavar="ID", help="The student's id.")
@click.option(
    "--bag",
    "bag_dir",
    metavar="DIR",
    type=click.Path(path_type=Path, file_okay=False),
    help="A new or empty folder for the bag.",
)
@click.option(
    "--iso",
    "iso_path",
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the bag as an ISO 9660 disc image here.",
)
@click.option(
    "--reason",
    help="Why the records leave the archive, for the audit log (asked if missing).",
)
@click.option(
    "--source-organization",
    envvar="RECORDS_SOURCE_ORGANIZATION",
    default=DEFAULT_SOURCE_ORGANIZATION,
    show_default=True,
    help="Who made the bag, as the bag says (or RECORDS_SOURCE_ORGANIZATION).",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    student_id: str | None,
    bag_dir: Path | None,
    iso_path: Path | None,
    reason: str | None,
    source_organization: str,
) -> None:
    """Export a student's archived documents as a BagIt bag (audited).

    Every document is decrypted (one audit entry each, with the reason) into
    DIR as a PDF where there is one, with its metadata and the student's.
    The bag appears only when it is complete; an existing folder with
    anything in it, or an existing FILE, is never written over.
    `records export verify PATH` checks a bag folder or disc image.
    """
    if ctx.invoked_subcommand is not None:
        if student_id or bag_dir or iso_path or reason:
            raise click.UsageError("`records export verify` takes only a PATH")
        return
    if student_id is None or bag_dir is None:
        raise click.UsageError(
            "give --student ID and --bag DIR to export, "
            "or `records export verify PATH` to check a bag"
        )
    reason = _ask_reason(reason)

    state = ctx.find_object(records_cli.AppState)
    assert state is not None
    with progress_bar("exporting documents", None) as advance:
        report = export_student(
            state.archive(),
            student_id,
            bag_dir,
            actor=records_cli.cli_actor(),
            role=CLI_ROLE,
            reason=reason,
            iso_path=iso_path,
            source_organization=source_organization,
            progress=advance,
            on_total=advance.set_total,
        )
    click.echo(
        f"bag {report.bag_dir}: {report.documents} documents, "
        f"{report.payload_files} files, {report.payload_bytes} bytes"
    )
    if report.iso_path is not None:
        click.echo(f"disc image {report.iso_path}")
    click.echo("check it with: records export verify PATH")


def _ask_reason(reason: str | None) -> str:
    """Take the reason given, or ask a person at a terminal; never go without."""
    if reason is not None:
        if not reason.strip():
            raise click.UsageError("--reason is empty; say why the records leave")
        return reason.strip()
    if not sys.stdin.isatty():
        raise click.UsageError(
            "--reason is required: say why the records leave the archive "
            "(it is written to the audit log)"
        )
    answer: str = click.prompt(
        "Why do these records leave the archive (for the audit log)?",
        value_proc=_non_empty,
    )
    return answer


def _non_empty(value: str) -> str:
    if not value.strip():
        raise click.BadParameter("a reason is required")
    return value.strip()


@export_command.command("verify")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def verify_command(path: Path) -> None:
    """Check a bag folder or disc image: every file against the manifest.

    Exits 0 when every file is present and unchanged, and 1 naming each
    file that is missing, added or changed.
    """
    report = check_export(path)
    for problem in report.problems:
        click.echo(f"FAILED {problem}", err=True)
    if not report.ok:
        click.echo(f"invalid: {len(report.problems)} problems in {path}", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"valid: {report.files} files")
