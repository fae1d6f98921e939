"""Commands for documents: ingest, review, search, index, show and get.

They hang off the ``records`` group defined in :mod:`archive.cli`; the split
keeps each module to one kind of work.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from archive import audit, indexing, objects, review
from archive.cli import AppState, cli, cli_actor, init, pass_state, roster_import
from archive.demo import build_demo_box
from archive.errors import ArchiveError, ObjectUnknown
from archive.models import Document
from archive.progress import progress_bar
from archive.vocabulary import DOCUMENT_TYPES
from ingest.outcome import EXIT_NEEDS_ATTENTION, FileOutcome
from ingest.pipeline import Progress as IngestProgress
from ingest.pipeline import ingest_paths
from search.errors import QuerySyntaxError
from search.results import Hit


@cli.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False)
)
@click.option(
    "--workers", type=click.IntRange(1, 256), help="OCR processes (default: cores)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON line per file.")
@pass_state
def ingest(
    state: AppState, paths: tuple[Path, ...], workers: int | None, as_json: bool
) -> None:
    """Archive scans and PDFs: files, or folders walked recursively.

    Exits 0 when every file was archived or was a duplicate, and 3 when any
    file waits for review or was quarantined (`records review` lists them).
    """
    archive = state.archive()

    def show(outcome: FileOutcome) -> None:
        if as_json:
            click.echo(json.dumps(outcome.as_json()))
        elif outcome.status not in ("archived", "duplicate"):
            click.echo(f"{outcome.status}: {outcome.path}: {outcome.reason}", err=True)

    with _ingest_progress(enabled=sys.stderr.isatty()) as update:
        summary = ingest_paths(
            archive,
            list(paths),
            actor=cli_actor(),
            workers=workers,
            on_outcome=show,
            on_progress=update,
        )
    if as_json:
        click.echo(json.dumps(summary.as_json()))
    else:
        click.echo(f"batch {summary.batch_id}: {summary.sentence()}")
    if summary.exit_code:
        if not as_json:
            click.echo("run `records review` to see what waits for a person", err=True)
        raise click.exceptions.Exit(summary.exit_code)


@contextmanager
def _ingest_progress(*, enabled: bool) -> Iterator[Callable[[IngestProgress], None]]:
    """Show files and pages done, pages a minute and time left on a terminal."""
    if not enabled:
        yield lambda _p: None
        return

    bar = Progress(
        TextColumn("{task.completed}/{task.total} files"),
        BarColumn(),
        TextColumn("{task.fields[pages]} pages"),
        TextColumn("{task.fields[rate]:.0f} pages/min"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task("ingest", total=None, pages=0, rate=0.0)

        def update(p: IngestProgress) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = p.pages_done / elapsed * 60 if elapsed > 1 else 0.0
            bar.update(
                task,
                total=p.files_total,
                completed=p.files_done,
                pages=p.pages_done,
                rate=rate,
            )

        yield update


@cli.command()
@click.option("--workers", type=click.IntRange(1, 256), help="OCR processes.")
@click.pass_context
def demo(ctx: click.Context, workers: int | None) -> None:
    """Build a demo archive from invented records: roster, ingest, review, search.

    Uses the configured data folder (RECORDS_DATA_DIR); run it on a fresh one.
    """
    state = ctx.find_object(AppState)
    assert state is not None
    ctx.invoke(init)
    roster_file = build_demo_box(state.settings.data_dir / "demo")
    click.echo("\n== roster")
    ctx.invoke(roster_import, csv_file=roster_file)

    click.echo("\n== ingest of a box of scans (a bar shows on a terminal)")
    box = state.settings.data_dir / "demo" / "box"
    try:
        ctx.invoke(ingest, paths=(box,), workers=workers, as_json=False)
    except click.exceptions.Exit as done:
        if done.exit_code != EXIT_NEEDS_ATTENTION:
            raise

    click.echo("\n== review queue")
    ctx.invoke(review_group)
    for query in ('name:"Margaret Lindqvist"', "name:Nunes", "type:diploma"):
        click.echo(f"\n== records search '{query}'")
        ctx.invoke(search, query=query, as_json=False, limit=5)
    click.echo(
        "\nTry: records search QUERY, records show DOCUMENT_ID, "
        "records review resolve DOCUMENT_ID --student ID, records verify"
    )


@cli.group("review", invoke_without_command=True)
@click.pass_context
def review_group(ctx: click.Context) -> None:
    """List the documents that wait for a person."""
    if ctx.invoked_subcommand is not None:
        return
    state = ctx.find_object(AppState)
    assert state is not None
    items = review.waiting(state.archive())
    if not items:
        click.echo("nothing waits for review")
        return
    for item in items:
        candidates = ", ".join(f"{sid} ({score:.2f})" for sid, score in item.candidates)
        click.echo(
            f"{item.document_id}  {item.status:<12}  {item.doc_type:<17}  {item.reason}"
        )
        click.echo(f"    file: {item.source_name}")
        if candidates:
            click.echo(f"    candidates: {candidates}")
    click.echo(f"{len(items)} documents wait for review")


@review_group.command("resolve")
@click.argument("document_id")
@click.option("--student", "student_id", required=True, help="The student's id.")
@click.option(
    "--type", "doc_type", type=click.Choice(DOCUMENT_TYPES), help="Fix the type."
)
@click.option("--reason", help="Why, for the audit log.")
@pass_state
def review_resolve(
    state: AppState,
    document_id: str,
    student_id: str,
    doc_type: str | None,
    reason: str | None,
) -> None:
    """Link DOCUMENT_ID to a student (and fix its type); audited."""
    archive = state.archive()
    document = review.resolve(
        archive,
        document_id,
        student_id=student_id,
        doc_type=doc_type,
        actor=cli_actor(),
        reason=reason,
    )
    with indexing.open_index(archive) as index:
        indexing.sync_index(archive, index)
    click.echo(
        f"document {document.id} linked to student {student_id} as {document.doc_type}"
    )


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@pass_state
def search(state: AppState, query: str, as_json: bool, limit: int) -> None:
    """Search the archive: names, ids, dob:, school:, year:, type:, free text."""
    archive = state.archive()
    try:
        with indexing.open_index(archive) as index:
            results = index.search(query, page=1, page_size=limit)
    except QuerySyntaxError as err:
        raise click.UsageError(str(err)) from None
    audit.record(
        archive.sessions,
        actor=cli_actor(),
        action="search",
        target="index",
        detail={"hits": results.total},
    )
    if as_json:
        for hit in results.hits:
            click.echo(
                json.dumps(
                    {
                        "document_id": hit.document_id,
                        "student_id": hit.student_id,
                        "doc_type": hit.doc_type,
                        "score": round(hit.score, 4),
                        "snippet": hit.snippet,
                    }
                )
            )
        return
    if sys.stdout.isatty():
        _print_hits_table(results.hits)
    else:
        for hit in results.hits:
            snippet = html.unescape(re.sub(r"</?mark>", "", hit.snippet))
            click.echo(
                f"{hit.document_id}\t{hit.student_id or '-'}\t{hit.doc_type}\t"
                f"{hit.score:.2f}\t{' '.join(snippet.split())}"
            )
    click.echo(f"{results.total} documents match; showing {len(results.hits)}")


def _print_hits_table(hits: list[Hit]) -> None:
    """A table for a person at a terminal, matches in bold."""
    table = Table()
    table.add_column("document", no_wrap=True)
    table.add_column("student", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("snippet", overflow="ellipsis", no_wrap=True)
    for hit in hits:
        snippet = Text()
        bold = False
        for part in re.split(r"(</?mark>)", hit.snippet):
            if part in ("<mark>", "</mark>"):
                bold = part == "<mark>"
            else:
                snippet.append(html.unescape(part), style="bold" if bold else "")
        table.add_row(
            hit.document_id,
            hit.student_id or "-",
            hit.doc_type,
            f"{hit.score:.2f}",
            snippet,
        )
    Console().print(table)


@cli.group("index")
def index_group() -> None:
    """Maintain the search index."""


@index_group.command("rebuild")
@pass_state
def index_rebuild(state: AppState) -> None:
    """Rebuild the index from the database; resumes if interrupted."""
    archive = state.archive()
    with archive.sessions() as session:
        total = session.query(Document).count()
    with progress_bar("indexing documents", total) as bar:
        last = [0]

        def advance(count: int) -> None:
            bar(count - last[0])
            last[0] = count

        indexed = indexing.rebuild_index(archive, progress=advance)
    click.echo(f"index rebuilt: {indexed} documents")


def _document(state: AppState, document_id: str) -> Document:
    with state.archive().sessions() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise ObjectUnknown(f"no document has the id {document_id}")
        return document


@cli.command()
@click.argument("document_id")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def show(state: AppState, document_id: str, as_json: bool) -> None:
    """Show a document's metadata (audited; no page text)."""
    document = _document(state, document_id)
    audit.record(
        state.archive().sessions,
        actor=cli_actor(),
        action="document.show",
        target=f"document:{document_id}",
    )
    info = {
        "document_id": document.id,
        "student_id": document.student_id,
        "doc_type": document.doc_type,
        "status": document.status,
        "pages": document.page_count,
        "ocr_confidence": document.ocr_confidence,
        "match_score": document.match_score,
        "match_evidence": json.loads(document.match_evidence or "[]"),
        "reason": document.reason,
        "file_name": document.source_name,
        "file_kind": document.file_kind,
        "sha256": document.sha256,
        "ingested_at": document.created_at.isoformat(),
        "searchable_copy": document.searchable_object_id is not None,
    }
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    for key, value in info.items():
        click.echo(f"{key + ':':<17} {value}")


@cli.command()
@click.argument("document_id")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True
)
@click.option(
    "--searchable", is_flag=True, help="The searchable PDF instead of the original."
)
@click.option("--reason", help="Why the record is needed, for the audit log.")
@pass_state
def get(
    state: AppState,
    document_id: str,
    output: Path,
    searchable: bool,
    reason: str | None,
) -> None:
    """Write a document's decrypted original to a file (audited)."""
    document = _document(state, document_id)
    object_id = (
        document.searchable_object_id if searchable else document.original_object_id
    )
    if object_id is None:
        raise ArchiveError(f"document {document_id} has no searchable copy")
    if output.exists():
        raise ArchiveError(
            f"{output} exists; choose another name (nothing was written)"
        )

    partial = output.with_name(f".{output.name}.partial")
    try:
        with (
            objects.open_object(
                state.archive(), object_id, actor=cli_actor(), reason=reason
            ) as plain,
            partial.open("xb") as out,
        ):
            while chunk := plain.read(1 << 20):
                out.write(chunk)
        partial.rename(output)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"wrote {output}")
