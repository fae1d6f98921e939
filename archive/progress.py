"""Progress bars for long commands, shown only to a person at a terminal.

When output goes to a file or a pipe (cron, CI, ``--json``) the bar stays
silent, so logs and machine-read output carry no control characters.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)


@dataclass
class Tracker:
    """Moves a bar; silent when there is no bar to move."""

    _progress: Progress | None = None
    _task: TaskID | None = field(default=None)

    def __call__(self, n: int) -> None:
        """Count ``n`` more items done."""
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)

    def set_total(self, total: int) -> None:
        """Say how many items there are, once that is known."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=total)


@contextmanager
def progress_bar(
    description: str, total: int | None, *, enabled: bool | None = None
) -> Iterator[Tracker]:
    """Yield a :class:`Tracker` that moves a bar on stderr."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield Tracker()
        return

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield Tracker(bar, bar.add_task(description, total=total))
