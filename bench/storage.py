"""Measure encrypted storage against bare references, in one run.

Prints, for a 256 MiB object (``--size`` to change):

* encrypt+store and read+decrypt through the folder store, against bare
  AES-256-GCM over the same bytes in memory (one call, no I/O), and against
  the same with the file I/O any folder store must do (read the plaintext
  file, encrypt, write and fsync the ciphertext);
* the same through the S3 store, against a bare boto3 put and get of the
  plaintext on the same server (SeaweedFS on 127.0.0.1);
* peak memory of storing and reading back a 16 MiB and a 1 GiB object, each
  in a fresh process.

Throughput figures are MB/s (10^6 bytes); ratios above 1 mean ours is faster.
Nothing here is a test: it prints, it never fails on a number.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from archive import objects  # noqa: E402
from archive.config import load_settings  # noqa: E402
from archive.context import Archive, open_archive  # noqa: E402
from archive.db import create_db_engine, migrate  # noqa: E402
from storage.keyring import Keyring  # noqa: E402

MIB = 1 << 20
_CHUNK = 4 * MIB


def best_of(runs: int, action: Callable[[], object]) -> float:
    """Run ``action`` a few times and keep the fastest, to damp a noisy machine."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def make_plaintext(path: Path, size: int) -> None:
    with path.open("wb") as out:
        left = size
        while left:
            n = min(_CHUNK, left)
            out.write(os.urandom(n))
            left -= n


def new_archive(
    root: Path, blob_url: str | None = None, endpoint: str | None = None
) -> Archive:
    env = {"RECORDS_DATA_DIR": str(root)}
    if blob_url:
        env["RECORDS_BLOB_URL"] = blob_url
    if endpoint:
        env["RECORDS_S3_ENDPOINT_URL"] = endpoint
    settings = load_settings(env)
    root.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.database_url)
    migrate(engine)
    engine.dispose()
    Keyring.create(settings.key_file)
    return open_archive(settings)


def drain(reader: io.RawIOBase | io.BufferedIOBase) -> int:
    total = 0
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    while n := reader.readinto(view):  # type: ignore[union-attr]
        total += n
    return total


def archive_round_trip(archive: Archive, source: Path) -> tuple[float, float]:
    """Time our store and our read of one object; return both durations."""
    stored: list[str] = []

    def store() -> None:
        with source.open("rb") as handle:
            stored.append(
                objects.store_object(archive, handle, kind="bench", actor="bench").id
            )

    def read() -> None:
        with objects.open_object(archive, stored[-1], actor="bench") as plain:
            drain(plain)

    return best_of(3, store), best_of(3, read)


def bare_gcm(source: Path, scratch: Path) -> tuple[float, float, float, float]:
    """Reference: one AES-GCM call over the bytes, without and with file I/O."""
    data = source.read_bytes()
    key = AESGCM.generate_key(bit_length=256)
    gcm = AESGCM(key)
    nonce = os.urandom(12)
    sealed = gcm.encrypt(nonce, data, None)

    enc = best_of(3, lambda: gcm.encrypt(nonce, data, None))
    dec = best_of(3, lambda: gcm.decrypt(nonce, sealed, None))

    def enc_io() -> None:
        plain = source.read_bytes()
        with scratch.open("wb") as out:
            out.write(gcm.encrypt(nonce, plain, None))
            out.flush()
            os.fsync(out.fileno())

    def dec_io() -> None:
        gcm.decrypt(nonce, scratch.read_bytes(), None)

    return enc, dec, best_of(3, enc_io), best_of(3, dec_io)


def rate(size: int, seconds: float) -> str:
    return f"{size / seconds / 1e6:8.0f} MB/s"


def report(label: str, size: int, ours: float, reference: float) -> None:
    print(
        f"  {label:<36} ours {rate(size, ours)}   reference {rate(size, reference)}"
        f"   ratio {reference / ours:5.2f}"
    )


def bench_folder(work: Path, source: Path, size: int) -> None:
    archive = new_archive(work / "folder")
    store_s, read_s = archive_round_trip(archive, source)
    enc, dec, enc_io, dec_io = bare_gcm(source, work / "scratch.bin")
    print(f"folder store, {size // MIB} MiB object")
    report("encrypt+store vs bare AES-GCM", size, store_s, enc)
    report("read+decrypt vs bare AES-GCM", size, read_s, dec)
    report("encrypt+store vs AES-GCM with file I/O", size, store_s, enc_io)
    report("read+decrypt vs AES-GCM with file I/O", size, read_s, dec_io)
    archive.close()


def bench_s3(work: Path, source: Path, size: int) -> None:
    import boto3
    from boto3.s3.transfer import TransferConfig

    from tests.fixtures.s3server import running_s3_server

    with running_s3_server(work / "s3") as server:
        bucket = server.make_bucket()
        os.environ["AWS_ACCESS_KEY_ID"] = server.access_key
        os.environ["AWS_SECRET_ACCESS_KEY"] = server.secret_key
        archive = new_archive(
            work / "s3data", f"s3://{bucket}/bench", server.endpoint_url
        )
        store_s, read_s = archive_round_trip(archive, source)

        client = boto3.client(
            "s3",
            endpoint_url=server.endpoint_url,
            aws_access_key_id=server.access_key,
            aws_secret_access_key=server.secret_key,
            region_name="us-east-1",
        )
        config = TransferConfig(
            multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB
        )

        def put() -> None:
            with source.open("rb") as handle:
                client.upload_fileobj(handle, bucket, "bare/object", Config=config)

        def get() -> None:
            body = client.get_object(Bucket=bucket, Key="bare/object")["Body"]
            while body.read(_CHUNK):
                pass

        put_s, get_s = best_of(3, put), best_of(3, get)
        print(f"S3 store (SeaweedFS on 127.0.0.1), {size // MIB} MiB object")
        report("encrypt+store vs bare boto3 put", size, store_s, put_s)
        report("read+decrypt vs bare boto3 get", size, read_s, get_s)
        archive.close()


class _Zeros(io.RawIOBase):
    """A stream of ``size`` bytes that never exists in memory whole."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def child_memory(size: int) -> None:
    """In a fresh process: store and read back ``size`` bytes; print peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = new_archive(Path(tmp))
        row = objects.store_object(
            archive, io.BufferedReader(_Zeros(size)), kind="bench", actor="bench"
        )
        with objects.open_object(archive, row.id, actor="bench") as plain:
            assert drain(plain) == size
        archive.close()
    print(peak_rss_kib())


def peak_rss_kib() -> int:
    """This process's own peak resident memory in KiB.

    Read from /proc rather than getrusage: Linux carries ru_maxrss across
    exec, so a child would report the benchmark parent's peak as its own.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def bench_memory() -> None:
    peaks = {}
    for size in (16 * MIB, 1024 * MIB):
        out = subprocess.run(
            [sys.executable, __file__, "--child-memory", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        peaks[size] = int(out.stdout.strip().splitlines()[-1])
    small, large = peaks[16 * MIB], peaks[1024 * MIB]
    print("peak memory (store and read back, fresh process each)")
    print(f"  16 MiB object: {small / 1024:6.1f} MiB")
    print(f"  1 GiB object:  {large / 1024:6.1f} MiB")
    print(f"  ratio 1 GiB / 16 MiB: {large / small:4.2f}  (goal: at most 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="object size in MiB")
    parser.add_argument("--skip-s3", action="store_true")
    parser.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        child_memory(args.child_memory)
        return

    size = args.size * MIB
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "plaintext.bin"
        make_plaintext(source, size)
        bench_folder(work, source, size)
        if not args.skip_s3:
            bench_s3(work, source, size)
    bench_memory()


if __name__ == "__main__":
    main()
