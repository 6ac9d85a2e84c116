"""The FAISS file of a corpus index, written so that a crash leaves the old state or the new one.

The row metadata (SQLite) and the vectors (FAISS) are two files; without care, a process killed
between writing one and the other leaves them disagreeing, and every vector id after the gap
points at the wrong row. The protocol (docs/index-consistency.md):

1. the new index is written under a temporary name, flushed to disk, and renamed to a name of
   its own (``rows-<sha256 prefix>.faiss``): the file in use is never overwritten;
2. inside the same SQLite transaction that records the rows, the metadata records that file's
   name, vector count and sha256;
3. COMMIT is the one-step swap: before it, the metadata (rolled back) still names the old file,
   which is still there; after it, it names the new one. Files no metadata names are removed.

On open, the named file must exist, hold the recorded number of vectors, hash to the recorded
checksum and match the number of row records; otherwise ``IndexMismatch`` says why and the
caller rebuilds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

PREFIX = "rows-"
SUFFIX = ".faiss"
# Keys in the corpus ``meta`` table.
KEY_FILE, KEY_COUNT, KEY_SHA = "index_file", "index_ntotal", "index_sha256"


class IndexMismatch(Exception):
    """The FAISS file and the row metadata disagree; ``str()`` is one Chinese clause saying how."""


@dataclass(frozen=True)
class IndexRecord:
    name: str
    ntotal: int
    sha256: str


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(index, directory: Path) -> IndexRecord:
    """Write ``index`` next to the one in use, under its own name; returns what to record."""
    import faiss

    tmp = directory / f".{PREFIX}{os.getpid()}.tmp"
    faiss.write_index(index, str(tmp))
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    sha = file_sha256(tmp)
    name = f"{PREFIX}{sha[:16]}{SUFFIX}"
    os.replace(tmp, directory / name)
    _fsync_dir(directory)
    return IndexRecord(name, int(index.ntotal), sha)


def record(db: sqlite3.Connection, rec: IndexRecord) -> None:
    """Store the file's name, count and checksum; call inside the transaction that writes the rows."""
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)",
                   [(KEY_FILE, rec.name), (KEY_COUNT, str(rec.ntotal)), (KEY_SHA, rec.sha256)])


def recorded(db: sqlite3.Connection) -> IndexRecord | None:
    """What the committed metadata says the index file is, or None when it says nothing."""
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN (?,?,?)", (KEY_FILE, KEY_COUNT, KEY_SHA)))
    if len(meta) < 3:
        return None
    return IndexRecord(meta[KEY_FILE], int(meta[KEY_COUNT]), meta[KEY_SHA])


def read(directory: Path, db: sqlite3.Connection):
    """The FAISS index the metadata names, after checking it is the one the rows were written with."""
    import faiss

    rec = recorded(db)
    if rec is None:
        raise IndexMismatch("索引没有校验记录")
    path = directory / rec.name
    if not path.is_file():
        raise IndexMismatch(f"向量文件 {rec.name} 缺失")
    if file_sha256(path) != rec.sha256:
        raise IndexMismatch(f"向量文件 {rec.name} 校验和不符")
    index = faiss.read_index(str(path))
    rows, top = db.execute("SELECT COUNT(*), COALESCE(MAX(vec_id) + 1, 0) FROM rows").fetchone()
    if not (index.ntotal == rec.ntotal == rows == top):
        raise IndexMismatch(f"向量 {index.ntotal} 条，指标记录 {rows} 行")
    return index


def prune(directory: Path, db: sqlite3.Connection) -> None:
    """Remove index files and temporaries the committed metadata does not name (left by a crash)."""
    rec = recorded(db)
    keep = rec.name if rec else None
    for p in directory.glob(f"*{PREFIX}*"):
        if p.name != keep and (p.name.endswith(".tmp") or p.name.endswith(SUFFIX)):
            p.unlink(missing_ok=True)
    (directory / "rows.faiss").unlink(missing_ok=True)  # the single-file layout of earlier versions


def prune_siblings(path: Path) -> None:
    """Remove build and swap directories a killed build left next to the index directory.

    Call with the index lock held: no other process is building then.
    """
    for p in path.parent.glob(path.name + ".building-*"):
        shutil.rmtree(p, ignore_errors=True)
    olds = sorted(path.parent.glob(path.name + ".old-*"))
    if olds and not path.exists():  # killed between the two renames of a rebuild: the old one stands
        os.replace(olds.pop(), path)
    for p in olds:
        shutil.rmtree(p, ignore_errors=True)
