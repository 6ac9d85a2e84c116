"""Sessions: a reviewed batch stored whole, listed, and loaded back as Documents."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from reviewer.codes import SEVERITY_ORDER
from reviewer.model import Document, Draft, ReviewError, TableParse
from reviewer.store.db import DEFAULT_REVIEWER, StoreBase, StoreError
from reviewer.store.encoding import cell_text, dumps, now, plain
from reviewer.store.records import SessionInfo


class SessionsMixin(StoreBase):
    """Sessions and their documents: create, list, load back, add drafts made later."""

    def create_session(
        self,
        documents: Sequence[Document],
        *,
        errors: Iterable[ReviewError] = (),
        notices: Iterable[str] = (),
        title: str | None = None,
        user: str = DEFAULT_REVIEWER,
        hashes: dict[str, str] | None = None,
    ) -> str:
        """Store a reviewed batch as a new session and return its id; ``hashes`` maps a
        document's source to the sha256 of its file."""
        sid = uuid.uuid4().hex[:12]
        errors = [{"source": e.source, "message": e.message} for e in errors]
        title = title or _session_title(documents, errors)
        seq = 0
        with self._tx(write=True) as db:
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
                (sid, title, now(), user, json.dumps(list(notices), ensure_ascii=False),
                 json.dumps(errors, ensure_ascii=False)),
            )
            for d_index, doc in enumerate(documents, 1):
                seq = _insert_document(db, sid, d_index, doc, (hashes or {}).get(doc.source), seq)
            self._audit(db, sid, user, "create_session", None, None,
                        {"documents": len(documents), "findings": seq, "errors": len(errors)})
        return sid

    def list_sessions(self, limit: int = 200) -> list[SessionInfo]:
        """Newest first, with per-status counts."""
        with self._tx() as db:
            rows = db.execute("SELECT * FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)).fetchall()
            return [self._session_info(db, r) for r in rows]

    def get_session(self, sid: str) -> SessionInfo:
        with self._tx() as db:
            r = db.execute("SELECT * FROM sessions WHERE id = ?", (sid,)).fetchone()
            if r is None:
                raise StoreError(f"找不到审阅会话 {sid}")
            return self._session_info(db, r)

    @staticmethod
    def _session_info(db: sqlite3.Connection, r: sqlite3.Row) -> SessionInfo:
        counts = {s: 0 for s in ("open", "accepted", "edited", "rejected")}
        for status, n in db.execute("SELECT status, count(*) FROM findings WHERE session_id = ? GROUP BY status",
                                    (r["id"],)):
            counts[status] = n
        sources = [x[0] for x in db.execute("SELECT source FROM documents WHERE session_id = ? ORDER BY seq",
                                            (r["id"],))]
        return SessionInfo(id=r["id"], title=r["title"], created_at=r["created_at"], created_by=r["created_by"],
                           notices=json.loads(r["notices"]), errors=json.loads(r["errors"]), documents=len(sources),
                           counts=counts, sources=[Path(x).name for x in sources])

    def counts(self, sid: str) -> dict[str, int]:
        return self.get_session(sid).counts

    # -------------------------------------------------------------- documents

    def load_documents(self, sid: str, doc_id: str | None = None) -> list[Document]:
        """Rebuild the session's Documents (or the one ``doc_id``): local finding ids f1…, drafts as stored."""
        only = " AND id = ?" if doc_id else ""
        with self._tx() as db:
            docs = []
            for d in db.execute(f"SELECT * FROM documents WHERE session_id = ?{only} ORDER BY seq",
                                (sid, doc_id) if doc_id else (sid,)).fetchall():
                body = json.loads(d["body"])
                projects = []
                for p in db.execute("SELECT * FROM projects WHERE session_id = ? AND doc_id = ? ORDER BY seq",
                                    (sid, d["id"])):
                    pbody = json.loads(p["body"])
                    pbody["rows"] = [json.loads(r["body"]) for r in db.execute(
                        "SELECT body FROM rows WHERE session_id = ? AND doc_id = ? AND project_id = ? ORDER BY seq",
                        (sid, d["id"], p["id"]))]
                    projects.append(pbody)
                body["projects"] = projects
                body["findings"] = [
                    {"id": f["local_id"], "code": f["code"], "severity": f["severity"], "project_id": f["project_id"],
                     "row_id": f["row_id"], "message": f["message"], "evidence": json.loads(f["evidence"])}
                    for f in db.execute("SELECT * FROM findings WHERE session_id = ? AND doc_id = ? ORDER BY seq",
                                        (sid, d["id"]))
                ]
                drafts = [json.loads(r["body"]) for r in db.execute(
                    "SELECT body FROM drafts WHERE session_id = ? AND doc_id = ? ORDER BY seq", (sid, d["id"]))]
                body["drafts"] = drafts if d["drafted"] or drafts else None
                docs.append(Document.model_validate(body))
            if not docs and db.execute("SELECT 1 FROM sessions WHERE id = ?", (sid,)).fetchone() is None:
                raise StoreError(f"找不到审阅会话 {sid}")
            return docs

    def coverage(self, sid: str) -> list[tuple[str, dict[str, Any]]]:
        """(source, coverage dict) per document."""
        with self._connect() as db:
            return [(r["source"], json.loads(r["body"]).get("coverage") or {}) for r in db.execute(
                "SELECT source, body FROM documents WHERE session_id = ? ORDER BY seq", (sid,))]

    def parse_reports(self, sid: str) -> list[tuple[str, list[TableParse]]]:
        """(source, parse report of each table) per document: how the tables were read."""
        with self._connect() as db:
            return [(r["source"], [TableParse.model_validate(t) for t in json.loads(r["body"]).get("parse") or []])
                    for r in db.execute("SELECT source, body FROM documents WHERE session_id = ? ORDER BY seq",
                                        (sid,))]

    def drafted_projects(self, sid: str) -> set[tuple[str, str]]:
        """(doc_id, project_id) of every project whose drafts exist."""
        with self._connect() as db:
            return {(r[0], r[1]) for r in db.execute(
                "SELECT doc_id, project_id FROM drafted WHERE session_id = ?", (sid,))}

    def add_drafts(self, sid: str, doc_id: str, project_id: str, drafts: Sequence[Draft]) -> bool:
        """Store one project's drafts, made after the session was created; False if it already had them."""
        with self._tx(write=True) as db:
            if db.execute("SELECT 1 FROM drafted WHERE session_id = ? AND doc_id = ? AND project_id = ?",
                          (sid, doc_id, project_id)).fetchone():
                return False
            start = db.execute("SELECT ifnull(max(seq), -1) + 1 FROM drafts WHERE session_id = ? AND doc_id = ?",
                               (sid, doc_id)).fetchone()[0]
            _insert_drafts(db, sid, doc_id, start, drafts)
            db.execute("INSERT INTO drafted VALUES (?, ?, ?)", (sid, doc_id, project_id))
            db.execute("UPDATE documents SET drafted = 1 WHERE session_id = ? AND id = ? AND NOT EXISTS"
                       " (SELECT 1 FROM projects p WHERE p.session_id = ? AND p.doc_id = ? AND p.id NOT IN"
                       " (SELECT project_id FROM drafted WHERE session_id = ? AND doc_id = ?))",
                       (sid, doc_id, sid, doc_id, sid, doc_id))
        return True

    def sessions_with(self, hashes: Iterable[str]) -> dict[str, list[str]]:
        """For each file hash, the sessions that already hold a report with that content."""
        hashes = list(hashes)
        if not hashes:
            return {}
        with self._connect() as db:
            out: dict[str, list[str]] = {}
            for r in db.execute(f"SELECT sha256, session_id FROM documents WHERE sha256 IN ({','.join('?' * len(hashes))})"
                                " ORDER BY rowid", hashes):
                out.setdefault(r[0], []).append(r[1])
        return out


def _session_title(documents: Sequence[Document], errors: list[dict[str, str]]) -> str:
    names = [Path(d.source).name for d in documents] or [Path(e["source"]).name for e in errors]
    if not names:
        return "空审阅"
    first = documents[0].title if documents and documents[0].title else names[0]
    return first if len(names) == 1 else f"{first} 等 {len(names)} 份"


def _insert_document(db: sqlite3.Connection, sid: str, d_index: int, doc: Document, sha256: str | None,
                     seq: int) -> int:
    """One document with its projects, rows, findings and drafts; returns the last finding's session seq."""
    doc_id = f"d{d_index}"
    body = plain(doc)
    body["findings"], body["drafts"] = [], None
    db.execute(
        "INSERT INTO documents (session_id, id, seq, source, title, year, kind, drafted, body, sha256)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sid, doc_id, d_index, doc.source, doc.title, doc.year, doc.kind,
         int(doc.drafts is not None), json.dumps(body, ensure_ascii=False), sha256),
    )
    if doc.drafts is not None:
        db.executemany("INSERT INTO drafted VALUES (?, ?, ?)", [(sid, doc_id, p.id) for p in doc.projects])
    for p_index, project in enumerate(doc.projects):
        pbody = plain(project)
        pbody["rows"] = []
        db.execute("INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?)",
                   (sid, doc_id, project.id, p_index, project.name, json.dumps(pbody, ensure_ascii=False)))
        db.executemany(
            "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?)",
            [(sid, doc_id, r.id, project.id, r_index, dumps(r)) for r_index, r in enumerate(project.rows)],
        )
    finding_rows = _finding_rows(sid, doc_id, doc, seq)
    db.executemany(
        "INSERT INTO findings (session_id, id, doc_id, local_id, seq, code, severity, project_id,"
        " project_name, row_id, indicator, target, actual, weight, score, message, evidence, sev_rank)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        finding_rows,
    )
    _insert_drafts(db, sid, doc_id, 0, doc.drafts or [])
    return seq + len(finding_rows)


def _finding_rows(sid: str, doc_id: str, doc: Document, seq: int) -> list[tuple[Any, ...]]:
    """The findings table's rows of one document: each finding with its row's cells as text."""
    rows_by_id = {r.id: r for p in doc.projects for r in p.rows}
    names = {p.id: p.name for p in doc.projects}
    out = []
    for f in doc.findings:
        seq += 1
        row = rows_by_id.get(f.row_id or "")
        out.append((
            sid, f"{doc_id}.{f.id}", doc_id, f.id, seq, f.code, f.severity, f.project_id,
            names.get(f.project_id or "", ""), f.row_id,
            row.indicator if row else "", cell_text(row.target) if row else "",
            cell_text(row.actual) if row else "",
            (row.weight_text or cell_text(row.weight)) if row else "",
            (row.score_text or cell_text(row.score)) if row else "",
            f.message, dumps(f.evidence), SEVERITY_ORDER.get(f.severity, 9),
        ))
    return out


def _insert_drafts(db: sqlite3.Connection, sid: str, doc_id: str, start: int, drafts: Sequence[Draft]) -> None:
    db.executemany(
        "INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(sid, doc_id, start + k, d.project_id, d.row_id, f"{doc_id}.{d.finding_id}" if d.finding_id else None,
          d.kind, d.status, d.text, dumps(d)) for k, d in enumerate(drafts)],
    )


__all__ = ["SessionsMixin"]
