import os
import signal
from collections.abc import Callable, Iterator
from multiprocessing import get_context
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from search import IndexBusy, IndexedDocument, SearchIndex, rebuild
from tests.search.factories import make_document, numbered_documents

TOTAL = 300
BATCH = 50


def source_of(
    total: int, calls: list[str | None] | None = None
) -> Callable[[str | None], Iterator[IndexedDocument]]:
    """Give a rebuild source over numbered documents that notes where it starts."""

    def source(after: str | None) -> Iterator[IndexedDocument]:
        if calls is not None:
            calls.append(after)
        for doc in numbered_documents(0, total, stamp="rebuilt"):
            if after is None or doc.document_id > after:
                yield doc

    return source


def test_rebuild_replaces_the_index_with_what_the_source_yields(tmp_path: Path) -> None:
    path = tmp_path / "index"
    with SearchIndex.open(path) as index:
        index.add_or_update([make_document("stale", "Ana Stale")])
        seen: list[int] = []

        total = rebuild(path, source_of(120), progress=seen.append, batch_size=BATCH)

        assert total == 120
        assert seen == [50, 100, 120]
        assert index.count() == 120
        assert index.search("name:Stale").total == 0
        assert index.search("archive").total == 120

    assert sorted(p.name for p in path.iterdir() if p.name.startswith("live-")) == [
        "live-000002"
    ]


def test_writes_after_a_rebuild_go_to_the_new_generation(tmp_path: Path) -> None:
    path = tmp_path / "index"
    with SearchIndex.open(path) as index:
        index.add_or_update([make_document("before", "Ana Before")])
        rebuild(path, source_of(3))

        index.add_or_update([make_document("after", "Ana After")])

    with SearchIndex.open(path) as reopened:
        assert sorted(dict(reopened.stamps())) == [
            "after",
            "d000000",
            "d000001",
            "d000002",
        ]


def test_rebuild_of_an_absent_folder_creates_the_index(tmp_path: Path) -> None:
    assert rebuild(tmp_path / "fresh", source_of(5)) == 5

    with SearchIndex.open(tmp_path / "fresh") as index:
        assert index.count() == 5


def _rebuild_until_stopped(path: Path, stopped: Event) -> None:
    """Rebuild from a source that stalls after three batches, to be killed there."""

    def stalling_source(after: str | None) -> Iterator[IndexedDocument]:
        for number, doc in enumerate(numbered_documents(0, TOTAL, stamp="rebuilt")):
            if number == 3 * BATCH:
                stopped.set()
                signal.pause()
            yield doc

    rebuild(path, stalling_source, batch_size=BATCH)


@pytest.mark.slow
def test_rebuild_killed_midway_resumes_and_indexes_each_document_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "index"
    with SearchIndex.open(path) as live:
        live.add_or_update([make_document("old", "Ana Old", stamp="live")])
    context = get_context("spawn")
    stopped = context.Event()
    child = context.Process(target=_rebuild_until_stopped, args=(path, stopped))
    child.start()
    assert stopped.wait(60), "the rebuild never reached its third batch"

    os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join(30)

    with SearchIndex.open(path) as live:
        assert list(live.stamps()) == [("old", "live")]
        assert live.search("archive").total == 0

    calls: list[str | None] = []
    total = rebuild(path, source_of(TOTAL, calls), batch_size=BATCH)

    assert calls == [f"d{3 * BATCH - 1:06d}"]
    assert total == TOTAL
    with SearchIndex.open(path) as rebuilt:
        pairs = list(rebuilt.stamps())
        assert sorted(document_id for document_id, _ in pairs) == [
            f"d{n:06d}" for n in range(TOTAL)
        ]
        assert {stamp for _, stamp in pairs} == {"rebuilt"}
        assert rebuilt.search("archive").total == TOTAL


def test_rebuild_resumes_after_a_crash_between_commit_and_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "index"
    calls: list[str | None] = []

    class CrashError(Exception):
        pass

    def crashing_progress(count: int) -> None:
        if count == 2 * BATCH:
            raise CrashError

    with pytest.raises(CrashError):
        rebuild(path, source_of(TOTAL), progress=crashing_progress, batch_size=BATCH)
    checkpoint = path / "rebuild" / "checkpoint.json"
    checkpoint.write_text(
        '{"after": "d000049", "count": 50, "pending": "d000099"}', encoding="utf-8"
    )

    total = rebuild(path, source_of(TOTAL, calls), batch_size=BATCH)

    assert calls == ["d000099"]
    assert total == TOTAL


def test_second_rebuild_at_the_same_time_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index"

    def nested_source(after: str | None) -> Iterator[IndexedDocument]:
        with pytest.raises(IndexBusy, match=r"rebuild\.lock"):
            rebuild(path, source_of(1))
        yield from numbered_documents(0, 2)

    assert rebuild(path, nested_source) == 2
