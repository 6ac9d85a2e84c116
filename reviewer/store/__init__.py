"""SQLite store for review sessions: documents, rows, findings, drafts, decisions and an audit log.

One connection per operation (safe across threads and processes), WAL journal, writes inside
``BEGIN IMMEDIATE`` so two reviewers deciding at once serialise instead of overwriting each
other. Schema changes are small functions in ``MIGRATIONS``, applied in order and recorded in
``_migrations`` so an old database opens in a new version.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from reviewer.codes import SEVERITY_ORDER, code_name, severity_name, status_name
from reviewer.errors import SetupError
from reviewer.model import Document, Draft, ReviewError, TableParse
from reviewer.settings import MAX_EDIT_CHARS, writable_dir

ACTIONS = ("accept", "edit", "reject", "reopen")
_STATUS_OF = {"accept": "accepted", "edit": "edited", "reject": "rejected", "reopen": "open"}
DEFAULT_REVIEWER = "local"


class StoreError(Exception):
    """A request the store cannot carry out; ``str(err)`` is one Chinese line for the reviewer."""


# ------------------------------------------------------------------ migrations

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    MIGRATIONS.append(fn)
    return fn


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run several statements inside the caller's transaction (executescript would commit it)."""
    statement = ""
    for part in sql.split(";"):
        statement += part + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \n;"):
                db.execute(statement)
            statement = ""


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            notices TEXT NOT NULL DEFAULT '[]',
            errors TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE documents (
            session_id TEXT NOT NULL REFERENCES sessions(id),
            id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            source TEXT NOT NULL,
            title TEXT,
            year INTEGER,
            kind TEXT NOT NULL,
            drafted INTEGER NOT NULL DEFAULT 0,
            body TEXT NOT NULL,
            PRIMARY KEY (session_id, id)
        );
        CREATE TABLE projects (
            session_id TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            name TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (session_id, doc_id, id),
            FOREIGN KEY (session_id, doc_id) REFERENCES documents(session_id, id)
        );
        CREATE TABLE rows (
            session_id TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            id TEXT NOT NULL,
            project_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (session_id, doc_id, id),
            FOREIGN KEY (session_id, doc_id) REFERENCES documents(session_id, id)
        );
        CREATE TABLE findings (
            session_id TEXT NOT NULL,
            id TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            local_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            project_id TEXT,
            project_name TEXT NOT NULL DEFAULT '',
            row_id TEXT,
            indicator TEXT NOT NULL DEFAULT '',
            target TEXT NOT NULL DEFAULT '',
            actual TEXT NOT NULL DEFAULT '',
            weight TEXT NOT NULL DEFAULT '',
            score TEXT NOT NULL DEFAULT '',
            message TEXT NOT NULL,
            evidence TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'accepted', 'edited', 'rejected')),
            final_text TEXT,
            reason TEXT,
            decided_by TEXT,
            decided_at TEXT,
            decision_id INTEGER,
            PRIMARY KEY (session_id, id),
            FOREIGN KEY (session_id, doc_id) REFERENCES documents(session_id, id)
        );
        CREATE INDEX findings_order ON findings(session_id, seq);
        -- LLM / offline drafts: machine text, never overwritten by a reviewer.
        CREATE TABLE drafts (
            session_id TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            project_id TEXT NOT NULL,
            row_id TEXT,
            finding_id TEXT,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            text TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (session_id, doc_id, seq)
        );
        CREATE INDEX drafts_row ON drafts(session_id, doc_id, row_id);
        -- Human decisions: the reviewer's final text, kept apart from the drafts.
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            finding_id TEXT NOT NULL,
            action TEXT NOT NULL,
            text TEXT,
            reason TEXT,
            reviewer TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX decisions_finding ON decisions(session_id, finding_id);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            what TEXT NOT NULL,
            target TEXT,
            from_value TEXT,
            to_value TEXT
        );
        CREATE INDEX audit_session ON audit(session_id, id);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
            BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
        CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
            BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
        """
    )


@migration
def m010_review_by_row(db: sqlite3.Connection) -> None:
    """The reviewer's words per row, an editable 审核意见, severity order, batches that can be undone."""
    _script(
        db,
        """
        ALTER TABLE findings ADD COLUMN critique TEXT;
        ALTER TABLE findings ADD COLUMN sev_rank INTEGER NOT NULL DEFAULT 9;
        UPDATE findings SET sev_rank = CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1
            WHEN 'info' THEN 2 ELSE 9 END;
        CREATE INDEX findings_rank ON findings(session_id, sev_rank, seq);
        CREATE INDEX findings_row ON findings(session_id, doc_id, project_id, row_id);
        CREATE INDEX rows_project ON rows(session_id, doc_id, project_id, seq);
        ALTER TABLE documents ADD COLUMN sha256 TEXT;
        ALTER TABLE decisions ADD COLUMN critique TEXT;
        ALTER TABLE decisions ADD COLUMN batch INTEGER;
        -- One 偏差原因分析 per row: what the reviewer wrote (edited = 1) or the draft they confirmed.
        CREATE TABLE row_texts (
            session_id TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            row_id TEXT NOT NULL,
            text TEXT NOT NULL,
            edited INTEGER NOT NULL DEFAULT 0,
            decided_by TEXT,
            decided_at TEXT,
            PRIMARY KEY (session_id, doc_id, row_id)
        );
        INSERT OR REPLACE INTO row_texts
            SELECT session_id, doc_id, row_id, final_text, status = 'edited', decided_by, decided_at
            FROM findings WHERE row_id IS NOT NULL AND status IN ('accepted', 'edited')
            AND final_text IS NOT NULL ORDER BY decision_id;
        -- Every decision belongs to a batch (one finding, a row, or a filter): "undo last" undoes a batch.
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            size INTEGER NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE batch_items (
            batch INTEGER NOT NULL REFERENCES batches(id),
            finding_id TEXT NOT NULL,
            before TEXT NOT NULL,
            row_before TEXT
        );
        CREATE INDEX batch_items_batch ON batch_items(batch);
        -- Projects whose drafts exist (drafts are made lazily, project by project).
        CREATE TABLE drafted (
            session_id TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            project_id TEXT NOT NULL,
            PRIMARY KEY (session_id, doc_id, project_id)
        );
        INSERT OR IGNORE INTO drafted SELECT p.session_id, p.doc_id, p.id FROM projects p
            JOIN documents d ON d.session_id = p.session_id AND d.id = p.doc_id WHERE d.drafted = 1;
        """,
    )


# ------------------------------------------------------------------ records


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


# ------------------------------------------------------------------ helpers


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def plain(obj: Any) -> Any:
    """A JSON-ready copy of a model tree, *including* fields marked exclude=True.

    The public JSON contract leaves those out, but export needs them (titles, budget cell
    text) to rebuild a report's original layout. Decimals become strings so they round-trip.
    """
    if isinstance(obj, BaseModel):
        return {name: plain(getattr(obj, name)) for name in type(obj).model_fields}
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [plain(v) for v in obj]
    if isinstance(obj, Decimal):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    try:
        return to_jsonable_python(obj)
    except Exception:  # noqa: BLE001 - evidence may hold anything; show it rather than fail
        return str(obj)


def _dumps(obj: Any) -> str:
    return json.dumps(plain(obj), ensure_ascii=False)


def _recomputed_total(project: dict[str, Any], weights: Decimal | None, scores: Decimal | None) -> Decimal | None:
    """The rows' scores added up, plus the funding score when the table counts it in the 总分 (its
    weight is what the rows' weights lack of the total weight), as the arithmetic check does."""
    if scores is None:
        return None
    budget = project.get("budget") or {}
    total_weight = _decimal((project.get("total") or {}).get("weight")) or Decimal(100)
    budget_weight, budget_score = _decimal(budget.get("weight")), _decimal(budget.get("score"))
    if budget_score is not None and weights != total_weight and (weights or 0) + (budget_weight or 0) == total_weight:
        return scores + budget_score
    return scores


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except ArithmeticError:
        return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return str(value)


def _finding_record(r: sqlite3.Row) -> FindingRecord:
    return FindingRecord(
        id=r["id"], doc_id=r["doc_id"], local_id=r["local_id"], seq=r["seq"], code=r["code"],
        severity=r["severity"], project_id=r["project_id"], project_name=r["project_name"],
        row_id=r["row_id"], indicator=r["indicator"], target=r["target"], actual=r["actual"],
        weight=r["weight"], score=r["score"], message=r["message"], evidence=json.loads(r["evidence"]),
        status=r["status"], final_text=r["final_text"], reason=r["reason"],
        decided_by=r["decided_by"], decided_at=r["decided_at"], critique=r["critique"],
    )


def _state(r: sqlite3.Row) -> dict[str, Any]:
    return {"status": r["status"], "text": r["final_text"], "reason": r["reason"]}


_RESTORED = ("decided_by", "decided_at", "decision_id")  # kept in a batch item so undo restores them


def _row_text(db: sqlite3.Connection, sid: str, doc_id: str, row_id: str) -> dict[str, Any] | None:
    r = db.execute("SELECT text, edited, decided_by, decided_at FROM row_texts WHERE session_id = ? AND doc_id = ?"
                   " AND row_id = ?", (sid, doc_id, row_id)).fetchone()
    return dict(r) if r else None


def _set_row_text(db: sqlite3.Connection, key: tuple[str, str, str], text: str, edited: bool, who: str | None,
                  at: str | None) -> None:
    db.execute("INSERT OR REPLACE INTO row_texts VALUES (?, ?, ?, ?, ?, ?, ?)", (*key, text, int(edited), who, at))


def _draft_text(db: sqlite3.Connection, sid: str, doc_id: str, row_id: str | None) -> str | None:
    """The usable explanation draft of a row, if one was made."""
    if not row_id:
        return None
    r = db.execute("SELECT text FROM drafts WHERE session_id = ? AND doc_id = ? AND row_id = ? AND kind = 'explanation'"
                   " AND status = 'ok' ORDER BY seq LIMIT 1", (sid, doc_id, row_id)).fetchone()
    return r[0] if r else None


# ------------------------------------------------------------------ the store


class Store:
    """Review sessions in one SQLite file (default: settings.db_path under REVIEWER_HOME)."""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            from reviewer.settings import get_settings

            path = get_settings().db_path
        self.path = Path(path)
        writable_dir(self.path.parent)
        if not self.path.exists():  # SQLite gives its -wal and -shm files the database file's mode
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        try:
            with self._connect() as db:
                # WAL is a property of the file: readers never block the one writer, and a killed
                # process loses nothing that was committed.
                db.execute("PRAGMA journal_mode=WAL")
                self._migrate(db)
        except sqlite3.DatabaseError as err:
            raise SetupError(f"审阅数据库 {self.path} 无法打开（{err}）；请检查 REVIEWER_HOME") from None

    # -------------------------------------------------------------- plumbing

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = FULL")
            yield db
        finally:
            db.close()

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction on a fresh connection; IMMEDIATE for writes so read-then-write is atomic."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
            for fn in MIGRATIONS:
                if fn.__name__ not in done:
                    fn(db)
                    db.execute("INSERT INTO _migrations VALUES (?, ?)", (fn.__name__, now()))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def migrations_applied(self) -> list[str]:
        with self._connect() as db:
            return [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")]

    # -------------------------------------------------------------- sessions

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
                doc_id = f"d{d_index}"
                body = plain(doc)
                body["findings"], body["drafts"] = [], None
                db.execute(
                    "INSERT INTO documents (session_id, id, seq, source, title, year, kind, drafted, body, sha256)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (sid, doc_id, d_index, doc.source, doc.title, doc.year, doc.kind,
                     int(doc.drafts is not None), json.dumps(body, ensure_ascii=False),
                     (hashes or {}).get(doc.source)),
                )
                if doc.drafts is not None:
                    db.executemany("INSERT INTO drafted VALUES (?, ?, ?)",
                                   [(sid, doc_id, p.id) for p in doc.projects])
                rows_by_id = {}
                names = {}
                for p_index, project in enumerate(doc.projects):
                    names[project.id] = project.name
                    pbody = plain(project)
                    pbody["rows"] = []
                    db.execute("INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?)",
                               (sid, doc_id, project.id, p_index, project.name, json.dumps(pbody, ensure_ascii=False)))
                    db.executemany(
                        "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?)",
                        [(sid, doc_id, r.id, project.id, r_index, _dumps(r)) for r_index, r in enumerate(project.rows)],
                    )
                    rows_by_id.update({r.id: r for r in project.rows})
                finding_rows = []
                for f in doc.findings:
                    seq += 1
                    row = rows_by_id.get(f.row_id or "")
                    finding_rows.append((
                        sid, f"{doc_id}.{f.id}", doc_id, f.id, seq, f.code, f.severity, f.project_id,
                        names.get(f.project_id or "", ""), f.row_id,
                        row.indicator if row else "", _cell(row.target) if row else "",
                        _cell(row.actual) if row else "",
                        (row.weight_text or _cell(row.weight)) if row else "",
                        (row.score_text or _cell(row.score)) if row else "",
                        f.message, _dumps(f.evidence), SEVERITY_ORDER.get(f.severity, 9),
                    ))
                db.executemany(
                    "INSERT INTO findings (session_id, id, doc_id, local_id, seq, code, severity, project_id,"
                    " project_name, row_id, indicator, target, actual, weight, score, message, evidence, sev_rank)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    finding_rows,
                )
                db.executemany(
                    "INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(sid, doc_id, k, d.project_id, d.row_id, f"{doc_id}.{d.finding_id}" if d.finding_id else None,
                      d.kind, d.status, d.text, _dumps(d)) for k, d in enumerate(doc.drafts or [])],
                )
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

    def filter_options(self, sid: str) -> dict[str, list[tuple[str, str]]]:
        """Choices for the filters: codes, severities and projects present in the session."""
        with self._connect() as db:
            codes = [r[0] for r in db.execute(
                "SELECT code FROM findings WHERE session_id = ? GROUP BY code ORDER BY min(seq)", (sid,))]
            severities = [r[0] for r in db.execute(
                "SELECT DISTINCT severity FROM findings WHERE session_id = ?", (sid,))]
            ndocs = db.execute("SELECT count(*) FROM documents WHERE session_id = ?", (sid,)).fetchone()[0]
            projects = []
            for r in db.execute(
                "SELECT p.doc_id, p.id, p.name, d.source, d.seq FROM projects p JOIN documents d"
                " ON d.session_id = p.session_id AND d.id = p.doc_id WHERE p.session_id = ? ORDER BY d.seq, p.seq",
                (sid,),
            ):
                label = r["name"] if ndocs == 1 else f"{r['name']}（{Path(r['source']).name}）"
                projects.append((label, f"{r['doc_id']}/{r['id']}"))
        # Two tables of one report may carry the same project name: number them, never merge them.
        seen: dict[str, int] = {}
        for k, (label, value) in enumerate(projects):
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1 or sum(1 for other, _ in projects if other == label) > 1:
                projects[k] = (f"{label}（第 {seen[label]} 张表）", value)
        return {
            "codes": [(code_name(c), c) for c in codes],
            "severities": [(severity_name(s), s) for s in sorted(severities, key=lambda s: SEVERITY_ORDER.get(s, 9))],
            "projects": projects,
        }

    # -------------------------------------------------------------- findings

    def query_findings(self, sid: str, flt: FindingFilter | None = None, offset: int = 0,
                       limit: int = 50) -> tuple[int, list[FindingRecord]]:
        """One page of findings, errors first then warnings then info (document order within each),
        and how many match the filter in all."""
        where, args = (flt or FindingFilter()).where()
        with self._tx() as db:
            total = db.execute(f"SELECT count(*) FROM findings WHERE session_id = ?{where}", [sid, *args]).fetchone()[0]
            rows = db.execute(f"SELECT * FROM findings WHERE session_id = ?{where} ORDER BY sev_rank, seq"
                              " LIMIT ? OFFSET ?", [sid, *args, limit, offset]).fetchall()
        return total, [_finding_record(r) for r in rows]

    def neighbour(self, sid: str, flt: FindingFilter | None, fid: str | None, step: int = 1,
                  only_open: bool = False) -> str | None:
        """The next (step=1) or previous (step=-1) matching finding after ``fid``, wrapping around."""
        where, args = (flt or FindingFilter()).where()
        if only_open:
            where += " AND status = 'open'"
        with self._connect() as db:
            key = None
            if fid:
                key = db.execute("SELECT sev_rank, seq FROM findings WHERE session_id = ? AND id = ?",
                                 (sid, fid)).fetchone()
            op, order = (">", "ASC") if step > 0 else ("<", "DESC")
            base = f"SELECT id FROM findings WHERE session_id = ?{where}"
            if key is not None:
                r = db.execute(f"{base} AND (sev_rank, seq) {op} (?, ?) ORDER BY sev_rank {order}, seq {order}"
                               " LIMIT 1", [sid, *args, key[0], key[1]]).fetchone()
                if r:
                    return r[0]
            r = db.execute(f"{base} ORDER BY sev_rank {order}, seq {order} LIMIT 1", [sid, *args]).fetchone()
            return r[0] if r and r[0] != fid else None

    def position(self, sid: str, flt: FindingFilter | None, fid: str) -> int | None:
        """0-based index of ``fid`` among the findings matching ``flt``, or None if it does not match."""
        where, args = (flt or FindingFilter()).where()
        with self._connect() as db:
            r = db.execute(f"SELECT sev_rank, seq FROM findings WHERE session_id = ? AND id = ?{where}",
                           [sid, fid, *args]).fetchone()
            if r is None:
                return None
            return db.execute(f"SELECT count(*) FROM findings WHERE session_id = ?{where} AND (sev_rank, seq) < (?, ?)",
                              [sid, *args, r[0], r[1]]).fetchone()[0]

    def matching_ids(self, sid: str, flt: FindingFilter | None, only_open: bool = True,
                     within: Sequence[str] | None = None) -> list[str]:
        """Ids of every finding matching ``flt`` (open ones only by default; only among ``within`` if given)."""
        where, args = (flt or FindingFilter()).where()
        if only_open:
            where += " AND status = 'open'"
        if within is not None:
            where += f" AND id IN ({','.join('?' * len(within))})"
            args = [*args, *within]
        with self._connect() as db:
            return [r[0] for r in db.execute(f"SELECT id FROM findings WHERE session_id = ?{where}"
                                             " ORDER BY sev_rank, seq", [sid, *args])]

    # -------------------------------------------------------------- rows (one card per indicator row)

    def query_groups(self, sid: str, flt: FindingFilter | None = None, offset: int = 0,
                     limit: int = 50) -> tuple[int, list[GroupRecord]]:
        """One page of row groups (a row's findings together; a project's own findings together),
        the group with the most severe matching finding first, and how many groups match."""
        where, args = (flt or FindingFilter()).where()
        sql = (f"SELECT doc_id, ifnull(project_id, '') AS pid, ifnull(row_id, '') AS rid, min(sev_rank) AS rank,"
               " min(seq) AS first, count(*) AS n, sum(status = 'open') AS n_open, group_concat(code) AS codes,"
               " max(project_name) AS project_name, max(indicator) AS indicator, max(target) AS target,"
               " max(actual) AS actual, max(weight) AS weight, max(score) AS score"
               f" FROM findings WHERE session_id = ?{where} GROUP BY doc_id, pid, rid")
        with self._tx() as db:
            total = db.execute(f"SELECT count(*) FROM ({sql})", [sid, *args]).fetchone()[0]
            rows = db.execute(f"{sql} ORDER BY rank, first LIMIT ? OFFSET ?", [sid, *args, limit, offset]).fetchall()
        return total, [GroupRecord.from_row(r) for r in rows]

    def group_keys(self, sid: str, flt: FindingFilter | None = None) -> list[str]:
        """Every matching group's key, in display order (for moving to the next or previous card)."""
        where, args = (flt or FindingFilter()).where()
        with self._connect() as db:
            return [f"{r[0]}|{r[1]}|{r[2]}" for r in db.execute(
                "SELECT doc_id, ifnull(project_id, '') AS pid, ifnull(row_id, '') AS rid FROM findings"
                f" WHERE session_id = ?{where} GROUP BY doc_id, pid, rid ORDER BY min(sev_rank), min(seq)",
                [sid, *args])]

    def group_findings(self, sid: str, key: str) -> list[FindingRecord]:
        """All findings of one group (see ``GroupRecord.key``), most severe first."""
        doc_id, pid, rid = (key.split("|") + ["", ""])[:3]
        with self._connect() as db:
            rows = db.execute("SELECT * FROM findings WHERE session_id = ? AND doc_id = ? AND ifnull(project_id, '') = ?"
                              " AND ifnull(row_id, '') = ? ORDER BY sev_rank, seq", (sid, doc_id, pid, rid)).fetchall()
        return [_finding_record(r) for r in rows]

    def overview(self, sid: str) -> list[dict[str, Any]]:
        """Per document and project: findings by severity, open ones, the reported 总分 and the
        total recomputed from the rows' scores and the funding score."""
        with self._tx() as db:
            counts: dict[tuple[str, str], dict[str, int]] = {}
            for r in db.execute("SELECT doc_id, ifnull(project_id, '') AS pid, severity, status, count(*) AS n"
                                " FROM findings WHERE session_id = ? GROUP BY 1, 2, 3, 4", (sid,)):
                c = counts.setdefault((r["doc_id"], r["pid"]), {})
                c[r["severity"]] = c.get(r["severity"], 0) + r["n"]
                if r["status"] == "open":
                    c["open"] = c.get("open", 0) + r["n"]
            sums: dict[tuple[str, str], list[Decimal | None]] = {}  # [weights, scores]; None once a score is missing
            for r in db.execute("SELECT doc_id, project_id, body FROM rows WHERE session_id = ?", (sid,)):
                row = json.loads(r["body"])
                acc = sums.setdefault((r["doc_id"], r["project_id"]), [Decimal(0), Decimal(0)])
                score = _decimal(row.get("score"))
                acc[0] = (acc[0] or Decimal(0)) + (_decimal(row.get("weight")) or 0)
                acc[1] = None if score is None or acc[1] is None else acc[1] + score
            out = []
            for r in db.execute("SELECT p.doc_id, p.id, p.name, p.body, d.source FROM projects p JOIN documents d"
                                " ON d.session_id = p.session_id AND d.id = p.doc_id WHERE p.session_id = ?"
                                " ORDER BY d.seq, p.seq", (sid,)):
                body = json.loads(r["body"])
                key = (r["doc_id"], r["id"])
                out.append({"doc_id": r["doc_id"], "project_id": r["id"], "project": r["name"],
                            "source": r["source"], "counts": counts.get(key, {}),
                            "reported_total": _decimal((body.get("total") or {}).get("score")),
                            "recomputed_total": _recomputed_total(body, *sums.get(key, [None, None]))})
        return out

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
            db.executemany(
                "INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(sid, doc_id, start + k, d.project_id, d.row_id, f"{doc_id}.{d.finding_id}" if d.finding_id else None,
                  d.kind, d.status, d.text, _dumps(d)) for k, d in enumerate(drafts)])
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

    def get_finding(self, sid: str, fid: str) -> FindingRecord:
        with self._connect() as db:
            r = db.execute("SELECT * FROM findings WHERE session_id = ? AND id = ?", (sid, fid)).fetchone()
        if r is None:
            raise StoreError(f"会话 {sid} 中找不到问题 {fid}")
        return _finding_record(r)

    def finding_detail(self, sid: str, fid: str) -> FindingDetail:
        """The finding with its document, project, row cells, drafts and decision history."""
        with self._tx() as db:
            r = db.execute("SELECT * FROM findings WHERE session_id = ? AND id = ?", (sid, fid)).fetchone()
            if r is None:
                raise StoreError(f"会话 {sid} 中找不到问题 {fid}")
            f = _finding_record(r)
            d = db.execute("SELECT source, title, year, kind FROM documents WHERE session_id = ? AND id = ?",
                           (sid, f.doc_id)).fetchone()
            p = db.execute("SELECT body FROM projects WHERE session_id = ? AND doc_id = ? AND id = ?",
                           (sid, f.doc_id, f.project_id)).fetchone()
            row = None
            if f.row_id:
                rr = db.execute("SELECT body FROM rows WHERE session_id = ? AND doc_id = ? AND id = ?",
                                (sid, f.doc_id, f.row_id)).fetchone()
                row = json.loads(rr["body"]) if rr else None
            drafts = [Draft.model_validate(json.loads(x["body"])) for x in db.execute(
                "SELECT body FROM drafts WHERE session_id = ? AND doc_id = ? AND (finding_id = ? OR"
                " (project_id IS ? AND row_id IS ?)) ORDER BY seq",
                (sid, f.doc_id, fid, f.project_id, f.row_id))]
            history = [dict(h) for h in db.execute(
                "SELECT action, text, reason, reviewer, at FROM decisions WHERE session_id = ? AND finding_id = ?"
                " ORDER BY id", (sid, fid))]
        explanation = next((x for x in drafts if x.kind == "explanation" and x.status == "ok" and x.row_id), None)
        rejected = [x for x in drafts if x.kind == "explanation" and x.status == "rejected"]
        return FindingDetail(
            finding=f, document=dict(d) if d else {}, project=json.loads(p["body"]) if p else None, row=row,
            explanation_draft=explanation, rejected_drafts=rejected,
            critiques=critiques_for(drafts, f.local_id, f.row_id), history=history,
        )

    def explanation_draft(self, sid: str, fid: str) -> str | None:
        """Text of the usable explanation draft for the finding's row, if any."""
        draft = self.finding_detail(sid, fid).explanation_draft
        return draft.text if draft else None

    # -------------------------------------------------------------- decisions

    def decide(self, sid: str, fid: str, action: str, text: str | None = None,
               reviewer: str = DEFAULT_REVIEWER, critique: str | None = None) -> FindingRecord:
        """Record a decision (accept | edit | reject | reopen) and return the updated finding.

        See ``decide_many``; committed before returning.
        """
        return self.decide_many(sid, [fid], action, text, reviewer=reviewer, critique=critique)[0]

    def decide_many(self, sid: str, fids: Sequence[str], action: str, text: str | None = None,
                    reviewer: str = DEFAULT_REVIEWER, critique: str | None = None) -> list[FindingRecord]:
        """Decide several findings at once, as one batch that "undo last" reverts; returns them updated.

        edit needs ``text`` and makes it the row's 偏差原因分析; accept takes ``text`` (else the row's
        draft) unless the reviewer already wrote the row's text, which no later accept replaces;
        reject takes ``text`` as the reason. ``critique`` (optional) is the reviewer's 审核意见.
        """
        if action not in ACTIONS:
            raise StoreError(f"未知操作 {action!r}，应为 accept、edit、reject 或 reopen")
        fids = list(dict.fromkeys(f for f in fids if f))
        if not fids:
            raise StoreError("没有选中任何问题。")
        text = (text or "").strip() or None
        critique = None if critique is None else (critique.strip() or None)
        for written in (text, critique):
            if written and len(written) > MAX_EDIT_CHARS:
                raise StoreError(f"填写的文字过长（{len(written)} 字），最多 {MAX_EDIT_CHARS} 字；请精简后再提交")
        if action == "edit" and not text:
            raise StoreError("修改后确认需要填写修改后的文字")
        at = now()
        with self._tx(write=True) as db:
            found = {r["id"]: r for r in db.execute(
                f"SELECT * FROM findings WHERE session_id = ? AND id IN ({','.join('?' * len(fids))})", [sid, *fids])}
            missing = [f for f in fids if f not in found]
            if missing:
                raise StoreError(f"会话 {sid} 中找不到问题 {missing[0]}")
            batch = db.execute("INSERT INTO batches (session_id, reviewer, at, action, size) VALUES (?, ?, ?, ?, ?)",
                               (sid, reviewer, at, action, len(fids))).lastrowid
            for fid in fids:
                self._decide_one(db, sid, found[fid], action, text, critique, reviewer, at, batch)
            rows = {r["id"]: r for r in db.execute(
                f"SELECT * FROM findings WHERE session_id = ? AND id IN ({','.join('?' * len(fids))})", [sid, *fids])}
        return [_finding_record(rows[f]) for f in fids]

    def _decide_one(self, db: sqlite3.Connection, sid: str, r: sqlite3.Row, action: str, text: str | None,
                    critique: str | None, reviewer: str, at: str, batch: int) -> None:
        fid = r["id"]
        row_key = (sid, r["doc_id"], r["row_id"]) if r["row_id"] else None
        row_before = _row_text(db, *row_key) if row_key else None
        before = {**_state(r), "critique": r["critique"]}
        db.execute("INSERT INTO batch_items VALUES (?, ?, ?, ?)",
                   (batch, fid, json.dumps({**before, **{k: r[k] for k in _RESTORED}}, ensure_ascii=False),
                    None if row_before is None else json.dumps(row_before, ensure_ascii=False)))
        final_text = reason = None
        if action == "accept":
            if row_before and row_before["edited"]:
                final_text = row_before["text"]  # the reviewer's words stay; an accept never replaces them
            else:
                final_text = text or _draft_text(db, sid, r["doc_id"], r["row_id"])
                if row_key and final_text:
                    _set_row_text(db, row_key, final_text, False, reviewer, at)
        elif action == "edit":
            final_text = text
            if row_key:
                _set_row_text(db, row_key, final_text, True, reviewer, at)
        elif action == "reject":
            reason = text
        critique = critique if critique is not None else r["critique"]
        cur = db.execute(
            "INSERT INTO decisions (session_id, finding_id, action, text, reason, reviewer, at, critique, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (sid, fid, action, final_text, reason, reviewer, at, critique, batch))
        status = _STATUS_OF[action]
        opened = status == "open"
        db.execute(
            "UPDATE findings SET status = ?, final_text = ?, reason = ?, decided_by = ?, decided_at = ?,"
            " decision_id = ?, critique = ? WHERE session_id = ? AND id = ?",
            (status, final_text, reason, None if opened else reviewer, None if opened else at,
             None if opened else cur.lastrowid, critique, sid, fid))
        after = {"status": status, "text": final_text, "reason": reason, "critique": critique}
        self._audit(db, sid, reviewer, action, fid, before, after, at=at)

    def undo_last(self, sid: str, reviewer: str = DEFAULT_REVIEWER) -> list[str]:
        """Revert this reviewer's latest batch of decisions in the session (audited); the ids it touched."""
        at = now()
        with self._tx(write=True) as db:
            b = db.execute("SELECT id FROM batches WHERE session_id = ? AND reviewer = ? AND undone = 0"
                           " AND action != 'undo' ORDER BY id DESC LIMIT 1", (sid, reviewer)).fetchone()
            if b is None:
                raise StoreError("没有可以撤销的决定。")
            db.execute("UPDATE batches SET undone = 1 WHERE id = ?", (b[0],))
            items = db.execute("SELECT * FROM batch_items WHERE batch = ? ORDER BY rowid DESC", (b[0],)).fetchall()
            for item in items:
                self._restore(db, sid, item, reviewer, at)
        return list(dict.fromkeys(i["finding_id"] for i in reversed(items)))

    def _restore(self, db: sqlite3.Connection, sid: str, item: sqlite3.Row, reviewer: str, at: str) -> None:
        r = db.execute("SELECT * FROM findings WHERE session_id = ? AND id = ?", (sid, item["finding_id"])).fetchone()
        old = json.loads(item["before"])
        db.execute(
            "UPDATE findings SET status = ?, final_text = ?, reason = ?, critique = ?, decided_by = ?, decided_at = ?,"
            " decision_id = ? WHERE session_id = ? AND id = ?",
            (old["status"], old["text"], old["reason"], old["critique"], old["decided_by"], old["decided_at"],
             old["decision_id"], sid, r["id"]))
        if r["row_id"]:
            row_old = json.loads(item["row_before"]) if item["row_before"] else None
            if row_old is None:
                db.execute("DELETE FROM row_texts WHERE session_id = ? AND doc_id = ? AND row_id = ?",
                           (sid, r["doc_id"], r["row_id"]))
            else:
                _set_row_text(db, (sid, r["doc_id"], r["row_id"]), row_old["text"], bool(row_old["edited"]),
                              row_old["decided_by"], row_old["decided_at"])
        db.execute("INSERT INTO decisions (session_id, finding_id, action, text, reason, reviewer, at, critique)"
                   " VALUES (?, ?, 'undo', ?, ?, ?, ?, ?)",
                   (sid, r["id"], old["text"], old["reason"], reviewer, at, old["critique"]))
        self._audit(db, sid, reviewer, "undo", r["id"], {**_state(r), "critique": r["critique"]},
                    {k: old[k] for k in ("status", "text", "reason", "critique")}, at=at)

    def decisions(self, sid: str) -> list[dict[str, Any]]:
        with self._connect() as db:
            return [dict(r) for r in db.execute("SELECT * FROM decisions WHERE session_id = ? ORDER BY id", (sid,))]

    def row_texts(self, sid: str) -> dict[tuple[str, str], dict[str, Any]]:
        """Final 偏差原因分析 per (doc_id, row_id): the reviewer's own words, or the draft they confirmed."""
        with self._connect() as db:
            return {(r["doc_id"], r["row_id"]): {**dict(r), "final_text": r["text"]} for r in db.execute(
                "SELECT * FROM row_texts WHERE session_id = ?", (sid,))}

    def row_text(self, sid: str, doc_id: str, row_id: str | None) -> dict[str, Any] | None:
        """The row's stored 偏差原因分析 (text, edited, decided_by, decided_at), or None."""
        if not row_id:
            return None
        with self._connect() as db:
            return _row_text(db, sid, doc_id, row_id)


    # -------------------------------------------------------------- audit

    @staticmethod
    def _audit(db: sqlite3.Connection, sid: str, who: str, what: str, target: str | None,
               before: Any, after: Any, at: str | None = None) -> None:
        db.execute(
            "INSERT INTO audit (session_id, at, who, what, target, from_value, to_value) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sid, at or now(), who, what, target,
             None if before is None else json.dumps(before, ensure_ascii=False),
             None if after is None else json.dumps(after, ensure_ascii=False)))

    def log(self, sid: str, who: str, what: str, target: str | None = None, detail: Any = None) -> None:
        """Append an event that changes no finding (an export, say) to the audit log."""
        with self._tx(write=True) as db:
            self._audit(db, sid, who, what, target, None, detail)

    def audit_log(self, sid: str) -> list[dict[str, Any]]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM audit WHERE session_id = ? ORDER BY id", (sid,)).fetchall()
        return [
            {"id": r["id"], "at": r["at"], "who": r["who"], "what": r["what"], "target": r["target"],
             "from": json.loads(r["from_value"]) if r["from_value"] else None,
             "to": json.loads(r["to_value"]) if r["to_value"] else None}
            for r in rows
        ]


def critiques_for(drafts: Iterable[Draft], finding_id: str, row_id: str | None) -> list[Draft]:
    """The usable critiques of one finding: the one drafted for it, else its row's unattributed ones.

    A critique without a finding id (drafted before findings were numbered) still belongs to its row.
    """
    ok = [d for d in drafts if d.kind == "critique" and d.status == "ok"]
    exact = [d for d in ok if d.finding_id == finding_id]
    return exact or [d for d in ok if not d.finding_id and d.row_id == row_id]


def _session_title(documents: Sequence[Document], errors: list[dict[str, str]]) -> str:
    names = [Path(d.source).name for d in documents] or [Path(e["source"]).name for e in errors]
    if not names:
        return "空审阅"
    first = documents[0].title if documents and documents[0].title else names[0]
    return first if len(names) == 1 else f"{first} 等 {len(names)} 份"


__all__ = [
    "ACTIONS",
    "MIGRATIONS",
    "FindingDetail",
    "FindingFilter",
    "FindingRecord",
    "GroupRecord",
    "SessionInfo",
    "Store",
    "StoreError",
    "critiques_for",
    "plain",
]
