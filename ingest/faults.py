"""Named crash points, so tests can kill ingest exactly where it hurts.

A test sets ``RECORDS_TEST_CRASH_AT=NAME`` (or ``NAME:N`` for the N-th time
the point is reached) in the environment of a ``records ingest`` process;
reaching that point kills the process with SIGKILL, as a power cut would.
Without the variable each checkpoint is a dictionary lookup and nothing
more. Real processes are killed instead of mocking failures, because what
must be proven is what the files on disk and the database hold afterwards.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

CRASH_ENV = "RECORDS_TEST_CRASH_AT"

_reached: Counter[str] = Counter()


def checkpoint(name: str) -> None:
    """Die here if a test asked for it."""
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
