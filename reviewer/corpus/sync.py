"""Building, opening and syncing the corpus index with the report files of its directory."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewer.corpus import index_file
from reviewer.corpus.db import connect
from reviewer.corpus.embed import norm_text
from reviewer.corpus.index import IVF_NPROBE, Corpus, ParsedDoc, encode, faiss_module, new_index
from reviewer.corpus.index_file import file_sha256
from reviewer.corpus.keys import INDEX_FORMAT, content_signature, project_profile
from reviewer.errors import InputError
from reviewer.model import Document, Progress
from reviewer.settings import get_settings, writable_dir

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.corpus.embed import Embedder

# Refit the built-in embedder when the corpus has grown to this multiple of the rows it was fitted on.
REFIT_FACTOR = 2


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


def _parse(path: Path, sha: str | None = None) -> ParsedDoc:
    from reviewer.tables import parse_path

    st = path.stat()
    sha = sha or file_sha256(path)
    try:
        doc = parse_path(path)
    except InputError as err:
        return ParsedDoc(path, sha, st.st_size, st.st_mtime_ns, None, err.message)
    if not any(p.rows for p in doc.projects):
        return ParsedDoc(path, sha, st.st_size, st.st_mtime_ns, None, "没有找到指标表（无可入库的指标行）")
    return ParsedDoc(path, sha, st.st_size, st.st_mtime_ns, doc)


def _row_texts(doc: Document) -> list[str]:
    return [r.indicator for p in doc.projects for r in p.rows]


def _load_embedder_for(path: Path) -> Embedder:
    from reviewer.corpus.embed import load_builtin, load_user_model

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
                  parsed_cache: dict[str, ParsedDoc] | None = None) -> Corpus:
    if not cdir.is_dir():
        raise InputError(f"历史报告库目录不存在：{cdir}")
    parsed = _parse_all(list(_report_files(reports_dir(cdir))), progress, parsed_cache or {})
    good = [p for p in parsed if p.doc is not None]
    # Built in a sibling directory and swapped in whole: a crash leaves the old index usable.
    tmp = path.with_name(path.name + f".building-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        choice = embedder_choice()
        embedder, fit_stats = _embedder_for_build(choice, good, cdir, tmp, progress)
        db = connect(tmp / "meta.sqlite3")
        corpus = Corpus(cdir, tmp, embedder, faiss_module().IndexFlatIP(embedder.dim), db)
        db.execute("BEGIN IMMEDIATE")
        texts = []
        for pd in good:
            texts += corpus.insert_document(pd, str(pd.path.relative_to(reports_dir(cdir))), in_fit=True)
        for pd in parsed:
            if pd.doc is None:
                db.execute("INSERT OR REPLACE INTO skipped VALUES (?,?,?,?,?)",
                           (str(pd.path.relative_to(reports_dir(cdir))), pd.sha, pd.size, pd.mtime_ns, pd.error))
        vectors = encode(embedder, texts, progress, 0.4, 0.9)
        if progress:
            progress(0.92, f"建立 FAISS 索引（{len(vectors)} 行）")
        corpus.index = new_index(vectors, embedder.dim)
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




def _parse_all(files: list[Path], progress: Progress | None, cache: dict[str, ParsedDoc]) -> list[ParsedDoc]:
    """Every report file read once; the same bytes under two names are indexed once."""
    parsed: list[ParsedDoc] = []
    seen: set[str] = set()
    for i, f in enumerate(files):
        if progress:
            progress(0.3 * i / max(len(files), 1), f"解析历史报告 {f.name}")
        sha = file_sha256(f)
        pd = cache.get(sha) or _parse(f, sha)
        pd.path = f
        if pd.sha in seen:
            continue
        seen.add(pd.sha)
        parsed.append(pd)
    return parsed


def _embedder_for_build(choice: str, good: list[ParsedDoc], cdir: Path, tmp: Path,
                        progress: Progress | None) -> tuple[Embedder, dict[str, Any]]:
    """The user's model, or the built-in one fitted on the corpus rows and project profiles (saved in tmp)."""
    from reviewer.corpus.embed import fit_builtin_embedder, load_user_model, save_builtin

    if choice != "builtin":
        return load_user_model(choice), {}
    if progress:
        progress(0.35, "拟合内置字符 n-gram 嵌入模型")
    texts = [t for pd in good for t in _row_texts(pd.doc)]
    texts += [project_profile(p.name, p.title, p.purpose) for pd in good for p in pd.doc.projects]
    if len([t for t in texts if norm_text(t)]) < 3:
        raise InputError(f"历史报告库 {cdir} 中没有可用的指标表，无法建立索引")
    embedder = fit_builtin_embedder(texts)
    save_builtin(embedder, tmp / "embedder")
    return embedder, embedder.fit_stats


def _open_existing(cdir: Path, path: Path) -> Corpus:
    db = connect(path / "meta.sqlite3")
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
        from reviewer.corpus.embed import user_model_id

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


def _open_locked(cdir: Path, path: Path, progress: Progress | None, parsed: dict[str, ParsedDoc]) -> Corpus:
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


def _sync(corpus: Corpus, progress: Progress | None, parsed_cache: dict[str, ParsedDoc]) -> Corpus:
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
    good: list[ParsedDoc] = []
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
    cache: dict[str, ParsedDoc] = {}
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
