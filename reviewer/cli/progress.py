"""Progress for long work: a rich progress bar on the CLI's stderr, a no-op when not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from reviewer.model import Progress


@contextmanager
def cli_progress(enabled: bool = True) -> Iterator[Progress | None]:
    """Yield a progress callback (fraction, message) drawing on stderr, or None."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      transient=True, console=None) as bar:
        task = bar.add_task("审阅中", total=1.0)

        def update(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, description=message)

        yield update
