"""Exports of a stored session: load it from the store into a Report, log the export in the audit
trail, and write the file under REVIEWER_HOME/exports (the exporters themselves are pure)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from reviewer.export import (
    FindingState,
    Report,
    json_dumps,
    report_to_html,
    report_to_json,
    report_to_xlsx,
    safe_name,
)
from reviewer.safe_text import unique_path, write_atomic
from reviewer.store import Store, StoreError

EXPORT_FORMATS = ("xlsx", "json", "html")


def session_report(store: Store, session_id: str) -> Report:
    """Load a stored session, its decisions and its audit log into a Report."""
    info = store.get_session(session_id)
    docs = store.load_documents(session_id)
    _, records = store.query_findings(session_id, limit=10**9)
    states = {r.id: FindingState(r.status, r.final_text, r.reason, r.decided_by, r.decided_at, r.critique)
              for r in records}
    return Report(
        title=info.title, documents=[(f"d{i}", d) for i, d in enumerate(docs, 1)], reviewed=True, states=states,
        row_texts=store.row_texts(session_id), errors=info.errors, notices=info.notices,
        session={"id": info.id, "title": info.title, "created_at": info.created_at, "created_by": info.created_by,
                 "counts": info.counts},
        audit=store.audit_log(session_id), decisions=store.decisions(session_id),
    )


def export_session(store: Store, session_id: str, fmt: str, out_dir: str | Path | None = None,
                   who: str = "local") -> Path:
    """Write a session as xlsx | json | html under out_dir (default REVIEWER_HOME/exports) and log it."""
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"不支持的导出格式 {fmt!r}，应为 xlsx、json 或 html")
    # Log first, so the exported audit trail includes this export.
    store.log(session_id, who, "export", None, {"format": fmt})
    report = session_report(store, session_id)
    if out_dir is None:
        from reviewer.settings import get_settings

        out_dir = get_settings().home / "exports" / session_id
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    # Two requests in one second must not share a file; each is written whole, then renamed in.
    path = unique_path(out_dir, f"审阅结果_{safe_name(report.title, 40)}_{stamp}", f".{fmt}")
    if fmt == "xlsx":
        return report_to_xlsx(report, path, mode=0o600)
    text = json_dumps(report_to_json(report)) if fmt == "json" else report_to_html(report)
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), mode=0o600)


__all__ = ["EXPORT_FORMATS", "export_session", "session_report"]
