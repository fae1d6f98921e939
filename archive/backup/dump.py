"""A portable logical dump of the archive's database, and loading it back.

The dump is JSON lines: a header, then for each table of the models in
dependency order a line naming the table and its columns, then one JSON
array per row, ordered by primary key, and an end line with the row count.
Values are written by their column's type (times as ISO 8601 in UTC, dates
as ISO dates, bytes as base64), so a dump taken from SQLite loads into
PostgreSQL and back unchanged.

Everything is read in one read-only transaction (REPEATABLE READ on
PostgreSQL, a deferred transaction on SQLite's write-ahead log), so the
dump, the data keys and the list of objects describe one moment even while
ingest goes on. The ``data_keys`` table is never part of the dump: see
:mod:`archive.backup` for why.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from archive.backup.errors import BackupError
from archive.db import create_db_engine
from archive.models import Base, DataKey, StoredObject
from archive.objects import STORED

FORMAT = "student-records-dump"
VERSION = 1
EXCLUDED_TABLES = frozenset({"data_keys"})
_INTERNAL_TABLES = frozenset({"alembic_version"})
_BATCH = 500


@dataclass(frozen=True)
class ObjectRef:
    """An object the snapshot holds, as the database recorded it."""

    object_id: str
    blob_key: str
    stored_size: int | None


@dataclass
class DumpCounts:
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def dumped_tables() -> list[Table]:
    """The tables a dump holds, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in EXCLUDED_TABLES]


@contextmanager
def read_transaction(database_url: str) -> Iterator[Connection]:
    """Yield a connection inside one consistent, read-only transaction.

    On SQLite the archive's engines begin every transaction with the write
    lock; a dump that held it would stall ingest, so this engine begins a
    deferred transaction instead, which write-ahead logging keeps on one
    snapshot without blocking writers.
    """
    if make_url(database_url).get_backend_name() == "sqlite":
        engine = create_engine(database_url)
        event.listen(engine, "connect", _sqlite_autocommit)
    else:
        engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN DEFERRED")
            else:
                connection = connection.execution_options(
                    isolation_level="REPEATABLE READ"
                )
                connection.begin()
                connection.execute(text("SET TRANSACTION READ ONLY"))
            try:
                yield connection
            finally:
                connection.rollback()
    finally:
        engine.dispose()


def _sqlite_autocommit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def schema_revision_of(connection: Connection) -> str:
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        raise BackupError("the database has no schema yet; run `records init`")
    return str(revision)


def check_tables_known(connection: Connection) -> None:
    """Refuse to dump a database holding tables the models do not describe.

    A table missing from the dump would be lost silently on restore.
    """
    present = set(inspect(connection).get_table_names())
    known = {t.name for t in Base.metadata.sorted_tables}
    unknown = sorted(present - known - _INTERNAL_TABLES)
    if unknown:
        raise BackupError(
            f"the database holds tables this version does not know "
            f"({', '.join(unknown)}); back up with the version that created them"
        )


def dump_lines(
    connection: Connection, revision: str, counts: DumpCounts
) -> Iterator[bytes]:
    """Yield the dump, a line at a time, filling ``counts`` as it goes."""
    tables = dumped_tables()
    yield _line(
        {
            "format": FORMAT,
            "version": VERSION,
            "schema_revision": revision,
            "tables": [t.name for t in tables],
        }
    )
    for table in tables:
        columns = list(table.columns)
        yield _line({"table": table.name, "columns": [c.name for c in columns]})
        query = select(table).order_by(*table.primary_key.columns)
        rows = 0
        result = connection.execution_options(yield_per=_BATCH).execute(query)
        for row in result:
            yield _line([_encode(value) for value in row])
            rows += 1
        counts.rows[table.name] = rows
    yield _line({"end": True, "rows": counts.total})


def data_key_lines(connection: Connection, snapshot_id: str) -> Iterator[bytes]:
    """Yield the current wrapped data keys, headed by the run that read them."""
    total = connection.scalar(select(func.count()).select_from(DataKey)) or 0
    yield _line(
        {
            "format": "student-records-data-keys",
            "version": VERSION,
            "snapshot": snapshot_id,
            "count": total,
        }
    )
    query = select(DataKey.object_id, DataKey.kek_id, DataKey.wrapped).order_by(
        DataKey.object_id
    )
    for object_id, kek_id, wrapped in connection.execute(query):
        yield _line([object_id, kek_id, base64.b64encode(wrapped).decode("ascii")])
    yield _line({"end": True, "rows": total})


def stored_objects(connection: Connection) -> list[ObjectRef]:
    query = (
        select(StoredObject.id, StoredObject.blob_key, StoredObject.stored_size)
        .where(StoredObject.state == STORED)
        .order_by(StoredObject.id)
    )
    return [ObjectRef(*row) for row in connection.execute(query)]


def load_dump(connection: Connection, lines: Iterator[bytes]) -> DumpCounts:
    """Insert a dump's rows into an empty schema, in the caller's transaction."""
    header = _parse(next(lines, b"null"))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("the database dump is not in a format this version reads")
    if header.get("version") != VERSION:
        raise BackupError(f"the database dump has format version {header['version']}")

    counts = DumpCounts()
    table: Table | None = None
    columns: list[str] = []
    batch: list[dict[str, Any]] = []
    for raw in lines:
        item = _parse(raw)
        if isinstance(item, list):
            if table is None:
                raise BackupError("the database dump has a row before any table")
            batch.append(_decode_row(table, columns, item))
            counts.rows[table.name] += 1
            if len(batch) >= _BATCH:
                connection.execute(table.insert(), batch)
                batch = []
            continue

        if table is not None and batch:
            connection.execute(table.insert(), batch)
            batch = []
        if item.get("end"):
            if item.get("rows") != counts.total:
                raise BackupError("the database dump's row count does not match")
            reset_sequences(connection)
            return counts
        table, columns = _start_table(item)
        counts.rows[table.name] = 0
    raise BackupError("the database dump ends early; it is incomplete")


def _start_table(item: dict[str, Any]) -> tuple[Table, list[str]]:
    name = item.get("table")
    table = Base.metadata.tables.get(str(name))
    if table is None or table.name in EXCLUDED_TABLES:
        raise BackupError(f"the database dump holds an unknown table {name!r}")
    columns = [str(c) for c in item.get("columns", [])]
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        raise BackupError(
            f"the database dump's table {name} has columns this version does not "
            f"know: {', '.join(unknown)}"
        )
    return table, columns


def _decode_row(table: Table, columns: list[str], values: list[Any]) -> dict[str, Any]:
    if len(values) != len(columns):
        raise BackupError(f"a row of {table.name} in the dump has the wrong length")
    return {
        name: _decode(table.columns[name].type, value)
        for name, value in zip(columns, values, strict=True)
    }


def reset_sequences(connection: Connection) -> None:
    """Move PostgreSQL's id sequences past the loaded rows.

    Rows arrive with their ids; without this the next insert into such a
    table would draw an id that is already taken.
    """
    if connection.dialect.name != "postgresql":
        return
    for table in dumped_tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": keys[0].name},
        )
        if sequence is None:
            continue
        highest = connection.scalar(select(func.max(keys[0])))
        connection.execute(
            text("SELECT setval(:sequence, :value, :called)"),
            {
                "sequence": sequence,
                "value": highest or 1,
                "called": highest is not None,
            },
        )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decode(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, DateTime) or isinstance(
        getattr(column_type, "impl", None), DateTime
    ):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value, validate=True)
    return value


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError as err:
        raise BackupError("the database dump holds a damaged line") from err
