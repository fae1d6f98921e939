"""The core tables: stored objects, their data keys, and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite keeps no zone, PostgreSQL does; normalising here lets the audit
    chain hash the same text for an entry whichever database holds it.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC")
        return value.astimezone(UTC)

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class StoredObject(Base):
    """One encrypted object in the blob store, with its fixity digest.

    ``state`` follows the order of writes: ``pending`` is recorded before a
    byte is sent, ``stored`` once the store holds every byte, ``shredded``
    once its data key is destroyed. A pending row left by a crash names an
    object that may or may not exist, so nothing is ever orphaned unseen.
    """

    __tablename__ = "stored_objects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    blob_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    stored_size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DataKey(Base):
    """An object's data key, wrapped by a key-encryption key.

    Kept apart from :class:`StoredObject` so that rotating key-encryption
    keys rewrites only these small rows, and deleting a row shreds the
    object: its ciphertext stays wherever it was copied, unreadable.
    """

    __tablename__ = "data_keys"

    object_id: Mapped[str] = mapped_column(
        ForeignKey("stored_objects.id"), primary_key=True
    )
    kek_id: Mapped[str] = mapped_column(String(64), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEntry(Base):
    """One line of the append-only, hash-chained audit log.

    ``digest`` covers every other column and ``prev_digest``; the unique
    constraint on ``prev_digest`` means two writers can never fork the
    chain: the second one's insert fails and it appends after the first.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(255), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    prev_digest: Mapped[str] = mapped_column(String(64), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
