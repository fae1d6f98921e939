"""The running archive: settings, database, keyring and vault, opened once.

Commands, the web app and workers each open one :class:`Archive` and pass
it to the services, so nothing reaches for globals and tests can open as
many archives side by side as they like.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from archive.config import Settings
from archive.db import create_db_engine, make_session_factory, require_current_schema
from archive.errors import NotInitialised
from storage.blobstore import BlobStore
from storage.keyring import Keyring
from storage.stores import open_blob_store
from storage.vault import Vault


@dataclass
class Archive:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: Keyring
    store: BlobStore
    vault: Vault

    def close(self) -> None:
        self.engine.dispose()


def open_blob_store_for(settings: Settings) -> BlobStore:
    """Open the configured store; a folder store's root is created if missing."""
    url = settings.blob_url
    if url.startswith("file://"):
        root = urlparse(url).path
        if not root:
            raise NotInitialised(f"RECORDS_BLOB_URL {url} names no folder")
    return open_blob_store(url, endpoint_url=settings.s3_endpoint_url)


def open_archive(settings: Settings, *, check_store: bool = True) -> Archive:
    """Open an initialised archive, failing early with a remedy if it is not."""
    if not settings.key_file.exists():
        raise NotInitialised(
            f"no key file at {settings.key_file}; run `records init` first "
            "(or set RECORDS_KEY_FILE to where the keys are)"
        )
    engine = create_db_engine(settings.database_url)
    try:
        require_current_schema(engine)
        keyring = Keyring.load(settings.key_file)
        store = open_blob_store_for(settings)
        if check_store:
            store.check()
    except BaseException:
        engine.dispose()
        raise
    return Archive(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        keyring=keyring,
        store=store,
        vault=Vault(store, keyring),
    )
