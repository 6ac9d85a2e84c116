"""The Report every exporter renders: documents plus (optionally) the human decisions on them.

Built from a pipeline result here (``report_from_result``) or from a stored session by the UI
(reviewer.ui.exports); the exporters never read the store themselves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from reviewer.model import Document, ReviewResult, critiques_for
from reviewer.text import number


@dataclass
class FindingState:
    status: str = "open"
    final_text: str | None = None
    reason: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    critique: str | None = None  # the reviewer's 审核意见, when they wrote one


@dataclass
class Report:
    """What every exporter renders: documents plus (optionally) the human decisions on them."""

    title: str
    documents: list[tuple[str, Document]]  # (doc_id "d1", document)
    reviewed: bool  # False: straight out of the pipeline, nobody has decided anything
    states: dict[str, FindingState] = field(default_factory=dict)  # keyed "d1.f3"
    row_texts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    session: dict[str, Any] | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def state(self, doc_id: str, finding_id: str) -> FindingState:
        return self.states.get(f"{doc_id}.{finding_id}", FindingState())


def report_from_result(result: ReviewResult | Sequence[Document]) -> Report:
    if isinstance(result, ReviewResult):
        docs, errors = list(result.documents), [{"source": e.source, "message": e.message} for e in result.errors]
    else:
        docs, errors = list(result), []
    title = docs[0].title or Path(docs[0].source).name if docs else "审阅结果"
    if len(docs) > 1:
        title = f"{title} 等 {len(docs)} 份"
    return Report(title=title, documents=[(f"d{i}", d) for i, d in enumerate(docs, 1)], reviewed=False,
                  errors=errors)


def safe_name(text: str, limit: int) -> str:
    return re.sub(r"[\\/:*?\"<>|\[\]\s]+", "_", text).strip("_")[:limit] or "报告"


def _fmt(value: Decimal | None, text: str | None = None) -> str:
    """A figure as the findings and drafts print it (reviewer.text.number)."""
    if value is None:
        return text or ""
    return number(value)


def decided_text(report: Report, doc_id: str, finding: Any) -> str:
    """The confirmed 偏差原因分析 (the row's one text, so a later decision never shows an older one) or the reason."""
    state = report.state(doc_id, finding.id)
    if state.status in ("accepted", "edited"):
        row = report.row_texts.get((doc_id, finding.row_id or ""))
        return (row or {}).get("final_text") or state.final_text or ""
    if state.status == "rejected":
        return state.reason or ""
    return ""


def critique_text(doc: Document, finding_id: str, row_id: str | None, state: FindingState | None = None) -> str:
    """The reviewer's 审核意见 when they wrote one, else the drafted one (marked as a draft while undecided)."""
    if state is not None and state.critique:
        return state.critique
    text = "\n".join(d.text for d in critiques_for(doc.drafts or [], finding_id, row_id))
    return f"（草稿）{text}" if text and state is not None and state.status == "open" else text


__all__ = ["FindingState", "Report", "critique_text", "decided_text", "report_from_result", "safe_name"]
