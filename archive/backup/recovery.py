"""The recovery secret, and the keys a backup derives from it.

A restore must need nothing but the backup target and one secret kept
apart from both the archive and the target (on paper in a safe, in a
password manager). Every key that protects a snapshot is therefore derived
from that secret: scrypt turns it into a master key (slow on purpose, so a
stolen target cannot be brute-forced cheaply), and HKDF splits the master
key into one key per purpose, so that no key serves two.

The secret is read from a file, never from the command line, where other
users of the machine could see it in the process list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from archive.backup.errors import RecoverySecretError

SECRET_ENV = "RECORDS_RECOVERY_KEY_FILE"  # noqa: S105  (names a file)
MIN_SECRET_LENGTH = 16
MAX_SECRET_FILE_SIZE = 4096

SCRYPT_N = 1 << 17
SCRYPT_R = 8
SCRYPT_P = 1
SALT_SIZE = 16
KEY_SIZE = 32

_CHECK_MESSAGE = b"student-records backup key check v1"


@dataclass(frozen=True)
class KdfParams:
    """The scrypt salt and costs one set of snapshot keys was derived with."""

    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @classmethod
    def fresh(cls) -> KdfParams:
        return cls(os.urandom(SALT_SIZE))

    def as_json(self) -> dict[str, Any]:
        return {
            "name": "scrypt",
            "salt": base64.b64encode(self.salt).decode("ascii"),
            "n": self.n,
            "r": self.r,
            "p": self.p,
        }

    @classmethod
    def from_json(cls, value: Any) -> KdfParams:
        """Read parameters back, refusing values that would hang or weaken it."""
        try:
            salt = base64.b64decode(value["salt"], validate=True)
            params = cls(salt, int(value["n"]), int(value["r"]), int(value["p"]))
            name = value["name"]
        except (KeyError, TypeError, ValueError, binascii.Error) as err:
            raise ValueError("the key derivation parameters are malformed") from err
        if (
            name != "scrypt"
            or not 8 <= len(params.salt) <= 64
            or params.n not in {1 << bits for bits in range(14, 23)}
            or not 1 <= params.r <= 32
            or not 1 <= params.p <= 16
        ):
            raise ValueError("the key derivation parameters are out of range")
        return params


@dataclass(frozen=True)
class SnapshotKeys:
    """The keys derived from the recovery secret under one set of parameters.

    ``keyfile`` protects the key file; ``backup`` protects the database dump
    and the data keys; ``manifest`` authenticates manifests; ``check`` lets
    a wrong secret be told apart from altered data.
    """

    params: KdfParams
    keyfile: bytes = field(repr=False)
    backup: bytes = field(repr=False)
    manifest: bytes = field(repr=False)
    check: str = field(repr=False)

    def by_name(self, name: str) -> bytes:
        if name == "keyfile":
            return self.keyfile
        if name == "backup":
            return self.backup
        raise ValueError(f"no snapshot key is named {name!r}")

    def sign(self, message: bytes) -> str:
        return hmac.new(self.manifest, message, hashlib.sha256).hexdigest()

    def signature_matches(self, message: bytes, signature: str) -> bool:
        return hmac.compare_digest(self.sign(message), signature)

    def check_matches(self, check: str) -> bool:
        return hmac.compare_digest(self.check, check)


class RecoverySecret:
    """The operator's recovery secret; derived keys are cached per salt."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise RecoverySecretError(
                f"the recovery secret must be at least {MIN_SECRET_LENGTH} "
                "characters; make one with `openssl rand -base64 32`"
            )
        self._secret = secret
        self._derived: dict[KdfParams, SnapshotKeys] = {}

    def __repr__(self) -> str:
        return "RecoverySecret(<hidden>)"

    @classmethod
    def load(cls, path: Path | None) -> RecoverySecret:
        """Read the secret from ``path``, refusing a file others may read."""
        if path is None:
            raise RecoverySecretError(
                "no recovery secret given: name its file with --recovery-key-file "
                f"or {SECRET_ENV}"
            )
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                raise RecoverySecretError(f"recovery key file {path} is not a file")
            if info.st_mode & 0o077:
                raise RecoverySecretError(
                    f"recovery key file {path} may be read by other users; "
                    f"run `chmod 600 {path}`"
                )
            if info.st_size > MAX_SECRET_FILE_SIZE:
                raise RecoverySecretError(
                    f"recovery key file {path} is larger than {MAX_SECRET_FILE_SIZE} "
                    "bytes; it should hold one passphrase or key"
                )
            raw = path.read_bytes()
        except FileNotFoundError:
            raise RecoverySecretError(f"no recovery key file at {path}") from None
        except OSError as err:
            raise RecoverySecretError(
                f"cannot read recovery key file {path}: {err.strerror}"
            ) from None
        return cls(raw.rstrip(b"\r\n"))

    def keys(self, params: KdfParams) -> SnapshotKeys:
        """Derive (once per parameters) the snapshot keys."""
        cached = self._derived.get(params)
        if cached is not None:
            return cached

        master = Scrypt(
            salt=params.salt, length=KEY_SIZE, n=params.n, r=params.r, p=params.p
        ).derive(self._secret)
        keys = SnapshotKeys(
            params=params,
            keyfile=_expand(master, b"keyfile"),
            backup=_expand(master, b"backup"),
            manifest=_expand(master, b"manifest"),
            check=hmac.new(
                _expand(master, b"check"), _CHECK_MESSAGE, hashlib.sha256
            ).hexdigest(),
        )
        self._derived[params] = keys
        return keys


def _expand(master: bytes, purpose: bytes) -> bytes:
    info = b"student-records backup v1 " + purpose
    return HKDFExpand(algorithm=hashes.SHA256(), length=KEY_SIZE, info=info).derive(
        master
    )
