from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import load_settings
from archive.errors import ConfigError


def test_defaults_put_everything_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings({"RECORDS_DATA_DIR": str(tmp_path)})

    assert settings.database_url == f"sqlite:///{tmp_path / 'records.db'}"
    assert settings.blob_url == (tmp_path / "blobs").as_uri()
    assert settings.index_dir == tmp_path / "index"
    assert settings.key_file == tmp_path / "keys.json"
    assert settings.ocr_languages == "eng+spa"
    assert settings.secret_key is None


def test_records_toml_is_read_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "records.toml").write_text(
        'ocr_languages = "eng"\nblob_url = "s3://bucket/prefix"\n'
        's3_endpoint_url = "http://127.0.0.1:9000"\n'
    )
    env = {"RECORDS_DATA_DIR": str(tmp_path), "RECORDS_OCR_LANGUAGES": "spa"}

    settings = load_settings(env)

    assert settings.ocr_languages == "spa"
    assert settings.blob_url == "s3://bucket/prefix"
    assert settings.s3_endpoint_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        pytest.param("colour = 'red'\n", "unknown setting colour", id="unknown-key"),
        pytest.param("blob_url = 3\n", "must be a string", id="not-a-string"),
        pytest.param("blob_url = \n", "not valid TOML", id="bad-toml"),
        pytest.param("blob_url = 'ftp://x'\n", "file:// or s3://", id="bad-scheme"),
        pytest.param("ocr_languages = 'eng++'\n", "language codes", id="bad-langs"),
    ],
)
def test_bad_configuration_is_named(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "records.toml").write_text(toml)

    with pytest.raises(ConfigError, match=message) as caught:
        load_settings({"RECORDS_DATA_DIR": str(tmp_path)})

    assert caught.value.exit_code == 2
