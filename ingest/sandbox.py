"""Run a decoder in a child process with a memory cap and a deadline.

Image and PDF decoders are C libraries fed by strangers: a 12 KB file can
ask for gigabytes or loop for minutes. Each decode therefore runs in a forked
child whose address space is capped with `RLIMIT_AS` and which is killed at
the deadline; the parent only ever sees a small pickled result or an error.

`os.fork` is used rather than `multiprocessing` because it also works inside
daemonic pool workers (which may not start `multiprocessing` children) and
costs a few milliseconds, not an interpreter start-up.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from ingest.errors import DamagedFile, TooLarge, TooSlow, UnreadableFile

T = TypeVar("T")

_MEBIBYTE = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Hard limits on decoding one file or page."""

    max_page_pixels: int = 100_000_000
    max_pages: int = 2000
    # Memory a decode may take beyond what the process already uses.
    max_memory_bytes: int = 2048 * _MEBIBYTE
    decode_seconds: float = 60.0
    ocr_seconds: float = 180.0


def run_limited(function: Callable[[], T], limits: Limits) -> T:
    """Call `function` in a forked child under `limits` and return its result.

    The function's `UnreadableFile` errors pass through; a child that runs
    out of memory, crashes or overstays becomes `TooLarge`, `DamagedFile` or
    `TooSlow`.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        _run_child(function, limits, write_end)

    os.close(write_end)
    payload: bytes | None = None
    try:
        payload = _read_until(read_end, time.monotonic() + limits.decode_seconds)
    finally:
        os.close(read_end)
        status = _reap(pid, kill=payload is None)

    if payload is None:
        raise TooSlow()

    return cast(T, _unpack(payload, status))


def _run_child(function: Callable[[], object], limits: Limits, write_end: int) -> None:
    """Child side: cap memory, run, send the pickled outcome, exit at once."""
    try:
        ceiling = _address_space_in_use() + limits.max_memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        cpu_seconds = int(limits.decode_seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        try:
            outcome: tuple[str, object] = ("ok", function())
        except UnreadableFile as err:
            outcome = ("unreadable", err)
        except MemoryError:
            outcome = ("memory", None)
        except Exception as err:  # any other decoder failure means a damaged file
            outcome = ("error", f"{type(err).__name__}: {err}")
        data = pickle.dumps(outcome)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)


def _address_space_in_use() -> int:
    """Virtual memory the process already maps (libraries, arenas, the heap).

    `RLIMIT_AS` caps the whole address space, so the allowance for decoding
    is added on top of what the forked child inherited.
    """
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Read the child's whole message, or None when the deadline passes."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int, *, kill: bool) -> int:
    """Collect the child, killing it first when it overstayed."""
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return status


def _unpack(payload: bytes, status: int) -> object:
    if not payload:
        if os.WIFSIGNALED(status):
            signum = os.WTERMSIG(status)
            if signum in (signal.SIGXCPU, signal.SIGKILL):
                raise TooSlow()
            if signum in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
                raise DamagedFile(
                    "the file crashed the reader; it is damaged or malformed; "
                    "copy or scan the original again"
                )
        raise TooLarge()

    kind, value = pickle.loads(payload)  # noqa: S301 - our own child wrote it
    if kind == "ok":
        return value
    if kind == "unreadable":
        assert isinstance(value, UnreadableFile)
        raise value
    if kind == "memory":
        raise TooLarge()
    raise DamagedFile(
        "the file is damaged or malformed and could not be opened "
        f"({value}); copy or scan the original again"
    )
