"""Settings, read once from the environment and the data folder's records.toml.

Precedence is environment variable, then ``records.toml`` in the data folder,
then the embedded default, so that one command works on a fresh machine and
an operator can move each part (database, blob store, index) on its own.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ConfigError

CONFIG_FILE_NAME = "records.toml"

# Setting name in records.toml -> environment variable.
_ENV_NAMES = {
    "database_url": "RECORDS_DATABASE_URL",
    "blob_url": "RECORDS_BLOB_URL",
    "s3_endpoint_url": "RECORDS_S3_ENDPOINT_URL",
    "index_dir": "RECORDS_INDEX_DIR",
    "key_file": "RECORDS_KEY_FILE",
    "secret_key": "RECORDS_SECRET_KEY",
    "ocr_languages": "RECORDS_OCR_LANGUAGES",
}


@dataclass(frozen=True)
class Settings:
    """Where every part of one archive lives.

    ``secret_key`` signs web sessions and links; it is ``None`` until an
    operator sets it, and the web app refuses to start without it.
    """

    data_dir: Path
    database_url: str
    blob_url: str
    s3_endpoint_url: str | None
    index_dir: Path
    key_file: Path
    secret_key: str | None
    ocr_languages: str

    @property
    def config_file(self) -> Path:
        return self.data_dir / CONFIG_FILE_NAME


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise ConfigError naming any bad setting."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("RECORDS_DATA_DIR", "records-data")).expanduser()
    data_dir = data_dir.absolute()

    file_values = _read_config_file(data_dir / CONFIG_FILE_NAME)

    def pick(name: str) -> str | None:
        value = env.get(_ENV_NAMES[name])
        if value:
            return value
        return file_values.get(name)

    database_url = pick("database_url") or f"sqlite:///{data_dir / 'records.db'}"
    blob_url = pick("blob_url") or (data_dir / "blobs").as_uri()
    index_dir = Path(pick("index_dir") or data_dir / "index").expanduser()
    key_file = Path(pick("key_file") or data_dir / "keys.json").expanduser()
    languages = pick("ocr_languages") or "eng+spa"

    _check_blob_url(blob_url)
    _check_languages(languages)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        blob_url=blob_url,
        s3_endpoint_url=pick("s3_endpoint_url"),
        index_dir=index_dir.absolute(),
        key_file=key_file.absolute(),
        secret_key=pick("secret_key"),
        ocr_languages=languages,
    )


def _read_config_file(path: Path) -> dict[str, str]:
    """Return records.toml's settings as strings; a missing file is empty."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from None
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from None

    unknown = sorted(set(raw) - set(_ENV_NAMES))
    if unknown:
        known = ", ".join(sorted(_ENV_NAMES))
        raise ConfigError(
            f"{path}: unknown setting {', '.join(unknown)}; known settings: {known}"
        )
    values: dict[str, str] = {}
    for name, value in raw.items():
        if not isinstance(value, str):
            raise ConfigError(f"{path}: setting {name} must be a string")
        values[name] = value
    return values


def _check_blob_url(url: str) -> None:
    if not url.startswith(("file://", "s3://")):
        scheme = url.split(":")[0]
        raise ConfigError(
            f"RECORDS_BLOB_URL must start with file:// or s3://, not {scheme!r}"
        )


def _check_languages(languages: str) -> None:
    parts = languages.split("+")
    if not all(part.isalnum() or "_" in part for part in parts if part) or "" in parts:
        raise ConfigError(
            "RECORDS_OCR_LANGUAGES must be tesseract language codes joined by '+', "
            "for example eng+spa"
        )
