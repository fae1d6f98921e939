import multiprocessing
import time
from collections.abc import Iterator
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from search import (
    IndexBusy,
    IndexCorrupt,
    IndexedDocument,
    InvalidDocument,
    SearchIndex,
)
from tests.search.factories import make_document, numbered_documents


def test_open_creates_an_index_that_reopens_with_its_documents(tmp_path: Path) -> None:
    with SearchIndex.open(tmp_path / "new" / "index") as index:
        index.add_or_update(numbered_documents(0, 3))

    with SearchIndex.open(tmp_path / "new" / "index") as reopened:
        assert reopened.count() == 3
        assert reopened.search("name:Number1").hits[0].document_id == "d000001"


def test_readding_a_document_replaces_it_and_its_stamp(index: SearchIndex) -> None:
    index.add_or_update([make_document("d1", "Gloria Ramirez", stamp="v1")])

    index.add_or_update(
        [make_document("d1", "Gloria Hollister", "Gloria Ramirez", stamp="v2")]
    )

    assert index.count() == 1
    assert list(index.stamps()) == [("d1", "v2")]
    assert index.search("name:Hollister").total == 1


def test_update_drops_a_name_the_student_no_longer_has(index: SearchIndex) -> None:
    index.add_or_update([make_document("d1", "Ana Wrongname", text="grades")])

    index.add_or_update(
        [make_document("d1", "Ana Rightname", text="grades", stamp="v2")]
    )

    assert index.search("name:Wrongname").total == 0
    assert index.search("name:Rightname").total == 1


def test_remove_deletes_only_the_named_documents(index: SearchIndex) -> None:
    index.add_or_update(numbered_documents(0, 5))

    removed = index.remove(["d000001", "d000003", "no-such-document"])

    assert removed == 2
    assert sorted(dict(index.stamps())) == ["d000000", "d000002", "d000004"]
    assert index.search("archive").total == 3


def test_remove_of_unknown_ids_changes_nothing(index: SearchIndex) -> None:
    index.add_or_update(numbered_documents(0, 2))

    assert index.remove(["nothing-here"]) == 0
    assert index.count() == 2


def test_empty_batch_commits_nothing(index: SearchIndex) -> None:
    assert index.add_or_update([]) == 0
    assert index.count() == 0


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        pytest.param(
            make_document("d9", "Ana Ruiz", doc_type="memo"), "unknown type", id="type"
        ),
        pytest.param(make_document("", "Ana Ruiz"), "needs a document_id", id="no-id"),
        pytest.param(
            make_document("d9", "Ana Ruiz", stamp=""), "and a stamp", id="no-stamp"
        ),
        pytest.param(make_document("d000000", "Ana Ruiz"), "appears twice", id="twice"),
    ],
)
def test_bad_document_cancels_its_whole_batch(
    index: SearchIndex, bad: object, says: str
) -> None:
    index.add_or_update([make_document("kept", "Ana Kept")])

    with pytest.raises(InvalidDocument, match=says):
        index.add_or_update([*numbered_documents(0, 2), bad])  # type: ignore[list-item]

    assert list(index.stamps()) == [("kept", "v1")]


def _hold_writer(path: Path, holding: Event) -> None:
    """Keep the writer lock for three seconds, in the middle of a batch."""

    def documents() -> Iterator[IndexedDocument]:
        yield make_document("held", "Ana Held")
        holding.set()
        time.sleep(3)

    with SearchIndex.open(path) as index:
        index.add_or_update(documents())


def test_writer_waits_a_bounded_time_then_says_the_index_is_busy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "index"
    SearchIndex.open(path).close()
    context = multiprocessing.get_context("spawn")
    holding = context.Event()
    holder = context.Process(target=_hold_writer, args=(path, holding))
    holder.start()
    try:
        assert holding.wait(30)
        with (
            SearchIndex.open(path, lock_timeout=0.3) as impatient,
            pytest.raises(IndexBusy, match="Try again"),
        ):
            impatient.add_or_update([make_document("late", "Ana Late")])
    finally:
        holder.join(30)

    with SearchIndex.open(path) as index:
        assert index.add_or_update([make_document("late", "Ana Late")]) == 1
        assert sorted(dict(index.stamps())) == ["held", "late"]


def test_damaged_index_raises_index_corrupt_naming_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "index"
    with SearchIndex.open(path) as index:
        index.add_or_update(numbered_documents(0, 2))
    for toc in path.glob("live-*/*.toc"):
        toc.write_bytes(b"not a table of contents")

    with pytest.raises(IndexCorrupt, match="records index rebuild"):
        SearchIndex.open(path)


def test_folder_with_other_files_is_not_taken_for_an_index(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("someone else's folder")

    with pytest.raises(IndexCorrupt, match="not a search index"):
        SearchIndex.open(tmp_path)

    assert (tmp_path / "notes.txt").read_text() == "someone else's folder"
