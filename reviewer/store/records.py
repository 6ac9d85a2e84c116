"""The store's records: what its queries return, as plain data (display labels are the UI's business).

``FindingRecord.to_json`` is the finding of the HTTP API (/review, /decide), whose contract
includes the codes' Chinese names.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from reviewer.codes import SEVERITY_ORDER, code_name, severity_name, status_name
from reviewer.model import Draft


@dataclass
class FindingRecord:
    """A finding as the UI and the API see it: session-unique id, row cells, review state."""

    id: str
    doc_id: str
    local_id: str
    seq: int
    code: str
    severity: str
    project_id: str | None
    project_name: str
    row_id: str | None
    indicator: str
    target: str
    actual: str
    weight: str
    score: str
    message: str
    evidence: dict[str, Any]
    status: str
    final_text: str | None = None
    reason: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    critique: str | None = None  # the reviewer's 审核意见, when they wrote one

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> FindingRecord:
        """A row of the findings table as a record (its evidence decoded)."""
        return cls(
            id=r["id"], doc_id=r["doc_id"], local_id=r["local_id"], seq=r["seq"], code=r["code"],
            severity=r["severity"], project_id=r["project_id"], project_name=r["project_name"],
            row_id=r["row_id"], indicator=r["indicator"], target=r["target"], actual=r["actual"],
            weight=r["weight"], score=r["score"], message=r["message"], evidence=json.loads(r["evidence"]),
            status=r["status"], final_text=r["final_text"], reason=r["reason"],
            decided_by=r["decided_by"], decided_at=r["decided_at"], critique=r["critique"],
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("seq")
        out["code_name"] = code_name(self.code)
        out["severity_name"] = severity_name(self.severity)
        out["status_name"] = status_name(self.status)
        return out


@dataclass
class SessionInfo:
    id: str
    title: str
    created_at: str
    created_by: str
    notices: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    documents: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # the reports' file names

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class FindingFilter:
    """Empty fields match everything; ``project`` is "doc_id/project_id"; ``query`` searches the
    indicator, the project name and the message."""

    code: str | None = None
    severity: str | None = None
    project: str | None = None
    status: str | None = None
    query: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, args = [], []
        if self.query and self.query.strip():
            # LIKE wildcards typed by a reviewer are literal text, not patterns.
            needle = "%" + re.sub(r"([%_\\])", r"\\\1", self.query.strip()) + "%"
            clauses.append("(indicator LIKE ? ESCAPE '\\' OR project_name LIKE ? ESCAPE '\\'"
                           " OR message LIKE ? ESCAPE '\\')")
            args += [needle] * 3
        if self.code:
            clauses.append("code = ?")
            args.append(self.code)
        if self.severity:
            clauses.append("severity = ?")
            args.append(self.severity)
        if self.project and "/" in self.project:
            doc_id, project_id = self.project.split("/", 1)
            clauses.append("doc_id = ? AND project_id = ?")
            args += [doc_id, project_id]
        if self.status == "decided":
            clauses.append("status != 'open'")
        elif self.status:
            clauses.append("status = ?")
            args.append(self.status)
        return "".join(f" AND {c}" for c in clauses), args


@dataclass
class GroupRecord:
    """One card: an indicator row with its findings (or a project's own findings), as the list shows it."""

    key: str  # "doc_id|project_id|row_id", empty parts for project- or report-level findings
    doc_id: str
    project_id: str
    row_id: str
    severity: str
    codes: list[str]
    n: int
    n_open: int
    project_name: str
    indicator: str
    target: str
    actual: str
    weight: str
    score: str

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> GroupRecord:
        severity = next((s for s, rank in SEVERITY_ORDER.items() if rank == r["rank"]), "info")
        return cls(key=f"{r['doc_id']}|{r['pid']}|{r['rid']}", doc_id=r["doc_id"], project_id=r["pid"], row_id=r["rid"],
                   severity=severity, codes=list(dict.fromkeys((r["codes"] or "").split(","))), n=r["n"],
                   n_open=r["n_open"] or 0, project_name=r["project_name"] or "", indicator=r["indicator"] or "",
                   target=r["target"] or "", actual=r["actual"] or "", weight=r["weight"] or "",
                   score=r["score"] or "")


@dataclass
class FindingDetail:
    """Everything the detail panel shows for one finding, read in one go."""

    finding: FindingRecord
    document: dict[str, Any]
    project: dict[str, Any] | None
    row: dict[str, Any] | None
    explanation_draft: Draft | None
    rejected_drafts: list[Draft]
    critiques: list[Draft]
    history: list[dict[str, Any]]


@dataclass
class ProjectOption:
    """A project the filter can narrow to: ``value`` is "doc_id/project_id" (see FindingFilter.project)."""

    value: str
    name: str
    source: str  # the report's file name


@dataclass
class FilterOptions:
    """What the session's findings hold: codes in order of first appearance, severities most severe
    first, projects in report order (two tables of one report may share a name)."""

    codes: list[str]
    severities: list[str]
    projects: list[ProjectOption]
    documents: int


__all__ = ["FilterOptions", "FindingDetail", "FindingFilter", "FindingRecord", "GroupRecord", "ProjectOption",
           "SessionInfo"]
