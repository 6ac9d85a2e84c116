"""The corpus index: build from the shipped reports, search, add without rebuilding, stay in sync."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from reviewer import corpus as C
from reviewer.cli import app
from reviewer.cli.corpus import cli_add
from reviewer.settings import PACKAGE_ROOT

SHIPPED = PACKAGE_ROOT / "corpus"
SEED_FILES = ["000_f0f92c4964a07505.txt", "001_b1a250b2a3dd9447.txt", "002_07fbb4ae47c57219.txt",
              "003_2cec943835bed671.txt", "004_e85c4e418f268774.txt"]


@pytest.fixture
def shipped(built_home, monkeypatch):
    monkeypatch.setenv("REVIEWER_HOME", str(built_home))
    monkeypatch.delenv("REVIEWER_CORPUS", raising=False)
    corpus = C.open_corpus(None)
    yield corpus
    corpus.close()


def test_shipped_corpus_is_the_five_seeds(seeds_dir):
    shipped = sorted(p.name for p in (SHIPPED / "reports").iterdir())
    assert shipped == SEED_FILES
    for name in SEED_FILES:  # byte-identical to the shared seeds
        assert hashlib.sha256((SHIPPED / "reports" / name).read_bytes()).digest() == \
            hashlib.sha256((seeds_dir / name).read_bytes()).digest()


def test_build_indexes_every_row_and_records_the_embedder(shipped):
    s = shipped.stats()
    assert s["documents"] == 4 and s["rows"] == shipped.index.ntotal > 500
    assert [f for f, _r in s["skipped"]] == ["001_b1a250b2a3dd9447.txt"]  # narrative only, no indicator table
    assert s["embedder"].startswith("char-ngram-tfidf-svd/") and s["embedder"] == shipped.embedder.id
    assert 1 < s["dim"] <= 256 and s["fit"]["dims"] == s["dim"]
    assert shipped.path.parent == Path(os.environ["REVIEWER_HOME"]) / "index"
    row = shipped.db.execute("SELECT COUNT(*) FROM rows r JOIN projects p USING(proj_id) "
                             "WHERE p.name='社会保障业务经费' AND r.indicator='电梯更换完成次数'").fetchone()[0]
    assert row == 1


def test_search_finds_the_copied_rows(shipped):
    sims, ids = shipped.search(shipped.embedder.encode(["电梯更换完成次数"]), 5)
    rows = shipped.rows_by_id(ids[0][:2])
    assert {r.project for r in rows.values()} == {"社会保障业务经费", "劳动力市场基础设施维护维修专项经费"}
    assert sims[0][0] > 0.99 and sims[0][2] < 0.5


def test_cli_search_prints_document_project_and_similarity(built_home, monkeypatch):
    from typer.testing import CliRunner

    monkeypatch.setenv("REVIEWER_HOME", str(built_home))
    monkeypatch.setenv("COLUMNS", "200")
    out = CliRunner().invoke(app, ["corpus", "search", "修缮改造任务完成率", "-k", "3"])
    assert out.exit_code == 0, out.output
    assert "修缮改造任务完成率" in out.output and "004_e85c4e418f268774.txt" in out.output
    assert "社会保障业务经费" in out.output and "1.00" in out.output


def test_add_appends_to_the_index_without_rebuilding(small_corpus, seeds_dir):
    corpus = C.open_corpus(small_corpus)
    before, built_at, emb_id = corpus.size, corpus.meta("built_at"), corpus.embedder.id
    faiss_index = corpus.path / corpus.meta("index_file")
    corpus.close()
    code = cli_add([seeds_dir / "004_e85c4e418f268774.txt"], small_corpus)
    assert code == 0
    corpus = C.open_corpus(small_corpus)
    assert corpus.size == before + 154 == corpus.db.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
    assert corpus.meta("built_at") == built_at and corpus.embedder.id == emb_id  # not rebuilt, not refitted
    assert corpus.db.execute("SELECT in_fit FROM documents WHERE file LIKE '004%'").fetchone()[0] == 0
    assert (small_corpus / "reports" / "004_e85c4e418f268774.txt").exists() and not faiss_index.exists()
    assert (corpus.path / corpus.meta("index_file")).exists()  # the new file replaced the old one
    # vec_id and FAISS id agree for the new rows: an exact copy is found by its own vector.
    vid = corpus.rows_with_keys(["电梯更换完成次数"])["电梯更换完成次数"]
    assert len(vid) == 2
    v = corpus.index.reconstruct(vid[0])
    _sims, ids = corpus.search(v.reshape(1, -1), 3)
    assert set(vid) <= {int(i) for i in ids[0]}
    corpus.close()


def test_add_reports_bad_files_and_still_adds_the_good_ones(small_corpus, seeds_dir, tmp_path, capsys):
    bad = tmp_path / "notes.txt"
    bad.write_text("这里没有任何表格。\n只是一段说明文字。\n", encoding="utf-8")
    code = cli_add([bad, seeds_dir / "004_e85c4e418f268774.txt", tmp_path / "missing.docx"], small_corpus)
    assert code == 2
    out = capsys.readouterr().out
    assert "notes.txt" in out and "missing.docx" in out and "已加入" in out
    assert not (small_corpus / "reports" / "notes.txt").exists()
    # adding the same report again is a no-op
    assert cli_add([seeds_dir / "004_e85c4e418f268774.txt"], small_corpus) == 0
    assert "已在库中" in capsys.readouterr().out


def test_new_and_removed_files_are_picked_up(small_corpus, seeds_dir):
    corpus = C.open_corpus(small_corpus)
    n = corpus.size
    corpus.close()
    shutil.copy(seeds_dir / "004_e85c4e418f268774.txt", small_corpus / "reports")
    corpus = C.open_corpus(small_corpus)  # a file dropped into reports/ is added on the next open
    assert corpus.size == n + 154
    corpus.close()
    (small_corpus / "reports" / "003_2cec943835bed671.txt").unlink()
    corpus = C.open_corpus(small_corpus)  # a removed file forces a rebuild: its vectors must go
    assert corpus.db.execute("SELECT COUNT(*) FROM documents WHERE file LIKE '003%'").fetchone()[0] == 0
    assert corpus.size == n + 154 - 229
    corpus.close()


def test_index_built_with_another_embedder_is_never_queried(small_corpus, tmp_path, monkeypatch):
    from tiny_model import build_tiny_model

    corpus = C.open_corpus(small_corpus)
    path, builtin_id = corpus.path, corpus.embedder.id
    corpus.close()
    # Someone else's vectors under our name: the stored id no longer matches the model on disk.
    db = sqlite3.connect(path / "meta.sqlite3")
    db.execute("UPDATE meta SET value='char-ngram-tfidf-svd/v1/d256/ffffffffffff' WHERE key='embedder_id'")
    db.commit()
    db.close()
    corpus = C.open_corpus(small_corpus)
    assert corpus.meta("embedder_id") == corpus.embedder.id  # rebuilt
    corpus.close()

    monkeypatch.setenv("REVIEWER_EMBED_MODEL", str(build_tiny_model(tmp_path / "tiny")))
    corpus = C.open_corpus(small_corpus)
    assert corpus.path != path and corpus.embedder.dim == 16
    assert corpus.meta("embedder_id").startswith("st:") and corpus.meta("embedder_id") != builtin_id
    assert corpus.index.ntotal == corpus.size > 0
    corpus.close()


def test_missing_corpus_directory_is_a_clear_error(tmp_path):
    from reviewer.errors import InputError

    with pytest.raises(InputError, match="不存在"):
        C.open_corpus(tmp_path / "nowhere")


def test_a_flat_index_that_grows_past_the_threshold_becomes_ivf(small_corpus, seeds_dir, monkeypatch):
    import faiss

    monkeypatch.setattr("reviewer.corpus.index.IVF_THRESHOLD", 500)  # 403 rows now, 557 after the add
    corpus = C.open_corpus(small_corpus)
    assert isinstance(corpus.index, faiss.IndexFlat)
    corpus.close()
    cli_add([seeds_dir / "004_e85c4e418f268774.txt"], small_corpus)
    corpus = C.open_corpus(small_corpus)
    assert isinstance(corpus.index, faiss.IndexIVFFlat) and corpus.index.ntotal == 557
    _sims, ids = corpus.search(corpus.embedder.encode(["修缮改造任务完成率"]), 3)
    assert {r.project for r in corpus.rows_by_id(ids[0][:2]).values()} == \
        {"社会保障业务经费", "劳动力市场基础设施维护维修专项经费"}
    corpus.close()


def test_the_builtin_model_is_refitted_once_most_rows_postdate_it(tmp_path, seeds_dir):
    d = tmp_path / "corpus"
    (d / "reports").mkdir(parents=True)
    shutil.copy(seeds_dir / "002_07fbb4ae47c57219.txt", d / "reports")  # 64 rows
    corpus = C.open_corpus(d)
    first = corpus.embedder.id
    corpus.close()
    _c, _done, bad = C.add_files([seeds_dir / "004_e85c4e418f268774.txt"], d)  # +154 rows, no rebuild now
    assert not bad and _c.embedder.id == first
    _c.close()
    corpus = C.open_corpus(d)  # 218 rows > 2 × 64 fitted: refit on this open
    assert corpus.embedder.id != first and corpus.size == 218
    assert corpus.db.execute("SELECT MIN(in_fit) FROM documents").fetchone()[0] == 1
    corpus.close()
