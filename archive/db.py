"""Engines, sessions and schema migrations for SQLite and PostgreSQL.

One place decides how the archive talks to its database, so that every
command, worker and test gets the same pragmas, the same migrations and
the same session rules (one session per job, explicit commits).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.errors import ConfigError, NotInitialised

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).parent / "migrations"


def create_db_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout.

    WAL lets readers (search pages, the dashboard) carry on while an ingest
    worker writes; the busy timeout turns a moment of contention into a
    short wait instead of an error.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "RECORDS_DATABASE_URL is not a database URL; use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DB"
        ) from None

    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, **options)

    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at the start of every transaction.

    A transaction that reads and then writes (the audit log's append does)
    would otherwise fail at once when another writer got there first; with
    the lock taken up front it waits its turn under the busy timeout, and
    WAL keeps plain readers unblocked.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest revision and return that revision."""
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    head = ScriptDirectory.from_config(config).get_current_head()
    log.info("database schema at revision %s", head)
    return str(head)


def schema_revision(engine: Engine) -> str | None:
    """Return the database's schema revision, or None for an empty database."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as err:
        raise NotInitialised(
            f"cannot open the database ({err.orig.__class__.__name__}); "
            "run `records init` or check RECORDS_DATABASE_URL"
        ) from None


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database that is empty or behind the code."""
    config = _alembic_config(engine)
    head = ScriptDirectory.from_config(config).get_current_head()
    current = schema_revision(engine)
    if current is None:
        raise NotInitialised("the database has no schema yet; run `records init`")
    if current != head:
        raise NotInitialised(
            f"the database schema is at {current} but this version needs {head}; "
            "run `records init` to upgrade it"
        )
