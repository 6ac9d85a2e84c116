"""The store's plumbing: one SQLite file, a connection per operation, WAL, migrations on open."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reviewer.errors import SetupError
from reviewer.settings import writable_dir
from reviewer.store import migrations
from reviewer.store.encoding import now

DEFAULT_REVIEWER = "local"


class StoreError(Exception):
    """A request the store cannot carry out; ``str(err)`` is one Chinese line for the reviewer."""


class StoreBase:
    """One SQLite file (default: settings.db_path under REVIEWER_HOME): connections, transactions,
    migrations and the audit primitive every write uses."""

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
            for fn in migrations.MIGRATIONS:  # looked up on open: tests add one
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

    @staticmethod
    def _audit(db: sqlite3.Connection, sid: str, who: str, what: str, target: str | None,
               before: Any, after: Any, at: str | None = None) -> None:
        db.execute(
            "INSERT INTO audit (session_id, at, who, what, target, from_value, to_value) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sid, at or now(), who, what, target,
             None if before is None else json.dumps(before, ensure_ascii=False),
             None if after is None else json.dumps(after, ensure_ascii=False)))


__all__ = ["DEFAULT_REVIEWER", "StoreBase", "StoreError"]
