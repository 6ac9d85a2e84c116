"""A corpus index killed (SIGKILL, a real subprocess) at any step of a write is found consistent
or repaired on the next open: every FAISS id still points at the row it was computed from."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import TESTS

from reviewer import corpus as C

HERE = TESTS


def _run_killed(step: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    return subprocess.run([sys.executable, str(HERE / "crash_at.py"), step, *args],
                          env=env, capture_output=True, text=True, timeout=300)


def _assert_aligned(corpus: C.Corpus) -> None:
    """Each vector is the embedding of the row its id names (the bug: ids shifted after a crash)."""
    rows = corpus.db.execute("SELECT vec_id, indicator FROM rows ORDER BY vec_id").fetchall()
    assert corpus.size == len(rows) == rows[-1][0] + 1
    stored = corpus.index.reconstruct_n(0, corpus.size)
    fresh = corpus.embedder.encode([r[1] for r in rows])
    cos = np.sum(stored * fresh, axis=1)
    assert float(cos.min()) > 0.999, f"{int((cos < 0.999).sum())} vectors point at another row"


@pytest.mark.parametrize("step", ["before-write", "tmp-written", "renamed", "recorded", "committed"])
def test_corpus_add_killed_at_each_step_leaves_old_or_new_state(step, small_corpus, seeds_dir, capfd):
    C.open_corpus(small_corpus).close()
    proc = _run_killed(step, "corpus", "add", str(seed_file(seeds_dir, "004")), "--corpus", str(small_corpus))
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    corpus = C.open_corpus(small_corpus)  # syncs: the copied report is added if the kill lost it
    try:
        assert corpus.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 4
        _assert_aligned(corpus)
        files = sorted(p.name for p in corpus.path.iterdir() if "faiss" in p.name or p.name.endswith(".tmp"))
        assert files == [corpus.meta("index_file")]  # what a crash left behind is gone
    finally:
        corpus.close()
    assert "不一致" not in capfd.readouterr().err  # nothing needed repairing: old or new state


def test_corpus_build_killed_between_directory_swaps_keeps_the_old_index(small_corpus):
    C.open_corpus(small_corpus).close()
    proc = _run_killed("swapping-dirs", "corpus", "build", "--corpus", str(small_corpus))
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    path = C.index_path(small_corpus)
    assert not path.exists()
    corpus = C.open_corpus(small_corpus)
    try:
        _assert_aligned(corpus)
        assert not list(path.parent.glob(path.name + ".*-*"))
    finally:
        corpus.close()


@pytest.mark.parametrize("damage", ["truncate", "drop-rows", "legacy"])
def test_a_mismatched_index_is_rebuilt_with_a_one_line_notice(damage, small_corpus, capfd):
    corpus = C.open_corpus(small_corpus)
    path, name = corpus.path, corpus.meta("index_file")
    if damage == "drop-rows":  # the metadata lost rows the vectors still have: ids would shift
        corpus.db.execute("DELETE FROM rows WHERE vec_id >= (SELECT MAX(vec_id) - 50 FROM rows)")
    elif damage == "legacy":  # an index written before the checksum was recorded
        corpus.db.execute("DELETE FROM meta WHERE key LIKE 'index_%'")
    corpus.close()
    if damage == "truncate":
        data = (path / name).read_bytes()
        (path / name).write_bytes(data[: len(data) // 2])
    capfd.readouterr()
    corpus = C.open_corpus(small_corpus)
    try:
        _assert_aligned(corpus)
    finally:
        corpus.close()
    err = [line for line in capfd.readouterr().err.splitlines() if "不一致" in line]
    assert len(err) == 1 and "正在重建" in err[0], err


def seed_file(seeds_dir: Path, prefix: str) -> Path:
    return next(seeds_dir.glob(f"{prefix}_*.txt"))
