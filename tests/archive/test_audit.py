"""The audit log's chain catches every edit, removal and reordering.

Tampering is simulated the way an attacker with database access would do
it: by dropping the append-only triggers first, then changing rows.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from archive import audit
from archive.context import Archive
from archive.models import AuditEntry


def _fill(archive: Archive, count: int = 5) -> None:
    for n in range(count):
        audit.record(
            archive.sessions,
            actor="cli:clerk",
            action="object.read",
            target=f"object:{n:032x}",
            reason="test",
            detail={"n": n},
        )


def _drop_guards(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    else:
        session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_intact_chain_verifies_and_reports_its_head(archive: Archive) -> None:
    _fill(archive)

    with archive.sessions() as session:
        report = audit.verify_chain(session)
        last = session.scalars(
            select(AuditEntry).order_by(AuditEntry.seq.desc())
        ).first()

    assert report.ok
    assert report.entries == 5
    assert last is not None
    assert (report.head_seq, report.head_digest) == (5, last.digest)


def test_database_refuses_updates_and_deletes(archive: Archive) -> None:
    _fill(archive, 2)

    for statement in (
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log WHERE seq = 1",
    ):
        with archive.sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text(statement))
            session.rollback()

    with archive.sessions() as session:
        assert audit.verify_chain(session).entries == 2


@pytest.mark.parametrize(
    ("tamper", "first_bad", "message"),
    [
        pytest.param(
            "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3",
            3,
            "entry 3 was edited",
            id="edited-field",
        ),
        pytest.param(
            "UPDATE audit_log SET at = at + INTERVAL '1 day' WHERE seq = 2",
            2,
            "entry 2 was edited",
            id="edited-time",
        ),
        pytest.param(
            "DELETE FROM audit_log WHERE seq = 3",
            4,
            "entries 3 to 3 were removed",
            id="removed",
        ),
    ],
)
def test_tampering_is_named_at_the_first_bad_entry(
    archive: Archive, tamper: str, first_bad: int, message: str
) -> None:
    _fill(archive)

    with archive.sessions() as session:
        _drop_guards(session)
        if session.get_bind().dialect.name == "sqlite":
            tamper = tamper.replace("at + INTERVAL '1 day'", "'2001-01-01 00:00:00'")
        session.execute(text(tamper))
        session.commit()

    with archive.sessions() as session:
        report = audit.verify_chain(session)

    assert not report.ok
    assert report.first_bad_seq == first_bad
    assert report.problem is not None and message in report.problem


def test_reordered_entries_are_caught(archive: Archive) -> None:
    _fill(archive)

    with archive.sessions() as session:
        _drop_guards(session)
        # Swap the contents of entries 2 and 3, keeping their sequence numbers.
        session.execute(text("UPDATE audit_log SET seq = 1000 WHERE seq = 2"))
        session.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 3"))
        session.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = 1000"))
        session.commit()

    with archive.sessions() as session:
        report = audit.verify_chain(session)

    assert not report.ok
    assert report.first_bad_seq == 2


def test_rewritten_entry_with_fresh_digest_breaks_the_next_link(
    archive: Archive,
) -> None:
    """Recomputing an edited entry's digest does not hide the edit."""
    _fill(archive)

    with archive.sessions() as session:
        _drop_guards(session)
        entry = session.get_one(AuditEntry, 2)
        entry.reason = "rewritten"
        entry.digest = audit.compute_digest(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            reason=entry.reason,
            detail=entry.detail,
            prev_digest=entry.prev_digest,
        )
        session.commit()

    with archive.sessions() as session:
        report = audit.verify_chain(session)

    assert report.first_bad_seq == 3
    assert report.problem is not None and "does not follow" in report.problem


def test_concurrent_writers_never_fork_the_chain(archive: Archive) -> None:
    def write(worker: int) -> None:
        for n in range(10):
            audit.record(
                archive.sessions,
                actor=f"worker:{worker}",
                action="object.store",
                target=f"object:{n}",
            )

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with archive.sessions() as session:
        report = audit.verify_chain(session)
    assert report.ok
    assert report.entries == 40
