"""The checklist's seed examples are found on the right rows, with evidence a reviewer can use."""

import pytest
from conftest import seed

from reviewer.checks import run_checks
from reviewer.pipeline import parse_path


@pytest.fixture(scope="module")
def reviewed():
    return {n: run_checks(parse_path(seed(n))) for n in ("000", "001", "002", "003", "004")}


def found(doc, code, project=None, indicator=None):
    projects = {p.id: p for p in doc.projects}
    rows = {r.id: r for p in doc.projects for r in p.rows}
    out = []
    for f in doc.findings:
        if f.code != code:
            continue
        if project and projects[f.project_id].name != project:
            continue
        if indicator is not None and (f.row_id is None or rows[f.row_id].indicator != indicator):
            continue
        out.append(f)
    return out


def test_score_over_weight_003(reviewed):
    [f] = found(reviewed["003"], "SCORE_OVER_WEIGHT", "劳务派遣人员经费(人社局)")
    assert f.severity == "error" and "20" in f.message and "15" in f.message
    assert f.evidence["cells"]["weight"] == "15" and f.evidence["cells"]["score"] == "20"


def test_unexplained_deduction(reviewed):
    assert found(reviewed["003"], "UNEXPLAINED_DEDUCTION", "劳务派遣人员经费(人社局)", "绿色办公")
    deductions = {(f.evidence["cells"]["weight"], f.evidence["cells"]["score"])
                  for f in found(reviewed["002"], "UNEXPLAINED_DEDUCTION", "表3-2各项指标得分情况表")}
    assert deductions == {("10", "8"), ("10", "9"), ("15", "14")}


def test_shortfall_with_full_marks_002(reviewed):
    doc = reviewed["002"]
    annex = "信阳市平桥区人力资源和社会保障局"
    assert found(doc, "FULL_SCORE_ON_SHORTFALL", annex, "结转结余率")
    [dev] = found(doc, "UNEXPLAINED_DEVIATION", annex, "结转结余率")
    assert dev.evidence["deviation"] == "short"


def test_empty_actual_and_unmeasurable_targets_003(reviewed):
    doc = reviewed["003"]
    rows = sum(len(p.rows) for p in doc.projects)
    assert len(found(doc, "EMPTY_ACTUAL")) > rows * 0.6  # "almost every row: 完成"
    assert found(doc, "TARGET_NOT_MEASURABLE", "劳务派遣人员经费(人社局)", "发放人数,按人数发放率")
    assert found(doc, "ACTUAL_COPIES_TARGET", "城乡居民基础养老金提标县级补助", "城乡居民基础养老金人均标准")


def test_execution_rate_arithmetic_003(reviewed):
    doc = reviewed["003"]
    msgs = [f.message for f in found(doc, "ARITHMETIC_ERROR") if f.row_id is None]
    assert any("99.45%" in m and "5 分" in m for m in msgs)
    assert any("74.98%" in m and "4 分" in m for m in msgs)
    # 93.3% → 9.3 is right and is not flagged.
    assert not [f for f in found(doc, "ARITHMETIC_ERROR", "冀财社[2023]220号省2024年省级就业补助资金") if "执行率" in f.message]


def test_inconsistent_execution_rate_row_003(reviewed):
    [f] = found(reviewed["003"], "INCONSISTENT_FIGURES", "冀财社[2023]220号省2024年省级就业补助资金", "预算执行率")
    assert "93.3%" in f.message and f.evidence["cells"]["actual"] == "100%"
    # The table titled 冀财社[2023]205号 whose 项目名称 names 冀财社[2024]48号.
    assert any(f.row_id is None and "205号" in f.message for f in found(reviewed["003"], "INCONSISTENT_FIGURES"))


def test_direction_errors_004(reviewed):
    doc = reviewed["004"]
    assert found(doc, "DIRECTION_ERROR", "企业职工基本养老保险财政补助", "资金到位率")
    assert found(doc, "DIRECTION_ERROR", "企业养老保险超征奖励", "养老保险扩面征缴资金")
    assert any("≤757人" in f.message for f in found(doc, "DIRECTION_ERROR"))
    # "三公经费"控制率 ≤100% is a ceiling by nature and is not flagged.
    assert not found(reviewed["002"], "DIRECTION_ERROR")


def test_targets_table_gets_only_target_checks(reviewed):
    codes = {f.code for f in reviewed["004"].findings}
    assert codes <= {"TARGET_NOT_MEASURABLE", "DIRECTION_ERROR", "YEAR_MISMATCH", "CATEGORY_MISMATCH"}


def test_year_mismatch(reviewed):
    assert any("2020" in f.message for f in found(reviewed["002"], "YEAR_MISMATCH"))
    assert any("2022" in f.message for f in found(reviewed["004"], "YEAR_MISMATCH", "人力资源服务产业园运行经费"))


def test_category_mismatch_003(reviewed):
    f = found(reviewed["003"], "CATEGORY_MISMATCH", "兴隆县机关事业单位养老保险预算县级补助资金".removeprefix("兴隆县"))
    assert any("生态" in x.message and "养老金发放率" in x.message for x in f)


def test_clean_rows_stay_clean(reviewed):
    # Seed 000's 绩效目标1 rows meet their targets exactly: no deviation, no deduction findings.
    doc = reviewed["000"]
    goal1 = {r.id for p in doc.projects for r in p.rows if r.goal == "绩效目标1"}
    bad = [f for f in doc.findings if f.row_id in goal1 and f.code in {
        "UNEXPLAINED_DEVIATION", "UNEXPLAINED_DEDUCTION", "FULL_SCORE_ON_SHORTFALL", "ARITHMETIC_ERROR"}]
    assert not bad


def test_coverage_says_what_was_not_looked_at(reviewed):
    cov = reviewed["000"].coverage
    assert cov["UNEXPLAINED_DEVIATION"].checked > 50
    assert cov["UNEXPLAINED_DEVIATION"].skipped.get("指标值为定性表述", 0) > 0
    assert "FULL_SCORE_ON_SHORTFALL" not in reviewed["004"].coverage  # targets: not applicable


def test_rules_are_configuration(tmp_path, monkeypatch):
    from reviewer.checks.rules import DEFAULT_RULES

    strict = tmp_path / "rules.toml"
    strict.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace("over_share = 0.30", "over_share = 0.01"),
                      encoding="utf-8")
    monkeypatch.setenv("REVIEWER_RULES", str(strict))
    doc = run_checks(parse_path(seed("000")))
    # With a 1 % over-achievement threshold, 33.96万人 vs ≥33.08万人 needs an explanation.
    assert found(doc, "UNEXPLAINED_DEVIATION", indicator="机关事业单位基本养老保险保证退休人员养老金正常发放人数")


def test_zero_budget_projects_in_a_report_list(reviewed):
    flagged = {f.evidence.get("score") for f in found(reviewed["001"], "ARITHMETIC_ERROR")}
    names = [p.name for p in reviewed["001"].projects
             if any(f.project_id == p.id for f in found(reviewed["001"], "ARITHMETIC_ERROR"))]
    assert names == ["社保卡补卡换卡经费", "事业单位公开招聘经费"] and flagged == {"90"}


def test_two_department_tables_disagree_002(reviewed):
    msgs = [f.message for f in found(reviewed["002"], "INCONSISTENT_FIGURES")]
    assert any("合理" in m and "一般合理" in m for m in msgs)
    assert any("98.95%" in m for m in msgs)
    # "(100%)" and "100%" are the same figure: 预算执行率's actual is not flagged, only its target.
    assert not any("预算执行率" in m and "实际完成值" in m for m in msgs)


def test_short_copies_and_slogans(reviewed):
    assert found(reviewed["000"], "ACTUAL_COPIES_TARGET", indicator="对就业困难人员的帮扶力度")
    assert found(reviewed["000"], "EMPTY_ACTUAL", indicator="求职创业发放率")
    # An actual that states figures in words is not empty.
    assert not found(reviewed["003"], "EMPTY_ACTUAL", indicator="符合条件的城乡居民")
