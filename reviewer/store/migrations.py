"""Schema changes: small functions in ``MIGRATIONS``, applied in order by the Store and recorded
in ``_migrations`` by name, so an old database opens in a new version. Never edit or rename a
shipped migration; add a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

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


# m001 is the schema as first shipped, in four named pieces run in order; the statements are the
# ones every existing database was created with, so the pieces must not change (add a migration).
_SESSIONS_AND_DOCUMENTS = """
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
"""

_FINDINGS = """
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
"""

_DRAFTS_AND_DECISIONS = """
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
"""

_AUDIT = """
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


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    """Sessions, documents, projects, rows, findings, drafts, decisions and the append-only audit log."""
    for sql in (_SESSIONS_AND_DOCUMENTS, _FINDINGS, _DRAFTS_AND_DECISIONS, _AUDIT):
        _script(db, sql)


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


__all__ = ["MIGRATIONS", "migration"]
