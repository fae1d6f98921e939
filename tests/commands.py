"""Run the ``records`` command as an operator would: a real process."""

from __future__ import annotations

import os
import subprocess
import sys


def run_records(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``records ARGS`` with ``env`` added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "archive", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
