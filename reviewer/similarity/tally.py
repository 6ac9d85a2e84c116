"""Coverage counted per document in plain dicts and written once (per-row pydantic updates cost more
than the checks on a 100k-row report)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reviewer.model import Document


def check_context(doc: Document):
    """The checks' context for a document (its findings and coverage are written through it)."""
    from reviewer.checks import Ctx, load_rules

    return Ctx(doc=doc, rules=load_rules())


class Tally:
    """A check context that counts coverage in plain dicts and writes it to the document once:
    updating the pydantic coverage entry per row costs more than the checks on a 100k-row report."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.rules = ctx.rules
        self._checked: dict[str, int] = defaultdict(int)
        self._skipped: dict[tuple[str, str], int] = defaultdict(int)  # in first-seen order, like the entry

    def add(self, *args: Any, **evidence: Any) -> None:
        self.ctx.add(*args, **evidence)

    def checked(self, code: str, n: int = 1) -> None:
        self._checked[code] += n

    def skip(self, code: str, reason: str, n: int = 1) -> None:
        self._skipped[(code, reason)] += n

    def flush(self) -> None:
        for code, n in self._checked.items():
            self.ctx.checked(code, n)
        for (code, reason), n in self._skipped.items():
            self.ctx.skip(code, reason, n)
        self._checked.clear()
        self._skipped.clear()
