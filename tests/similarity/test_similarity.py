"""Corpus-based checks on the seeds: misplaced, duplicated, template and boilerplate rows."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from reviewer import corpus as C
from reviewer.model import Document, IndicatorRow, Project
from reviewer.pipeline import parse_path
from reviewer.similarity import CODES, run_similarity


@pytest.fixture
def review(built_home, monkeypatch, seeds_dir):
    """Parse seeds (or given paths/documents) and run the corpus checks against the shipped corpus."""
    monkeypatch.setenv("REVIEWER_HOME", str(built_home))
    monkeypatch.delenv("REVIEWER_CORPUS", raising=False)

    def run(*items, corpus_dir=None):
        docs = []
        for it in items:
            if isinstance(it, Document):
                docs.append(it)
            elif isinstance(it, str) and len(it) == 3:
                docs.append(parse_path(next(seeds_dir.glob(f"{it}_*.txt"))))
            else:
                docs.append(parse_path(it))
        run_similarity(docs, corpus_dir=corpus_dir)
        return docs

    return run


def findings(doc, code):
    return [f for f in doc.findings if f.code == code]


def row_of(doc, f):
    p = next(p for p in doc.projects if p.id == f.project_id)
    return p, next((r for r in p.rows if r.id == f.row_id), None)


def test_004_elevator_rows_are_misplaced_with_the_maintenance_project_as_evidence(review):
    (doc,) = review("004")
    flagged = {}
    for f in findings(doc, "MISPLACED_INDICATOR"):
        p, r = row_of(doc, f)
        flagged[(p.name, r.indicator)] = f
    for ind in ("电梯更换完成次数", "修缮改造任务完成率"):
        f = flagged[("社会保障业务经费", ind)]
        assert f.severity == "warning"
        assert f.evidence["neighbours"][0]["project"] == "劳动力市场基础设施维护维修专项经费"
        assert f.evidence["neighbours"][0]["indicator"] == ind
        assert f.evidence["neighbours"][0]["similarity"] > 0.9
        assert "劳动力市场基础设施维护维修专项经费" in f.message and "社会保障业务经费" in f.message
        # the original stays clean: the rows belong to the maintenance project
        assert ("劳动力市场基础设施维护维修专项经费", ind) not in flagged


def test_a_foreign_row_without_a_copy_anywhere_is_not_accused(review):
    # Precision first: "copied from another project" must name that project. 003's 涉外 row has no
    # copy in the report or the corpus, so it is judged (coverage) but not flagged.
    (doc,) = review("003")
    hits = [row_of(doc, f) for f in findings(doc, "MISPLACED_INDICATOR")]
    assert ("印刷干部考核手册及劳动合同", "反映满足全省涉外活动对外宣品的需求情况") not in \
        {(p.name, r.indicator) for p, r in hits}
    for f in findings(doc, "MISPLACED_INDICATOR"):
        assert f.evidence["source"]["project"] and f.evidence["source_purpose"]


def test_003_copied_tables_are_duplicate_indicator_sets(review):
    (doc,) = review("003")
    flagged = {row_of(doc, f)[0].id for f in findings(doc, "DUPLICATE_INDICATOR_SET")}
    names = {p.id: p.name for p in doc.projects}
    archives = [pid for pid, n in names.items() if n == "档案管理"]
    employment = [pid for pid, n in names.items() if "就业补助" in n]
    assert len(archives) == 2 and set(archives) <= flagged
    assert len(employment) >= 3 and set(employment) <= flagged
    # a table copied into a slightly longer one is flagged from both sides
    insurance = [pid for pid, n in names.items() if n in ("保险信息系统建设", "2024年保险资格认证")]
    assert len(insurance) == 2 and set(insurance) <= flagged
    f = next(f for f in findings(doc, "DUPLICATE_INDICATOR_SET") if f.project_id == archives[0])
    assert f.row_id is None and f.evidence["share"] >= 0.9 and f.evidence["other"]["project"] == "档案管理"
    assert f.evidence["matched"][0]["other"]["project_id"] == archives[1]


def test_004_copied_table_is_a_duplicate_but_the_pension_template_is_not(review):
    (doc,) = review("004")
    flagged = {row_of(doc, f)[0].name for f in findings(doc, "DUPLICATE_INDICATOR_SET")}
    assert {"社会保障业务经费", "劳动力市场基础设施维护维修专项经费"} <= flagged
    # five pension-subsidy tables share a template but carry their own headcounts and amounts
    assert not flagged & {"城乡居民养老保险区级补助", "代发企业退休人员地方生活补贴", "机关事业养老保险财政补助"}


def test_common_words_alone_are_never_misplaced(review):
    docs = review("000", "002", "003", "004")
    for doc in docs:
        for f in findings(doc, "MISPLACED_INDICATOR"):
            _p, r = row_of(doc, f)
            assert "满意" not in r.indicator and "预算执行率" not in r.indicator
            assert "绿色办公" not in r.indicator


def _row(i, ind, target="≥95%", actual="96%"):
    return IndicatorRow(id=f"x.r{i}", indicator=ind, target=target, actual=actual, weight=Decimal(10),
                        score=Decimal(10))


def _doc(source, projects):
    return Document(source=source, kind="project_selfeval", year=2024, projects=[
        Project(id=f"p{j + 1}", name=name, purpose=purpose,
                rows=[r.model_copy(update={"id": f"p{j + 1}.r{i + 1}"}) for i, r in enumerate(rows)])
        for j, (name, purpose, rows) in enumerate(projects)])


def test_a_copied_row_is_flagged_and_shared_satisfaction_rows_are_not(review, tmp_path):
    training = ("职业技能培训补贴", "开展职业技能培训，提高劳动者就业能力",
                [_row(1, "职业技能培训人数", "≥500人", "520人"), _row(2, "培训合格率"), _row(3, "群众满意度"),
                 _row(4, "预算执行率")])
    archive_ok = ("人事档案数字化", "完成人事档案数字化加工",
                  [_row(1, "档案数字化加工册数", "≥1000册", "1020册"), _row(2, "档案数字化合格率"),
                   _row(3, "群众满意度"), _row(4, "预算执行率")])
    archive_bad = ("流动人员档案管理", "保管流动人员人事档案",
                   [_row(1, "档案接收及时率"), _row(2, "职业技能培训人数", "≥500人", "520人"),
                    _row(3, "群众满意度"), _row(4, "预算执行率")])
    clean, = review(_doc(str(tmp_path / "a.docx"), [training, archive_ok]))
    assert not findings(clean, "MISPLACED_INDICATOR") and not findings(clean, "DUPLICATE_INDICATOR_SET")
    dirty, = review(_doc(str(tmp_path / "b.docx"), [training, archive_bad]))
    hits = findings(dirty, "MISPLACED_INDICATOR")
    assert [(f.project_id, f.row_id) for f in hits] == [("p2", "p2.r2")]
    assert hits[0].evidence["neighbours"][0]["project"] == "职业技能培训补贴"


def test_a_reviewed_seed_never_meets_its_own_copy_in_the_corpus(review, seeds_dir, tmp_path):
    renamed = tmp_path / "renamed-report.txt"
    shutil.copy(next(seeds_dir.glob("004_*.txt")), renamed)
    for doc in review("004", renamed):
        assert findings(doc, "MISPLACED_INDICATOR")
        for f in doc.findings:
            for n in f.evidence.get("neighbours", []) + [m["other"] for m in f.evidence.get("matched", [])]:
                assert not (n["scope"] == "历史报告库" and n["source"].startswith("004_")), f.message
                # the other reviewed copy is the same document, not evidence either
                assert n["scope"] != "本次审阅的其他报告", f.message
                # and a project is never its own evidence
                assert not (n["scope"] == "本报告" and n.get("project_id") == f.project_id), f.message


def test_boilerplate_explanations_in_seed_000(review):
    (doc,) = review("000")
    hits = {row_of(doc, f)[1].indicator: f for f in findings(doc, "BOILERPLATE_EXPLANATION")}
    assert "企业职工养老保险退休人员满意度" in hits  # "今后进一步精确计划指标，确保目标得以实现。"
    assert "机关事业单位基本养老地方市级财政补贴" in hits
    assert "数字化加工人次" not in hits  # staff wrote a real cause with figures
    assert "发放教师数量" not in hits
    cov = doc.coverage["BOILERPLATE_EXPLANATION"]
    assert cov.checked >= 4 and cov.skipped["无实质性偏差说明"] > 90


def test_reused_explanation_is_boilerplate(review, tmp_path):
    same = "受疫情影响工作推进缓慢，今后将加强统筹"
    a = ("就业见习补贴", "组织高校毕业生就业见习", [_row(1, "见习人数", "≥100人", "80人").model_copy(
        update={"explanation": same, "score": Decimal(8)})])
    b = ("创业担保贷款贴息", "落实创业担保贷款贴息", [_row(1, "贴息笔数", "≥50笔", "40笔").model_copy(
        update={"explanation": same, "score": Decimal(8)})])
    doc, = review(_doc(str(tmp_path / "c.docx"), [a, b]))
    hits = findings(doc, "BOILERPLATE_EXPLANATION")
    assert len(hits) == 2 and hits[0].evidence["uses"] == 1


def test_generic_and_threshold_patterns(review):
    doc003, doc000 = review("003", "000")
    generic = {row_of(doc003, f)[1].indicator for f in findings(doc003, "GENERIC_INDICATOR")}
    assert {"绿色办公", "实现绿色办公", "控制预算成本内"} <= generic
    assert not any("满意" in g or "执行率" in g for g in generic)
    f = next(f for f in findings(doc003, "GENERIC_INDICATOR") if row_of(doc003, f)[1].indicator == "绿色办公")
    assert f.severity == "info" and f.evidence["projects"] >= 5
    goals = {f.evidence["goal"] for f in findings(doc000, "EXACT_THRESHOLD_PATTERN")}
    assert "绩效目标1" in goals


def test_every_document_reports_coverage_for_every_code(review):
    for doc in review("003", "004"):
        for code in CODES:
            cov = doc.coverage[code]
            assert cov.checked + sum(cov.skipped.values()) > 0, code
    doc004 = review("004")[0]
    assert doc004.coverage["EXACT_THRESHOLD_PATTERN"].skipped == {"无实际完成值（目标表）": 17}
    assert doc004.coverage["MISPLACED_INDICATOR"].skipped["部门整体表（指标覆盖部门全部职能）"] == 51


def test_without_a_corpus_the_report_is_still_compared_with_itself(review, tmp_path):
    (doc,) = review("003", corpus_dir=tmp_path / "no-corpus-here")
    assert len(findings(doc, "DUPLICATE_INDICATOR_SET")) >= 6
    reasons = doc.coverage["MISPLACED_INDICATOR"].skipped
    assert any("历史报告库不可用" in r for r in reasons)


def test_no_corpus_still_compares_the_reviewed_reports_and_says_so(review):
    doc = parse_path(next(p for p in (C.corpus_path(None) / "reports").glob("003_*.txt")))
    run_similarity([doc], use_corpus=False)
    assert len(findings(doc, "DUPLICATE_INDICATOR_SET")) >= 6
    doc004 = parse_path(next(p for p in (C.corpus_path(None) / "reports").glob("004_*.txt")))
    run_similarity([doc004], use_corpus=False)
    assert findings(doc004, "MISPLACED_INDICATOR")  # the elevator rows' source is in the same report
    assert any("--no-corpus" in r for r in doc.coverage["GENERIC_INDICATOR"].skipped)
