"""The corpus of past reports: every indicator row embedded into FAISS, metadata in SQLite.

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
import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reviewer import index_file
from reviewer.embed import norm_text
from reviewer.errors import InputError
from reviewer.index_file import file_sha256
from reviewer.model import Document
from reviewer.settings import get_settings, writable_dir

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.embed import Embedder

Progress = Callable[[float, str], None]

INDEX_FORMAT_VERSION = "1"
IVF_THRESHOLD = 20_000
# Refit the built-in embedder when the corpus has grown to this multiple of the rows it was fitted on.
REFIT_FACTOR = 2
# nprobe for IVF lists, from the benchmark sweep: recall@10 0.979 at 100k rows (256 lists) and
# 0.991 at 1M (1024 lists); 8 would miss the 0.95 target at 100k by a hair, 32 costs 40 % more time.
IVF_NPROBE = 16

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)

# Words every indicator uses; they say nothing about which project a row belongs to.
STOP_WORDS = sorted({
    "反映", "满足", "需求", "情况", "完成率", "完成", "工作", "指标", "提高", "提升", "保障", "保证", "确保",
    "各项", "有效", "全省", "全市", "全县", "全区", "按时", "及时", "准时", "正常", "运行", "运转", "开展",
    "落实", "到位", "合格", "数量", "人数", "次数", "金额", "成本", "预算", "控制", "资金", "经费", "服务",
    "满意度", "满意率", "满意", "程度", "水平", "能力", "任务", "项目", "年度", "当年", "本年度", "按期",
    "达到", "实现", "促进", "推动", "加强", "持续", "影响", "效益", "效率", "质量", "管理", "业务", "相关",
    "发挥", "作用", "期限", "标准", "率", "数", "度", "性", "的", "和", "及", "与", "或", "等", "为", "了",
    "在", "是", "对", "个", "次", "人", "元", "万", "内", "中", "占比", "比例", "单位", "部门", "政策",
    # generic benefit and action words: 社会/经济/发展/稳定 describe every project's 效益 rows
    "社会", "经济", "发展", "稳定", "和谐", "安全", "公共", "可持续", "长期", "群众", "人民", "生活", "民生",
    "发放", "补贴", "补助", "人员", "覆盖", "享受", "支付", "使用", "组织", "提供", "完善", "规范", "合理",
    "准确", "有序", "增加", "减少", "降低", "良好", "顺利", "稳步", "不断", "积极", "全面", "进一步", "以上",
    "以下", "年底", "月底", "底前", "时间", "时限", "及时性", "准确性", "按规定", "规定", "要求",
})
_STOP_RE = re.compile("|".join(re.escape(w) for w in sorted(STOP_WORDS, key=len, reverse=True)))

# A template key shorter than this is one common word ("就业"), too coarse to call two rows the same.
TEMPLATE_MIN_CHARS = 3
# The stored template keys depend on STOP_WORDS: a changed list means a rebuilt index.
INDEX_FORMAT = INDEX_FORMAT_VERSION + "-" + hashlib.sha1(
    ("|".join(sorted(STOP_WORDS)) + f"|{TEMPLATE_MIN_CHARS}").encode()).hexdigest()[:8]


@lru_cache(maxsize=1 << 18)
def match_key(text: str | None) -> str:
    """Key for exact matching: normalised text without punctuation ("指标1：绿色办公。" → "绿色办公")."""
    return _PUNCT.sub("", norm_text(text))


def content_bigrams(text: str | None) -> set[str]:
    """Character bigrams of what is left once punctuation, digits and common words are removed."""
    t = _STOP_RE.sub(" ", re.sub(r"[\W\d_a-zA-Z]+", " ", norm_text(text)))
    grams: set[str] = set()
    for chunk in t.split():
        grams.update(chunk[i:i + 2] for i in range(len(chunk) - 1))
    return grams


def template_key(text: str | None) -> str:
    """An indicator without its common words ("实现绿色办公" → "绿色办公"): the same template row.

    Falls back to the full key when too little is left ("控制预算成本内" would become "内",
    "促进就业" and "提高就业率" both "就业").
    """
    key = match_key(text)
    core = _STOP_RE.sub("", key)
    return core if len(core) >= TEMPLATE_MIN_CHARS else key


def content_signature(doc: Document) -> str:
    """A hash of what a document says (project names and rows), whatever its file format.

    Used to recognise a report that is itself in the corpus under another file (a .docx of a
    seed, a re-export): such a document never serves as evidence against itself.
    """
    h = hashlib.sha256()
    for p in doc.projects:
        h.update(match_key(p.name).encode() + b"\x1e")
        for r in p.rows:
            h.update("\x1f".join(match_key(x) for x in (r.indicator, r.target, r.actual)).encode() + b"\x1e")
    return h.hexdigest()


def project_profile(name: str | None, title: str | None, purpose: str | None, achieved: str | None = None) -> str:
    """The text that says what a project is for: name, table title, stated purpose, achievements."""
    parts: list[str] = []
    for t in (name, title, purpose, achieved):
        t = (t or "").strip()
        if t and t not in parts:
            parts.append(t)
    return "；".join(parts)


def is_department_table(doc_kind: str, has_goals: bool) -> bool:
    """A whole-department table (部门整体): its rows cover every function of the department."""
    return doc_kind == "department_selfeval" or has_goals


# ------------------------------------------------------------------ records read back from the store


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


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    return db


# ------------------------------------------------------------------ locating things


def corpus_path(corpus_dir: str | Path | None) -> Path:
    return Path(corpus_dir).expanduser() if corpus_dir else get_settings().corpus_dir


def reports_dir(corpus_dir: Path) -> Path:
    """Reports live in ``<corpus>/reports``; a directory that holds reports directly is read flat."""
    sub = corpus_dir / "reports"
    if sub.is_dir() or not any(_report_files(corpus_dir, recursive=False)):
        return sub
    return corpus_dir


def _report_files(folder: Path, recursive: bool = True) -> Iterable[Path]:
    from reviewer.read import report_files

    return report_files(folder, recursive)


def embedder_choice() -> str:
    """The embedder the settings ask for: "builtin" or the REVIEWER_EMBED_MODEL value."""
    return get_settings().embed_model or "builtin"


def index_path(corpus_dir: Path, choice: str | None = None) -> Path:
    choice = choice or embedder_choice()
    key = hashlib.sha1(str(corpus_dir.resolve()).encode()).hexdigest()[:12]
    emb = "builtin" if choice == "builtin" else "st-" + hashlib.sha1(choice.encode()).hexdigest()[:10]
    return get_settings().index_dir / f"{key}-{emb}"


@contextlib.contextmanager
def _locked(directory: Path):
    """One writer per index at a time (CLI and web UI may both open the corpus)."""
    writable_dir(directory.parent)  # an unusable REVIEWER_HOME is one line (SetupError), not a traceback
    lock = directory.parent / (directory.name + ".lock")
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ------------------------------------------------------------------ parsing reports into records


@dataclass
class _ParsedDoc:
    path: Path
    sha: str
    size: int
    mtime_ns: int
    doc: Document | None
    error: str | None = None


def _parse(path: Path, sha: str | None = None) -> _ParsedDoc:
    from reviewer.review import parse_path

    st = path.stat()
    sha = sha or file_sha256(path)
    try:
        doc = parse_path(path)
    except InputError as err:
        return _ParsedDoc(path, sha, st.st_size, st.st_mtime_ns, None, err.message)
    if not any(p.rows for p in doc.projects):
        return _ParsedDoc(path, sha, st.st_size, st.st_mtime_ns, None, "没有找到指标表（无可入库的指标行）")
    return _ParsedDoc(path, sha, st.st_size, st.st_mtime_ns, doc)


def _row_texts(doc: Document) -> list[str]:
    return [r.indicator for p in doc.projects for r in p.rows]


# ------------------------------------------------------------------ FAISS helpers


def _faiss():
    import faiss

    return faiss


def _new_index(vectors: np.ndarray, dim: int):
    """Flat for small corpora, IVF-Flat (trained here) for large ones; see the module docstring."""
    faiss = _faiss()
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
    ivf = _new_index(vectors, dim)
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

    def _insert_document(self, parsed: _ParsedDoc, file: str, in_fit: bool) -> list[str]:
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

    def add_parsed(self, parsed: Sequence[_ParsedDoc], files: Sequence[str], progress: Progress | None = None) -> int:
        """Add parsed documents to the open index without rebuilding it; returns rows added."""
        added = 0
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            all_texts: list[str] = []
            for pd, file in zip(parsed, files):
                all_texts += self._insert_document(pd, file, in_fit=False)
            vectors = _encode(self.embedder, all_texts, progress, 0.0, 0.9)
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
        if isinstance(self.index, _faiss().IndexFlat) and self.index.ntotal >= IVF_THRESHOLD:
            self.index = _to_ivf(self.index, self.embedder.dim)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()


def _encode(embedder: Embedder, texts: Sequence[str], progress: Progress | None, lo: float, hi: float,
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


# ------------------------------------------------------------------ build / open / sync


def _load_embedder_for(path: Path) -> Embedder:
    from reviewer.embed import load_builtin, load_user_model

    choice = embedder_choice()
    if choice == "builtin":
        return load_builtin(path / "embedder")
    return load_user_model(choice)


def build(corpus_dir: str | Path | None = None, progress: Progress | None = None) -> Corpus:
    """(Re)build the index of a corpus directory from scratch and return it opened."""
    cdir = corpus_path(corpus_dir)
    path = index_path(cdir)
    with _locked(path):
        index_file.prune_siblings(path)
        return _build_locked(cdir, path, progress)


def _build_locked(cdir: Path, path: Path, progress: Progress | None,
                  parsed_cache: dict[str, _ParsedDoc] | None = None) -> Corpus:
    from reviewer.embed import fit_builtin_embedder, load_user_model, save_builtin

    if not cdir.is_dir():
        raise InputError(f"历史报告库目录不存在：{cdir}")
    files = list(_report_files(reports_dir(cdir)))
    parsed: list[_ParsedDoc] = []
    seen: set[str] = set()
    for i, f in enumerate(files):
        if progress:
            progress(0.3 * i / max(len(files), 1), f"解析历史报告 {f.name}")
        sha = file_sha256(f)
        pd = (parsed_cache or {}).get(sha) or _parse(f, sha)
        pd.path = f
        if pd.sha in seen:  # the same bytes under two names: index once
            continue
        seen.add(pd.sha)
        parsed.append(pd)
    good = [p for p in parsed if p.doc is not None]

    tmp = path.with_name(path.name + f".building-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        choice = embedder_choice()
        fit_stats: dict[str, Any] = {}
        if choice == "builtin":
            if progress:
                progress(0.35, "拟合内置字符 n-gram 嵌入模型")
            texts = [t for pd in good for t in _row_texts(pd.doc)]
            texts += [project_profile(p.name, p.title, p.purpose) for pd in good for p in pd.doc.projects]
            if len([t for t in texts if norm_text(t)]) < 3:
                raise InputError(f"历史报告库 {cdir} 中没有可用的指标表，无法建立索引")
            embedder = fit_builtin_embedder(texts)
            fit_stats = embedder.fit_stats
            save_builtin(embedder, tmp / "embedder")
        else:
            embedder = load_user_model(choice)
        db = _connect(tmp / "meta.sqlite3")
        faiss = _faiss()
        corpus = Corpus(cdir, tmp, embedder, faiss.IndexFlatIP(embedder.dim), db)
        db.execute("BEGIN IMMEDIATE")
        texts = []
        for pd in good:
            texts += corpus._insert_document(pd, str(pd.path.relative_to(reports_dir(cdir))), in_fit=True)
        for pd in parsed:
            if pd.doc is None:
                db.execute("INSERT OR REPLACE INTO skipped VALUES (?,?,?,?,?)",
                           (str(pd.path.relative_to(reports_dir(cdir))), pd.sha, pd.size, pd.mtime_ns, pd.error))
        vectors = _encode(embedder, texts, progress, 0.4, 0.9)
        if progress:
            progress(0.92, f"建立 FAISS 索引（{len(vectors)} 行）")
        corpus.index = _new_index(vectors, embedder.dim)
        if len(vectors):
            corpus.index.add(vectors)
        for k, v in {"format": INDEX_FORMAT, "embedder_id": embedder.id, "embedder_choice": choice,
                     "corpus_dir": str(cdir.resolve()), "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                     "fit_stats": json.dumps(fit_stats)}.items():
            db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (k, v))
        index_file.record(db, index_file.write(corpus.index, tmp))
        db.execute("COMMIT")
        db.close()
        old = path.with_name(path.name + f".old-{os.getpid()}")
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        progress(1.0, "索引已建立")
    return _open_existing(cdir, path)


def _open_existing(cdir: Path, path: Path) -> Corpus:
    db = _connect(path / "meta.sqlite3")
    try:
        index = index_file.read(path, db)
    except BaseException:
        db.close()
        raise
    index_file.prune(path, db)
    embedder = _load_embedder_for(path)
    if hasattr(index, "nprobe"):
        index.nprobe = IVF_NPROBE
    return Corpus(cdir, path, embedder, index, db)


def _usable(path: Path) -> bool:
    """An index that exists, has our format and was built by the embedder now configured."""
    if not (path / "meta.sqlite3").exists():
        return False
    try:
        db = sqlite3.connect(str(path / "meta.sqlite3"))
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        db.close()
    except sqlite3.Error:
        return False
    if meta.get("format") != INDEX_FORMAT or meta.get("embedder_choice") != embedder_choice():
        return False
    if embedder_choice() != "builtin":
        from reviewer.embed import user_model_id

        return meta.get("embedder_id") == user_model_id(embedder_choice())
    return (path / "embedder" / "embedder_id.txt").exists() and \
        (path / "embedder" / "embedder_id.txt").read_text().strip() == meta.get("embedder_id")


def open_corpus(corpus_dir: str | Path | None = None, progress: Progress | None = None) -> Corpus:
    """Open the corpus index, building it if missing and syncing it with the directory's files."""
    cdir = corpus_path(corpus_dir)
    if not cdir.is_dir():
        raise InputError(f"历史报告库目录不存在：{cdir}（可用 --no-corpus 跳过比对）")
    path = index_path(cdir)
    with _locked(path):
        return _open_locked(cdir, path, progress, {})


def _open_locked(cdir: Path, path: Path, progress: Progress | None, parsed: dict[str, _ParsedDoc]) -> Corpus:
    index_file.prune_siblings(path)
    if not _usable(path):
        return _build_locked(cdir, path, progress)
    try:
        corpus = _open_existing(cdir, path)
    except index_file.IndexMismatch as err:  # a crash or a hand edit: never search misaligned ids
        print(f"历史报告库索引与记录不一致（{err}），正在重建索引", file=sys.stderr)
        return _build_locked(cdir, path, progress)
    if corpus.meta("embedder_id") != corpus.embedder.id:  # never query with another embedder's vectors
        corpus.close()
        return _build_locked(cdir, path, progress)
    corpus = _sync(corpus, progress, parsed)
    if _needs_refit(corpus):
        corpus.close()
        return _build_locked(cdir, path, progress)
    return corpus


def _needs_refit(corpus: Corpus) -> bool:
    """The built-in model ignores characters it was not fitted on; once most rows arrived after the
    fit, refit (a rebuild) on the next open. Adding a report never waits for this."""
    if corpus.meta("embedder_choice") != "builtin":
        return False
    fitted = corpus.db.execute("SELECT COALESCE(SUM(n_rows), 0) FROM documents WHERE in_fit=1").fetchone()[0]
    return corpus.size > REFIT_FACTOR * max(fitted, 1)


def _sync(corpus: Corpus, progress: Progress | None, parsed_cache: dict[str, _ParsedDoc]) -> Corpus:
    """Bring the index in line with the files: add new ones, rebuild if any were removed or changed."""
    rdir = reports_dir(corpus.corpus_dir)
    files = {str(f.relative_to(rdir)): f for f in _report_files(rdir)}
    db = corpus.db
    known = {r[0]: r[1:] for r in db.execute("SELECT file, sha256, size, mtime_ns FROM documents")}
    skipped = {r[0]: r[1:] for r in db.execute("SELECT file, sha256, size, mtime_ns FROM skipped")}
    if any(name not in files for name in known):  # a report was removed: its vectors must go
        corpus.close()
        return _build_locked(corpus.corpus_dir, corpus.path, progress)
    shas = {v[0] for v in known.values()}
    new: list[tuple[str, Path, str]] = []
    for name, f in files.items():
        st = f.stat()
        rec = known.get(name) or skipped.get(name)
        if rec and rec[1] == st.st_size and rec[2] == st.st_mtime_ns:
            continue
        sha = file_sha256(f)
        if rec and rec[0] == sha:  # touched, not changed
            table = "documents" if name in known else "skipped"
            db.execute(f"UPDATE {table} SET size=?, mtime_ns=? WHERE file=?", (st.st_size, st.st_mtime_ns, name))
            continue
        if name in known:  # contents changed under the same name
            corpus.close()
            return _build_locked(corpus.corpus_dir, corpus.path, progress)
        if sha not in shas:
            shas.add(sha)
            new.append((name, f, sha))
    good: list[_ParsedDoc] = []
    names: list[str] = []
    for name, f, sha in new:
        if progress:
            progress(0.1, f"解析新加入的报告 {f.name}")
        pd = parsed_cache.get(sha) or _parse(f, sha)
        st = f.stat()
        pd.path, pd.size, pd.mtime_ns = f, st.st_size, st.st_mtime_ns
        if pd.doc is None:
            db.execute("INSERT OR REPLACE INTO skipped VALUES (?,?,?,?,?)", (name, sha, pd.size, pd.mtime_ns, pd.error))
            continue
        good.append(pd)
        names.append(name)
    if good:
        corpus.add_parsed(good, names, progress)
    return corpus


def add_files(paths: Sequence[Path], corpus_dir: str | Path | None = None,
              progress: Progress | None = None) -> tuple[Corpus, list[tuple[Path, str]], list[tuple[Path, str]]]:
    """Copy reports into the corpus and add their rows to the index without rebuilding it.

    Returns the corpus, the (path, note) of files added or already present, and the (path, reason)
    of files that could not be used. Good files are added even when others fail.
    """
    cdir = corpus_path(corpus_dir)
    if not cdir.is_dir():
        raise InputError(f"历史报告库目录不存在：{cdir}")
    path = index_path(cdir)
    rdir = reports_dir(cdir)
    done: list[tuple[Path, str]] = []
    bad: list[tuple[Path, str]] = []
    cache: dict[str, _ParsedDoc] = {}
    with _locked(path):
        corpus = _open_locked(cdir, path, progress, {}) if any(_report_files(rdir)) else None
        for src in map(Path, paths):
            if not src.is_file():
                bad.append((src, "文件不存在"))
                continue
            sha = file_sha256(src)
            if sha in cache or (corpus and corpus.db.execute("SELECT 1 FROM documents WHERE sha256=?", (sha,)).fetchone()):
                done.append((src, "已在库中，跳过"))
                continue
            pd = _parse(src, sha)
            if pd.doc is None:
                bad.append((src, pd.error or "无法解析"))
                continue
            sig = content_signature(pd.doc)
            if corpus and corpus.db.execute("SELECT 1 FROM documents WHERE content_sig=?", (sig,)).fetchone():
                done.append((src, "内容与库中报告相同，跳过"))
                continue
            target = rdir / src.name
            if target.exists():
                target = rdir / f"{src.stem}-{sha[:8]}{src.suffix}"
            try:
                rdir.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target)
            except OSError as err:
                raise InputError(f"无法写入历史报告库目录 {rdir}：{err.strerror}") from None
            cache[sha] = pd
            done.append((src, f"已加入（{sum(len(p.rows) for p in pd.doc.projects)} 行指标）"))
        if corpus is not None:
            corpus = _sync(corpus, progress, cache)
        elif cache:
            corpus = _build_locked(cdir, path, progress, cache)
        else:
            raise InputError("没有可加入的报告：" + "；".join(f"{p.name}：{r}" for p, r in bad))
    return corpus, done, bad


# ------------------------------------------------------------------ CLI entry points (rich output)


@contextlib.contextmanager
def _rich_progress(label: str):
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(label, total=1.0)

        def update(fraction: float, message: str) -> None:
            bar.update(task, completed=min(max(fraction, 0.0), 1.0), description=message)

        yield update


def _console():
    from rich.console import Console

    return Console(highlight=False)


def cli_build(corpus_dir: Path | None) -> None:
    """`reviewer corpus build`: rebuild the index from every report in the corpus directory."""
    t0 = time.perf_counter()
    with _rich_progress("建立索引") as progress:
        corpus = build(corpus_dir, progress)
    s = corpus.stats()
    corpus.close()
    con = _console()
    con.print(f"已为 {s['documents']} 份报告、{s['projects']} 个项目、{s['rows']} 行指标建立索引"
              f"（{s['index_type']}，{s['dim']} 维，用时 {time.perf_counter() - t0:.1f} 秒）")
    con.print(f"嵌入模型：{s['embedder']}")
    if s["fit"]:
        con.print(f"内置模型拟合：{s['fit']['texts']} 条不同文本，{s['fit']['features']} 个字符 n-gram，"
                  f"SVD {s['fit']['dims']} 维，保留方差 {s['fit']['explained_variance']:.0%}")
    for file, reason in s["skipped"]:
        con.print(f"[yellow]未入库[/yellow] {file}：{reason}")
    con.print(f"索引位置：{s['index_dir']}")


def cli_add(paths: list[Path], corpus_dir: Path | None) -> int:
    """`reviewer corpus add FILE...`: returns 0, or 2 when any file was unusable (the rest are added)."""
    with _rich_progress("加入报告库") as progress:
        corpus, done, bad = add_files(paths, corpus_dir, progress)
    con = _console()
    for path, note in done:
        con.print(f"{path}：{note}")
    for path, reason in bad:
        con.print(f"[red]{path}：{reason}[/red]")
    con.print(f"报告库现有 {corpus.stats()['documents']} 份报告、{corpus.size} 行指标")
    corpus.close()
    return 2 if bad else 0


def cli_stats(corpus_dir: Path | None) -> None:
    """`reviewer corpus stats`."""
    from rich.table import Table

    with _rich_progress("打开报告库") as progress:
        corpus = open_corpus(corpus_dir, progress)
    s = corpus.stats()
    t = Table(title="历史报告库", show_header=False)
    t.add_column("项")
    t.add_column("值")
    t.add_row("报告库目录", s["corpus_dir"])
    t.add_row("索引位置", s["index_dir"])
    t.add_row("报告 / 项目 / 指标行", f"{s['documents']} / {s['projects']} / {s['rows']}")
    t.add_row("年度分布", "，".join(f"{y or '未知'}年 {n} 份" for y, n in s["years"]))
    t.add_row("嵌入模型", f"{s['embedder']}（{s['dim']} 维）")
    t.add_row("索引类型", s["index_type"])
    t.add_row("建立时间", s["built_at"] or "")
    if s["added_after_fit"]:
        t.add_row("拟合后新增报告", f"{s['added_after_fit']} 份（可运行 reviewer corpus build 重新拟合）")
    for file, reason in s["skipped"]:
        t.add_row("未入库", f"{file}：{reason}")
    _console().print(t)
    corpus.close()


def cli_search(query: str, k: int, corpus_dir: Path | None) -> None:
    """`reviewer corpus search TEXT`: the nearest indicator rows, with their report and project."""
    from rich.table import Table

    if not query.strip():
        raise InputError("查询内容为空")
    with _rich_progress("打开报告库") as progress:
        corpus = open_corpus(corpus_dir, progress)
    sims, ids = corpus.search(corpus.embedder.encode([query]), max(1, k))
    rows = corpus.rows_by_id(ids[0])
    t = Table(title=f"与“{query}”最相近的指标")
    for col in ("相似度", "指标", "指标值", "项目", "报告"):
        t.add_column(col)
    for sim, vid in zip(sims[0], ids[0]):
        r = rows.get(int(vid))
        if r is None:
            continue
        t.add_row(f"{sim:.2f}", r.indicator, r.target or "", r.project, f"{r.file}（{r.year or '年度未知'}）")
    _console().print(t)
    corpus.close()
