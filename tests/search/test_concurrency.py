from multiprocessing import get_context
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from search import SearchIndex
from tests.search.factories import numbered_documents

BATCHES = 25
BATCH = 20


def _write_batches(path: Path, first: int, started: Event) -> None:
    with SearchIndex.open(path, lock_timeout=120) as index:
        started.set()
        for batch in range(BATCHES):
            start = first + batch * BATCH
            index.add_or_update(numbered_documents(start, start + BATCH))


@pytest.mark.slow
def test_searches_keep_working_while_another_process_commits(tmp_path: Path) -> None:
    path = tmp_path / "index"
    SearchIndex.open(path).close()
    context = get_context("spawn")
    started = context.Event()
    writer = context.Process(target=_write_batches, args=(path, 0, started))
    writer.start()
    assert started.wait(60)

    totals: list[int] = []
    counts: list[int] = []
    with SearchIndex.open(path) as index:
        while writer.is_alive():
            totals.append(index.search("archive", page_size=5).total)
            counts.append(index.count())
        writer.join()
        final = index.search("archive").total

    assert writer.exitcode == 0
    assert totals == sorted(totals)
    assert counts == sorted(counts)
    assert len(set(totals)) > 2, "the searches never overlapped a commit"
    assert final == BATCHES * BATCH


@pytest.mark.slow
def test_two_writer_processes_take_turns_without_losing_documents(
    tmp_path: Path,
) -> None:
    path = tmp_path / "index"
    SearchIndex.open(path).close()
    context = get_context("spawn")
    started = [context.Event(), context.Event()]
    writers = [
        context.Process(target=_write_batches, args=(path, first, event))
        for first, event in zip((0, 10_000), started, strict=True)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(300)

    assert [writer.exitcode for writer in writers] == [0, 0]
    with SearchIndex.open(path) as index:
        ids = [document_id for document_id, _ in index.stamps()]
        assert len(ids) == len(set(ids)) == 2 * BATCHES * BATCH
        assert index.search("archive").total == 2 * BATCHES * BATCH
        assert index.search("id:s010005").total == 1
