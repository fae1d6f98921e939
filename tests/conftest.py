"""Fixtures shared by every test package.

Database tests run on SQLite and, when RECORDS_TEST_DATABASE_URL names a
PostgreSQL server (CI sets it), on PostgreSQL too: each test there gets a
schema of its own, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from archive.config import Settings, load_settings
from archive.context import Archive, open_archive
from archive.db import create_db_engine, migrate
from storage.keyring import Keyring

pytest_plugins = ["tests.fixtures.s3server"]

PG_ENV = "RECORDS_TEST_DATABASE_URL"


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    """Create a throwaway schema and yield a URL whose search_path is it."""
    schema = f"t_{secrets.token_hex(6)}"
    url = make_url(base_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        options = url.query.get("options", "")
        scoped = url.update_query_dict(
            {"options": f"{options} -csearch_path={schema}".strip()}
        )
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated-ready, empty database of each kind the run can reach."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'records.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set; PostgreSQL tests run in CI")
    yield from _postgres_schema_url(base)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a fresh archive in a temporary data folder."""
    data_dir = tmp_path / "data"
    env = {"RECORDS_DATA_DIR": str(data_dir), "RECORDS_DATABASE_URL": database_url}
    return load_settings(env)


def initialise(settings: Settings) -> None:
    """Do what ``records init`` does, without the command line."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = create_db_engine(settings.database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    Keyring.create(settings.key_file)


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    """An initialised, open archive on a folder store."""
    initialise(settings)
    opened = open_archive(settings)
    yield opened
    opened.close()


def with_blob_url(settings: Settings, blob_url: str, endpoint: str | None) -> Settings:
    return replace(settings, blob_url=blob_url, s3_endpoint_url=endpoint)
