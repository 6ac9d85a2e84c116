"""What the corpus index stores beside the vectors: its SQLite schema and the records read back."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.corpus.keys import project_profile


@dataclass
class CorpusRow:
    vec_id: int
    doc_id: int
    proj_id: int
    file: str
    doc_title: str | None
    year: int | None
    project: str
    row_key: str
    level1: str | None
    level2: str | None
    indicator: str
    target: str | None
    actual: str | None
    explanation: str | None


@dataclass
class CorpusProject:
    proj_id: int
    doc_id: int
    file: str
    name: str
    title: str | None
    purpose: str | None
    achieved: str | None
    department: bool
    rows: list[CorpusRow] = field(default_factory=list)

    @property
    def profile(self) -> str:
        return project_profile(self.name, self.title, self.purpose, self.achieved)


# ------------------------------------------------------------------ SQLite schema

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
  doc_id INTEGER PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, size INTEGER, mtime_ns INTEGER,
  title TEXT, year INTEGER, kind TEXT, content_sig TEXT, n_projects INTEGER, n_rows INTEGER,
  in_fit INTEGER NOT NULL DEFAULT 0, added_at TEXT);
CREATE TABLE IF NOT EXISTS projects (
  proj_id INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL, proj_key TEXT, name TEXT, name_key TEXT,
  title TEXT, purpose TEXT, achieved TEXT, department INTEGER NOT NULL DEFAULT 0, n_rows INTEGER);
CREATE TABLE IF NOT EXISTS rows (
  vec_id INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL, proj_id INTEGER NOT NULL, row_key TEXT,
  level1 TEXT, level2 TEXT, indicator TEXT, ind_key TEXT, tpl_key TEXT, target TEXT, actual TEXT,
  explanation TEXT, expl_key TEXT);
CREATE TABLE IF NOT EXISTS skipped (file TEXT PRIMARY KEY, sha256 TEXT, size INTEGER, mtime_ns INTEGER, reason TEXT);
CREATE INDEX IF NOT EXISTS rows_ind_key ON rows(ind_key);
CREATE INDEX IF NOT EXISTS rows_tpl_key ON rows(tpl_key);
CREATE INDEX IF NOT EXISTS rows_expl_key ON rows(expl_key);
CREATE INDEX IF NOT EXISTS rows_proj ON rows(proj_id);
CREATE INDEX IF NOT EXISTS projects_doc ON projects(doc_id);
"""


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create) the metadata database of an index directory."""
    db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    return db
