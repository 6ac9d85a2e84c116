"""The JSON export of a session: documents (the review contract), findings with decisions, audit trail."""

from __future__ import annotations

import json
from typing import Any

from reviewer.codes import code_name
from reviewer.export.report import Report
from reviewer.model import ReviewResult
from reviewer.safe_text import json_safe


def json_dumps(data: Any) -> str:
    """JSON for a file a person may open: C0 controls escaped by json, DEL and C1 escaped here."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2))


def report_to_json(report: Report) -> dict[str, Any]:
    """The session with its documents (review contract), findings with decisions, and the audit trail."""
    findings = []
    history: dict[str, list[dict[str, Any]]] = {}
    for d in report.decisions:
        history.setdefault(d["finding_id"], []).append(
            {k: d[k] for k in ("action", "text", "reason", "reviewer", "at")})
    for doc_id, doc in report.documents:
        for f in doc.findings:
            key = f"{doc_id}.{f.id}"
            s = report.state(doc_id, f.id)
            findings.append({
                "id": key, "document": doc.source, "finding_id": f.id, "code": f.code, "code_name": code_name(f.code),
                "severity": f.severity, "project_id": f.project_id, "row_id": f.row_id, "message": f.message,
                "status": s.status, "final_text": s.final_text, "reason": s.reason, "decided_by": s.decided_by,
                "decided_at": s.decided_at, "decisions": history.get(key, []),
            })
    return {
        "schema": "reviewer.session/1",
        "session": report.session,
        "errors": report.errors,
        "notices": report.notices,
        "documents": ReviewResult(documents=[d for _, d in report.documents]).to_contract()["documents"],
        "findings": findings,
        "audit": report.audit,
    }


__all__ = ["json_dumps", "report_to_json"]
