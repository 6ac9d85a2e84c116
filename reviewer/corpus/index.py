"""The opened corpus index: FAISS vectors, one per indicator row, and the SQLite records beside them.

Layout. The corpus directory (REVIEWER_CORPUS, default ``corpus/`` of the install) holds the
reports themselves under ``reports/`` (any format ``reviewer review`` reads). The built index is
a cache derived from those files and lives under ``REVIEWER_HOME/index/<corpus-key>-<embedder>/``:

    meta.sqlite3     documents, projects, rows (vec_id = FAISS id), skipped files, meta (embedder id,
                     the FAISS file's name, vector count and checksum)
    rows-<sha>.faiss one vector per indicator row (the 三级指标 text); written and swapped in with
                     the metadata in one step, checked on open (reviewer/index_file.py)
    embedder/        the fitted built-in model (absent when REVIEWER_EMBED_MODEL names a model)

Because the index is a cache, a format change or a different embedder means "rebuild", not
"migrate". Opening the corpus syncs it with the directory: new files are parsed and added to the
existing FAISS index (no rebuild); a removed or changed file triggers a rebuild. The built-in
embedder is fitted once per build; rows added later are encoded with that fitted vocabulary
(n-grams it has never seen are ignored) until the next ``reviewer corpus build``.

FAISS index type, chosen by size (numbers from benchmarks/bench_corpus.py, 256-d, 2 cores):
- below ``IVF_THRESHOLD`` (20k) rows: ``IndexFlatIP`` — exact, nothing to train, instant to add;
  a single query stays under ~6 ms up to 20k rows (0.5 ms at 10k);
- from 20k rows up: ``IndexIVFFlat`` (inner product) with ≈ √n lists trained on a sample of
  40 per list, ``nprobe`` 16. Measured on real embeddings of synthetic rows: 100k rows p50
  0.4 ms, recall@10 0.98; 1M rows p50 2.0 ms / p95 3.4 ms, recall@10 0.99, build 5 s, 985 MB.
  New rows go to their nearest list, so adding a report never retrains. Flat search at 1M rows
  costs ~100 ms a query; HNSW queries fast but took ~350 s to build 1M rows on this machine;
  IVF-PQ only pays off beyond a few million rows (memory), at a recall cost.

Heavy libraries (faiss, sentence-transformers) are imported inside functions.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reviewer.corpus import index_file
from reviewer.corpus.db import CorpusProject, CorpusRow
from reviewer.corpus.keys import content_signature, is_department_table, match_key, template_key
from reviewer.model import Document, Progress

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from reviewer.corpus.embed import Embedder

IVF_THRESHOLD = 20_000
# nprobe for IVF lists, from the benchmark sweep: recall@10 0.979 at 100k rows (256 lists) and
# 0.991 at 1M (1024 lists); 8 would miss the 0.95 target at 100k by a hair, 32 costs 40 % more time.
IVF_NPROBE = 16


@dataclass
class ParsedDoc:
    """One report file read for the corpus: its document, or why it could not be used."""

    path: Path
    sha: str
    size: int
    mtime_ns: int
    doc: Document | None
    error: str | None = None


def faiss_module():
    import faiss

    return faiss


def new_index(vectors: np.ndarray, dim: int):
    """Flat for small corpora, IVF-Flat (trained here) for large ones; see the module docstring."""
    faiss = faiss_module()
    n = len(vectors)
    if n < IVF_THRESHOLD:
        return faiss.IndexFlatIP(dim)
    nlist = int(2 ** round(np.log2(np.sqrt(n))))  # ≈ √n lists: 256 at 100k, 1024 at 1M
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(n, size=min(n, 40 * nlist), replace=False)]
    index.train(np.ascontiguousarray(sample))
    index.nprobe = IVF_NPROBE
    return index


def _to_ivf(index, dim: int):
    """Re-home the vectors of a flat index that has grown past IVF_THRESHOLD (no re-encoding)."""
    vectors = index.reconstruct_n(0, index.ntotal)
    ivf = new_index(vectors, dim)
    ivf.add(vectors)
    return ivf


# ------------------------------------------------------------------ the corpus


class Corpus:
    """An opened corpus index: FAISS for vectors, SQLite for what each vector is."""

    def __init__(self, corpus_dir: Path, path: Path, embedder: Embedder, index, db: sqlite3.Connection):
        self.corpus_dir = corpus_dir
        self.path = path
        self.embedder = embedder
        self.index = index
        self.db = db

    # -------------------------------------------------------------- reading

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Nearest corpus rows by cosine: (similarities, vec_ids), -1 where fewer than k exist."""
        if self.size == 0 or len(vectors) == 0:
            return np.zeros((len(vectors), 0), np.float32), np.zeros((len(vectors), 0), np.int64)
        k = min(k, self.size)
        sims, ids = self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
        return sims, ids

    def rows_by_id(self, ids: Iterable[int]) -> dict[int, CorpusRow]:
        wanted = sorted({int(i) for i in ids if int(i) >= 0})
        out: dict[int, CorpusRow] = {}
        for start in range(0, len(wanted), 900):  # SQLite's bound-parameter limit
            chunk = wanted[start:start + 900]
            q = ",".join("?" * len(chunk))
            for rec in self.db.execute(
                f"""SELECT r.vec_id, r.doc_id, r.proj_id, d.file, d.title, d.year, p.name, r.row_key, r.level1,
                           r.level2, r.indicator, r.target, r.actual, r.explanation
                    FROM rows r JOIN projects p ON p.proj_id=r.proj_id JOIN documents d ON d.doc_id=r.doc_id
                    WHERE r.vec_id IN ({q})""", chunk):
                out[rec[0]] = CorpusRow(*rec)
        return out

    def projects(self, proj_ids: Iterable[int]) -> dict[int, CorpusProject]:
        wanted = sorted({int(i) for i in proj_ids})
        out: dict[int, CorpusProject] = {}
        for start in range(0, len(wanted), 900):
            chunk = wanted[start:start + 900]
            q = ",".join("?" * len(chunk))
            for rec in self.db.execute(
                f"""SELECT p.proj_id, p.doc_id, d.file, p.name, p.title, p.purpose, p.achieved, p.department
                    FROM projects p JOIN documents d ON d.doc_id=p.doc_id WHERE p.proj_id IN ({q})""", chunk):
                out[rec[0]] = CorpusProject(*rec[:7], department=bool(rec[7]))
            for rec in self.db.execute(
                f"""SELECT r.vec_id, r.doc_id, r.proj_id, d.file, d.title, d.year, p.name, r.row_key, r.level1,
                           r.level2, r.indicator, r.target, r.actual, r.explanation
                    FROM rows r JOIN projects p ON p.proj_id=r.proj_id JOIN documents d ON d.doc_id=r.doc_id
                    WHERE r.proj_id IN ({q}) ORDER BY r.vec_id""", chunk):
                out[rec[2]].rows.append(CorpusRow(*rec))
        return out

    def rows_with_keys(self, keys: Sequence[str], per_key: int = 50) -> dict[str, list[int]]:
        """vec_ids of rows whose indicator has exactly this key: identical copies are found even when
        the built-in model never saw their characters (rows added after it was fitted)."""
        out: dict[str, list[int]] = {}
        for key in sorted({k for k in keys if k}):
            out[key] = [r[0] for r in self.db.execute(
                "SELECT vec_id FROM rows WHERE ind_key=? LIMIT ?", (key, per_key))]
        return out

    def self_documents(self, sha256: str | None, signature: str | None, name: str | None = None) -> set[int]:
        """Corpus documents that are the reviewed document itself (same file bytes or same content,
        or, when `name` is given, the same file name without extension: another export of it)."""
        found = {r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE sha256=? OR content_sig=?",
                                               (sha256 or "-", signature or "-"))}
        if name:
            found |= {d for d, f in self.db.execute("SELECT doc_id, file FROM documents") if Path(f).stem == name}
        return found

    def indicator_projects(self, keys: Sequence[str], exclude_docs: set[int]) -> dict[str, set[str]]:
        """For each template key (see ``template_key``), the distinct project names that carry it."""
        out: dict[str, set[str]] = {k: set() for k in keys}
        uniq = sorted({k for k in keys if k})
        for start in range(0, len(uniq), 900):
            chunk = uniq[start:start + 900]
            q = ",".join("?" * len(chunk))
            for key, name_key, doc_id in self.db.execute(
                f"""SELECT DISTINCT r.tpl_key, p.name_key, r.doc_id FROM rows r JOIN projects p ON p.proj_id=r.proj_id
                    WHERE r.tpl_key IN ({q}) AND p.department=0""", chunk):
                if doc_id not in exclude_docs:
                    out[key].add(name_key)
        return out

    def explanation_uses(self, keys: Sequence[str], exclude_docs: set[int], limit: int = 5) -> dict[str, list[CorpusRow]]:
        """Corpus rows whose explanation has the same key (same sentence up to punctuation/space)."""
        out: dict[str, list[CorpusRow]] = {}
        uniq = sorted({k for k in keys if k})
        ids: dict[str, list[int]] = {}
        for key in uniq:
            rows = self.db.execute("SELECT vec_id, doc_id FROM rows WHERE expl_key=? LIMIT 200", (key,)).fetchall()
            ids[key] = [v for v, d in rows if d not in exclude_docs]
        lookup = self.rows_by_id(i for v in ids.values() for i in v)
        for key, vs in ids.items():
            out[key] = [lookup[v] for v in vs if v in lookup]
        return out

    def stats(self) -> dict[str, Any]:
        q = self.db.execute
        return {
            "corpus_dir": str(self.corpus_dir),
            "index_dir": str(self.path),
            "documents": q("SELECT COUNT(*) FROM documents").fetchone()[0],
            "projects": q("SELECT COUNT(*) FROM projects").fetchone()[0],
            "rows": self.size,
            "embedder": self.meta("embedder_id"),
            "dim": self.embedder.dim,
            "index_type": type(self.index).__name__,
            "built_at": self.meta("built_at"),
            "fit": json.loads(self.meta("fit_stats") or "{}"),
            "added_after_fit": q("SELECT COUNT(*) FROM documents WHERE in_fit=0").fetchone()[0],
            "skipped": q("SELECT file, reason FROM skipped ORDER BY file").fetchall(),
            "years": q("SELECT year, COUNT(*) FROM documents GROUP BY year ORDER BY year").fetchall(),
        }

    # -------------------------------------------------------------- writing

    def insert_document(self, parsed: ParsedDoc, file: str, in_fit: bool) -> list[str]:
        """Insert one parsed document's records; return the row texts to embed, in vec_id order."""
        doc = parsed.doc
        assert doc is not None
        db = self.db
        cur = db.execute(
            "INSERT INTO documents(file, sha256, size, mtime_ns, title, year, kind, content_sig, n_projects, n_rows,"
            " in_fit, added_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (file, parsed.sha, parsed.size, parsed.mtime_ns, doc.title, doc.year, doc.kind, content_signature(doc),
             len(doc.projects), sum(len(p.rows) for p in doc.projects), int(in_fit), time.strftime("%Y-%m-%d %H:%M:%S")))
        doc_id = cur.lastrowid
        # vec_id is the FAISS id: rows are inserted in the order their vectors are added.
        next_vec = db.execute("SELECT COALESCE(MAX(vec_id) + 1, 0) FROM rows").fetchone()[0]
        texts: list[str] = []
        for p in doc.projects:
            if not p.rows:
                continue
            dept = is_department_table(doc.kind, any(r.goal for r in p.rows))
            pc = db.execute(
                "INSERT INTO projects(doc_id, proj_key, name, name_key, title, purpose, achieved, department, n_rows)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (doc_id, p.id, p.name, match_key(p.name), p.title, p.purpose, p.achieved, int(dept), len(p.rows)))
            proj_id = pc.lastrowid
            recs = []
            for r in p.rows:
                recs.append((next_vec, doc_id, proj_id, r.id, r.level1, r.level2, r.indicator, match_key(r.indicator),
                             template_key(r.indicator), r.target, r.actual, r.explanation, match_key(r.explanation)))
                texts.append(r.indicator)
                next_vec += 1
            db.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", recs)
        return texts

    def add_parsed(self, parsed: Sequence[ParsedDoc], files: Sequence[str], progress: Progress | None = None) -> int:
        """Add parsed documents to the open index without rebuilding it; returns rows added."""
        added = 0
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            all_texts: list[str] = []
            for pd, file in zip(parsed, files):
                all_texts += self.insert_document(pd, file, in_fit=False)
            vectors = encode(self.embedder, all_texts, progress, 0.0, 0.9)
            self._add_vectors(vectors)
            added = len(vectors)
            index_file.record(db, index_file.write(self.index, self.path))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        index_file.prune(self.path, db)
        return added

    def _add_vectors(self, vectors: np.ndarray) -> None:
        if len(vectors) == 0:
            return
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        if isinstance(self.index, faiss_module().IndexFlat) and self.index.ntotal >= IVF_THRESHOLD:
            self.index = _to_ivf(self.index, self.embedder.dim)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()


def encode(embedder: Embedder, texts: Sequence[str], progress: Progress | None, lo: float, hi: float,
            chunk: int = 20_000) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), chunk):
        parts.append(embedder.encode(texts[start:start + chunk]))
        if progress:
            progress(lo + (hi - lo) * min(1.0, (start + chunk) / max(len(texts), 1)),
                     f"向量化指标 {min(start + chunk, len(texts))}/{len(texts)}")
    if not parts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.vstack(parts)
