"""Checks on rows of real tables from other provinces and sectors (../shared/realdev/expected.json):
the cases a reviewer would laugh at or miss, each as a general rule; and one rules table that
drives both the findings and the drafts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SEEDS

from reviewer.checks import run_checks
from reviewer.checks.rules import DEFAULT_RULES, KNOWN_KEYS, load_rules
from reviewer.draft import draft_document
from reviewer.draft.figures import compute_figures
from reviewer.errors import InputError
from reviewer.model import Budget, Document, IndicatorRow, Project, Total
from reviewer.text import is_empty_explanation, number
from reviewer.values import to_decimal

REALDEV = SEEDS.parent / "realdev" / "expected.json"


@pytest.fixture(scope="module")
def expected() -> dict:
    if not REALDEV.exists():
        pytest.skip("../shared/realdev not present")
    return json.loads(REALDEV.read_text(encoding="utf-8"))


def real_row(expected: dict, doc: str, indicator: str, **change) -> IndicatorRow:
    """The row as the page holds it (expected.json), optionally with some cells changed."""
    for p in expected[doc]["projects"]:
        for r in p["rows"]:
            if r["indicator"] == indicator:
                cells = {k: r.get(k) for k in ("level1", "level2", "target", "actual", "explanation")}
                cells.update(weight=to_decimal(r.get("weight")), score=to_decimal(r.get("score")))
                cells.update(change)
                return IndicatorRow(id="p1.r1", indicator=indicator, where="row 1", **cells)
    raise KeyError(indicator)


def review(*rows: IndicatorRow, budget: Budget | None = None, total: Total | None = None,
           kind: str = "project_selfeval") -> Document:
    rows = tuple(r.model_copy(update={"id": f"p1.r{i}"}) for i, r in enumerate(rows, 1))
    doc = Document(source="t.txt", year=2022, kind=kind,  # type: ignore[arg-type]
                   projects=[Project(id="p1", name="测试项目", budget=budget, total=total, rows=list(rows))])
    return run_checks(doc)


def codes(doc: Document, row_id: str | None = "p1.r1") -> set[str]:
    return {f.code for f in doc.findings if f.row_id == row_id}


# ---------------------------------------------------------------------- scores


def test_partial_score_is_a_deduction_never_full_marks(expected):
    # yuan_wenwu 验收通过率: 100% → 95%, 6 → 5, no explanation.
    row = real_row(expected, "yuan_wenwu.txt", "指标1:验收通过率")
    assert codes(review(row)) == {"UNEXPLAINED_DEDUCTION", "UNEXPLAINED_DEVIATION"}
    # 0.1 below the weight ("1.9/2") is still a deduction: tolerance never decides full marks.
    near = row.model_copy(update={"score": Decimal("5.9")})
    found = codes(review(near))
    assert "FULL_SCORE_ON_SHORTFALL" not in found and "UNEXPLAINED_DEDUCTION" in found
    full = row.model_copy(update={"score": Decimal(6)})
    assert "FULL_SCORE_ON_SHORTFALL" in codes(review(full))


def test_score_above_the_proportional_rule_is_an_arithmetic_error(expected):
    # ezhou 预算执行率 row: 100% → 83.5%, 20 × 0.835 = 16.7 but 18 given.
    row = real_row(expected, "ezhou_shiminzhongxin.xlsx", "预算执行率")
    [f] = [f for f in review(row).findings if f.code == "ARITHMETIC_ERROR"]
    assert f.row_id == "p1.r1" and "16.7" in f.message and "18" in f.message
    # lingling 木材销售收入: 1100万元 → 1093万元, 6 → 5 is harsher than the rule (5.96): no error.
    harsh = real_row(expected, "lingling_linye_bumen.txt", "木材销售收入")
    assert "ARITHMETIC_ERROR" not in codes(review(harsh))


def test_weight_sum_adds_the_execution_rate_weight_not_its_score(expected):
    # yuan_wenwu: 执行率 weight 9, score 8. Rows weighing 91 + 9 = 100 are right.
    row = real_row(expected, "yuan_wenwu.txt", "指标2:修缮建筑面积", weight=Decimal(91), score=Decimal(91))
    budget = Budget(full=Decimal(29), spent=Decimal("27.8"), rate=Decimal("0.958"), weight=Decimal(9), score=Decimal(8))
    ok = review(row, budget=budget, total=Total(weight=Decimal(100), score=Decimal(99)))
    assert not [f for f in ok.findings if f.row_id is None and "分值合计" in f.message]
    short = row.model_copy(update={"weight": Decimal(90)})
    bad = review(short, budget=budget, total=Total(weight=Decimal(100), score=Decimal(99)))
    [f] = [f for f in bad.findings if "分值合计" in f.message]
    assert "预算执行率分值 9 分为 99" in f.message


def test_weight_sum_not_judged_without_a_total_row(expected):
    # licheng_wenhuaguan: the copy ends before the 效益 rows and has no 总分 row.
    row = real_row(expected, "licheng_wenhuaguan.txt", "全年免费开放")
    doc = review(row, budget=Budget(full=Decimal(45), spent=Decimal(45), weight=Decimal(10), score=Decimal(10)))
    assert not [f for f in doc.findings if f.code == "ARITHMETIC_ERROR"]
    assert doc.coverage["ARITHMETIC_ERROR"].skipped.get("无总分行，分值合计无从核对")


# ---------------------------------------------------------------------- empty cells and phrases


def test_blank_target_and_actual_with_full_marks_is_flagged(expected):
    # Beside a complete row of the same table, so the table does have target and actual columns.
    other = real_row(expected, "yuan_wenwu.txt", "指标2:工程质量管理")
    row = real_row(expected, "yuan_wenwu.txt", "指标2:修缮建筑面积", target="", actual="")
    [f] = [f for f in review(row, other).findings if f.code == "EMPTY_ACTUAL"]
    assert f.evidence["reason"] == "blank_row_scored"
    unscored = row.model_copy(update={"score": None, "weight": None})
    assert "EMPTY_ACTUAL" not in codes(review(unscored, other))


def test_blank_target_where_a_figure_is_due_is_not_measurable(expected):
    other = real_row(expected, "yuan_wenwu.txt", "指标2:工程质量管理")
    row = real_row(expected, "yuan_wenwu.txt", "指标2:修缮建筑面积", target="")
    assert "TARGET_NOT_MEASURABLE" in codes(review(row, other))
    # A table without any target (a results-only layout) is not judged row by row.
    doc = review(row)
    assert "TARGET_NOT_MEASURABLE" not in codes(doc) and doc.coverage["TARGET_NOT_MEASURABLE"].skipped


@pytest.mark.parametrize("phrase", ["达成预期指标", "达到预期", "已达成", "效果明显"])
def test_as_expected_is_empty_when_a_number_was_expected(expected, phrase):
    # yuan_wenwu 工程质量管理: ≥95% → 98%; with the actual replaced by a phrase.
    row = real_row(expected, "yuan_wenwu.txt", "指标2:工程质量管理", actual=phrase)
    assert "EMPTY_ACTUAL" in codes(review(row))
    # Under a qualitative target (a 社会效益 statement) the same phrase may be the answer.
    qual = real_row(expected, "yuan_wenwu.txt", "文物本体安全、体现文物价值,提升知名度", actual=phrase)
    assert "EMPTY_ACTUAL" not in codes(review(qual))


def test_done_target_on_an_output_is_not_measurable(expected):
    # anju 食品安全监管人员培训: 已完成 / 已完成 under 质量指标.
    row = real_row(expected, "anju_shipinjianguan.txt", "指标1:食品安全监管人员培训")
    assert {"EMPTY_ACTUAL", "TARGET_NOT_MEASURABLE"} <= codes(review(row))


def test_copied_noun_answer_is_not_a_copied_target(expected):
    # yuan 修缮级别: 市级保护单位 → 市级保护单位 is an answer; anju 逐步提高 → 逐步提高 is not.
    assert codes(review(real_row(expected, "yuan_wenwu.txt", "指标3:修缮级别"))) == set()
    vague = real_row(expected, "anju_shipinjianguan.txt", "指标2:辖区内公众食品安全科普知识素养")
    assert {"ACTUAL_COPIES_TARGET", "TARGET_NOT_MEASURABLE"} <= codes(review(vague))


def test_approximate_actual_compares_with_a_unitless_target(expected):
    # xuancheng 接受业务培训人数: 200 → 200余人 is met, not a unit clash.
    row = real_row(expected, "xuancheng_dizhen.txt", "指标1:接受业务培训人数")
    assert codes(review(row)) == set()


def test_cost_row_that_reports_the_budget(expected):
    # ezhou 市民中心运行维护费: actual 150万 = the budget, while 125.25万 was spent.
    row = real_row(expected, "ezhou_shiminzhongxin.xlsx", "市民中心运行维护费")
    budget = Budget(full=Decimal(150), spent=Decimal("125.25"), rate=Decimal("0.835"))
    assert "INCONSISTENT_FIGURES" in codes(review(row, budget=budget))
    spent_all = Budget(full=Decimal(150), spent=Decimal(150))
    assert "INCONSISTENT_FIGURES" not in codes(review(row, budget=spent_all))


# ---------------------------------------------------------------------- natures


def test_ceiling_on_a_deliverable_points_the_wrong_way():
    row = IndicatorRow(id="p1.r1", level1="产出指标", level2="数量指标", indicator="开展精品示范村建设数量",
                       target="≤4个", actual="4个", weight=Decimal(10), score=Decimal(10))
    assert "DIRECTION_ERROR" in codes(review(row))
    incidents = row.model_copy(update={"indicator": "安全责任事故发生次数", "target": "≤1次", "actual": "0次"})
    assert "DIRECTION_ERROR" not in codes(review(incidents))


def test_reverse_ratio_without_comparator_is_not_a_shortfall(expected):
    # hengshan 明显变质比例 0 → 0 is met.
    row = real_row(expected, "hengshan_chubeiliang.docx", "县级储备粮库存粮食明显变质比例")
    assert codes(review(row)) == set()


def test_timeliness_fits_and_unknown_natures_are_not_checked(expected):
    pay = IndicatorRow(id="p1.r1", level1="产出指标", level2="时效指标", indicator="年度资金支付完成率",
                       target="100%", actual="100%", weight=Decimal(10), score=Decimal(10))
    assert "CATEGORY_MISMATCH" not in codes(review(pay))
    # hengshan 应急保障率 under 时效指标: neither a time word nor clearly another category.
    unknown = real_row(expected, "hengshan_chubeiliang.docx", "县级储备粮应急保障率")
    doc = review(unknown)
    assert "CATEGORY_MISMATCH" not in codes(doc)
    assert sum(doc.coverage["CATEGORY_MISMATCH"].skipped.values()) == 1
    # A satisfaction rate under 满意度 fits; an incident count there does not (hengshan).
    incident = real_row(expected, "hengshan_chubeiliang.docx", "因粮食市场波动引起的粮食安全事件发生数")
    assert "CATEGORY_MISMATCH" in codes(review(incident))


def test_direction_of_an_unknown_indicator_is_recorded_as_not_checked():
    row = IndicatorRow(id="p1.r1", level2="质量指标", indicator="空气质量综合指数", target="≤4.5", actual="4.2")
    doc = review(row)
    assert "DIRECTION_ERROR" not in codes(doc)
    assert doc.coverage["DIRECTION_ERROR"].checked == 0 and doc.coverage["DIRECTION_ERROR"].skipped


# ---------------------------------------------------------------------- one rules table


def _rules_copy(tmp_path: Path, monkeypatch, **replace: str) -> None:
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("REVIEWER_RULES", str(path))


def _offline_text(doc: Document) -> str:
    return " ".join(d.text for d in draft_document(doc) if d.kind == "explanation")


def test_over_share_in_a_copied_rules_file_changes_findings_and_drafts(expected, tmp_path, monkeypatch):
    # hbust 受资助本专科学生人数: 14726 → 15935 (+8.2 %), under the shipped 30 % line.
    row = real_row(expected, "hbust_zizhu.txt", "受资助本专科学生人数", weight=Decimal(10), score=Decimal(10))
    before = review(row)
    assert "UNEXPLAINED_DEVIATION" not in codes(before) and compute_figures(row).status == "met"
    _rules_copy(tmp_path, monkeypatch, **{"over_share = 0.30": "over_share = 0.05"})
    after = review(row)
    assert "UNEXPLAINED_DEVIATION" in codes(after)
    assert compute_figures(row).status == "over"
    assert "超出比例为8.21%" in _offline_text(after)


def test_qualitative_bands_in_a_copied_rules_file_change_findings_and_drafts(expected, tmp_path, monkeypatch):
    # yuan 项目设计、招标、施工 (时效, 6 points) graded 部分完成 and scored 4.5.
    row = real_row(expected, "yuan_wenwu.txt", "项目设计、招标、施工", actual="部分完成",
                   score=Decimal("4.5"), explanation="招标延期。")
    assert "ARITHMETIC_ERROR" not in codes(review(row))  # 部分达成 allows up to 80 % = 4.8
    assert compute_figures(row).expected_score == "4.8"
    _rules_copy(tmp_path, monkeypatch, **{"partly = [0.6, 0.8]": "partly = [0.5, 0.7]"})
    doc = review(row)
    [f] = [f for f in doc.findings if f.code == "ARITHMETIC_ERROR"]
    assert "4.2" in f.message and "部分达成" in f.message
    assert compute_figures(row).expected_score == "4.2"
    f.id = "f1"
    assert any("4.2" in d.text for d in draft_document(doc) if d.kind == "critique")


def test_partial_credit_off_means_a_miss_earns_nothing(expected, tmp_path, monkeypatch):
    row = real_row(expected, "lingling_linye_bumen.txt", "木材销售收入", explanation="市场价格下跌。")
    assert "ARITHMETIC_ERROR" not in codes(review(row))
    _rules_copy(tmp_path, monkeypatch, **{"partial_credit = true": "partial_credit = false"})
    assert "ARITHMETIC_ERROR" in codes(review(row))
    assert compute_figures(row).expected_score == "0"


def test_execution_cap_in_the_rules_file(tmp_path, monkeypatch):
    budget = Budget(full=Decimal(100), spent=Decimal(90), rate=Decimal("0.9"), weight=Decimal(10), score=Decimal(10))
    row = IndicatorRow(id="p1.r1", indicator="培训人数", target="100人", actual="100人",
                       weight=Decimal(90), score=Decimal(90))
    assert codes(review(row, budget=budget), None) == {"ARITHMETIC_ERROR"}  # 0.9 × 10 = 9, not 10
    _rules_copy(tmp_path, monkeypatch, **{"cap = 1.0": "cap = 0.9"})
    lenient = budget.model_copy(update={"score": Decimal(9)})
    assert codes(review(row, budget=lenient), None) == set()


def test_every_key_of_the_rules_file_is_read(tmp_path):
    import tomllib

    raw = tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))
    for section, keys in raw.items():
        if section in {"similarity", "weights"}:
            continue
        assert set(keys) <= KNOWN_KEYS[section], section
    typo = tmp_path / "rules.toml"
    typo.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace("over_share", "overshare"), encoding="utf-8")
    with pytest.raises(InputError):
        load_rules(typo)


# ---------------------------------------------------------------------- one text module


def test_a_figure_prints_the_same_in_findings_drafts_and_exports():
    from reviewer.export import review_to_html

    row = IndicatorRow(id="p1.r1", indicator="综合得分", target="100分", actual="94.225分",
                       weight=Decimal(100), score=Decimal("94.225"))
    doc = review(row)
    [f] = [f for f in doc.findings if f.code == "UNEXPLAINED_DEDUCTION"]
    assert "得分 94.225" in f.message
    assert compute_figures(row).score == "94.225"
    assert number(Decimal("94.225")) == "94.225"
    html = review_to_html([doc])
    assert "94.225" in html and "94.22<" not in html and "94.23" not in html


def test_one_empty_vocabulary(monkeypatch, tmp_path):
    assert is_empty_explanation("无。") and is_empty_explanation(" 无偏差 ") and not is_empty_explanation("招标延期。")
    (tmp_path / "phrases.toml").write_text('[empty]\nexplanation = ["见附件"]\n', encoding="utf-8")
    monkeypatch.setenv("REVIEWER_VOCAB", str(tmp_path))
    assert is_empty_explanation("见附件")


@pytest.mark.parametrize("level2, indicator, target, wrong", [
    ("数量指标", "新建农村公路里程", "≤100公里", True),  # transport: a deliverable
    ("数量指标", "公路养护里程", "≤500公里", True),
    ("质量指标", "适龄儿童疫苗接种率", "≤95%", True),  # health: a rate to raise
    ("质量指标", "投诉处理率", "≤90%", True),
    ("质量指标", "孕产妇死亡率", "≤10/10万", False),  # a rate to lower
    ("社会效益指标", "交通事故死亡人数", "≤10人", False),
    ("数量指标", "救助人次", "≤1000人次", True),  # social assistance: beneficiaries
    ("成本指标", "门诊次均费用", "≤200元", False),
    ("质量指标", "路灯设施故障率", "≥2%", True),  # a floor on a rate to lower
])
def test_direction_on_other_sectors(level2, indicator, target, wrong):
    row = IndicatorRow(id="p1.r1", level1="产出指标", level2=level2, indicator=indicator, target=target)
    doc = review(row, kind="targets")
    assert ("DIRECTION_ERROR" in codes(doc)) is wrong
    assert doc.coverage["DIRECTION_ERROR"].checked == 1


def test_cost_floor_in_health_is_a_direction_error():
    row = IndicatorRow(id="p1.r1", level1="产出指标", level2="成本指标", indicator="门诊次均费用", target="≥200元")
    assert "DIRECTION_ERROR" in codes(review(row, kind="targets"))


def test_other_provinces_rows_raise_no_false_alarm():
    """realextra rows (housing, education): a cost row under its ceiling, a target in 百分比, a
    repeated figure — none of them is a defect."""
    cost = IndicatorRow(id="p1.r1", level1="产出指标", level2="成本指标", indicator="省级宣传片制作费、申报文本编制费、自评估报告编制费",
                        target="200万", actual="195.5万元", weight=Decimal(10), score=Decimal(10))
    rate = IndicatorRow(id="p1.r1", level1="产出指标", level2="质量指标", indicator="委托业务报告合格率",
                        target="≥100百分比", actual="100", weight=Decimal(8), score=Decimal(8))
    done = IndicatorRow(id="p1.r1", level1="产出指标", level2="数量指标", indicator="完成省级宣传片制作;完成实施方案的编制",
                        target="完成1部宣传片,2套方案", actual="完成1部宣传片,2套方案", weight=Decimal(10), score=Decimal(10))
    for row in (cost, rate, done):
        assert codes(review(row)) == set(), row.indicator


def test_execution_rate_column_in_percent_is_not_ten_thousand_percent():
    # realextra bayannaoer: "执行率(%)" column holding 100 for 2.38 / 2.38.
    row = IndicatorRow(id="p1.r1", level1="产出指标", level2="数量指标", indicator="宗地核查数量",
                       target="≥10宗", actual="12宗", weight=Decimal(90), score=Decimal(90))
    budget = Budget(full=Decimal("2.38"), spent=Decimal("2.38"), rate=Decimal(100), weight=Decimal(10), score=Decimal(10))
    doc = review(row, budget=budget)
    assert not [f for f in doc.findings if f.row_id is None], [f.message for f in doc.findings]
