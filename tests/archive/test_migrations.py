from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from archive.db import create_db_engine, migrate, schema_revision
from archive.models import Base


def test_migrations_build_exactly_the_schema_the_models_describe(
    database_url: str,
) -> None:
    engine = create_db_engine(database_url)
    try:
        head = migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True}
            )
            differences = compare_metadata(context, Base.metadata)
        revision = schema_revision(engine)
    finally:
        engine.dispose()

    assert differences == []
    assert revision == head


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        first = migrate(engine)
        second = migrate(engine)
    finally:
        engine.dispose()

    assert first == second
