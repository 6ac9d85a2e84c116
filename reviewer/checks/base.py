"""What every check shares: the finding codes' severities, a context that records findings
and coverage, and small helpers for reading a row's figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reviewer.checks.rules import Rules
from reviewer.model import Budget, CoverageEntry, Document, Finding, IndicatorRow, Project
from reviewer.text import computed, is_empty_explanation, number, percent
from reviewer.values import Value, parse_value

SEVERITY: dict[str, str] = {
    "EMPTY_ACTUAL": "warning", "ACTUAL_COPIES_TARGET": "warning", "TARGET_NOT_MEASURABLE": "warning",
    "SCORE_OVER_WEIGHT": "error", "UNEXPLAINED_DEDUCTION": "warning", "UNEXPLAINED_DEVIATION": "warning",
    "FULL_SCORE_ON_SHORTFALL": "error", "BOILERPLATE_EXPLANATION": "warning", "MISPLACED_INDICATOR": "warning",
    "GENERIC_INDICATOR": "info", "DIRECTION_ERROR": "warning", "YEAR_MISMATCH": "warning",
    "CATEGORY_MISMATCH": "info", "INCONSISTENT_FIGURES": "error", "ARITHMETIC_ERROR": "error",
    "DUPLICATE_INDICATOR_SET": "warning", "EXACT_THRESHOLD_PATTERN": "info",
}

# Codes found by comparing rows with other projects and the corpus (reviewer.similarity), not
# by the rules table: their findings depend on what else is compared.
SIMILARITY_CODES = frozenset({"MISPLACED_INDICATOR", "DUPLICATE_INDICATOR_SET", "GENERIC_INDICATOR",
                              "BOILERPLATE_EXPLANATION", "EXACT_THRESHOLD_PATTERN"})


@dataclass
class Ctx:
    doc: Document
    rules: Rules

    def add(self, code: str, project: Project | None, row: IndicatorRow | None, message: str,
            **evidence: Any) -> None:
        """Record a finding; `evidence` gets the row's cells automatically."""
        ev: dict[str, Any] = {}
        if row is not None:
            ev["cells"] = {"indicator": row.indicator, "target": row.target, "actual": row.actual,
                           "weight": _s(row.weight), "score": _s(row.score), "explanation": row.explanation,
                           "where": row.where}
        ev.update({k: _s(v) for k, v in evidence.items()})
        self.doc.findings.append(Finding(
            id="", code=code, severity=SEVERITY[code],  # type: ignore[arg-type]
            project_id=project.id if project else None, row_id=row.id if row else None,
            message=message, evidence=ev))

    def _cov(self, code: str) -> CoverageEntry:
        return self.doc.coverage.setdefault(code, CoverageEntry())

    def checked(self, code: str, n: int = 1) -> None:
        self._cov(code).checked += n

    def skip(self, code: str, reason: str, n: int = 1) -> None:
        cov = self._cov(code)
        cov.skipped[reason] = cov.skipped.get(reason, 0) + n


def _s(v: Any) -> Any:
    """Evidence is JSON: Decimals become strings as written ("0.9422"), exact."""
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral_value() else str(v)
    if isinstance(v, dict):
        return {k: _s(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_s(x) for x in v]
    return v


def fmt(d: Decimal | None) -> str:
    """A figure read from a cell, as written: 94.225 → "94.225", 9.4000 → "9.4"."""
    return number(d)


def fmt_c(d: Decimal | None) -> str:
    """A figure the tool computed: two decimals at most."""
    return computed(d)


def pct(d: Decimal | None) -> str:
    return percent(d)


def budget_rate(b: Budget | None) -> Decimal | None:
    """The funding table's 执行率 as a fraction. A column headed "执行率(%)" holds 100 for 100 %:
    a rate above 1 that equals 执行数/预算数 × 100 is read that way, not as 10000 %."""
    if b is None or b.rate is None:
        return None
    if b.rate > 1 and b.full and b.spent is not None and abs(b.rate / 100 - b.spent / b.full) <= Decimal("0.01"):
        return b.rate / 100
    return b.rate


def values(row: IndicatorRow) -> tuple[Value, Value]:
    return parse_value(row.target), parse_value(row.actual)


def rows(doc: Document) -> Iterable[tuple[Project, IndicatorRow]]:
    for p in doc.projects:
        for r in p.rows:
            yield p, r


def explanation_missing(row: IndicatorRow) -> bool:
    """No cause given: empty, "无", "无偏差" … (the one list in vocab/phrases.toml)."""
    return is_empty_explanation(row.explanation)


CheckFn = Callable[[Ctx], None]
CHECKS: list[CheckFn] = []


def check(fn: CheckFn) -> CheckFn:
    """Register a check; they run in registration order."""
    CHECKS.append(fn)
    return fn
