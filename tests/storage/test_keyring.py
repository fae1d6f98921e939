"""The keyring: a private key file, wrapping data keys, rotation and retirement."""

from __future__ import annotations

import base64
import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from storage.errors import IntegrityError, KeyFileError, KeyMissing
from storage.keyring import Keyring, WrappedKey

DATA_KEY = bytes(range(100, 132))
OBJECT_ID = "5d0b6c1e9f2a4b3c8d7e6f5a4b3c2d1e"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "keys.json"


@pytest.fixture
def keyring(key_file: Path) -> Keyring:
    return Keyring.create(key_file)


def materials(path: Path) -> list[str]:
    """Every KEK in the file, base64 and raw hex, to look for in messages."""
    found = []
    for key in json.loads(path.read_text())["keys"]:
        found.append(key["material"])
        found.append(base64.b64decode(key["material"]).hex())
    return found


def write_document(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document))
    path.chmod(0o600)


def test_created_key_file_loads_back_with_the_same_active_key(key_file: Path) -> None:
    created = Keyring.create(key_file)

    loaded = Keyring.load(key_file)

    assert loaded.active_id == created.active_id
    assert loaded.ids() == created.ids() == [created.active_id]
    assert loaded.unwrap(created.wrap(DATA_KEY, OBJECT_ID), OBJECT_ID) == DATA_KEY


def test_key_file_has_documented_layout(keyring: Keyring, key_file: Path) -> None:
    document = json.loads(key_file.read_text(encoding="utf-8"))

    assert document["format"] == "student-records-keyring"
    assert document["version"] == 1
    assert document["active"] == keyring.active_id
    [key] = document["keys"]
    assert key["id"] == keyring.active_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", key["created"])
    assert len(base64.b64decode(key["material"])) == 32


def test_key_ids_name_time_and_random_suffix(keyring: Keyring) -> None:
    assert re.fullmatch(r"kek-\d{8}T\d{6}Z-[0-9a-f]{4}", keyring.active_id)


def test_key_file_is_readable_by_its_owner_only(
    keyring: Keyring, key_file: Path
) -> None:
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_create_refuses_an_existing_file_and_leaves_it_untouched(
    keyring: Keyring, key_file: Path
) -> None:
    before = key_file.read_bytes()

    with pytest.raises(KeyFileError, match="already exist") as raised:
        Keyring.create(key_file)

    assert key_file.read_bytes() == before
    assert str(key_file) in str(raised.value)


def test_create_reports_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot create"):
        Keyring.create(tmp_path / "absent" / "keys.json")


def test_load_refuses_a_key_file_open_to_others(
    keyring: Keyring, key_file: Path
) -> None:
    key_file.chmod(0o644)

    with pytest.raises(KeyFileError, match="0644") as raised:
        Keyring.load(key_file)

    assert "chmod 600" in str(raised.value)
    assert str(key_file) in str(raised.value)


def test_load_refuses_a_key_file_open_to_its_group(
    keyring: Keyring, key_file: Path
) -> None:
    key_file.chmod(0o640)

    with pytest.raises(KeyFileError, match="group or others"):
        Keyring.load(key_file)


def test_load_names_the_missing_key_file(key_file: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist") as raised:
        Keyring.load(key_file)

    assert str(key_file) in str(raised.value)


def test_load_refuses_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "keys.json"
    folder.mkdir(mode=0o700)

    with pytest.raises(KeyFileError, match="not a regular file"):
        Keyring.load(folder)


VALID_KEY = {
    "id": "kek-20261203T175300Z-1a2b",
    "created": "2026-12-03T17:53:00Z",
    "material": base64.b64encode(bytes(range(32))).decode(),
}


def document_with(**changes: Any) -> dict[str, Any]:
    document = {
        "format": "student-records-keyring",
        "version": 1,
        "active": VALID_KEY["id"],
        "keys": [VALID_KEY],
    }
    document.update(changes)
    return document


MALFORMED = [
    pytest.param(document_with(format="something-else"), "not a", id="wrong-format"),
    pytest.param(document_with(version=2), "version 2", id="future-version"),
    pytest.param(document_with(keys=[]), "no keys", id="no-keys"),
    pytest.param(document_with(keys="k"), "no keys", id="keys-not-a-list"),
    pytest.param(document_with(active="kek-x"), "active", id="unknown-active"),
    pytest.param({"format": "student-records-keyring"}, "version", id="fields-missing"),
    pytest.param([1, 2], "not a", id="not-an-object"),
    pytest.param(document_with(keys=[{"id": "a"}]), "lacks", id="key-without-material"),
    pytest.param(document_with(keys=[{"material": "x"}]), "no id", id="key-without-id"),
    pytest.param(document_with(keys=["k"]), "not an object", id="key-not-an-object"),
    pytest.param(
        document_with(keys=[{**VALID_KEY, "material": "%%%"}]),
        "not base64",
        id="material-not-base64",
    ),
    pytest.param(
        document_with(
            keys=[{**VALID_KEY, "material": base64.b64encode(b"x" * 16).decode()}]
        ),
        "16 bytes",
        id="material-too-short",
    ),
    pytest.param(
        document_with(keys=[VALID_KEY, VALID_KEY]), "more than once", id="duplicate-id"
    ),
]


@pytest.mark.parametrize(("document", "message"), MALFORMED)
def test_load_refuses_malformed_documents(
    key_file: Path, document: Any, message: str
) -> None:
    write_document(key_file, document)

    with pytest.raises(KeyFileError, match=message) as raised:
        Keyring.load(key_file)

    assert str(key_file) in str(raised.value)
    assert VALID_KEY["material"] not in str(raised.value)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'{"format": "student-records-keyring", ', id="cut-json"),
        pytest.param(b"\xff\xfe not text", id="not-utf8"),
        pytest.param(b"", id="empty"),
    ],
)
def test_load_refuses_files_that_are_not_json_without_quoting_them(
    key_file: Path, data: bytes
) -> None:
    key_file.write_bytes(data + VALID_KEY["material"].encode())
    key_file.chmod(0o600)

    with pytest.raises(KeyFileError) as raised:
        Keyring.load(key_file)

    assert str(key_file) in str(raised.value)
    assert VALID_KEY["material"] not in str(raised.value)
    assert raised.value.__cause__ is None


def test_wrapped_key_unwraps_for_its_object(keyring: Keyring) -> None:
    wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)

    assert wrapped.kek_id == keyring.active_id
    assert len(wrapped.blob) == 12 + 32 + 16
    assert DATA_KEY not in wrapped.blob
    assert keyring.unwrap(wrapped, OBJECT_ID) == DATA_KEY


def test_wrapping_twice_uses_fresh_nonces(keyring: Keyring) -> None:
    first, second = keyring.wrap(DATA_KEY, OBJECT_ID), keyring.wrap(DATA_KEY, OBJECT_ID)

    assert first.blob[:12] != second.blob[:12]


def test_wrapped_key_does_not_unwrap_for_another_object(keyring: Keyring) -> None:
    wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)

    with pytest.raises(IntegrityError, match="another-object"):
        keyring.unwrap(wrapped, "another-object")


@pytest.mark.parametrize(
    "offset", [pytest.param(0, id="nonce"), pytest.param(30, id="body")]
)
def test_tampered_wrapped_key_fails(keyring: Keyring, offset: int) -> None:
    wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)
    blob = bytearray(wrapped.blob)
    blob[offset] ^= 0x80

    with pytest.raises(IntegrityError, match=OBJECT_ID):
        keyring.unwrap(WrappedKey(wrapped.kek_id, bytes(blob)), OBJECT_ID)


def test_truncated_wrapped_key_fails(keyring: Keyring) -> None:
    wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)

    with pytest.raises(IntegrityError, match="damaged"):
        keyring.unwrap(WrappedKey(wrapped.kek_id, wrapped.blob[:-1]), OBJECT_ID)


def test_wrapped_key_relabelled_with_another_kek_id_fails(
    keyring: Keyring, key_file: Path
) -> None:
    wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)
    keyring.add_key()

    relabelled = WrappedKey(keyring.active_id, wrapped.blob)

    with pytest.raises(IntegrityError):
        keyring.unwrap(relabelled, OBJECT_ID)


def test_wrapped_key_is_bound_to_its_kek_id_not_only_its_material(
    key_file: Path,
) -> None:
    twin = {**VALID_KEY, "id": "kek-20261203T175301Z-3c4d"}
    write_document(key_file, document_with(keys=[VALID_KEY, twin], active=twin["id"]))
    keyring = Keyring.load(key_file)
    wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)

    relabelled = WrappedKey(VALID_KEY["id"], wrapped.blob)

    with pytest.raises(IntegrityError, match=VALID_KEY["id"]):
        keyring.unwrap(relabelled, OBJECT_ID)


def test_unwrap_with_an_unknown_kek_raises_key_missing(keyring: Keyring) -> None:
    wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)

    with pytest.raises(KeyMissing, match="kek-19990101T000000Z-0000"):
        keyring.unwrap(WrappedKey("kek-19990101T000000Z-0000", wrapped.blob), OBJECT_ID)


def test_wrap_refuses_a_data_key_of_the_wrong_size(keyring: Keyring) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        keyring.wrap(bytes(16), OBJECT_ID)


def test_added_key_becomes_active_and_old_wraps_still_open(
    keyring: Keyring, key_file: Path
) -> None:
    old_id = keyring.active_id
    old_wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)

    new_id = keyring.add_key()

    assert keyring.active_id == new_id != old_id
    assert keyring.ids() == [old_id, new_id]
    assert keyring.wrap(DATA_KEY, OBJECT_ID).kek_id == new_id
    assert keyring.unwrap(old_wrapped, OBJECT_ID) == DATA_KEY
    reloaded = Keyring.load(key_file)
    assert reloaded.active_id == new_id
    assert reloaded.unwrap(old_wrapped, OBJECT_ID) == DATA_KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_rewrite_leaves_no_temporary_files(keyring: Keyring, key_file: Path) -> None:
    keyring.add_key()

    leftovers = [p.name for p in key_file.parent.iterdir() if p.name.endswith(".tmp")]

    assert leftovers == []


def test_adding_keys_through_two_handles_keeps_both(
    keyring: Keyring, key_file: Path
) -> None:
    other = Keyring.load(key_file)

    first = keyring.add_key()
    second = other.add_key()

    assert Keyring.load(key_file).ids() == [keyring.ids()[0], first, second]
    assert other.active_id == second


def test_rewrap_moves_a_data_key_to_the_active_kek(keyring: Keyring) -> None:
    old_wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)
    new_id = keyring.add_key()

    rewrapped = keyring.rewrap(old_wrapped, OBJECT_ID)

    assert old_wrapped.kek_id != new_id
    assert rewrapped.kek_id == new_id
    assert keyring.unwrap(rewrapped, OBJECT_ID) == DATA_KEY


def test_remove_key_refuses_the_active_key(keyring: Keyring, key_file: Path) -> None:
    before = key_file.read_bytes()

    with pytest.raises(KeyFileError, match="active"):
        keyring.remove_key(keyring.active_id)

    assert key_file.read_bytes() == before


def test_remove_key_refuses_an_unknown_key(keyring: Keyring) -> None:
    with pytest.raises(KeyMissing, match="kek-nope"):
        keyring.remove_key("kek-nope")


def test_removed_key_no_longer_unwraps(keyring: Keyring, key_file: Path) -> None:
    old_id = keyring.active_id
    old_wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)
    keyring.add_key()

    keyring.remove_key(old_id)

    assert old_id not in keyring.ids()
    assert old_id not in Keyring.load(key_file).ids()
    with pytest.raises(KeyMissing, match=old_id):
        keyring.unwrap(old_wrapped, OBJECT_ID)
    with pytest.raises(KeyMissing):
        Keyring.load(key_file).unwrap(old_wrapped, OBJECT_ID)


def test_key_material_never_appears_in_errors_or_repr(
    keyring: Keyring, key_file: Path
) -> None:
    wrapped = keyring.wrap(DATA_KEY, OBJECT_ID)
    old_id = keyring.active_id
    keyring.add_key()
    secrets_in_file = materials(key_file)
    errors: list[Exception] = []

    for attempt in (
        lambda: keyring.unwrap(wrapped, "another-object"),
        lambda: keyring.unwrap(WrappedKey("kek-gone", wrapped.blob), OBJECT_ID),
        lambda: keyring.remove_key(keyring.active_id),
        lambda: Keyring.create(key_file),
    ):
        with pytest.raises((IntegrityError, KeyMissing, KeyFileError)) as raised:
            attempt()
        errors.append(raised.value)
    keyring.remove_key(old_id)
    with pytest.raises(KeyMissing) as raised:
        keyring.unwrap(wrapped, OBJECT_ID)
    errors.append(raised.value)
    key_file.chmod(0o644)
    with pytest.raises(KeyFileError) as raised:
        Keyring.load(key_file)
    errors.append(raised.value)

    texts = [str(error) for error in errors] + [repr(keyring)]
    for text in texts:
        for secret in [*secrets_in_file, DATA_KEY.hex()]:
            assert secret not in text
