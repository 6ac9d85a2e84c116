"""绩效自评审阅助手: review Chinese budget performance self-evaluation tables.

The public API: ``review_paths`` (files → ReviewResult with findings), ``parse_path`` (one file →
Document with projects and rows, no checks), the pydantic models passed between stages, and
``InputError`` (input the tool cannot use; the CLI turns it into exit 2).

Names load on first use (PEP 562), so ``reviewer --help`` does not pay for pydantic and the reader.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "InputError": "reviewer.errors", "SetupError": "reviewer.errors",
    "Budget": "reviewer.model", "CoverageEntry": "reviewer.model", "Document": "reviewer.model",
    "Draft": "reviewer.model", "Finding": "reviewer.model", "IndicatorRow": "reviewer.model",
    "Project": "reviewer.model", "ReviewError": "reviewer.model", "ReviewResult": "reviewer.model",
    "TableParse": "reviewer.model",
    "parse_path": "reviewer.pipeline", "review_paths": "reviewer.pipeline",
}

__all__ = [
    "Budget", "CoverageEntry", "Document", "Draft", "Finding", "IndicatorRow", "InputError", "Project", "ReviewError",
    "ReviewResult", "SetupError", "TableParse", "parse_path", "review_paths",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'reviewer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover
    from reviewer.errors import InputError, SetupError
    from reviewer.model import (
        Budget,
        CoverageEntry,
        Document,
        Draft,
        Finding,
        IndicatorRow,
        Project,
        ReviewError,
        ReviewResult,
        TableParse,
    )
    from reviewer.pipeline import parse_path, review_paths
