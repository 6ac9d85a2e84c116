"""绩效自评审阅助手: review Chinese budget performance self-evaluation tables.

The public API: ``review_paths`` (files → ReviewResult with findings), ``parse_path`` (one file →
Document with projects and rows, no checks), the pydantic models passed between stages, and
``InputError`` (input the tool cannot use; the CLI turns it into exit 2).
"""

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

__all__ = [
    "Budget", "CoverageEntry", "Document", "Draft", "Finding", "IndicatorRow", "InputError", "Project", "ReviewError",
    "ReviewResult", "SetupError", "TableParse", "parse_path", "review_paths",
]
