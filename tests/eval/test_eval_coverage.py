"""An honest eval: coverage next to precision and recall, and a dataset document is never compared
with its own copy in the corpus."""

from __future__ import annotations

from conftest import seed
from test_eval import PENSION, make_dataset, project_text

from reviewer import corpus as C
from reviewer.corpus import content_signature, file_sha256
from reviewer.eval.run import render_text, run_eval
from reviewer.pipeline import parse_path


def test_eval_reports_rows_not_checked_per_code(tmp_path):
    data = make_dataset(tmp_path / "d", {"a.txt": project_text("城乡居民养老金补助", PENSION)},
                        [{"doc": "a.txt", "project": None, "indicator": None, "codes": []}])
    report = run_eval(data, use_corpus=False)
    cov = report.to_dict()["coverage"]
    assert cov["EMPTY_ACTUAL"]["checked"] == 4
    # "≥1000人" and "100%" carry no comparator or a known nature: said so, not passed silently.
    assert cov["DIRECTION_ERROR"]["skipped"]
    text = render_text(report)
    assert "已查" in text and "未查原因" in text and "DIRECTION_ERROR：" in text
    assert "rules (micro)" in text and text.splitlines()[-1].startswith("micro P=")


def test_a_corpus_file_of_the_same_name_is_the_document_itself(built_home, monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWER_HOME", str(built_home))
    monkeypatch.delenv("REVIEWER_CORPUS", raising=False)
    original = seed("003")
    edited = tmp_path / original.name  # another version of the same report: one figure changed
    edited.write_text(original.read_text(encoding="utf-8").replace("≥20.5元", "≥21元", 1), encoding="utf-8")
    doc = parse_path(edited)
    corpus = C.open_corpus(None)
    try:
        by_content = corpus.self_documents(file_sha256(edited), content_signature(doc))
        by_name = corpus.self_documents(file_sha256(edited), content_signature(doc), edited.stem)
    finally:
        corpus.close()
    assert not by_content and len(by_name) == 1
